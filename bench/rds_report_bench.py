"""Benchmark of the RDS report PDF (issue 5, "RDS report"); prints measured figures.

    python bench/rds_report_bench.py [--respondents 5000] [--tasks 300] [--domains 12]
                                     [--repeat 3]

Generates survey data (task effects + respondent leniency + noise, 5% blanks, 4 demographic
variables), runs the real engine (``rds.analysis.analyze``) to get the result dict, builds a
study context with a task statement and three KSA statements per task, then times
``rds.report.rds_report`` (charts included). The first call pays one-off costs (matplotlib's
font cache, reportlab's font metrics) and is shown apart; the goal is under 3 s.
Not part of the test run.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from rds.analysis.engine import analyze  # noqa: E402
from rds.report.document import ReportContext, rds_report  # noqa: E402

DEMOGRAPHICS = {
    "role": ["Certified peer specialist", "Trainee", "Peer supervisor", "Other"],
    "years_experience": ["<1", "1-3", "3-5", "5-10", "10+"],
    "setting": [
        "Peer-run organization",
        "Community mental health center",
        "Hospital / ER",
        "Jail or forensic program",
        "VA",
        "Recovery community organization",
    ],
    "region": ["North", "South", "East", "West", "Central"],
}
GOAL_SECONDS = 3.0


def generate(n_resp: int, n_tasks: int, n_domains: int, seed: int = 5) -> dict[str, object]:
    """Ratings 0-4 with some tasks rarely performed or unimportant, and blanks."""
    rng = np.random.default_rng(seed)
    task_ids = [f"D{j % n_domains + 1:02d}T{j // n_domains + 1:03d}" for j in range(n_tasks)]
    domains = [f"Performance domain {j % n_domains + 1}: peer practice" for j in range(n_tasks)]
    matrices = []
    for shift in (2.6, 2.2):
        task = rng.normal(shift, 0.7, n_tasks)
        person = rng.normal(0.0, 0.5, (n_resp, 1))
        x = np.clip(np.rint(task + person + rng.normal(0.0, 0.8, (n_resp, n_tasks))), 0, 4)
        x[rng.random(x.shape) < 0.05] = np.nan
        matrices.append(x)
    demographics = {
        name: [levels[i] for i in rng.integers(0, len(levels), n_resp)]
        for name, levels in DEMOGRAPHICS.items()
    }
    return {
        "task_ids": task_ids,
        "domains": domains,
        "importance": matrices[0],
        "frequency": matrices[1],
        "demographics": demographics,
    }


def context_for(task_ids: list[str], domains: list[str], population: int) -> ReportContext:
    """A study context with statements and KSAs for every task, 14 SMEs and 5 overrides."""
    scope: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for number, (task_id, domain) in enumerate(zip(task_ids, domains, strict=True)):
        statement = (
            f"Support the individual in setting and reaching self-identified recovery goals "
            f"using shared lived experience (task {number + 1})"
        )
        ksas = (
            "Knowledge of recovery-oriented principles and trauma-informed approaches",
            "Skill in active listening and motivational conversation",
            "Ability to recognise and respect the individual's choices",
        )
        scope.setdefault(domain, []).append((task_id, statement, ksas))
    return ReportContext(
        board_name="Nebraska Peer Support Certification Board",
        credential_name="Certified Peer Support Specialist",
        study_title="Role Delineation Study 2026",
        study_version=3,
        purpose="Define the practice of peer support and derive the exam blueprint.",
        target_audience="Peer support specialists in behavioral health settings.",
        minimum_requirements="High school diploma or GED; 40-hour training; lived experience.",
        started_on=date(2026, 3, 2),
        survey_opens_on=date(2026, 6, 1),
        survey_closes_on=date(2026, 7, 15),
        incumbents=population,
        invitations=population - 500,
        sme_panel=tuple(
            (f"SME {i + 1}", "Peer supervisor, community mental health", 5 + i) for i in range(14)
        ),
        domains=tuple((d, tuple(ts)) for d, ts in scope.items()),
        overrides=tuple((t, False, "Overlaps another task after SME review") for t in task_ids[:5]),
        blueprint_status="approved",
        approved_by="Dr. Jane Smith",
        approved_on=date(2026, 9, 1),
        generated_at=datetime(2026, 11, 23, 14, 5, tzinfo=UTC),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=5000)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--domains", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the PDF here")
    args = parser.parse_args(argv)

    data = generate(args.respondents, args.tasks, args.domains)
    population = args.respondents * 4
    start = time.perf_counter()
    result = analyze(
        data["task_ids"],  # type: ignore[arg-type]
        data["domains"],  # type: ignore[arg-type]
        data["importance"],  # type: ignore[arg-type]
        data["frequency"],  # type: ignore[arg-type]
        data["demographics"],  # type: ignore[arg-type]
        items=150,
        population=population,
    ).to_dict()
    analysis_seconds = time.perf_counter() - start
    context = context_for(data["task_ids"], data["domains"], population)  # type: ignore[arg-type]

    times: list[tuple[float, float]] = []  # (wall, CPU) seconds per call
    pdf = b""
    for _ in range(max(1, args.repeat)):
        wall, cpu = time.perf_counter(), time.process_time()
        pdf = rds_report(context, result)
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    if args.out:
        args.out.write_bytes(pdf)

    warm = min(times[1:] or times)
    print(
        f"data: {args.respondents} respondents x {args.tasks} tasks, {args.domains} domains, "
        f"{len(DEMOGRAPHICS)} demographic variables; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
    print(f"engine analysis (not part of the report): {analysis_seconds:6.2f} s")
    print(
        f"rds_report, first call in the process:    {times[0][0]:6.2f} s ({times[0][1]:.2f} s CPU)"
    )
    print(
        f"rds_report, best of the next {len(times) - 1} calls:      {warm[0]:6.2f} s "
        f"({warm[1]:.2f} s CPU)"
    )
    print(f"pages: {pages}, PDF size: {len(pdf) / 1024:.0f} KiB")
    verdict = "meets" if warm[0] < GOAL_SECONDS else "misses"
    print(f"goal: under {GOAL_SECONDS:.0f} s -> {verdict} the goal")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
