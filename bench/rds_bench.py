"""Benchmark of the RDS analysis engine (issue 4, "Speed"); prints measured figures.

    python bench/rds_bench.py [--respondents 10000] [--tasks 300] [--also 2500x300] ...

For each size it generates complete 0-4 ratings (plus two demographic columns) and times,
on the same data:

(a) the engine's full analysis of both scales from in-memory arrays (``rds.analysis``);
(b) the same reliability statistics through pingouin: ``cronbach_alpha`` and
    ``intraclass_corr`` per scale (from wide data, long format built outside the timing);
(c) the command line end to end, CSV -> JSON, as a subprocess.

Then (issue 15) the ICCs from every rating (``rds.mixed_icc.mixed_icc``, the crossed REML
fit of psych ``ICC(x, lmer=TRUE)``) on one scale at 2,000 x 150 and 10,000 x 300 with 5%
of the ratings blank, and R psych ``ICC(x, lmer=TRUE)`` beside it at 2,000 x 150 when
Rscript is installed (``--mixed-only`` runs just this part).

Then the analysis run as the web page runs it (issue 15): a study of 5,000 submitted web
responses x 300 tasks (``--web-size``) stored in a fresh SQLite file, and in a fresh
PostgreSQL database next to ``--web-postgres`` when given; a psychometrician's POST of the
analysis form through the Flask test client (screening, the engine, the stored version, the
redirect; the gunicorn worker's timeout is 30 s), then the GET of the version page it
redirects to (``--web-only`` runs just this part).

Peak memory: (a) numpy/Python allocations traced by ``tracemalloc`` in a separate run;
(c) the peak resident set size (VmHWM) the CLI process reports at exit. Not part of the
test run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rds.analysis.engine import analyze  # noqa: E402
from rds.mixed_icc import mixed_icc  # noqa: E402
from rds.reliability import ICC_FORMS, cronbach_alpha, intraclass_corr  # noqa: E402

ROLES = ["Certified peer specialist", "Trainee", "Peer supervisor", "Other"]
REGIONS = ["North", "South", "East", "West"]


def generate(n_resp: int, n_tasks: int, seed: int = 4, missing: float = 0.0) -> dict[str, object]:
    """Survey data: task effects + respondent leniency + noise, rounded to 0..4."""
    rng = np.random.default_rng(seed)
    task_ids = [f"T{j + 1:04d}" for j in range(n_tasks)]
    domains = [f"Domain {j % 8 + 1}" for j in range(n_tasks)]
    matrices = []
    for shift in (2.6, 2.2):
        task = rng.normal(shift, 0.6, n_tasks)
        person = rng.normal(0.0, 0.5, (n_resp, 1))
        x = np.clip(np.rint(task + person + rng.normal(0.0, 0.8, (n_resp, n_tasks))), 0, 4)
        if missing:
            x[rng.random(x.shape) < missing] = np.nan
        matrices.append(x)
    demographics = {
        "role": [ROLES[i] for i in rng.integers(0, len(ROLES), n_resp)],
        "region": [REGIONS[i] for i in rng.integers(0, len(REGIONS), n_resp)],
    }
    return {
        "task_ids": task_ids,
        "domains": domains,
        "importance": matrices[0],
        "frequency": matrices[1],
        "demographics": demographics,
    }


def run_engine(data: dict[str, object]) -> object:
    return analyze(
        data["task_ids"],  # type: ignore[arg-type]
        data["domains"],  # type: ignore[arg-type]
        data["importance"],  # type: ignore[arg-type]
        data["frequency"],  # type: ignore[arg-type]
        data["demographics"],  # type: ignore[arg-type]
        items=150,
        population=50_000,
    )


def time_runs(func, repeat: int) -> tuple[float, float]:
    """Best and median wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times))


