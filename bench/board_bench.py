"""Benchmark of the board pages at a large state's scale (issue 17); prints measured figures.

    python bench/board_bench.py [--people 50000] [--small 1000] [--runs 5] [--explain]
                                [--room 20] [--database postgresql://127.0.0.1:5432/test]
                                [--keep]

Creates a fresh PostgreSQL database next to --database, migrates it, and seeds with COPY two
boards: one of --small people and one of --people, each at the issue's proportions (per
50,000 people: 30,000 credentials, 500,000 supervised-hours entries of which 75,000
pending, 200,000 training records, 5,000 applications with a document each, 200,000 audit
events on a valid chain, 1,000 supervisors, an open RDS validation survey of 300 tasks in 12
domains with 5,000 submitted responses). The stored standing is computed by the app's own
`flask standing recompute` (timed), the RDS analysis run as its page runs it (timed, blueprint
version 1). The app is then served by gunicorn with 2 workers
(the README's command, default 30 s timeout) and every board page and export is requested
--runs times per board after one warm-up: the median latency of each board, the ratio and
the number of SQL statements (counted in-process with a before_cursor_execute listener)
are printed; for the exports also the first byte, the total time and the serving worker's
memory growth (VmRSS). `flask audit verify` is timed with its peak memory. Then a training
room of --room respondents takes the large board's survey at once from one address through
the public pages, under the production rate limits counted in Redis (skipped without Redis):
how many submit, how many answers are 429, time per submission and per request. --explain
adds EXPLAIN ANALYZE of the slowest statements of each page with and without this work's
indexes, and each index alone. Not part of the test run.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import logging
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from core.extensions import db  # noqa: E402
from core.models import Base  # noqa: E402

PASSWORD = "bench password 17"
SECRET_KEY = "bench-secret-key-17"
AUDIT_KEY = "bench-audit-key-17"
TODAY = date.today()
NOW = datetime.now(UTC)
# Per 50,000 people (issue 17): the scale of everything else on a board.
PER_PERSON = {
    "credentials": 30_000 / 50_000,
    "hours": 10,
    "training": 4,
    "applications": 5_000 / 50_000,
    "audit": 4,
    "supervisors": 1_000 / 50_000,
    "survey": 5_000 / 50_000,  # submitted responses to the board's RDS validation survey
}
SURVEY_TASKS, SURVEY_DOMAINS = 300, 12  # the RDS benches' study: 300 tasks in 12 domains
THIS_WORKS_INDEXES = (
    "ix_supervised_hours_entry_board_worked",
    "ix_supervised_hours_entry_board_status_worked",
    "ix_application_board_submitted",
    "ix_audit_event_board_created",
    "ix_audit_event_board_id_desc",
    "ix_audit_event_actor_id",
    "ix_role_assignment_board_role_user",
    "ix_credential_board_number_prefix",
    "ix_standing_board_user_stages",
    "ix_role_assignment_board_staff",
    "ix_supervised_hours_entry_board_status_supervisor",
    "ix_user_account_full_name_trgm",
    "ix_user_account_email_trgm",
)


# --- a fresh database ---------------------------------------------------------------------


def fresh_database(base: str) -> tuple[str, str]:
    parts = urlsplit(base.replace("postgresql+psycopg://", "postgresql://"))
    name = "peercert_bench_" + secrets.token_hex(3)
    with psycopg.connect(urlunsplit(parts), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name)), name


def drop_database(base: str, name: str) -> None:
    parts = urlsplit(base.replace("postgresql+psycopg://", "postgresql://"))
    with psycopg.connect(urlunsplit(parts), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- COPY with the models' defaults ---------------------------------------------------------


class Ids:
    """The next primary key of each table (a fresh database: they start at 1)."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def take(self, table: str, n: int = 1) -> range:
        start = self.last.get(table, 0) + 1
        self.last[table] = start + n - 1
        return range(start, start + n)


def _default(column: Any) -> Any:
    if column.default is not None:
        if column.default.is_scalar:
            return column.default.arg
        if column.default.is_callable:
            return column.default.arg(None)
    if column.server_default is not None and column.name == "session_version":
        return 1
    return None


def copy(conn: psycopg.Connection, table: str, rows: Iterable[dict[str, Any]]) -> int:
    """COPY dict rows into table; columns left out take the model's default."""
    columns = list(Base.metadata.tables[table].columns)
    names = [c.name for c in columns]
    is_json = {c.name for c in columns if c.type.__class__.__name__ == "JSON"}
    count = 0
    with conn.cursor() as cur:
        with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as out:
            for row in rows:
                values = []
                for column in columns:
                    value = row[column.name] if column.name in row else _default(column)
                    if column.name in is_json and value is not None:
                        value = json.dumps(value, default=str)
                    values.append(value)
                out.write_row(values)
                count += 1
    return count


# --- one board --------------------------------------------------------------------------------


