"""Benchmark of employer verification (issue 13, "Speed"); prints measured figures.

    python bench/verify_bench.py [--credentials 100000] [--issue 10000] [--seconds 10]

On a fresh PostgreSQL database (created next to PEERCERT_BENCH_PG, default
postgresql://127.0.0.1:5432/test, and dropped at the end):

1. loads --credentials credentials (people, a board, its credential types; a mix of statuses
   and public disciplinary notices) in bulk;
2. serves the app with gunicorn, 2 sync workers, production settings (rate limits counted
   in Redis when it answers at 127.0.0.1:6379, else in memory);
3. a load generator in another process, on loopback, keeps --concurrency requests in flight
   for --seconds against the trivial endpoint (/healthz: one SELECT 1, the ceiling) and the
   lookup API (GET /api/v1/credentials/<board>/<number>, random existing numbers), and
   reports requests/s, p50 and p99;
4. times bulk checks of 1,000 numbers (POST /api/v1/verifications with an employer key);
5. issues and signs --issue credentials as a board does in bulk: the credentials of --issue
   approved applications at once (`flask credentials issue-approved`, one transaction; the
   credentials_issued hook signs them: eddsa-rdfc-2022 over RDFC-1.0, in VC_SIGNING_PROCESSES
   processes), then --single more one at a time (the review page's path, two processes) for
   comparison, then signs --issue existing credentials at once (`flask vc sign-missing` after
   an import).

Goals (issue 13): lookup >= 50% of the ceiling with p99 < 50 ms; bulk of 1,000 < 300 ms;
issuing and signing 10,000 < 60 s. Not part of the test run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BOARD = "ne"
REGISTRAR = "registrar@bench.example"


def _settings(database_url: str, instance: str, port: int) -> dict[str, str]:
    env = {
        "PEERCERT_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "AUDIT_KEY": secrets.token_hex(32),
        "BASE_URL": f"http://127.0.0.1:{port}",
        "PEERCERT_INSTANCE": instance,
        "VC_KEY_DIR": str(Path(instance) / "vc-keys"),
        "VC_GENERATE_KEYS": "1",
        "PUBLIC_RATE_LIMIT": "100000000 per minute",
        "API_KEY_RATE_LIMIT": "100000000 per minute",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "MAIL_PRINT": "0",
    }
    env["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/15" if _port_open(6379) else "memory://"
    return env


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _create_database(base: str) -> tuple[str, str]:
    import psycopg

    name = "peercert_bench_" + secrets.token_hex(4)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(base)._replace(path="/" + name)), name


def _drop_database(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _app(env: dict[str, str]) -> Any:
    os.environ.update(env)
    if env["RATELIMIT_STORAGE_URI"] == "memory://":
        os.environ["PEERCERT_ENV"] = "development"  # production insists on Redis
    from app import create_app

    return create_app()


def load(
    env: dict[str, str], count: int, issue_people: int, approved: int
) -> tuple[list[str], str]:
    """The schema, one board with `count` credentials, an employer API key, and `approved`
    approved applications (of the first of `issue_people` people without a credential)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from certify.models import Credential, CredentialType, DisciplinaryAction, RequirementSet
    from core.extensions import db
    from core.models import Board, Role, RoleAssignment, User, utcnow
    from verify.employers import keys, services

    app = _app(env)
    with app.app_context():
        upgrade()
        board = Board(slug=BOARD, name="Nebraska Board of Peer Support", jurisdiction="Nebraska")
        db.session.add(board)
        db.session.flush()
        ctype = CredentialType(
            board_id=board.id, code="CPSS", name="Certified Peer Support Specialist",
            level="full", cycle_months=24,
        )  # fmt: skip
        ctype.requirements = RequirementSet(board_id=board.id)
        db.session.add(ctype)
        db.session.commit()
        board_id, ctype_id = board.id, ctype.id
        now = utcnow()
        rng = random.Random(13)
        first = ["Jane", "Sam", "Alex", "Pat", "Maria", "Chris", "Dana", "Lee", "Robin", "Kim"]
        last = ["Doe", "Smith", "Garcia", "Nguyen", "Okafor", "Brown", "Lopez", "Kowalski"]
        total = count + issue_people
        for start in range(0, total, 5000):
            db.session.execute(
                insert(User),
                [
                    {
                        "email": f"person{i}@bench.example",
                        "full_name": f"{rng.choice(first)} {rng.choice(last)} {i}",
                        "activated_at": now,
                    }
                    for i in range(start, min(start + 5000, total))
                ],
            )
        db.session.commit()
        user_ids = list(db.session.execute(select(User.id).order_by(User.id)).scalars())
        db.session.execute(
            insert(RoleAssignment),
            [{"user_id": u, "role": Role.TRAINEE, "board_id": board_id} for u in user_ids],
        )
        statuses = ["active"] * 90 + ["suspended"] * 3 + ["expired"] * 4 + ["revoked"] * 3
        numbers = []
        today = date.today()
        for start in range(0, count, 5000):
            rows = []
            for i in range(start, min(start + 5000, count)):
                issued = today - timedelta(days=rng.randint(0, 700))
                number = f"NE-CPSS-{i + 1:06d}"
                numbers.append(number)
                rows.append(
                    {
                        "board_id": board_id,
                        "holder_id": user_ids[i],
                        "credential_type_id": ctype_id,
                        "number": number,
                        "status": rng.choice(statuses),
                        "issued_on": issued,
                        "expires_on": issued + timedelta(days=730),
                        "endorsements": [],
                    }
                )
            db.session.execute(insert(Credential), rows)
        db.session.commit()
        from certify.models import CredentialCounter

        db.session.add(CredentialCounter(board_id=board_id, last_number=count))
        ids = list(db.session.execute(select(Credential.id).limit(count // 50)).scalars())
        db.session.execute(
            insert(DisciplinaryAction),
            [
                {
                    "board_id": board_id,
                    "credential_id": cid,
                    "kind": "reprimand",
                    "started_on": today,
                    "public": True,
                    "public_summary": "Reprimand",
                }
                for cid in ids
            ],
        )
        from certify.models import Application

        approvals = [
            {
                "board_id": board_id,
                "trainee_id": user_ids[count + i],
                "credential_type_id": ctype_id,
                "status": "approved",
                "submitted_at": now,
                "decided_at": now,
            }
            for i in range(approved)
        ]
        if approvals:
            db.session.execute(insert(Application), approvals)
        registrar = User(email=REGISTRAR, full_name="Board Registrar", activated_at=now)
        db.session.add(registrar)
        db.session.flush()
        db.session.add(
            RoleAssignment(user_id=registrar.id, role=Role.BOARD_ADMIN, board_id=board_id)
        )
        employer = User(email="hr@bench.example", full_name="HR Bench", activated_at=now)
        db.session.add(employer)
        db.session.flush()
        organization = services.create_organization(db.session, employer, "Bench Health")
        _, secret = keys.create(db.session, organization, "bench", employer)
        db.session.commit()
    return numbers, secret


# --- load generation -------------------------------------------------------------------------


def _worker(
    port: int, paths: list[str], deadline: float, out: list[float], errors: list[int]
) -> None:
    rng = random.Random()
    while time.perf_counter() < deadline:
        path = rng.choice(paths)
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        finally:
            conn.close()
        out.append(time.perf_counter() - started)


def _drive(port: int, paths: list[str], seconds: float, concurrency: int, queue: Any) -> None:
    """In its own process: keep `concurrency` requests in flight for `seconds`."""
    latencies: list[float] = []
    errors: list[int] = []
    deadline = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=_worker, args=(port, paths, deadline, latencies, errors))
        for _ in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((latencies, errors, time.perf_counter() - started))


def measure(port: int, paths: list[str], seconds: float, concurrency: int) -> dict[str, float]:
    queue: Any = multiprocessing.Queue()
    process = multiprocessing.Process(
        target=_drive, args=(port, paths, seconds, concurrency, queue)
    )
    process.start()
    latencies, errors, elapsed = queue.get()
    process.join()
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": len(errors),
    }


def bulk(port: int, secret: str, numbers: list[str], repeat: int) -> dict[str, float]:
    times = []
    rng = random.Random(7)
    for _ in range(repeat):
        wanted = [{"board": BOARD, "number": n} for n in rng.sample(numbers, 1000)]
        body = json.dumps({"credentials": wanted})
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.perf_counter()
        conn.request(
            "POST",
            "/api/v1/verifications",
            body=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"},
        )
        response = conn.getresponse()
        payload = json.loads(response.read())
        times.append(time.perf_counter() - started)
        conn.close()
        assert response.status == 200 and payload["count"] == 1000, payload
    times.sort()
    return {
        "p50_ms": 1000 * statistics.median(times),
        "max_ms": 1000 * times[-1],
        "mean_ms": 1000 * statistics.mean(times),
    }


# --- issuing and signing ---------------------------------------------------------------------


def _issue_share(env: dict[str, str], holder_emails: list[str], queue: Any) -> None:
    from sqlalchemy import select

    from certify.credentials import services as credentials
    from certify.models import CredentialType
    from core.extensions import db
    from core.models import User

    app = _app(env)
    with app.app_context():
        ctype = db.session.execute(select(CredentialType)).scalar_one()
        people = {
            u.email: u
            for u in db.session.execute(select(User).where(User.email.in_(holder_emails))).scalars()
        }
        started = time.perf_counter()
        for email in holder_emails:
            holder = people[email]
            credentials.issue(db.session, holder, ctype, holder, date.today())
            db.session.commit()
        queue.put(time.perf_counter() - started)


def issue_and_sign(env: dict[str, str], first: int, count: int, processes: int) -> float:
    emails = [f"person{i}@bench.example" for i in range(first, first + count)]
    shares = [emails[i::processes] for i in range(processes)]
    # the board's key, its status list and the audit chain's head exist before the race
    _warm(env)
    queue: Any = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_issue_share, args=(env, share, queue)) for share in shares
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for _ in workers:
        queue.get()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def _issue_approved(env: dict[str, str], count: int, queue: Any) -> None:
    from sqlalchemy import event, select

    from certify.credentials.services import issue_approved
    from core.extensions import db
    from core.models import Board, User

    app = _app(env)
    with app.app_context():
        statements = [0]

        def counted(*_: Any) -> None:
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", counted)
        board = db.session.execute(select(Board)).scalar_one()
        actor = db.session.execute(select(User).where(User.email == REGISTRAR)).scalar_one()
        started = time.perf_counter()
        issued = issue_approved(db.session, board, actor, date.today(), count)
        db.session.commit()
        queue.put((time.perf_counter() - started, len(issued), statements[0]))


