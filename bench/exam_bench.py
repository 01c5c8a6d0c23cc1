"""Benchmark of exams (issue 14); prints figures. Not part of the test run.

    python bench/exam_bench.py [--section NAME ...] [--runs 5]

Sections (all by default; each is a function in SECTIONS, taking the parsed arguments):

* ``scoring``: scoring and item analysis of --candidates (5,000) x --items (150) simulated
  responses (a two-parameter logistic model, four options, 1% omitted, 10 pretest items,
  five domains, a cut and a linear scale): exams.scoring.analyze as the pages and
  ``python -m exams analyze`` call it, then the JSON-ready document, then the same through
  the command line from CSV files (reading included). Goal: analyze under 1 s.
* ``assembly``: form assembly from a --bank (3,000) item bank against a --length (150)
  item blueprint of 6 domains and 18 tasks, with --enemies (300) enemy pairs and an earlier
  form to limit overlap with: the pure exams.assembly.assemble alone, then the whole
  service (exams.forms.services.build_form: reading the approved items and enemies, the
  assembly, storing the form and its items) on a migrated database with the blueprint
  approved in an RDS study (SQLite in a temporary folder, or a fresh PostgreSQL database
  next to --database). Goal: under 2 s.
* ``delivery``: --sitters (200) candidates answering a --items form at once, through
  gunicorn (2 sync workers) and PostgreSQL on loopback, every click saved as the sitting
  page's script saves it; p95 answer-save latency (goal < 100 ms) and the stored answers
  counted afterwards. See bench/exam_delivery.py.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import exam_delivery  # noqa: E402  (bench/exam_delivery.py, next to this file)
import numpy as np  # noqa: E402

from exams.scoring import OMIT, LinearScale, analyze  # noqa: E402


def _median_time(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and best wall time of ``runs`` calls, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def simulated_responses(
    candidates: int, items: int, seed: int = 14
) -> tuple[np.ndarray, np.ndarray]:
    """Chosen options (candidates x items, OMIT for blank) and the key, from a 2PL model."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=candidates)
    difficulty = rng.normal(scale=1.2, size=items)
    slope = rng.uniform(0.5, 2.0, size=items)
    p = 1.0 / (1.0 + np.exp(-1.7 * slope * (ability[:, None] - difficulty[None, :])))
    key = rng.integers(0, 4, size=items)
    wrong = (key[None, :] + rng.integers(1, 4, size=(candidates, items))) % 4
    responses = np.where(rng.random((candidates, items)) < p, key[None, :], wrong)
    responses[rng.random((candidates, items)) < 0.01] = OMIT
    return responses.astype(np.int8), key


