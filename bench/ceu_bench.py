"""Benchmark of continuing education at a large board's scale (issue 12); prints figures.

    python bench/ceu_bench.py [--people 50000] [--records 20] [--roster 5000] [--runs 5]
                              [--database postgresql://127.0.0.1:5432/test] [--keep]

Creates a fresh PostgreSQL database next to --database, migrates it, and seeds with COPY one
board of --people certificants, each with an active credential somewhere in its 24-month
renewal cycle and --records accepted CE records (in person, live online and self-study, in
three categories; rules: 20 hours, 6 in ethics, self-study and online at most 50%). Then,
in-process through the Flask test client (the whole request: routing, login, queries,
the engine, templates or the file):

* the board compliance report page, its CSV and XLSX exports, and the report service alone:
  median time and the number of SQL statements (a before_cursor_execute listener), also for
  a board of --small people to show the count does not grow;
* one certificant's CE dashboard (/me/ce): median time and statements;
* a --roster-row provider roster (CSV upload: 96% exact matches, the rest unknown numbers,
  names that differ or inactive credentials): time of the whole POST, rows posted and kept
  for review.

Not part of the test run.
"""

from __future__ import annotations

import argparse
import io
import json
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import event  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from app import create_app  # noqa: E402
from ceu.compliance import add_months  # noqa: E402
from core.extensions import db  # noqa: E402
from core.models import Base  # noqa: E402

PASSWORD = "bench password 12"
TODAY = date.today()
NOW = datetime.now(UTC)
H = 60
MODES = ("in_person", "in_person", "in_person", "live_online", "self_study")


def fresh_database(base: str) -> tuple[str, str]:
    parts = urlsplit(base.replace("postgresql+psycopg://", "postgresql://"))
    name = "peercert_ce_bench_" + secrets.token_hex(3)
    with psycopg.connect(urlunsplit(parts), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name)), name