def _mac(kind: str, payload: dict[str, Any]) -> str:
    text = json.dumps({"kind": kind, **payload}, sort_keys=True, separators=(",", ":"))
    return hmac.new(AUDIT_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


class Chain:
    """Audit events on a valid keyed chain (as core.audit.record writes them)."""

    def __init__(self) -> None:
        self.prev = "0" * 64
        self.count = 0
        self.last_id = 0

    def event(self, event_id: int, board_id: int, actor: int, action: str, entity: str,
              entity_id: int, after: dict[str, Any], at: datetime) -> dict[str, Any]:  # fmt: skip
        payload = {
            "prev": self.prev, "board": board_id, "actor": actor, "action": action,
            "entity": [entity, str(entity_id)], "before": None, "after": after, "ip": None,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        }  # fmt: skip
        digest = _mac("event", payload)
        row = {
            "id": event_id, "board_id": board_id, "actor_id": actor, "action": action,
            "entity_type": entity, "entity_id": str(entity_id), "before": None, "after": after,
            "ip": None, "created_at": at, "prev_hash": self.prev, "hash": digest,
        }  # fmt: skip
        self.prev, self.count, self.last_id = digest, self.count + 1, event_id
        return row


def seed_board(
    conn: psycopg.Connection, ids: Ids, chain: Chain, slug: str, people: int, pw_hash: str
) -> dict[str, Any]:
    """One board of `people` trainees at the issue's proportions; returns what pages need."""
    rng = random.Random(slug)
    n = {k: max(1, round(v * people)) for k, v in PER_PERSON.items()}
    n["hours"], n["training"], n["audit"] = people * 10, people * 4, people * 4
    board_id = ids.take("board")[0]
    copy(conn, "board", [{"id": board_id, "slug": slug, "name": f"Board {slug}",
                          "jurisdiction": slug.upper(), "created_at": NOW}])  # fmt: skip
    admin_id = ids.take("user_account")[0]
    first_user = admin_id
    trainees = ids.take("user_account", people)
    supervisors = ids.take("user_account", n["supervisors"])
    admin = f"admin@{slug}.bench"

    def users() -> Iterator[dict[str, Any]]:
        yield {"id": admin_id, "email": admin, "full_name": f"Admin {slug}",
               "password_hash": pw_hash, "activated_at": NOW, "created_at": NOW}  # fmt: skip
        for i, uid in enumerate(trainees):
            yield {"id": uid, "email": f"trainee{i}@{slug}.bench",
                   "full_name": f"Trainee {rng.choice(NAMES)} {i}", "activated_at": NOW,
                   "created_at": NOW}  # fmt: skip
        for i, uid in enumerate(supervisors):
            yield {
                "id": uid,
                "email": f"supervisor{i}@{slug}.bench",
                "full_name": f"Supervisor {i}",
                "activated_at": NOW,
                "created_at": NOW,
            }

    copy(conn, "user_account", users())

    def roles() -> Iterator[dict[str, Any]]:
        for role in ("board_admin", "board_reviewer", "psychometrician", "trainer"):
            yield {"id": ids.take("role_assignment")[0], "user_id": admin_id, "role": role,
                   "board_id": board_id, "created_at": NOW}  # fmt: skip
        for uid in trainees:
            yield {"id": ids.take("role_assignment")[0], "user_id": uid, "role": "trainee",
                   "board_id": board_id, "created_at": NOW}  # fmt: skip
        for uid in supervisors:
            yield {"id": ids.take("role_assignment")[0], "user_id": uid, "role": "supervisor",
                   "board_id": board_id, "created_at": NOW}  # fmt: skip

    copy(conn, "role_assignment", roles())
    provisional, full = ids.take("credential_type", 2)
    copy(conn, "credential_type", [
        {"id": provisional, "code": "P", "name": "Peer Specialist — Provisional",
         "level": "provisional", "substance_use": False, "cycle_months": 12, "board_id": board_id},
        {"id": full, "code": "F", "name": "Certified Peer Specialist", "level": "full",
         "substance_use": False, "cycle_months": 24, "board_id": board_id},
    ])  # fmt: skip
    rules = dict(min_age=18, education="hs_diploma_or_ged", lived_experience=True,
                 recovery_months=12, training_minutes=40 * 60, ethics_attestation=True)  # fmt: skip
    copy(conn, "requirement_set", [
        {"id": ids.take("requirement_set")[0], "credential_type_id": provisional,
         "board_id": board_id, **rules},
        {"id": ids.take("requirement_set")[0], "credential_type_id": full, "board_id": board_id,
         **rules, "experience_minutes": 500 * 60, "supervision_minutes": 25 * 60,
         "exam_required": True},
    ])  # fmt: skip
    program = ids.take("training_program")[0]
    copy(conn, "training_program", [{"id": program, "name": "Peer 40", "provider": "Academy",
                                     "approved": True, "approved_at": NOW,
                                     "board_id": board_id}])  # fmt: skip
    modules = ids.take("training_module", 4)
    copy(conn, "training_module", [
        {"id": m, "program_id": program, "position": i, "title": f"Module {i + 1}",
         "minutes": 600, "category": None, "performance_domain": DOMAINS[i],
         "board_id": board_id}
        for i, m in enumerate(modules)
    ])  # fmt: skip
    cohorts = ids.take("training_cohort", max(1, people // 1000))
    copy(conn, "training_cohort", [
        {"id": c, "program_id": program, "name": f"Cohort {i + 1}",
         "starts_on": TODAY - timedelta(days=30 * i), "trainer_id": admin_id, "board_id": board_id}
        for i, c in enumerate(cohorts)
    ])  # fmt: skip
    copy(conn, "trainee_profile", (
        {"id": ids.take("trainee_profile")[0], "user_id": uid, "board_id": board_id,
         "birth_date": date(1970 + i % 35, 1 + i % 12, 1 + i % 28),
         "education": "hs_diploma_or_ged", "lived_experience": True,
         "recovery_since": date(2015 + i % 10, 1 + i % 12, 1), "residency_attested": True,
         "ethics_attested": i % 5 != 0, "background_check_cleared": i % 3 == 0,
         "fee_received": i % 2 == 0, "exam_passed": i % 4 == 0, "reciprocity_verified": False}
        for i, uid in enumerate(trainees)
    ))  # fmt: skip

    def attendance() -> Iterator[dict[str, Any]]:
        for i, uid in enumerate(trainees):
            cohort = cohorts[i % len(cohorts)]
            for j, module in enumerate(modules):
                yield {"id": ids.take("training_attendance")[0], "cohort_id": cohort,
                       "module_id": module, "trainee_id": uid,
                       "attended_on": TODAY - timedelta(days=400 - j - i % 300),
                       "minutes": 600 if (i + j) % 7 else 420, "recorded_by_id": admin_id,
                       "recorded_at": NOW, "board_id": board_id}  # fmt: skip

    copy(conn, "training_attendance", attendance())
    copy(conn, "supervisor_profile", (
        {"id": ids.take("supervisor_profile")[0], "user_id": uid, "license_type": "limhp",
         "license_number": f"L-{i}", "license_state": slug.upper(),
         "verified_at": NOW if i % 4 else None, "board_id": board_id}
        for i, uid in enumerate(supervisors)
    ))  # fmt: skip

    def hours() -> Iterator[dict[str, Any]]:
        for i, uid in enumerate(trainees):
            for j in range(10):
                pending = (i * 10 + j) % 20 < 3  # 15 % pending, as in the issue
                yield {"id": ids.take("supervised_hours_entry")[0], "trainee_id": uid,
                       "supervisor_id": supervisors[(i + j) % len(supervisors)],
                       "kind": "supervision" if j == 9 else "experience",
                       "worked_on": TODAY - timedelta(days=1 + (i * 7 + j * 37) % 1000),
                       "minutes": 480 if j < 9 else 120, "setting": "Peer-run organization",
                       "paid": j % 2 == 0, "performance_domain": DOMAINS[j % 4], "notes": "",
                       "status": "pending" if pending else "confirmed",
                       "decided_at": None if pending else NOW, "created_at": NOW,
                       "board_id": board_id}  # fmt: skip

    copy(conn, "supervised_hours_entry", hours())
    applied = trainees[: n["applications"]]
    application_ids = ids.take("application", len(applied))
    statuses = ["submitted"] * 3 + ["in_review", "info_requested", "approved", "denied",
                                    "certified", "certified", "draft"]  # fmt: skip
    copy(conn, "application", (
        {"id": aid, "trainee_id": uid, "credential_type_id": full,
         "status": statuses[k % len(statuses)],
         "submitted_at": None if statuses[k % len(statuses)] == "draft"
         else NOW - timedelta(days=k % 365, minutes=k), "created_at": NOW, "updated_at": NOW,
         "board_id": board_id}
        for k, (aid, uid) in enumerate(zip(application_ids, applied, strict=True))
    ))  # fmt: skip
    copy(conn, "application_document", (
        {"id": ids.take("application_document")[0], "application_id": aid, "kind": "id",
         "original_name": f"id-{k}.pdf", "stored_name": f"{slug}-{k}.pdf",
         "content_type": "application/pdf", "size_bytes": 1000,
         "status": "pending" if k % 3 == 0 else "accepted", "uploaded_by_id": None,
         "uploaded_at": NOW - timedelta(days=k % 365), "board_id": board_id}
        for k, aid in enumerate(application_ids)
    ))  # fmt: skip
    holders = trainees[len(trainees) - n["credentials"] :]
    cred_statuses = ["active"] * 16 + ["provisional"] * 2 + ["expired", "suspended"]

    def credentials() -> Iterator[dict[str, Any]]:
        for k, uid in enumerate(holders):
            status = cred_statuses[k % len(cred_statuses)]
            issued = TODAY - timedelta(days=(k * 13) % 700)
            ctype = provisional if status == "provisional" else full
            yield {"id": ids.take("credential")[0], "holder_id": uid, "credential_type_id": ctype,
                   "number": f"{slug.upper()}-{'P' if ctype == provisional else 'F'}-{k + 1:06d}",
                   "status": status, "issued_on": issued,
                   "expires_on": issued + timedelta(days=365 if ctype == provisional else 730),
                   "endorsements": ["A"] if k % 3 else [], "created_at": NOW, "updated_at": NOW,
                   "board_id": board_id}  # fmt: skip

    copy(conn, "credential", credentials())
    copy(conn, "credential_counter", [{"board_id": board_id, "last_number": len(holders)}])
    actions = ["hours.logged", "hours.confirmed", "profile.updated", "training.recorded"]

    first_event = ids.last.get("audit_event", 0) + 1

    def events() -> Iterator[dict[str, Any]]:
        for k in range(n["audit"]):
            uid = trainees[k % len(trainees)]
            at = NOW - timedelta(seconds=(n["audit"] - k) * 60)
            yield chain.event(ids.take("audit_event")[0], board_id, uid, actions[k % 4],
                              "SupervisedHoursEntry", k, {"k": k}, at)  # fmt: skip

    copy(conn, "audit_event", events())
    study, token = seed_survey(conn, ids, board_id, admin_id, full, slug, n["survey"])
    conn.commit()
    return {"board": board_id, "slug": slug, "admin": admin, "cohort": cohorts[0],
            "people": people, "oldest": TODAY - timedelta(days=1000),
            "first_event": first_event, "first_user": first_user, "study": study,
            "survey_token": token, "responses": n["survey"]}  # fmt: skip


def seed_survey(
    conn: psycopg.Connection, ids: Ids, board_id: int, admin_id: int, credential_type: int,
    slug: str, responses: int,
) -> tuple[int, str]:  # fmt: skip
    """An open RDS study of SURVEY_TASKS tasks in SURVEY_DOMAINS domains, two demographic
    questions and `responses` submitted web responses: ratings from task effects, each
    respondent's leniency and noise on the 0-4 scales, 3% of the pairs left blank."""
    rng = random.Random(slug + "-survey")
    study = ids.take("rds_study")[0]
    token = secrets.token_urlsafe(16)
    copy(conn, "rds_study", [{
        "id": study, "board_id": board_id, "credential_type_id": credential_type,
        "title": "Peer Specialist RDS", "status": "survey_open",
        "started_on": TODAY - timedelta(days=120), "incumbents": max(100, responses * 4),
        "public_token": token, "created_by_id": admin_id, "created_at": NOW,
    }])  # fmt: skip
    domains = ids.take("rds_domain", SURVEY_DOMAINS)
    copy(conn, "rds_domain", [
        {"id": d, "board_id": board_id, "study_id": study, "position": i, "name": f"Domain {i + 1}"}
        for i, d in enumerate(domains)
    ])  # fmt: skip
    tasks = ids.take("rds_task", SURVEY_TASKS)
    codes = [f"T{i + 1:03d}" for i in range(SURVEY_TASKS)]
    copy(conn, "rds_task", [
        {"id": t, "board_id": board_id, "study_id": study,
         "domain_id": domains[i * SURVEY_DOMAINS // SURVEY_TASKS], "code": codes[i],
         "position": i, "statement": f"Task statement {i + 1} of the peer specialist's work",
         "sme_resolution": "keep"}
        for i, t in enumerate(tasks)
    ])  # fmt: skip
    questions = {"role": ["Peer specialist", "Peer supervisor", "Other"],
                 "setting": ["Community", "Hospital", "Justice"]}  # fmt: skip
    copy(conn, "rds_demographic_question", [
        {"id": ids.take("rds_demographic_question")[0], "board_id": board_id, "study_id": study,
         "position": i, "key": key, "label": key.capitalize(), "options": options}
        for i, (key, options) in enumerate(questions.items())
    ])  # fmt: skip
    importance = [rng.uniform(1.2, 3.8) for _ in codes]
    frequency = [rng.uniform(0.5, 3.5) for _ in codes]

    def scale(value: float) -> int:
        return min(4, max(0, round(value)))

    def answers() -> Iterator[dict[str, Any]]:
        for k in range(responses):
            lenient = rng.gauss(0, 0.4)
            ratings = {
                code: [scale(importance[j] + lenient + rng.gauss(0, 0.8)),
                       scale(frequency[j] + lenient + rng.gauss(0, 0.9))]
                for j, code in enumerate(codes) if rng.random() >= 0.03
            }  # fmt: skip
            yield {"id": ids.take("rds_survey_response")[0], "board_id": board_id,
                   "study_id": study, "status": "submitted", "source": "web",
                   "demographics": {key: options[(k + i) % 3]
                                    for i, (key, options) in enumerate(questions.items())},
                   "ratings": ratings, "pages_done": [], "submitted_on": TODAY,
                   "seconds_taken": 900 + k % 600}  # fmt: skip

    copy(conn, "rds_survey_response", answers())
    return study, token


NAMES = ["Ada", "Bo", "Cruz", "Dee", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kim", "Lee"]
DOMAINS = ["Advocacy", "Mentoring", "Recovery support", "Professional responsibility"]


def finish_seed(conn: psycopg.Connection, ids: Ids, chain: Chain) -> None:
    copy(conn, "audit_head", [{"id": 1, "last_event_id": chain.last_id,
                               "last_hash": chain.prev, "count": chain.count}])  # fmt: skip
    for table, last in ids.last.items():
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})")
    conn.commit()
    with psycopg.connect(conn.info.dsn, autocommit=True) as other:
        other.execute("VACUUM ANALYZE")


# --- pages ------------------------------------------------------------------------------------

PAGES = {
    "overview": "/boards/{board}",
    "pipeline": "/boards/{board}/pipeline",
    "applications": "/boards/{board}/applications",
    "applications: search": "/boards/{board}/applications?q=trainee%20ada",
    "documents": "/boards/{board}/documents",
    "credentials": "/boards/{board}/credentials",
    "credentials: name search": "/boards/{board}/credentials?q=ada%2012",
    "credentials: number search": "/boards/{board}/credentials?q={slugU}-F-00012",
    "credentials: expiring 30 d": "/boards/{board}/credentials?expiring=30",
    "supervisors": "/boards/{board}/supervisors",
    "hours": "/boards/{board}/hours",
    "hours: pending": "/boards/{board}/hours?status=pending",
    "hours: oldest page": "/boards/{board}/hours?older={oldest}~0",
    "hours: trainee search": "/boards/{board}/hours?trainee=trainee12",
    "audit log": "/boards/{board}/audit",
    "audit log: oldest page": "/boards/{board}/audit?older={deep_event}",
    "audit log: actor search": "/boards/{board}/audit?actor=trainee12%40",
    "staff": "/boards/{board}/staff",
    "training": "/boards/{board}/training",
    "cohorts": "/boards/{board}/training/cohorts",
    "coverage": "/boards/{board}/training/coverage",
    "RDS analysis": "/studies/{study}/analysis",
}
EXPORTS = {
    "credentials CSV": "/boards/{board}/credentials?format=csv",
    "credentials XLSX": "/boards/{board}/credentials?format=xlsx",
    "applications CSV": "/boards/{board}/applications?format=csv",
    "supervisors CSV": "/boards/{board}/supervisors.csv",
    "hours CSV (pending)": "/boards/{board}/hours.csv?status=pending",
    "hours CSV (all)": "/boards/{board}/hours.csv",
    "cohort attendance CSV": "/boards/{board}/training/cohorts/{cohort}/attendance.csv",
    "coverage CSV": "/boards/{board}/training/coverage.csv",
    "survey responses CSV": "/studies/{study}/survey/export.csv",
    "survey responses XLSX": "/studies/{study}/survey/export.xlsx",
    "blueprint CSV": "/studies/{study}/analysis/1/blueprint.csv",
    "blueprint XLSX": "/studies/{study}/analysis/1/blueprint.xlsx",
}


def url_of(template: str, where: dict[str, Any]) -> str:
    return template.format(
        board=where["board"], slugU=where["slug"].upper(), cohort=where["cohort"],
        study=where["study"],
        oldest=(where["oldest"] + timedelta(days=3)).isoformat(),
        deep_event=where["first_event"] + 30,
    )  # fmt: skip


# --- HTTP against gunicorn ----------------------------------------------------------------


class Browser:
    """A logged-in session over plain HTTP (cookies kept by hand: they are Secure)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.location = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        self.location = urlsplit(response.headers.get("Location") or "").path
        conn.close()
        return response.status, data

    def login(self, email: str) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            rb'name="csrf_token"[^>]*value="([^"]+)"', page
        )
        assert token, "no CSRF token on the login page"
        from urllib.parse import urlencode

        form = urlencode({"csrf_token": token.group(1).decode(), "email": email,
                          "password": PASSWORD})  # fmt: skip
        status, _ = self.request("POST", "/login", form)
        assert status == 302, f"login failed ({status})"

    def timed(self, path: str) -> tuple[float, float, int, int]:
        """(seconds to the first body byte, seconds in all, status, lines)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        first = response.read(1)
        first_at = time.perf_counter() - start
        size = first.count(b"\n")
        while chunk := response.read(65536):
            size += chunk.count(b"\n")
        total = time.perf_counter() - start
        conn.close()
        return first_at, total, response.status, size


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB."""
    found = dict.fromkeys(("VmRSS", "VmHWM"), 0)
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in found:
            found[key] = int(value.split()[0])
    return found["VmRSS"], found["VmHWM"]


def workers(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                         text=True).stdout  # fmt: skip
    return [int(p) for p in out.split()]


@contextmanager
def gunicorn(url: str, port: int, limits: str | None = None) -> Iterator[int]:
    """The app under gunicorn (2 workers); rate limits off, or with limits (a Redis URL)
    counted in Redis under a key prefix of this run, at the production defaults."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "AUDIT_KEY": AUDIT_KEY,
           "PEERCERT_ENV": "production", "BASE_URL": f"http://127.0.0.1:{port}",
           "PEERCERT_INSTANCE": "/tmp/peercert-bench-instance"}  # fmt: skip
    overrides = "{'RATELIMIT_ENABLED': False}"
    if limits:
        env["RATELIMIT_STORAGE_URI"] = limits
        overrides = f"{{'RATELIMIT_KEY_PREFIX': 'bench17-{secrets.token_hex(4)}'}}"
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b",
               f"127.0.0.1:{port}", f"app:create_app({overrides})"]  # fmt: skip
    # the app logs a JSON line per request on stderr: to a file, never a pipe left unread
    # (a full pipe would stop the workers)
    log = tempfile.TemporaryFile("w+")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=log, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
            if len(workers(process.pid)) == 2:
                break
        except OSError:
            time.sleep(0.3)
    try:
        yield process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.seek(0)
        errors = log.read()
        log.close()
        timeouts = errors.count("WORKER TIMEOUT")
        if timeouts:
            print(f"  gunicorn reported {timeouts} worker timeout(s)")


# --- statements, in-process -------------------------------------------------------------------


@contextmanager
def captured(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    found: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def in_process(url: str) -> Any:
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "AUDIT_KEY": AUDIT_KEY,
        "ENV_NAME": "development", "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False,
        "RATELIMIT_ENABLED": False, "BASE_URL": "http://localhost", "TESTING": True,
    })  # fmt: skip
    logging.getLogger("peercert.request").setLevel(logging.WARNING)  # no line per request
    return app