def bench_scoring(args: argparse.Namespace) -> None:
    """Scoring + item analysis of candidates x items; goal under 1 s."""
    n, k = args.candidates, args.items
    responses, key = simulated_responses(n, k)
    scored = np.arange(k) < k - 10
    domains = [f"Domain {j % 5 + 1}" for j in range(k)]
    cut = 0.6 * int(scored.sum())
    scale = LinearScale.through(np.ceil(cut), 500, int(scored.sum()), 800)

    def run() -> object:
        return analyze(responses, key, scored=scored, domains=domains, cut=cut, scale=scale)

    run()  # warm-up (imports, BLAS threads)
    median, best = _median_time(run, args.runs)
    result = analyze(responses, key, scored=scored, domains=domains, cut=cut, scale=scale)
    ids = [f"C{i:05d}" for i in range(n)]
    doc_median, _ = _median_time(lambda: result.to_dict(ids), args.runs)
    pf = result.pass_fail
    assert pf is not None and pf.consistency is not None
    print(f"scoring: {n:,} candidates x {k} items ({int(scored.sum())} scored)")
    print(
        f"  analyze (score, item + option analysis, flags, KR-20, domains, pass/fail, "
        f"Subkoviak): median {median * 1000:.0f} ms, best {best * 1000:.0f} ms "
        f"[goal < 1000 ms] {'OK' if median < 1 else 'SLOW'}"
    )
    print(f"  JSON-ready document with per-candidate rows: median {doc_median * 1000:.0f} ms")
    print(
        f"  KR-20 {result.form.kr20:.3f}, SEM {result.form.sem:.2f}, pass rate "
        f"{pf.pass_rate:.1%}, decision consistency {pf.consistency.agreement:.3f} "
        f"(kappa {pf.consistency.kappa:.3f}), {result.items.n_flagged} items flagged"
    )

    from exams.cli import main

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        with open(base / "key.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["item_id", "key", "domain", "scored", "options"])
            for j in range(k):
                writer.writerow([f"Q{j + 1}", "ABCD"[key[j]], domains[j], int(scored[j]), 4])
        with open(base / "responses.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["candidate_id"] + [f"Q{j + 1}" for j in range(k)])
            letters = np.array(["", "A", "B", "C", "D"])
            for cid, row in zip(ids, letters[responses + 1].tolist(), strict=True):
                writer.writerow([cid, *row])
        argv = [
            "analyze",
            "--responses",
            str(base / "responses.csv"),
            "--key",
            str(base / "key.csv"),
            "--cut",
            str(cut),
            "--json",
            str(base / "out.json"),
            "--quiet",
        ]
        cli_median, _ = _median_time(lambda: main(argv), max(1, min(args.runs, 3)))
        size = (base / "responses.csv").stat().st_size
    print(
        f"  python -m exams analyze from CSV ({size / 2**20:.1f} MB responses; read, "
        f"check, analyse, write JSON): median {cli_median * 1000:.0f} ms"
    )


# --- assembly ------------------------------------------------------------------------------

DOMAINS = 6
TASKS_PER_DOMAIN = 3


def _assembly_inputs(bank: int, length: int, enemies: int, seed: int = 14) -> tuple:
    """Targets (items apportioned by weight), candidates spread by weight, enemy pairs."""
    from exams.assembly import Candidate, targets_of
    from rds.exam_blueprint import apportion

    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.5, 2.0, size=DOMAINS * TASKS_PER_DOMAIN)
    task_items = apportion(length, weights.tolist())
    codes = [f"D{d + 1}T{t + 1}" for d in range(DOMAINS) for t in range(TASKS_PER_DOMAIN)]
    targets = targets_of(
        (
            f"Domain {d + 1}",
            [(codes[d * TASKS_PER_DOMAIN + t], task_items[d * TASKS_PER_DOMAIN + t])
             for t in range(TASKS_PER_DOMAIN)],
        )
        for d in range(DOMAINS)
    )  # fmt: skip
    where = rng.choice(len(codes), size=bank, p=weights / weights.sum())
    candidates = [
        Candidate(i + 1, f"Domain {w // TASKS_PER_DOMAIN + 1}", codes[w], i + 1)
        for i, w in enumerate(where.tolist())
    ]
    pairs = {
        tuple(sorted(rng.choice(bank, size=2, replace=False).tolist())) for _ in range(enemies)
    }
    return targets, candidates, [(a + 1, b + 1) for a, b in pairs], codes, task_items


def bench_assembly(args: argparse.Namespace) -> None:
    """Form assembly from a large bank, pure and through the service; goal under 2 s."""
    from exams.assembly import assemble

    targets, candidates, pairs, codes, task_items = _assembly_inputs(
        args.bank, args.length, args.enemies
    )
    earlier = assemble(targets, candidates, 1, pairs)
    overlap = {"Form A": [p.item_id for p in earlier.items]}

    def run() -> object:
        return assemble(targets, candidates, 2, pairs, overlap, max_overlap=args.length // 10)

    median, best = _median_time(run, args.runs)
    result = assemble(targets, candidates, 2, pairs, overlap, max_overlap=args.length // 10)
    print(
        f"assembly: a {args.length}-item form from {args.bank:,} approved items "
        f"({DOMAINS} domains, {len(codes)} tasks, {len(pairs)} enemy pairs, overlap with an "
        f"earlier form at most {args.length // 10})"
    )
    print(
        f"  exams.assembly.assemble (pure): median {median * 1000:.1f} ms, best "
        f"{best * 1000:.1f} ms; meets domains {result.meets_domains}, tasks "
        f"{result.meets_tasks}, shared with Form A {result.overlap[0][1]}"
    )
    service_median, stored = _assembly_service(args, codes, task_items)
    print(
        f"  build_form (read bank and enemies, assemble, store the form): median "
        f"{service_median * 1000:.0f} ms on {stored} [goal < 2000 ms] "
        f"{'OK' if service_median < 2 else 'SLOW'}"
    )


def _assembly_service(
    args: argparse.Namespace, codes: list[str], task_items: tuple[int, ...]
) -> tuple[float, str]:
    """Median time of build_form on a migrated database holding a --bank item bank."""
    import secrets
    from datetime import UTC, date, datetime
    from urllib.parse import urlsplit, urlunsplit

    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from app import create_app
    from certify.models import CredentialType
    from core.extensions import db
    from core.models import Board, Role, RoleAssignment, User
    from exams.forms.services import build_form
    from exams.models import Item, ItemEnemy, ItemVersion
    from rds.analysis import services as rds
    from rds.models import Domain, Study, SurveyResponse, Task

    folder = tempfile.TemporaryDirectory()
    dropped: tuple[str, str] | None = None
    if args.database:
        import psycopg

        parts = urlsplit(args.database.replace("postgresql+psycopg://", "postgresql://"))
        name = "peercert_exam_bench_" + secrets.token_hex(3)
        with psycopg.connect(urlunsplit(parts), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(parts._replace(path="/" + name))
        dropped = (urlunsplit(parts), name)
        where = "PostgreSQL"
    else:
        url = "sqlite:///" + str(Path(folder.name) / "bench.sqlite")
        where = "SQLite"
    app = create_app(
        {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "testing",
         "UPLOAD_FOLDER": folder.name}
    )  # fmt: skip
    try:
        with app.app_context():
            upgrade()
            session = db.session
            board = Board(slug="bench", name="Bench board", jurisdiction="Bench")
            session.add(board)
            session.flush()
            ctype = CredentialType(board_id=board.id, code="PR", name="Peer recovery")
            admin = User(email="admin@bench.org", full_name="Admin", activated_at=datetime.now(UTC))
            manager = User(email="m@bench.org", full_name="Manager", activated_at=datetime.now(UTC))
            session.add_all([ctype, admin, manager])
            session.flush()
            session.add_all([
                RoleAssignment(user_id=admin.id, role=str(Role.BOARD_ADMIN), board_id=board.id),
                RoleAssignment(user_id=manager.id, role=str(Role.EXAM_MANAGER), board_id=board.id),
            ])  # fmt: skip
            study = Study(board_id=board.id, credential_type_id=ctype.id, title="Bench RDS",
                          started_on=date(2026, 1, 5), status="survey_closed")  # fmt: skip
            session.add(study)
            session.flush()
            for d in range(DOMAINS):
                domain = Domain(board_id=board.id, study_id=study.id, position=d,
                                name=f"Domain {d + 1}")  # fmt: skip
                session.add(domain)
                session.flush()
                for t in range(TASKS_PER_DOMAIN):
                    code = codes[d * TASKS_PER_DOMAIN + t]
                    session.add(Task(board_id=board.id, study_id=study.id, domain_id=domain.id,
                                     code=code, position=t, statement=f"Task {code}"))  # fmt: skip
            rng = np.random.default_rng(3)
            weights = np.array(task_items, dtype=float) + 1
            for _ in range(120):
                noisy = 1 + 3 * weights / weights.max() + rng.normal(0, 0.4, size=len(codes))
                ratings = {
                    code: [int(min(4, max(1, round(value)))), 3]
                    for code, value in zip(codes, noisy.tolist(), strict=True)
                }
                session.add(SurveyResponse(board_id=board.id, study_id=study.id,
                                           status="submitted", source="import", ratings=ratings,
                                           submitted_on=date(2026, 3, 1)))  # fmt: skip
            session.flush()
            settings = {**rds.DEFAULT_SETTINGS, "items": args.length, "importance_min": 1.0,
                        "performing_min": 0.1}  # fmt: skip
            version = rds.run_analysis(session, admin, study, settings)
            accept = "Benchmark data, synthetic responses accepted."
            rds.approve(session, admin, version, "bench", datetime.now(UTC), accept)
            blueprint = rds.approved_blueprint(session, board.id, ctype.id)
            assert blueprint is not None
            tasks = [(d.name, t.code) for d in blueprint.domains for t in d.tasks]
            per_task = [t.items + 1 for d in blueprint.domains for t in d.tasks]
            where_task = rng.choice(
                len(tasks), size=args.bank, p=np.array(per_task) / sum(per_task)
            )
            now = datetime.now(UTC)
            session.execute(insert(Item), [
                {"board_id": board.id, "credential_type_id": ctype.id, "code": f"PR-{i:05d}",
                 "status": "approved", "current_number": 1, "approved_number": 1,
                 "created_at": now, "updated_at": now}
                for i in range(args.bank)
            ])  # fmt: skip
            ids = session.execute(select(Item.id).order_by(Item.id)).scalars().all()
            session.execute(insert(ItemVersion), [
                {"board_id": board.id, "item_id": item_id, "number": 1, "status": "approved",
                 "blueprint_study_id": blueprint.study_id,
                 "blueprint_version": blueprint.version, "domain": tasks[w][0],
                 "task_code": tasks[w][1], "ksa_codes": [], "cognitive_level": "application",
                 "stem": f"Stem {item_id}", "options": ["A", "B", "C", "D"], "key": 0,
                 "rationale": "", "references": "", "review_note": "", "created_at": now}
                for item_id, w in zip(ids, where_task.tolist(), strict=True)
            ])  # fmt: skip
            pairs = {tuple(sorted(rng.choice(ids, size=2, replace=False).tolist()))
                     for _ in range(args.enemies)}  # fmt: skip
            session.execute(insert(ItemEnemy), [
                {"board_id": board.id, "item_id": a, "enemy_id": b, "note": "",
                 "created_at": now} for a, b in pairs
            ])  # fmt: skip
            session.commit()
            first = build_form(session, manager, board.id, ctype.id, "Form A", 1)
            session.commit()
            first_id = first.id
            times = []
            for run in range(args.runs):
                start = time.perf_counter()
                build_form(session, manager, board.id, ctype.id, f"Form {run}", run + 2,
                           [first_id], args.length // 10)  # fmt: skip
                session.flush()
                times.append(time.perf_counter() - start)
                session.rollback()
            session.close()
            db.engine.dispose()
    finally:
        folder.cleanup()
        if dropped is not None:
            import psycopg

            with psycopg.connect(dropped[0], autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dropped[1]}" WITH (FORCE)')
    return statistics.median(times), where


SECTIONS: dict[str, Callable[[argparse.Namespace], None]] = {
    "scoring": bench_scoring,
    "assembly": bench_assembly,
    "delivery": exam_delivery.bench_delivery,  # bench/exam_delivery.py
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--section", action="append", choices=sorted(SECTIONS))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--bank", type=int, default=3000, help="assembly: approved items")
    parser.add_argument("--length", type=int, default=150, help="assembly: form length")
    parser.add_argument("--enemies", type=int, default=300, help="assembly: enemy pairs")
    parser.add_argument(
        "--database", default="", help="assembly: a PostgreSQL URL (else SQLite in a temp folder)"
    )
    exam_delivery.add_arguments(parser)
    args = parser.parse_args()
    for name in args.section or list(SECTIONS):
        SECTIONS[name](args)


if __name__ == "__main__":
    main()