def issue_batch(env: dict[str, str], count: int) -> tuple[float, int, int]:
    """`flask credentials issue-approved` of `count` approved applications, in a fresh process:
    (seconds, credentials issued, SQL statements)."""
    _warm(env)
    queue: Any = multiprocessing.Queue()
    worker = multiprocessing.Process(target=_issue_approved, args=(env, count, queue))
    worker.start()
    found: tuple[float, int, int] = queue.get()
    worker.join()
    return found


def _sign_batch(env: dict[str, str], count: int, queue: Any) -> None:
    from sqlalchemy import select

    from certify.models import Credential
    from core.extensions import db
    from verify.badges.services import issue_badges
    from verify.models import SignedBadge

    app = _app(env)
    with app.app_context():
        signed = select(SignedBadge.credential_id)
        started = time.perf_counter()
        unsigned = list(
            db.session.execute(
                select(Credential).where(Credential.id.not_in(signed)).order_by(Credential.id)
                .limit(count)
            ).scalars()
        )  # fmt: skip
        issue_badges(db.session, unsigned)
        db.session.commit()
        queue.put(time.perf_counter() - started)


def sign_batch(env: dict[str, str], count: int) -> float:
    """Sign `count` existing credentials at once, as `flask vc sign-missing` does."""
    queue: Any = multiprocessing.Queue()
    worker = multiprocessing.Process(target=_sign_batch, args=(env, count, queue))
    worker.start()
    seconds: float = queue.get()
    worker.join()
    return seconds