def statements_of(app: Any, where: dict[str, Any], paths: dict[str, str]) -> dict[str, list]:
    client = app.test_client()
    client.post("/login", data={"email": where["admin"], "password": PASSWORD})
    with app.app_context():
        engine = db.engine
    found = {}
    for name, template in paths.items():
        with captured(engine) as statements:
            response = client.get(url_of(template, where))
            response.get_data()
        assert response.status_code == 200, (name, response.status_code)
        found[name] = statements
    return found


def rule_change(app: Any, where: dict[str, Any]) -> str:
    """Save a change of the full credential's rules as the Rules page does; time the commit
    (a small board is recomputed inline, a large one queued as a job)."""
    from certify.config.services import save_credential_type, snapshot
    from certify.models import CredentialType
    from certify.standing import services as standing
    from core.models import Board, User

    with app.test_request_context():
        session = db.session
        board = session.get(Board, where["board"])
        admin = session.execute(db.select(User).where(User.email == where["admin"])).scalar_one()
        ctype = session.execute(
            db.select(CredentialType).where(
                CredentialType.board_id == board.id, CredentialType.code == "F"
            )
        ).scalar_one()
        now = snapshot(ctype)
        fields = {k: now[k] for k in ("code", "name", "level", "substance_use", "cycle_months")}
        rules = {k: v for k, v in now.items() if k not in fields}
        rules["experience_minutes"] = (rules.get("experience_minutes") or 0) + 60
        start = time.perf_counter()
        save_credential_type(session, admin, board, fields, rules, ctype)
        session.commit()
        elapsed = time.perf_counter() - start
        job = standing.next_job(session, board.id)
        how = "queued for `flask standing recompute`" if job else "recomputed inline"
        return f"saved and committed in {elapsed:.2f} s ({how})"