def drop_database(base: str, name: str) -> None:
    parts = urlsplit(base.replace("postgresql+psycopg://", "postgresql://"))
    with psycopg.connect(urlunsplit(parts), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy(conn: psycopg.Connection, table: str, rows: Iterable[dict[str, Any]]) -> int:
    """COPY dict rows into table; columns left out take the model's scalar default."""
    columns = list(Base.metadata.tables[table].columns)
    names = [c.name for c in columns]
    count = 0
    with conn.cursor() as cur:
        with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as out:
            for row in rows:
                values = []
                for column in columns:
                    if column.name in row:
                        value = row[column.name]
                    elif column.default is not None and column.default.is_scalar:
                        value = column.default.arg
                    elif column.default is not None and column.default.is_callable:
                        value = column.default.arg(None)
                    else:
                        value = None
                    if column.type.__class__.__name__ == "JSON" and value is not None:
                        value = json.dumps(value)
                    values.append(value)
                out.write_row(values)
                count += 1
    return count


class Ids:
    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def take(self, table: str, n: int = 1) -> range:
        start = self.last.get(table, 0) + 1
        self.last[table] = start + n - 1
        return range(start, start + n)


def seed_board(
    conn: psycopg.Connection, ids: Ids, slug: str, people: int, per_person: int, hashed: str
) -> dict[str, Any]:
    """One board with CE rules, staff, a provider with a course, and certificants with CE."""
    (board_id,) = ids.take("board")
    copy(conn, "board", [{"id": board_id, "slug": slug, "name": f"Board {slug}",
                          "jurisdiction": slug.upper(), "created_at": NOW}])  # fmt: skip
    staff = ids.take("user_account", 2)
    holders = ids.take("user_account", people)
    admin, provider_user = staff

    def users() -> Iterator[dict[str, Any]]:
        yield {"id": admin, "email": f"admin@{slug}.bench", "full_name": "Ada Admin",
               "password_hash": hashed, "activated_at": NOW, "created_at": NOW}  # fmt: skip
        yield {"id": provider_user, "email": f"provider@{slug}.bench",
               "full_name": "Morgan Provider", "password_hash": hashed, "activated_at": NOW,
               "created_at": NOW}  # fmt: skip
        for i, uid in enumerate(holders):
            yield {"id": uid, "email": f"p{i}@{slug}.bench", "full_name": f"Person{i} Bench",
                   "password_hash": hashed, "activated_at": NOW, "created_at": NOW}  # fmt: skip

    copy(conn, "user_account", users())

    def roles() -> Iterator[dict[str, Any]]:
        yield {"id": ids.take("role_assignment")[0], "user_id": admin, "role": "board_admin",
               "board_id": board_id, "created_at": NOW}  # fmt: skip
        yield {"id": ids.take("role_assignment")[0], "user_id": provider_user,
               "role": "ce_provider", "board_id": board_id, "created_at": NOW}  # fmt: skip
        for uid in holders:
            yield {"id": ids.take("role_assignment")[0], "user_id": uid, "role": "trainee",
                   "board_id": board_id, "created_at": NOW}  # fmt: skip

    copy(conn, "role_assignment", roles())
    (ctype,) = ids.take("credential_type")
    copy(conn, "credential_type", [{"id": ctype, "board_id": board_id, "code": "CPSS",
                                    "name": "Certified Peer Support Specialist",
                                    "level": "full", "substance_use": False,
                                    "cycle_months": 24}])  # fmt: skip
    categories = dict(zip(("ethics", "general", "peer"), ids.take("ce_category", 3), strict=True))
    copy(conn, "ce_category", [{"id": cid, "board_id": board_id, "code": code,
                                "name": code.capitalize(), "description": "", "position": n}
                               for n, (code, cid) in enumerate(categories.items())])  # fmt: skip
    (rule,) = ids.take("ce_rule_version")
    copy(conn, "ce_rule_version", [{"id": rule, "board_id": board_id, "credential_type_id": ctype,
                                    "effective_on": date(2000, 1, 1), "total_minutes": 20 * H,
                                    "cycle_kind": "renewal", "created_at": NOW}])  # fmt: skip
    (minimum,) = ids.take("ce_rule_minimum")
    ethics = categories["ethics"]
    copy(conn, "ce_rule_minimum", [{"id": minimum, "rule_version_id": rule,
                                    "category_id": ethics, "minutes": 6 * H}])  # fmt: skip
    copy(conn, "ce_rule_cap", [{"id": ids.take("ce_rule_cap")[0], "rule_version_id": rule,
                                "label": "Self-study and online", "percent": 50,
                                "modes": ["live_online", "self_study"]}])  # fmt: skip
    credential_ids = ids.take("credential", people)
    numbers = []

    def credentials() -> Iterator[dict[str, Any]]:
        for i, (cid, uid) in enumerate(zip(credential_ids, holders, strict=True)):
            issued = TODAY - timedelta(days=(i * 7919) % 1400 + 1)
            expires = add_months(issued, 24)
            while expires < TODAY:
                expires = add_months(expires, 24)
            status = "active" if i % 50 else "expired"
            number = f"{slug.upper()}-CPSS-{i + 1:06d}"
            numbers.append((number, f"Person{i} Bench", status))
            yield {"id": cid, "board_id": board_id, "holder_id": uid, "credential_type_id": ctype,
                   "number": number, "status": status, "issued_on": issued,
                   "expires_on": expires, "endorsements": [], "created_at": NOW,
                   "updated_at": NOW}  # fmt: skip

    copy(conn, "credential", credentials())
    record_ids = ids.take("ce_record", people * per_person)
    codes = list(categories.values())

    def records() -> Iterator[dict[str, Any]]:
        for n, rid in enumerate(record_ids):
            i = n // per_person
            yield {"id": rid, "board_id": board_id, "holder_id": holders[i], "source": "other",
                   "title": "Workshop", "provider_name": "", "completed_on":
                   TODAY - timedelta(days=(n * 37) % 700 + 1), "minutes": 60 + (n % 4) * 15,
                   "delivery_mode": MODES[n % 5], "category_id": codes[(n // 3) % 3],
                   "status": "accepted", "reason": "",
                   "created_at": NOW, "updated_at": NOW}  # fmt: skip

    copy(conn, "ce_record", records())

    def parts() -> Iterator[dict[str, Any]]:
        for n, rid in enumerate(record_ids):
            yield {"id": rid, "record_id": rid, "category_id": codes[(n // 3) % 3],
                   "minutes": 60 + (n % 4) * 15}  # fmt: skip

    copy(conn, "ce_record_part", parts())
    ids.last["ce_record_part"] = record_ids[-1] if len(record_ids) else 0
    (provider,) = ids.take("ce_provider")
    copy(conn, "ce_provider", [{"id": provider, "board_id": board_id, "name": "Peer Academy",
                                "contact_name": "Morgan", "contact_email": f"provider@{slug}.bench",
                                "status": "approved", "approved_from": TODAY - timedelta(400),
                                "approved_until": TODAY + timedelta(400),
                                "created_at": NOW}])  # fmt: skip
    copy(conn, "ce_provider_member", [{"id": ids.take("ce_provider_member")[0],
                                       "provider_id": provider, "user_id": provider_user,
                                       "created_at": NOW}])  # fmt: skip
    (course,) = ids.take("ce_course")
    day = TODAY - timedelta(days=3)
    copy(conn, "ce_course", [{"id": course, "board_id": board_id, "provider_id": provider,
                              "title": "WRAP refresher", "minutes": 3 * H,
                              "delivery_mode": "in_person", "starts_on": day, "ends_on": day,
                              "status": "approved", "created_at": NOW}])  # fmt: skip
    copy(conn, "ce_course_category", [{"id": ids.take("ce_course_category")[0],
                                       "course_id": course, "category_id": categories["peer"],
                                       "minutes": 3 * H}])  # fmt: skip
    return {"board_id": board_id, "admin": f"admin@{slug}.bench",
            "provider": f"provider@{slug}.bench", "holder": f"p7@{slug}.bench",
            "course": course, "numbers": numbers}  # fmt: skip


def fix_sequences(conn: psycopg.Connection, ids: Ids) -> None:
    for table, last in ids.last.items():
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {max(last, 1)})")


def roster_csv(numbers: list[tuple[str, str, str]], rows: int) -> bytes:
    """rows lines: 96% exact, then unknown numbers, names that differ and inactive ones."""
    lines = ["credential_number,name"]
    active = [n for n in numbers if n[2] == "active"]
    inactive = [n for n in numbers if n[2] != "active"]
    for k in range(rows):
        if k % 25 == 1:
            lines.append(f"XX-{k:06d},Nobody Known")
        elif k % 25 == 2:
            lines.append(f"{active[len(active) - 1 - k][0]},Somebody Else")
        elif k % 25 == 3 and inactive:
            number, name, _ = inactive[(k // 25) % len(inactive)]
            lines.append(f"{number},{name}")
        else:
            number, name, _ = active[k]
            lines.append(f"{number},{name}")
    return ("\n".join(lines) + "\n").encode()


@contextmanager
def counted(engine: Any) -> Iterator[list[int]]:
    count = [0]

    def seen(*args: Any, **kwargs: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def timed(app: Any, action: Callable[[], Any], runs: int) -> tuple[float, int]:
    """Median milliseconds of runs after one warm-up, and the statements of the last run."""
    action()
    times, statements = [], 0
    with app.app_context():
        engine = db.engine
    for _ in range(runs):
        with counted(engine) as count:
            start = time.perf_counter()
            action()
            times.append((time.perf_counter() - start) * 1000)
        statements = count[0]
    return statistics.median(times), statements


def client_for(app: Any, email: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, f"login of {email} failed"
    return client


def get(client: Any, path: str) -> Callable[[], Any]:
    def action() -> Any:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data()

    return action


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--records", type=int, default=20)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--roster", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    url, name = fresh_database(args.database)
    try:
        run(args, url)
    finally:
        if args.keep:
            print(f"kept database {name}")
        else:
            drop_database(args.database, name)


def run(args: argparse.Namespace, url: str) -> None:
    import tempfile

    from flask_migrate import upgrade

    from ceu.reports.services import compliance_report

    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "ce-bench",
        "AUDIT_KEY": "ce-bench-audit-key",
        "WTF_CSRF_ENABLED": False,
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "PUBLIC_RATE_LIMIT": "100000 per minute",
        "RATELIMIT_ENABLED": False,
        "BASE_URL": "http://localhost",
        "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="ce-bench-"),
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
    hashed = generate_password_hash(PASSWORD)
    start = time.perf_counter()
    ids = Ids()
    with psycopg.connect(url) as conn:
        small = seed_board(conn, ids, "small", args.small, args.records, hashed)
        large = seed_board(conn, ids, "large", args.people, args.records, hashed)
        fix_sequences(conn, ids)
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    seeded = time.perf_counter() - start
    records = (args.people + args.small) * args.records
    print(f"seeded {args.people:,} + {args.small:,} certificants, {records:,} CE records "
          f"in {seeded:.1f} s")  # fmt: skip
    print()
    print(f"{'what':<44}{'board':>8}{'median ms':>12}{'SQL':>6}")
    for board in (small, large):
        size = args.small if board is small else args.people
        staff = client_for(app, board["admin"])
        base = f"/boards/{board['board_id']}/ce"
        for label, path in (
            ("compliance report page", f"{base}/report"),
            ("report: everyone as CSV", f"{base}/report.csv?part=all"),
            ("report: everyone as XLSX", f"{base}/report.xlsx?part=all"),
            ("report: at risk as CSV", f"{base}/report.csv?part=at_risk"),
            ("CE overview (what waits)", base),
        ):
            ms, statements = timed(app, get(staff, path), args.runs)
            print(f"{label:<44}{size:>8,}{ms:>12.0f}{statements:>6}")

        def service(board_id: int = board["board_id"]) -> Any:
            with app.app_context():
                report = compliance_report(db.session, board_id, TODAY)
                db.session.remove()
                return report

        ms, statements = timed(app, service, args.runs)
        label = "report service alone (no HTTP, no template)"
        print(f"{label:<44}{size:>8,}{ms:>12.0f}{statements:>6}")
        with app.app_context():
            report = compliance_report(db.session, board["board_id"], TODAY)
            rates = ", ".join(f"{r.cycle}: {r.rate:.1f}%" for r in report.rates[:4])
            db.session.remove()
        evaluated, risky = len(report.standings), len(report.at_risk)
        print(f"    {evaluated:,} credentials evaluated, {risky:,} at risk; rates {rates} ...")
        person = client_for(app, board["holder"])
        ms, statements = timed(app, get(person, "/me/ce"), args.runs * 4)
        print(f"{'certificant CE dashboard (/me/ce)':<44}{size:>8,}{ms:>12.0f}{statements:>6}")
    provider = client_for(app, large["provider"])
    data = roster_csv(large["numbers"], args.roster)
    with app.app_context():
        engine = db.engine
    with counted(engine) as count:
        start = time.perf_counter()
        response = provider.post(
            f"/boards/{large['board_id']}/ce/provider/rosters",
            data={"course_id": large["course"], "roster": (io.BytesIO(data), "roster.csv")},
            content_type="multipart/form-data",
        )
        elapsed = time.perf_counter() - start
    if response.status_code != 302:
        import re

        page = response.get_data(as_text=True)
        raise SystemExit(
            "roster refused: "
            + " | ".join(
                re.findall(r"<td>([^<]*)</td>", page)[:30]
                + re.findall(r"(?:invalid-feedback|alert-danger)[^>]*>([^<]+)", page)
            )
        )
    with psycopg.connect(url) as conn:
        posted, review = conn.execute(
            "SELECT posted, to_review FROM ce_roster_posting ORDER BY id DESC LIMIT 1"
        ).fetchone()
    print()
    print(f"roster of {args.roster:,} rows posted in {elapsed:.2f} s end to end "
          f"({count[0]} SQL statements): {posted:,} posted at once, "
          f"{review:,} kept for review")  # fmt: skip


if __name__ == "__main__":
    main()