def engine_reliability(data: dict[str, object]) -> dict[str, list[float]]:
    """Alpha and the six ICCs per scale, as the engine computes them."""
    values = {}
    for key in ("importance", "frequency"):
        x = np.asarray(data[key])
        icc = intraclass_corr(x.T).estimates
        values[key] = [cronbach_alpha(x).alpha] + [icc[f].value for f in ICC_FORMS]
    return values


def pingouin_reliability(
    data: dict[str, object], respondents: int | None
) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Time pingouin's alpha and ICC per scale (on the first ``respondents`` if given)."""
    import pandas as pd
    import pingouin as pg

    seconds: dict[str, float] = {"alpha": 0.0, "icc": 0.0}
    values: dict[str, list[float]] = {}
    for key in ("importance", "frequency"):
        x = np.asarray(data[key])
        if respondents is not None:
            x = x[:respondents]
        wide = pd.DataFrame(x, columns=data["task_ids"])  # type: ignore[arg-type]
        n_resp, n_tasks = x.shape
        long = pd.DataFrame(
            {
                "task": np.tile(np.arange(n_tasks), n_resp),
                "respondent": np.repeat(np.arange(n_resp), n_tasks),
                "rating": x.ravel(),
            }
        )
        start = time.perf_counter()
        alpha, _ = pg.cronbach_alpha(data=wide)
        seconds["alpha"] += time.perf_counter() - start
        start = time.perf_counter()
        table = pg.intraclass_corr(data=long, targets="task", raters="respondent", ratings="rating")
        seconds["icc"] += time.perf_counter() - start
        values[key] = [float(alpha)] + [float(v) for v in table["ICC"]]
    return seconds, values


def write_csvs(data: dict[str, object], folder: Path) -> tuple[Path, Path]:
    import pandas as pd

    tasks = folder / "tasks.csv"
    pd.DataFrame(
        {"task_id": data["task_ids"], "domain": data["domains"], "statement": "Do the task"}
    ).to_csv(tasks, index=False)
    imp, freq = np.asarray(data["importance"]), np.asarray(data["frequency"])
    n_resp = imp.shape[0]
    columns: dict[str, object] = {"respondent_id": [f"R{i:06d}" for i in range(n_resp)]}
    columns.update(data["demographics"])  # type: ignore[arg-type]
    for j, tid in enumerate(data["task_ids"]):  # type: ignore[arg-type]
        columns[f"{tid}_importance"] = imp[:, j].astype(np.int8)
        columns[f"{tid}_frequency"] = freq[:, j].astype(np.int8)
    responses = folder / "responses.csv"
    pd.DataFrame(columns).to_csv(responses, index=False)
    return tasks, responses


_CHILD = """
import atexit, runpy, sys

PEAK_FILE = sys.argv.pop(1)

def report():
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM"))
    with open(PEAK_FILE, "w") as out:
        out.write(peak.split()[1])

atexit.register(report)
sys.argv[0] = "rds"
runpy.run_module("rds", run_name="__main__", alter_sys=True)
"""


def run_cli(tasks: Path, responses: Path, out: Path) -> tuple[float, float, int]:
    """Wall time, peak resident memory (MB) and exit code of ``python -m rds analyze``.

    The child reports its own VmHWM at exit: ``ru_maxrss`` of a child started by
    fork/vfork also counts the parent's pages and would be misleading here.
    """
    peak_file = out.with_suffix(".peak")
    cmd = [sys.executable, "-c", _CHILD, str(peak_file), "analyze", "--tasks", str(tasks)]
    cmd += ["--responses", str(responses), "--json", str(out), "--quiet"]
    start = time.perf_counter()
    code = subprocess.run(cmd, cwd=ROOT).returncode
    elapsed = time.perf_counter() - start
    peak_kb = float(peak_file.read_text()) if peak_file.exists() else float("nan")
    return elapsed, peak_kb / 1024, code