def explain_ms(conn: psycopg.Connection, statement: str, parameters: Any) -> float:
    # the statement as SQLAlchemy rendered it for psycopg, with its parameters
    plan = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).fetchone()[0]
    return float(plan[0]["Execution Time"])


def explain(url: str, captured_statements: dict[str, list]) -> None:
    """The slowest statement of each page, with this work's indexes and without them."""
    print("\nEXPLAIN ANALYZE, slowest statement per page (ms): with the indexes / without")
    with psycopg.connect(url) as conn:
        for name, statements in captured_statements.items():
            timed = []
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                try:
                    timed.append((explain_ms(conn, statement, parameters), statement, parameters))
                except psycopg.Error:
                    conn.rollback()
            if not timed:
                continue
            with_ms, statement, parameters = max(timed, key=lambda t: t[0])
            for index in THIS_WORKS_INDEXES:
                conn.execute(f"DROP INDEX IF EXISTS {index}")
            without_ms = explain_ms(conn, statement, parameters)
            conn.rollback()
            print(f"  {name:32s} {with_ms:9.2f} / {without_ms:9.2f}")


def per_index(url: str, where: dict[str, Any]) -> None:
    """Each index of this work alone: the query it serves, with and without it (ms)."""
    board, slug = where["board"], where["slug"]
    oldest = (where["oldest"] + timedelta(days=3)).isoformat()
    cases = [
        ("ix_supervised_hours_entry_board_worked", "hours page 1",
         f"SELECT id FROM supervised_hours_entry WHERE board_id={board}"
         " ORDER BY worked_on DESC, id DESC LIMIT 26"),
        ("ix_supervised_hours_entry_board_worked", "hours oldest page",
         f"SELECT id FROM supervised_hours_entry WHERE board_id={board}"
         f" AND (worked_on, id) < ('{oldest}', 0) ORDER BY worked_on DESC, id DESC LIMIT 26"),
        ("ix_supervised_hours_entry_board_status_worked", "hours pending page 1",
         f"SELECT id FROM supervised_hours_entry WHERE board_id={board} AND status='pending'"
         " ORDER BY worked_on DESC, id DESC LIMIT 26"),
        ("ix_application_board_submitted", "review queue page 1",
         f"SELECT id FROM application WHERE board_id={board} AND status <> 'draft'"
         " ORDER BY submitted_at ASC NULLS LAST, id LIMIT 25"),
        ("ix_audit_event_board_id_desc", "audit log page 1",
         f"SELECT id FROM audit_event WHERE board_id={board} ORDER BY id DESC LIMIT 26"),
        ("ix_audit_event_board_id_desc", "audit log page 1, older board",
         f"SELECT id FROM audit_event WHERE board_id={where['other']} ORDER BY id DESC LIMIT 26"),
        ("ix_audit_event_board_created", "audit log, one week",
         f"SELECT count(*) FROM audit_event WHERE board_id={board}"
         f" AND created_at >= now() - interval '7 days'"),
        ("ix_audit_event_actor_id", "audit log, one actor",
         "SELECT id FROM audit_event WHERE actor_id IN (SELECT id FROM user_account"
         f" WHERE email LIKE '%trainee12@{slug}%') ORDER BY id DESC LIMIT 26"),
        ("ix_role_assignment_board_role_user", "trainees of the board (count)",
         f"SELECT count(*) FROM role_assignment WHERE board_id={board} AND role='trainee'"),
        ("ix_role_assignment_board_role_user", "recompute batch (keyset)",
         f"SELECT user_id FROM role_assignment WHERE board_id={board} AND role='trainee'"
         f" AND user_id > {where['first_user'] + where['people'] // 2} ORDER BY user_id"
         " LIMIT 500"),
        ("ix_credential_board_number_prefix", "credential number search",
         f"SELECT id FROM credential WHERE board_id={board}"
         f" AND number LIKE '{slug.upper()}-F-00012%' ORDER BY number LIMIT 25"),
        ("ix_standing_board_user_stages", "pipeline: stages per person",
         "SELECT count(DISTINCT CASE WHEN training_met THEN user_id END),"
         " count(DISTINCT CASE WHEN hours_met THEN user_id END),"
         " count(DISTINCT CASE WHEN exam_met THEN user_id END)"
         f" FROM standing WHERE board_id={board}"),
        ("ix_supervised_hours_entry_board_status_worked", "pending entries (count)",
         f"SELECT count(*) FROM supervised_hours_entry WHERE board_id={board}"
         " AND status='pending'"),
        ("ix_role_assignment_board_staff", "staff page (count)",
         f"SELECT count(*) FROM role_assignment WHERE board_id={board} AND role <> 'trainee'"),
        ("ix_role_assignment_board_staff", "staff page 1",
         "SELECT r.id, (SELECT u.full_name FROM user_account u WHERE u.id = r.user_id) AS name"
         f" FROM role_assignment r WHERE r.board_id={board} AND r.role <> 'trainee'"
         " ORDER BY name, r.role, r.id LIMIT 26"),
        ("ix_supervised_hours_entry_board_status_supervisor", "pending supervisors (names)",
         f"SELECT supervisor_id FROM supervised_hours_entry WHERE board_id={board}"
         " AND status='pending' GROUP BY supervisor_id"),
        ("ix_user_account_full_name_trgm", "name search",
         "SELECT id FROM user_account WHERE full_name ILIKE '%ada 12%'"),
        ("ix_user_account_email_trgm", "email search",
         "SELECT id FROM user_account WHERE email ILIKE '%trainee12@%'"),
    ]  # fmt: skip
    print(f"\nEach index alone on the {where['people']:,}-person board: ms with / without")
    with psycopg.connect(url) as conn:
        for index, what, sql in cases:
            best_with = min(explain_ms(conn, sql, None) for _ in range(3))
            conn.execute(f"DROP INDEX {index}")
            best_without = min(explain_ms(conn, sql, None) for _ in range(3))
            conn.rollback()
            print(f"  {index:47s} {what:30s} {best_with:8.2f} / {best_without:8.2f}")
        count_sql = (
            f"SELECT count(*) FROM (SELECT id FROM supervised_hours_entry WHERE board_id={board}"
            " {order}) AS s"
        )
        ordered = min(explain_ms(conn, count_sql.format(order="ORDER BY worked_on DESC, id DESC"),
                                 None) for _ in range(3))  # fmt: skip
        plain = min(explain_ms(conn, count_sql.format(order=""), None) for _ in range(3))
        capped = min(explain_ms(conn, count_sql.format(order="LIMIT 10001"), None)
                     for _ in range(3))  # fmt: skip
        print(f"  pagination count of the hours list: over an ordered subquery {ordered:.1f} ms,"
              f" unordered {plain:.1f} ms, capped at 10,000 rows {capped:.1f} ms")  # fmt: skip
        old_staff = (
            "SELECT u.id FROM role_assignment r JOIN user_account u ON u.id = r.user_id"
            f" WHERE r.board_id={board} AND r.role <> 'trainee' ORDER BY u.full_name, r.role"
        )
        joined = min(explain_ms(conn, old_staff, None) for _ in range(3))
        print(f"  staff page as it was (all staff joined to their accounts, sorted): {joined:.1f}"
              " ms")  # fmt: skip