def _warm(env: dict[str, str]) -> None:
    from sqlalchemy import select

    from core.extensions import db
    from core.models import Board
    from verify.badges.issuer import signing_key
    from verify.badges.services import allocate

    app = _app(env)
    with app.app_context():
        board = db.session.execute(select(Board)).scalar_one()
        key = signing_key(db.session, board)
        allocate(db.session, board, key, 1)  # creates list 1 (one index spent)
        db.session.commit()


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--credentials", type=int, default=100_000)
    parser.add_argument("--issue", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--bulk-repeat", type=int, default=20)
    parser.add_argument("--issue-processes", type=int, default=2)
    parser.add_argument(
        "--single", type=int, default=300, help="credentials issued one at a time, to compare"
    )
    args = parser.parse_args()
    base = os.environ.get("PEERCERT_BENCH_PG", "postgresql://127.0.0.1:5432/test")
    database_url, name = _create_database(base)
    instance = tempfile.mkdtemp(prefix="peercert-bench-")
    port = _free_port()
    env = _settings(database_url, instance, port)
    server = None
    try:
        started = time.perf_counter()
        numbers, secret = load(env, args.credentials, args.issue + args.single, args.issue)
        print(f"loaded {args.credentials:,} credentials in {time.perf_counter() - started:.1f} s")
        server_env = {**os.environ, **env}
        if env["RATELIMIT_STORAGE_URI"] == "memory://":
            server_env["PEERCERT_ENV"] = "development"
            print("(Redis not answering: rate limits counted in memory, development settings)")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
             "--log-level", "warning", "app:create_app()"],
            cwd=ROOT, env=server_env,
        )  # fmt: skip
        for _ in range(100):
            if _port_open(port):
                break
            time.sleep(0.1)
        time.sleep(1.0)
        lookups = [f"/api/v1/credentials/{BOARD}/{n}" for n in numbers]
        measure(port, ["/healthz"] + lookups[:50], 2, args.concurrency)  # warm both workers
        ceiling = measure(port, ["/healthz"], args.seconds, args.concurrency)
        lookup = measure(port, lookups, args.seconds, args.concurrency)
        print(f"\nload: {args.concurrency} requests in flight for {args.seconds:.0f} s each, "
              "gunicorn 2 sync workers, loopback")  # fmt: skip
        for label, result in (("trivial /healthz", ceiling), ("lookup API", lookup)):
            print(
                f"  {label:<17} {result['rps']:8.1f} req/s   p50 {result['p50_ms']:6.1f} ms   "
                f"p99 {result['p99_ms']:6.1f} ms   ({result['requests']:,} requests, "
                f"{result['errors']} errors)"
            )
        share = 100 * lookup["rps"] / ceiling["rps"]
        print(f"  lookup / ceiling: {share:.0f}% (goal >= 50%), "
              f"lookup p99 {lookup['p99_ms']:.1f} ms (goal < 50 ms)")  # fmt: skip
        checked = bulk(port, secret, numbers, args.bulk_repeat)
        print(
            f"\nbulk check of 1,000 numbers x {args.bulk_repeat}: median "
            f"{checked['p50_ms']:.0f} ms, mean {checked['mean_ms']:.0f} ms, "
            f"slowest {checked['max_ms']:.0f} ms (goal < 300 ms)"
        )
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server = None
        print(f"\n(uptime: {os.getloadavg()[0]:.2f} load average, {os.cpu_count()} cores)")
        seconds, issued, statements = issue_batch(env, args.issue)
        print(
            f"issued and signed {issued:,} credentials from approved applications at once in "
            f"{seconds:.1f} s ({issued / seconds:.0f}/s, {statements / issued:.2f} SQL statements "
            "each; goal < 60 s)"
        )
        if args.single:
            seconds = issue_and_sign(
                env, args.credentials + args.issue, args.single, args.issue_processes
            )
            print(
                f"one at a time (the review page's path): {args.single:,} in {seconds:.1f} s "
                f"({1000 * seconds / args.single:.1f} ms each, {args.issue_processes} processes; "
                f"{args.issue:,} would take {seconds / args.single * args.issue:.0f} s)"
            )
        signed = sign_batch(env, args.issue)
        print(
            f"signing {args.issue:,} existing credentials at once (vc sign-missing): "
            f"{signed:.1f} s ({args.issue / signed:.0f}/s)"
        )
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        _drop_database(base, name)


if __name__ == "__main__":
    main()