def bench_size(n_resp: int, n_tasks: int, args: argparse.Namespace) -> dict[str, float]:
    print(f"\n== {n_resp:,} respondents x {n_tasks} tasks (both scales, complete data) ==")
    data = generate(n_resp, n_tasks)
    run_engine(data)  # warm-up: imports, BLAS threads, page faults
    best, median = time_runs(lambda: run_engine(data), args.repeat)
    print(
        f"(a) engine full analysis, in memory     : {best:8.3f} s "
        f"(best of {args.repeat}; median {median:.3f} s)"
    )
    rel_best, _ = time_runs(lambda: engine_reliability(data), args.repeat)
    print(f"    of which alpha + 6 ICCs, both scales: {rel_best:8.3f} s")
    tracemalloc.start()
    run_engine(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    input_mb = 2 * np.asarray(data["importance"]).nbytes / 2**20
    print(
        f"    peak memory of (a), tracemalloc     : {peak / 2**20:8.1f} MB allocated during "
        f"the analysis (inputs: {input_mb:.1f} MB more)"
    )
    figures = {"a": best, "a_mem": peak / 2**20}
    if args.missing > 0:
        blanks = generate(n_resp, n_tasks, missing=args.missing)
        run_engine(blanks)
        m_best, _ = time_runs(lambda: run_engine(blanks), args.repeat)
        print(
            f"    same with {args.missing:.0%} blank ratings (pairwise) : {m_best:8.3f} s "
            "(pairwise covariances: O(respondents x tasks^2) matrix products)"
        )

    if not args.skip_pingouin:
        sub = args.pingouin_respondents if args.pingouin_respondents < n_resp else None
        seconds, pg_values = pingouin_reliability(data, sub)
        pg_total = seconds["alpha"] + seconds["icc"]
        label = "all respondents" if sub is None else f"first {sub:,} respondents ONLY"
        print(
            f"(b) pingouin alpha + ICC, both scales   : {pg_total:8.3f} s "
            f"(alpha {seconds['alpha']:.3f} s, ICC {seconds['icc']:.3f} s; {label})"
        )
        if sub is None:
            ours = engine_reliability(data)
            diff = max(abs(a - b) for k in ours for a, b in zip(ours[k], pg_values[k], strict=True))
            print(f"    largest |engine - pingouin| value   : {diff:8.1e}")
            print(f"    ratio (b)/(a), full analysis        : {pg_total / best:8.1f} x")
            print(f"    ratio (b)/(alpha + ICC of (a))      : {pg_total / rel_best:8.1f} x")
            figures["b"] = pg_total
        else:
            print("    no ratio: (b) ran on a subsample, (a) on all respondents")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tasks, responses = write_csvs(data, folder)
        size_mb = responses.stat().st_size / 2**20
        runs = [run_cli(tasks, responses, folder / "out.json") for _ in range(args.cli_repeat)]
        elapsed = min(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        code = max(r[2] for r in runs)
        print(
            f"(c) CLI end to end, CSV -> JSON         : {elapsed:8.3f} s "
            f"(best of {args.cli_repeat}; responses.csv {size_mb:.1f} MB, exit {code})"
        )
        print(f"    peak memory of (c), child VmHWM     : {rss:8.1f} MB")
        figures.update(c=elapsed, c_mem=rss)
    return figures


R_ICC = """
suppressPackageStartupMessages(library(psych))
x <- as.matrix(read.csv("x.csv", header = FALSE, na.strings = "nan"))
t <- system.time(r <- ICC(x, lmer = TRUE))[["elapsed"]]
cat(t, r$results$ICC[2], "\\n")
"""


def bench_mixed(sizes: list[tuple[int, int]], missing: float, repeat: int, with_r: bool) -> None:
    """Time the crossed REML ICCs (and R psych's at the first size when R is present)."""
    print(f"\n== ICCs from every rating (crossed REML), one scale, {missing:.0%} blank ==")
    for index, (n_resp, n_tasks) in enumerate(sizes):
        data = generate(n_resp, n_tasks, seed=15, missing=missing)
        x = np.ascontiguousarray(np.asarray(data["importance"]).T)  # tasks x respondents
        mixed_icc(x[:10, :50])  # warm-up: imports
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = mixed_icc(x)
            times.append(time.perf_counter() - start)
        fit = result.fit
        evaluations = fit.evaluations if fit is not None else 0
        icc2 = result.estimates["ICC2"].value
        print(
            f"    {n_resp:>6,} x {n_tasks:<4} mixed_icc           : {min(times):8.3f} s "
            f"(best of {repeat}; {result.n_ratings:,} ratings, {evaluations} evaluations "
            f"of the REML criterion, ICC2 {icc2:.6f})"
        )
        rscript = shutil.which("Rscript")
        if index == 0 and with_r and rscript:
            with tempfile.TemporaryDirectory() as tmp:
                np.savetxt(Path(tmp) / "x.csv", x, delimiter=",", fmt="%.17g")
                (Path(tmp) / "icc.R").write_text(R_ICC, encoding="utf-8")
                proc = subprocess.run(
                    [rscript, "--vanilla", "icc.R"], cwd=tmp, capture_output=True, text=True
                )
            if proc.returncode == 0 and proc.stdout.split():
                r_time, r_icc2 = (float(v) for v in proc.stdout.split()[:2])
                print(
                    f"    {n_resp:>6,} x {n_tasks:<4} R psych ICC(lmer=TRUE): {r_time:8.3f} s "
                    f"(ICC2 {r_icc2:.6f}; |difference| {abs(r_icc2 - icc2):.1e}, lme4 "
                    f"stopping at its default tolerance); ratio {r_time / min(times):.0f} x"
                )
            else:
                print(f"    R psych failed: {proc.stderr.strip()[-300:]}")
        elif index == 0 and with_r:
            print("    (no Rscript: apt-get install -y r-base-core r-cran-psych r-cran-lme4)")
    print("Goal: under 10 s at 10,000 x 300 (R psych took 133 s there on a 2-core machine).")


def seed_web_study(url: str, n_resp: int, n_tasks: int) -> tuple[Any, int]:
    """An app on ``url`` with a board administrator and an open study of ``n_tasks`` tasks in
    12 domains and ``n_resp`` submitted web responses (3% of the tasks skipped)."""
    from datetime import timedelta

    from flask_migrate import upgrade
    from sqlalchemy import insert

    from app import create_app
    from core.accounts import grant_role
    from core.config import TestingConfig
    from core.extensions import db
    from core.models import Board, Role, User, utcnow
    from rds.models import DemographicQuestion, Domain, Study, SurveyResponse, Task

    config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    chart_folder = tempfile.mkdtemp(prefix="rds-bench-charts-")
    app = create_app(
        config
        | {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "RDS_CHART_CACHE": chart_folder,
            "RDS_CHART_WARM": True,  # as in production: the run starts drawing its charts
            "BASE_URL": "http://localhost",
        }
    )
    data = generate(n_resp, n_tasks, seed=5, missing=0.0)
    imp = np.asarray(data["importance"]).astype(int)
    freq = np.asarray(data["frequency"]).astype(int)
    skipped = np.random.default_rng(6).random(imp.shape) < 0.03
    codes: list[str] = data["task_ids"]  # type: ignore[assignment]
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))  # the real schema, with its indexes
        board = Board(slug="bench", name="Bench board", jurisdiction="BENCH")
        db.session.add(board)
        db.session.flush()
        admin = User(email="admin@bench.org", full_name="Admin", activated_at=utcnow())
        admin.set_password(WEB_PASSWORD)
        db.session.add(admin)
        db.session.flush()
        grant_role(db.session, admin, Role.BOARD_ADMIN, board)
        today = utcnow().date()
        study = Study(
            board_id=board.id,
            title="Bench RDS",
            started_on=today - timedelta(days=60),
            status="survey_open",
            incumbents=20_000,
            public_token="bench-token",
        )
        db.session.add(study)
        db.session.flush()
        domains = [
            Domain(board_id=board.id, study_id=study.id, name=f"Domain {i + 1}", position=i)
            for i in range(12)
        ]
        db.session.add_all(domains)
        db.session.flush()
        db.session.add_all(
            Task(
                board_id=board.id,
                study_id=study.id,
                domain_id=domains[j * 12 // n_tasks].id,
                code=code,
                position=j,
                statement=f"Task statement {j + 1}",
                sme_resolution="keep",
            )
            for j, code in enumerate(codes)
        )
        for i, key in enumerate(("role", "region")):
            options = ROLES if key == "role" else REGIONS
            db.session.add(
                DemographicQuestion(
                    board_id=board.id,
                    study_id=study.id,
                    key=key,
                    label=key.title(),
                    options=options,
                    position=i,
                )
            )
        demographics: dict[str, list[str]] = data["demographics"]  # type: ignore[assignment]
        rows = []
        for r in range(n_resp):
            kept = np.flatnonzero(~skipped[r])
            rows.append(
                {
                    "board_id": board.id,
                    "study_id": study.id,
                    "status": "submitted",
                    "source": "web",
                    "demographics": {k: v[r] for k, v in demographics.items()},
                    "ratings": {codes[j]: [int(imp[r, j]), int(freq[r, j])] for j in kept},
                    "pages_done": [],
                    "submitted_on": today,
                    "seconds_taken": 900 + r % 600,
                }
            )
            if len(rows) == 500:
                db.session.execute(insert(SurveyResponse), rows)
                rows = []
        if rows:
            db.session.execute(insert(SurveyResponse), rows)
        db.session.commit()
        return app, study.id


WEB_PASSWORD = "bench horse battery staple"
WEB_RUN = {
    "method": "multiplicative",
    "importance_min": "2.0",
    "performing_min": "0.5",
    "items": "150",
    "min_per_domain": "0",
    "min_group": "30",
    "importance_basis": "all",
    "importance_rule": "mean",
}


def bench_web(label: str, url: str, n_resp: int, n_tasks: int, repeat: int) -> None:
    """Time the analysis form's POST and the version page it redirects to."""
    start = time.perf_counter()
    app, study_id = seed_web_study(url, n_resp, n_tasks)
    seeded = time.perf_counter() - start
    client = app.test_client()
    login = client.post("/login", data={"email": "admin@bench.org", "password": WEB_PASSWORD})
    if login.status_code != 302:
        print(f"    {label}: login failed ({login.status_code})")
        return
    posts, pages, cpu = [], [], []
    for _ in range(repeat):
        start, thread_start = time.perf_counter(), time.thread_time()
        response = client.post(f"/studies/{study_id}/analysis", data=WEB_RUN)
        posts.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - thread_start)
        if response.status_code != 302:
            print(f"    {label}: the run answered {response.status_code}")
            return
        start = time.perf_counter()
        page = client.get(response.headers["Location"])
        pages.append(time.perf_counter() - start)
        assert page.status_code == 200
    print(
        f"    {label:<10} run (POST)  : {min(posts):8.2f} s (best of {repeat}; "
        f"median {float(np.median(posts)):.2f} s; seeding took {seeded:.0f} s)"
    )
    print(
        f"    {label:<10}   its CPU time: {min(cpu):8.2f} s (the request's thread; less "
        "sensitive than wall time to a busy machine)"
    )
    print(
        f"    {label:<10} version page: {min(pages):8.2f} s "
        f"(median {float(np.median(pages)):.2f} s)"
    )


