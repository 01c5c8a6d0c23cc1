"""Proof under load and faults (issue 11): a mixed load against gunicorn on PostgreSQL, then
a count of the rows to prove nothing was lost or duplicated; optional fault drills.

    python bench/load.py [--rate 20] [--seconds 30] [--threads 8]
                         [--drill none|pg-restart|kill-worker]

Everything runs on this machine, on loopback only:

1. a private PostgreSQL server (initdb in a temporary directory, its own port), so a drill can
   restart it without touching anyone else's database;
2. the schema and the demo data (two boards, credentials, an open RDS survey), plus 20
   trainees who log hours;
3. gunicorn with 2 sync workers serving the app (rate limits raised so the load is not
   refused by them);
4. a load generator sending, at --rate operations per second for --seconds, a mix of public
   credential verifications (GET /verify/<board>/<number>), complete survey submissions
   (start, every page, submit), hours entries (POST /me/hours/new as a logged-in trainee) and
   logins (POST /login);
5. then it counts rows: survey responses submitted, hours entries, login audit events, each
   against the operations the server acknowledged (nothing acknowledged may be missing;
   nothing may be stored twice; no submitted response may lack a page), and prints
   throughput and p50/p95 per operation.

Drills (each prints a verdict, PASS or FAIL, and the script exits 1 on FAIL):
- pg-restart: the PostgreSQL server restarts a third of the way in; requests meanwhile fail
  cleanly (503, never 500), the same gunicorn workers serve again afterwards (the pool's
  pre-ping replaces dead connections; no app restart), and the counts still agree;
- kill-worker: a gunicorn worker is killed (SIGKILL) halfway, mid-request; the master starts
  another, no record is half written (every submitted response complete, every hours entry
  whole) and nothing acknowledged is lost.
SMTP down (mail stays queued, goes out later, nothing sent twice) is a test:
tests/core/test_faults.py. Not part of the test run; figures go in the issue's closing note.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TRAINEES = 20
PASSWORD = "load-test-password-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- a private PostgreSQL server -----------------------------------------------------------


class PrivatePostgres:
    """initdb + pg_ctl in a temporary directory, on its own port (run as postgres when root)."""

    def __init__(self, workdir: Path) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bin = bins[-1]
        self.data = workdir / "pgdata"
        self.port = _free_port()
        self.log = workdir / "postgres.log"
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(workdir, self.user)

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> None:
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w",
            "-o", f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1", "start",
        )  # fmt: skip

    def restart(self) -> None:
        # -l: the new server writes its log there, not to the pipe this process reads
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart"
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


# --- the app and its data -------------------------------------------------------------------


def _env(database_url: str, instance: str, port: int) -> dict[str, str]:
    return {
        "PEERCERT_ENV": "development",  # production insists on Redis for the rate limits
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "AUDIT_KEY": secrets.token_hex(32),
        "BASE_URL": f"http://127.0.0.1:{port}",
        "PEERCERT_INSTANCE": instance,
        "PUBLIC_RATE_LIMIT": "100000000 per minute",
        "LOGIN_RATE_LIMIT": "100000000 per minute",
        "HOURS_RATE_LIMIT": "100000000 per minute",
        "SURVEY_RESPONDENT_RATE_LIMIT": "100000000 per minute",
        "SURVEY_ADDRESS_RATE_LIMIT": "100000000 per minute",
        "MAIL_PRINT": "0",
        "LOG_FORMAT": "json",
        "SESSION_COOKIE_SECURE": "0",
    }


@dataclass
class World:
    numbers: list[tuple[str, str]]  # (board slug, credential number)
    survey_token: str
    pages: list[tuple[int, dict[str, str]]]
    trainees: list[str]
    logins: list[tuple[str, str]]


def seed(env: dict[str, str]) -> World:
    os.environ.update(env)
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from certify.models import Credential, TraineeProfile
    from core.accounts import grant_role
    from core.demo import load
    from core.extensions import db
    from core.models import Board, Role, User, utcnow
    from rds.models import Study
    from rds.survey.services import questions_of, survey_pages

    app = create_app()
    with app.app_context():
        upgrade()
        accounts = load(db.session)
        db.session.commit()
        board = db.session.execute(select(Board).where(Board.slug == "ne-dbh")).scalar_one()
        numbers = [
            (slug, number)
            for slug, number in db.session.execute(
                select(Board.slug, Credential.number).join(Board, Board.id == Credential.board_id)
            )
        ]
        study = db.session.execute(select(Study).where(Study.status == "survey_open")).scalar()
        assert study is not None and study.public_token, "the demo has an open survey"
        pages: list[tuple[int, dict[str, str]]] = []
        for page in survey_pages(db.session, study):
            if page.number == 0:
                data = {q.key: q.options[0] for q in questions_of(db.session, study) if q.options}
            else:
                data = {}
                for task in page.tasks:
                    data[f"t{task.id}_importance"] = str(study.scale_max - 1)
                    data[f"t{task.id}_frequency"] = str(study.scale_min + 1)
            pages.append((page.number, data))
        trainees = []
        for n in range(TRAINEES):
            user = User(
                email=f"load.trainee{n}@bench.example",
                full_name=f"Load Trainee {n}",
                activated_at=utcnow(),
            )
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.flush()
            grant_role(db.session, user, Role.TRAINEE, board)
            db.session.add(
                TraineeProfile(board_id=board.id, user_id=user.id, birth_date=date(1990, 1, 1))
            )
            trainees.append(user.email)
        db.session.commit()
        logins = [(a.email, a.password) for a in accounts if "trainee" in a.email][:3]
        world = World(numbers, study.public_token, pages, trainees, logins)
        db.session.remove()
        db.engine.dispose()
    return world


def counts(env: dict[str, str]) -> dict[str, Any]:
    import psycopg

    url = env["DATABASE_URL"]
    with psycopg.connect(url) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "responses": one("SELECT count(*) FROM rds_survey_response WHERE status='submitted'"),
            "incomplete": one(
                "SELECT count(*) FROM rds_survey_response WHERE status='submitted' "
                "AND (ratings IS NULL OR CAST(ratings AS text) = '{}')"
            ),
            "hours": one(
                "SELECT count(*) FROM supervised_hours_entry e JOIN user_account u "
                "ON u.id = e.trainee_id WHERE u.email LIKE 'load.trainee%'"
            ),
            "hours_duplicates": one(
                "SELECT count(*) FROM (SELECT trainee_id, worked_on, minutes FROM "
                "supervised_hours_entry GROUP BY trainee_id, worked_on, minutes "
                "HAVING count(*) > 1) d"
            ),
            "logins": one("SELECT count(*) FROM audit_event WHERE action = 'auth.login'"),
        }


# --- the load -------------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    ok: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    timeline: list[tuple[float, str, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    resets: int = 0

    def add(self, op: str, started: float, ok: bool, t0: float) -> None:
        with self.lock:
            (self.ok if ok else self.failed)[op] += 1
            if ok:
                self.latencies[op].append(time.perf_counter() - started)
            self.timeline.append((started - t0, op, ok))


class Client:
    def __init__(self, base: str, world: World, results: Results) -> None:
        import requests

        self.requests = requests
        self.base, self.world, self.results = base, world, results
        self.rng = random.Random()
        self.hours_sessions: dict[str, Any] = {}
        self.hours_day: dict[str, int] = defaultdict(int)
        self.day_lock = threading.Lock()

    def _status(self, response: Any) -> int:
        with self.results.lock:
            self.results.statuses[response.status_code] += 1
        return int(response.status_code)

    def _csrf(self, session: Any, url: str) -> str:
        page = session.get(self.base + url, timeout=10)
        self._status(page)
        found = CSRF.search(page.text)
        return found.group(1) if found else ""

    def verify(self) -> bool:
        slug, number = self.rng.choice(self.world.numbers)
        response = self.requests.get(f"{self.base}/verify/{slug}/{number}", timeout=10)
        return self._status(response) == 200

    def survey(self) -> bool:
        session = self.requests.Session()
        token = self.world.survey_token
        csrf = self._csrf(session, f"/survey/{token}")
        start = session.post(
            f"{self.base}/survey/{token}", data={"csrf_token": csrf}, allow_redirects=False,
            timeout=10,
        )  # fmt: skip
        if self._status(start) != 302:
            return False
        for number, data in self.world.pages:
            page = session.post(
                f"{self.base}/survey/{token}/page/{number}",
                data={**data, "csrf_token": csrf},
                allow_redirects=False,
                timeout=10,
            )
            if self._status(page) != 302:
                return False
        done = session.post(
            f"{self.base}/survey/{token}/review", data={"csrf_token": csrf},
            allow_redirects=False, timeout=10,
        )  # fmt: skip
        return self._status(done) == 302 and "thanks" in done.headers.get("Location", "")

    def _login(self, email: str, password: str) -> Any:
        session = self.requests.Session()
        csrf = self._csrf(session, "/login")
        response = session.post(
            f"{self.base}/login",
            data={"email": email, "password": password, "csrf_token": csrf},
            allow_redirects=False,
            timeout=10,
        )
        ok = self._status(response) == 302 and "/login" not in response.headers.get("Location", "")
        return session if ok else None

    def login(self) -> bool:
        email, password = self.rng.choice(self.world.logins)
        return self._login(email, password) is not None

    def hours(self) -> bool:
        email = self.rng.choice(self.world.trainees)
        with self.day_lock:
            self.hours_day[email] += 1
            day = self.hours_day[email]
            session = self.hours_sessions.pop(email, None)
        if session is None:
            session = self._login(email, PASSWORD)
            if session is None:
                return False
        try:
            csrf = self._csrf(session, "/me/hours/new")
            form = {
                "csrf_token": csrf,
                "board_id": "",
                "kind": "experience",
                "worked_on": (date.today() - timedelta(days=day)).isoformat(),
                "hours": "1.5",
                "setting": "",
                "paid": "volunteer",
                "supervisor_email": "supervisor@demo.peercert",
            }
            page = session.get(f"{self.base}/me/hours/new", timeout=10)
            board = re.search(r'<option[^>]*value="(\d+)"[^>]*>[^<]*Nebraska', page.text)
            setting = re.search(r'id="setting"[^>]*>\s*<option[^>]*value="([^"]+)"', page.text)
            form["board_id"] = board.group(1) if board else "1"
            form["setting"] = setting.group(1) if setting else ""
            response = session.post(
                f"{self.base}/me/hours/new", data=form, allow_redirects=False, timeout=10
            )
            return self._status(response) == 302
        finally:
            with self.day_lock:
                self.hours_sessions[email] = session


MIX = [("verify", 50), ("survey", 15), ("hours", 20), ("login", 15)]


def run_load(base: str, world: World, rate: float, seconds: float, threads: int) -> Results:
    results = Results()
    client = Client(base, world, results)
    ops = [op for op, weight in MIX for _ in range(weight)]
    schedule_lock = threading.Lock()
    t0 = time.perf_counter()
    total = int(rate * seconds)
    issued = [0]

    def worker() -> None:
        rng = random.Random()
        while True:
            with schedule_lock:
                if issued[0] >= total:
                    return
                n = issued[0]
                issued[0] += 1
            due = t0 + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            op = rng.choice(ops)
            started = time.perf_counter()
            try:
                ok = bool(getattr(client, op)())
            except Exception as exc:  # noqa: BLE001 - a refused connection counts as a failure
                ok = False
                if any(w in str(exc).lower() for w in ("reset", "aborted", "closed")):
                    with results.lock:
                        results.resets += 1
            results.add(op, started, ok, t0)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=seconds + 120)
    results.elapsed = time.perf_counter() - t0  # type: ignore[attr-defined]
    return results


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def worker_pids(master: int) -> set[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    )
    return {int(x) for x in out.stdout.split()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=20.0, help="operations per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--drill", choices=["none", "pg-restart", "kill-worker"], default="none")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="peercert-load-"))
    os.chmod(workdir, 0o755)
    pg = PrivatePostgres(workdir)
    gunicorn = None
    verdicts: list[tuple[str, bool, str]] = []
    try:
        pg.start()
        port = _free_port()
        env = _env(pg.url, str(workdir / "instance"), port)
        t = time.perf_counter()
        world = seed(env)
        print(
            f"seeded in {time.perf_counter() - t:.1f} s: {len(world.numbers)} credentials, "
            f"a survey of {len(world.pages)} pages, {len(world.trainees)} trainees"
        )
        before = counts(env)
        log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115
        gunicorn = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                "--timeout", "60", "app:create_app()",
            ],
            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        import requests

        for _ in range(100):
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        workers_before = worker_pids(gunicorn.pid)
        drill_at = {"pg-restart": args.seconds / 3, "kill-worker": args.seconds / 4}.get(args.drill)
        drill_times: dict[str, float] = {}

        def drill() -> None:
            assert drill_at is not None
            time.sleep(drill_at)
            drill_times["start"] = time.perf_counter()
            if args.drill == "pg-restart":
                try:
                    pg.restart()
                except subprocess.CalledProcessError as exc:
                    print("PostgreSQL restart failed:", exc.stderr.decode(), file=sys.stderr)
                    raise
            else:  # three kills, a quarter of the run apart: the workers are busy by then
                victims = []
                for _ in range(3):
                    victim = sorted(worker_pids(gunicorn.pid))[0]  # type: ignore[union-attr]
                    os.kill(victim, signal.SIGKILL)
                    victims.append(victim)
                    time.sleep(args.seconds / 4)
                drill_times["victims"] = victims  # type: ignore[assignment]
            drill_times["end"] = time.perf_counter()

        if drill_at is not None:
            threading.Thread(target=drill, daemon=True).start()
        t0 = time.perf_counter()
        results = run_load(base, world, args.rate, args.seconds, args.threads)
        workers_after = worker_pids(gunicorn.pid)
        after = counts(env)

        print(f"\nload: {args.rate:g} op/s for {args.seconds:g} s, {args.threads} threads, "
              f"gunicorn 2 workers, PostgreSQL {pg.bin.parent.name}")  # fmt: skip
        print(f"{'operation':10} {'ok':>6} {'failed':>7} {'op/s':>7} {'p50 ms':>8} {'p95 ms':>8}")
        elapsed = results.elapsed  # type: ignore[attr-defined]
        for op, _ in MIX:
            lat = results.latencies[op]
            print(
                f"{op:10} {results.ok[op]:6d} {results.failed[op]:7d} "
                f"{results.ok[op] / elapsed:7.1f} {1000 * percentile(lat, 50):8.1f} "
                f"{1000 * percentile(lat, 95):8.1f}"
            )
        print(f"HTTP statuses: {dict(sorted(results.statuses.items()))}")
        print(f"rows before: {before}\nrows after:  {after}")

        # nothing acknowledged lost, nothing stored twice
        responses = after["responses"] - before["responses"]
        hours = after["hours"] - before["hours"]
        logins = after["logins"] - before["logins"]
        survey_ok, hours_ok = results.ok["survey"], results.ok["hours"]
        survey_tries = survey_ok + results.failed["survey"]
        hours_tries = hours_ok + results.failed["hours"]
        login_acks = results.ok["login"] + hours_ok  # a hours op logs in at most once per trainee
        checks = [
            ("survey: acknowledged <= stored <= attempted",
             survey_ok <= responses <= survey_tries,
             f"{survey_ok} <= {responses} <= {survey_tries}"),
            ("hours: acknowledged <= stored <= attempted",
             hours_ok <= hours <= hours_tries, f"{hours_ok} <= {hours} <= {hours_tries}"),
            ("logins audited >= acknowledged logins",
             logins >= results.ok["login"], f"{logins} >= {results.ok['login']}"),
            ("no hours entry stored twice",
             after["hours_duplicates"] == before["hours_duplicates"],
             f"{after['hours_duplicates'] - before['hours_duplicates']} new duplicates"),
            ("no submitted response without its ratings (half written)",
             after["incomplete"] == before["incomplete"], f"{after['incomplete']} incomplete"),
            ("no HTTP 500", results.statuses.get(500, 0) == 0,
             f"{results.statuses.get(500, 0)} responses with 500"),
        ]  # fmt: skip
        del login_acks
        if args.drill == "none":
            failures = sum(results.failed.values())
            checks.append(("no failed operation", failures == 0, f"{failures} failed"))
        if args.drill == "pg-restart":
            end = drill_times.get("end", 0) - t0
            late = [ok for at, _, ok in results.timeline if at > end + 3]
            rate_ok = sum(late) / len(late) if late else 0.0
            checks += [
                ("same gunicorn workers after the restart (no app restart)",
                 workers_after == workers_before,
                 f"{sorted(workers_before)} -> {sorted(workers_after)}"),
                ("operations 3 s after the restart succeed (>= 99%)", rate_ok >= 0.99,
                 f"{100 * rate_ok:.1f}% of {len(late)}"),
            ]  # fmt: skip
            took = drill_times.get("end", 0) - drill_times.get("start", 0)
            print(f"PostgreSQL restart took {took:.2f} s")
        if args.drill == "kill-worker":
            victims = list(drill_times.get("victims", []))  # type: ignore[call-overload]
            print(f"requests cut off by a kill (connection reset): {results.resets}")
            checks += [
                ("every killed worker was replaced", len(victims) == 3
                 and not set(victims) & workers_after and len(workers_after) == 2,
                 f"killed {victims}; workers now {sorted(workers_after)}"),
            ]  # fmt: skip
        print()
        for name, ok, detail in checks:
            verdicts.append((name, ok, detail))
            print(f"{'PASS' if ok else 'FAIL'}  {name}  ({detail})")
        verdict = all(ok for _, ok, _ in verdicts)
        print(f"\nVERDICT ({args.drill}): {'PASS' if verdict else 'FAIL'}")
        return 0 if verdict else 1
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        pg.stop()
        if (workdir / "gunicorn.log").exists():
            kept = Path(tempfile.gettempdir()) / "peercert-load-gunicorn.log"
            shutil.copy(workdir / "gunicorn.log", kept)
            print(f"(the server's log is kept in {kept})")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