# --- the RDS survey ---------------------------------------------------------------------------


def analysis_run(app: Any, where: dict[str, Any]) -> str:
    """Run the RDS analysis on the board's survey as the Analysis page does (the engine's
    default options) and store blueprint version 1; time it."""
    from core.models import User
    from rds.analysis import services as analysis
    from rds.models import Study

    with app.test_request_context():
        session = db.session
        study = session.get(Study, where["study"])
        admin = session.execute(db.select(User).where(User.email == where["admin"])).scalar_one()
        start = time.perf_counter()
        version = analysis.run_analysis(session, admin, study, {})
        session.commit()
        elapsed = time.perf_counter() - start
        return (f"{where['responses']:,} responses x {SURVEY_TASKS} tasks: blueprint version"
                f" {version.version} in {elapsed:.1f} s")  # fmt: skip


def respondent(port: int, token: str, rng: random.Random) -> dict[str, Any]:
    """One person taking the public survey from start to thanks, as a browser does (every
    page fetched, then posted with its CSRF token, the redirects followed); stops at the
    first refusal."""
    browser = Browser(port)
    times: list[float] = []
    refused = 0

    def step(method: str, path: str, form: dict[str, str] | None = None) -> bytes:
        nonlocal refused
        from urllib.parse import urlencode

        start = time.perf_counter()
        status, data = browser.request(method, path, urlencode(form) if form else None)
        times.append(time.perf_counter() - start)
        if status == 429:
            refused += 1
        if status not in (200, 302):
            raise RuntimeError(f"{method} {path}: HTTP {status}")
        return data

    def csrf(page: bytes) -> str:
        found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert found, "no CSRF token on a survey page"
        return found.group(1).decode()

    begun = time.perf_counter()
    try:
        intro = step("GET", f"/survey/{token}")
        step("POST", f"/survey/{token}", {"csrf_token": csrf(intro)})
        path = browser.location
        while "/page/" in path:
            page = step("GET", path)
            form = {"csrf_token": csrf(page)}
            for name in sorted(set(re.findall(rb'name="(t\d+_(?:importance|frequency))"', page))):
                form[name.decode()] = str(rng.randint(0, 4))
            for name, value in re.findall(rb'name="(q_\w+)" value="([^"]+)"', page):
                form.setdefault(name.decode(), value.decode())
            step("POST", path, form)
            path = browser.location
        review = step("GET", f"/survey/{token}/review")
        step("POST", f"/survey/{token}/review", {"csrf_token": csrf(review)})
        step("GET", f"/survey/{token}/thanks")
        done = True
    except (RuntimeError, AssertionError, OSError):
        done = False
    return {"done": done, "seconds": time.perf_counter() - begun, "times": times,
            "refused": refused}  # fmt: skip