def fresh_postgres(base: str) -> tuple[str, str]:
    """A new empty database next to ``base``: (SQLAlchemy URL, its name)."""
    import secrets
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    plain = base.replace("postgresql+psycopg://", "postgresql://")
    name = "rds_bench_" + secrets.token_hex(4)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(plain)._replace(scheme="postgresql+psycopg", path="/" + name)
    return urlunsplit(parts), name


def drop_postgres(base: str, name: str) -> None:
    import psycopg

    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_web_all(size: str, postgres: str | None, repeat: int) -> None:
    import logging

    logging.disable(logging.INFO)  # one request log line per request would hide the figures
    n_resp, n_tasks = (int(v) for v in size.lower().split("x"))
    print(
        f"\n== web analysis run, {n_resp:,} submitted responses x {n_tasks} tasks "
        "(3% skipped), as the page runs it =="
    )
    with tempfile.TemporaryDirectory() as tmp:
        bench_web("SQLite", f"sqlite:///{tmp}/bench.sqlite", n_resp, n_tasks, repeat)
    if postgres:
        url, name = fresh_postgres(postgres)
        try:
            bench_web("PostgreSQL", url, n_resp, n_tasks, repeat)
        finally:
            drop_postgres(postgres, name)
    print("Goal: a few seconds (the gunicorn worker's timeout is 30 s; it took 23-32 s before).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument(
        "--also",
        action="append",
        default=None,
        help="extra sizes RxT to show growth (default 5000x300 and 2500x300)",
    )
    parser.add_argument("--repeat", type=int, default=7, help="runs of (a); best is shown")
    parser.add_argument("--cli-repeat", type=int, default=3, help="runs of (c); best is shown")
    parser.add_argument(
        "--missing", type=float, default=0.02, help="also time the engine with this share blank"
    )
    parser.add_argument("--skip-pingouin", action="store_true")
    parser.add_argument("--mixed-only", action="store_true", help="only the REML ICC timings")
    parser.add_argument("--skip-r", action="store_true", help="do not time R psych")
    parser.add_argument("--mixed-repeat", type=int, default=3, help="runs of each REML timing")
    parser.add_argument("--web-only", action="store_true", help="only the web analysis run")
    parser.add_argument("--web-size", default="5000x300", help="responses x tasks of the web run")
    parser.add_argument("--web-repeat", type=int, default=3, help="runs of the web analysis")
    parser.add_argument(
        "--web-postgres",
        default=os.environ.get("PEERCERT_TEST_DATABASE_URL"),
        help="PostgreSQL server URL: also time the web run on a fresh database there",
    )
    parser.add_argument(
        "--pingouin-respondents",
        type=int,
        default=10**9,
        help="run pingouin on only this many respondents (if it is too slow)",
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(
        f"Python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
        f"load average {load:.2f} at start"
    )
    mixed_sizes = [(2_000, 150), (10_000, 300)]
    if args.web_only:
        bench_web_all(args.web_size, args.web_postgres, args.web_repeat)
        return
    if args.mixed_only:
        bench_mixed(mixed_sizes, 0.05, args.mixed_repeat, not args.skip_r)
        return
    sizes = [(args.respondents, args.tasks)]
    for extra in args.also if args.also is not None else ["5000x300", "2500x300"]:
        r, t = (int(v) for v in extra.lower().split("x"))
        sizes.append((r, t))
    results = {size: bench_size(*size, args) for size in sizes}
    print("\n== growth: per million ratings (respondents x tasks x 2 scales) ==")
    print("    size            (a) s/M   (a) MB/M   (c) s     (c) MB    (b) s/M")
    for (r, t), fig in results.items():
        cells = 2 * r * t / 1e6
        b = f"{fig['b'] / cells:9.3f}" if "b" in fig else "        -"
        print(
            f"    {r:>6,}x{t:<6} {fig['a'] / cells:9.4f} {fig['a_mem'] / cells:9.1f} "
            f"{fig['c']:9.3f} {fig['c_mem']:9.1f} {b}"
        )
    print("\nGoals: (a) < 0.5 s and >= 20x faster than (b); (c) < 5 s; peak memory < 1 GB.")
    bench_mixed(mixed_sizes, 0.05, args.mixed_repeat, not args.skip_r)
    bench_web_all(args.web_size, args.web_postgres, args.web_repeat)


if __name__ == "__main__":
    main()