def survey_room(url: str, port: int, where: dict[str, Any], people: int) -> None:
    """A training room of `people` taking the survey at once from one address (this
    machine), with the production rate limits counted in Redis."""
    import threading

    redis = "redis://127.0.0.1:6379/0"
    try:
        import redis as redis_client

        redis_client.Redis.from_url(redis, socket_timeout=2).ping()
    except Exception:  # noqa: BLE001
        print("\nSurvey room: skipped (no Redis at 127.0.0.1:6379 for the production limits)")
        return
    results: list[dict[str, Any]] = []
    with gunicorn(url, port, limits=redis):
        threads = [
            threading.Thread(target=lambda n=n: results.append(
                respondent(port, where["survey_token"], random.Random(n))))
            for n in range(people)
        ]  # fmt: skip
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
    finished = [r for r in results if r["done"]]
    requests = [t for r in results for t in r["times"]]
    refused = sum(r["refused"] for r in results)
    took = sorted(r["seconds"] for r in finished) or [0.0]
    from core.config import Config

    print(
        f"\nSurvey room: {people} respondents at once from one address, production limits"
        f" (respondent {Config.SURVEY_RESPONDENT_RATE_LIMIT}, address"
        f" {Config.SURVEY_ADDRESS_RATE_LIMIT}, pages without a response"
        f" {Config.PUBLIC_RATE_LIMIT}; in Redis), {SURVEY_DOMAINS + 1} pages for {SURVEY_TASKS}"
        " tasks:"
        f"\n  {len(finished)} of {people} submitted, {refused} answers 429, {len(requests)}"
        f" requests in {elapsed:.1f} s ({len(finished) / elapsed:.2f} submissions/s);"
        f" per submission median {statistics.median(took):.1f} s,"
        f" p95 {took[min(len(took) - 1, int(0.95 * len(took)))]:.1f} s;"
        f" per request median {statistics.median(requests) * 1000:.0f} ms"
    )  # fmt: skip


# --- the run ----------------------------------------------------------------------------------


def median_ms(browser: Browser, path: str, runs: int) -> tuple[float, int]:
    browser.timed(path)  # warm-up
    times, status = [], 0
    for _ in range(runs):
        _, total, status, _ = browser.timed(path)
        times.append(total * 1000)
    return statistics.median(times), status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--port", type=int, default=8717)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--room", type=int, default=20, help="Survey respondents at once.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()

    url, name = fresh_database(args.database)
    print(f"database {name}")
    try:
        run(args, url)
    finally:
        if args.keep:
            print(f"kept {url}")
        else:
            drop_database(args.database, name)


def run(args: argparse.Namespace, url: str) -> None:
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    app = in_process(url)
    with app.app_context():
        upgrade()
    start = time.perf_counter()
    ids, chain = Ids(), Chain()
    with psycopg.connect(url) as conn:
        boards = [
            seed_board(conn, ids, chain, "small", args.small, generate_password_hash(PASSWORD)),
            seed_board(conn, ids, chain, "large", args.people, generate_password_hash(PASSWORD)),
        ]
        finish_seed(conn, ids, chain)
    rows = {k: v for k, v in ids.last.items()}
    print(f"seeded in {time.perf_counter() - start:.1f} s: " + ", ".join(
        f"{t} {n:,}" for t, n in rows.items() if n > 100))  # fmt: skip

    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "AUDIT_KEY": AUDIT_KEY,
           "PEERCERT_ENV": "development"}  # fmt: skip
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "app"]
    for where in boards:
        start = time.perf_counter()
        done = subprocess.run([*flask, "standing", "recompute", where["slug"]], cwd=ROOT,
                              env=env, capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        print(f"flask standing recompute {where['slug']} ({where['people']:,} people):"
              f" {time.perf_counter() - start:.1f} s")  # fmt: skip
    start = time.perf_counter()
    checked = subprocess.run(["/usr/bin/time", "-v", *flask, "audit", "verify"], cwd=ROOT,
                             env=env, capture_output=True, text=True)  # fmt: skip
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", checked.stderr)
    print(f"flask audit verify ({chain.count:,} events): {time.perf_counter() - start:.1f} s,"
          f" peak {int(peak.group(1)) // 1024 if peak else '?'} MiB:"
          f" {checked.stdout.strip() or checked.stderr.strip()[-300:]}")  # fmt: skip
    idle = subprocess.run(["/usr/bin/time", "-v", *flask, "routes"], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip
    base = re.search(r"Maximum resident set size \(kbytes\): (\d+)", idle.stderr)
    print(f"  (a flask command that reads nothing, for comparison: peak"
          f" {int(base.group(1)) // 1024 if base else '?'} MiB)")  # fmt: skip
    verify = subprocess.run([*flask, "standing", "verify", "--sample", "300"], cwd=ROOT, env=env,
                            capture_output=True, text=True)  # fmt: skip
    print(f"flask standing verify: {verify.stdout.strip()}")

    for where in boards:
        print(f"a rule change on the {where['people']:,}-person board: {rule_change(app, where)}")
    start = time.perf_counter()
    done = subprocess.run([*flask, "standing", "recompute", "--pending"], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip
    print(
        f"flask standing recompute --pending (the queued job): "
        f"{time.perf_counter() - start:.1f} s, {done.stdout.strip().splitlines()[-2:]}"
    )
    for where in boards:
        print(f"RDS analysis run on the {where['people']:,}-person board: "
              f"{analysis_run(app, where)}")  # fmt: skip
    counts = {w["slug"]: statements_of(app, w, {**PAGES, **EXPORTS}) for w in boards}
    small, large = boards
    results: dict[str, dict[str, Any]] = {}
    with gunicorn(url, args.port) as master:
        for where in boards:
            b = Browser(args.port)
            b.login(where["admin"])
            for page, template in PAGES.items():
                ms, status = median_ms(b, url_of(template, where), args.runs)
                results.setdefault(page, {})[where["slug"]] = (ms, status)
        print(f"\nBoard pages, median of {args.runs} over HTTP (gunicorn, 2 workers)")
        print(f"  {'page':30s} {small['people']:>9,} p. {large['people']:>9,} p.  ratio  "
              f"statements (small/large)")  # fmt: skip
        for page in PAGES:
            (a, sa), (b_, sb) = results[page]["small"], results[page]["large"]
            na, nb = len(counts["small"][page]), len(counts["large"][page])
            flag = "" if sa == sb == 200 else f"  HTTP {sa}/{sb}"
            print(f"  {page:30s} {a:9.1f} ms {b_:9.1f} ms {b_ / a:6.2f}  {na:3d} / {nb:3d}{flag}")
        print("\nExports over HTTP (one run each after a warm-up; memory of the serving worker)")
        print(f"  {'export':26s} {'board':>7s} {'rows':>9s} {'first byte':>11s} {'total':>9s}"
              f" {'RSS +MiB':>9s} statements")  # fmt: skip
        for where in boards:
            b = Browser(args.port)
            b.login(where["admin"])
            for export, template in EXPORTS.items():
                path = url_of(template, where)
                b.timed(path)  # warm-up: both workers have imported everything
                before = {pid: rss_kib(pid)[0] for pid in workers(master)}
                first, total, status, lines = b.timed(path)
                after = {pid: rss_kib(pid)[0] for pid in workers(master)}
                growth = max((after[p] - before.get(p, after[p])) for p in after) / 1024
                n = len(counts[where["slug"]][export])
                rows = f"{lines - 1:,}" if "CSV" in export else "—"
                print(f"  {export:26s} {where['slug']:>7s} {rows:>9s} {first * 1000:8.0f} ms"
                      f" {total:7.2f} s {growth:9.1f}   {n}"
                      + ("" if status == 200 else f"  HTTP {status}"))  # fmt: skip
    survey_room(url, args.port + 1, large, args.room)
    if args.explain:
        explain(url, {f"{k} (large)": v for k, v in counts["large"].items()})
        per_index(url, {**large, "other": small["board"]})


if __name__ == "__main__":
    main()
