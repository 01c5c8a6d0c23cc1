"""Every CSV/XLSX export route streams, and the module exports run as many statements for more rows.

The first test runs every export of the demo data (the list of tests/core/
test_security_spreadsheets.py) and checks the response is streamed: sent while its rows are
read, never built whole first. The others count the SQL statements of the rds and verify
exports on a small and a larger study or employer (the board exports: tests/certify/
test_board_statements.py): a count that grows with the rows is a query per row.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import event

from certify.credentials import services as credentials
from core.demo import load as load_demo
from core.extensions import db
from core.models import Role
from rds.models import KSA, Study, SurveyResponse, Task
from tests.core.test_security_spreadsheets import _export_urls
from tests.factories import create_board, create_credential_type, create_user, login
from tests.rds.test_survey import make_study
from verify.models import EmployerMember, EmployerOrganization, MonitoredCredential

TODAY = date.today()
NOT_EXPORTS = {"certify.training_roster_template"}  # a blank form to fill in, not data


@contextmanager
def _counted(app: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_every_export_of_the_demo_data_is_streamed(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        load_demo(db.session)
        db.session.commit()
        urls = _export_urls(app)
    accounts = {
        "admin": ("admin@demo.peercert", "demo-platform-admin"),
        "trainee": ("trainee@demo.peercert", "demo-trainee"),
        "employer": ("employer@demo.peercert", "demo-employer"),
        "exams": ("exams@demo.peercert", "demo-exam-manager"),
    }
    checked = set()
    for who, (email, password) in accounts.items():
        browser = app.test_client()
        login(browser, email, password)
        for person, endpoint, url in urls:
            if person != who or endpoint in NOT_EXPORTS:
                continue
            response = browser.get(url)
            assert response.status_code == 200, (url, response.status_code)
            assert response.is_streamed, f"{url} is built whole before it is sent"
            assert response.get_data()  # and it is a whole file once read
            checked.add(endpoint)
    assert len(checked) >= 15, checked


def _study_with(app: Any, board: Any, n: int, title: str) -> int:
    """A study of n tasks (each linked to a KSA) and n submitted responses."""
    tasks = [(f"T{i:02d}", f"Domain {i % 3}", f"Task statement {i}") for i in range(n)]
    study_id = make_study(app, board, tasks, status="survey_open", title=title)
    with app.app_context():
        study = db.session.get(Study, study_id)
        assert study is not None
        for i, task in enumerate(db.session.execute(db.select(Task).filter_by(study_id=study_id))):
            ksa = KSA(board_id=board.id, study_id=study_id, code=f"K{i}", statement=f"Know {i}")
            ksa.tasks = [task[0]]
            db.session.add(ksa)
        for i in range(n):
            db.session.add(
                SurveyResponse(
                    board_id=board.id,
                    study_id=study_id,
                    status="submitted",
                    ratings={f"T{j:02d}": [i % 5, (i + j) % 5] for j in range(n)},
                    demographics={"role": "Peer supervisor"},
                    submitted_on=TODAY,
                )  # fmt: skip
            )
        db.session.commit()
    return study_id


def test_rds_exports_run_as_many_statements_for_a_larger_study(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("lakes")
    make_user("psy@lakes.org", [(Role.PSYCHOMETRICIAN, board)])
    small, large = _study_with(app, board, 3, "Small"), _study_with(app, board, 30, "Large")
    client = app.test_client()
    login(client, "psy@lakes.org")
    paths = {
        "survey CSV": "/studies/{s}/survey/export.csv",
        "survey XLSX": "/studies/{s}/survey/export.xlsx",
        "tasks CSV": "/studies/{s}/scope/tasks.csv",
        "tasks XLSX": "/studies/{s}/scope/tasks.xlsx",
    }
    found: dict[str, list[tuple[int, bytes]]] = {}
    for study in (small, large):
        for name, path in paths.items():
            with _counted(app) as statements:
                response = client.get(path.format(s=study))
                streamed = response.is_streamed
                body = response.get_data()  # a streamed export runs its queries while sent
            assert response.status_code == 200 and streamed, name
            found.setdefault(name, []).append((len(statements), body))
    grew = {n: (a[0], b[0]) for n, (a, b) in found.items() if a[0] != b[0]}
    assert not grew, f"statements grow with the rows: {grew}"
    survey = found["survey CSV"][1][1].decode().splitlines()
    assert len(survey) == 31 and survey[0].startswith(
        "respondent_id,role,years_experience,setting,region,T00_"
    )
    assert sorted(line.split(",")[0] for line in survey[1:]) == [f"R{i:05d}" for i in range(1, 31)]
    tasks = found["tasks CSV"][1][1].decode().splitlines()
    assert tasks[0] == "task_id,domain,statement,ksa" and len(tasks) == 31
    assert tasks[1] == "T00,Domain 0,Task statement 0,K0: Know 0"
    book = load_workbook(io.BytesIO(found["survey XLSX"][1][1]))
    assert book.sheetnames == ["responses"] and book["responses"].max_row == 31


def test_monitored_export_runs_one_query_whatever_the_number(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        board = create_board(session, "ne")
        ctype = create_credential_type(session, board, "F")
        admin = create_user(session, "admin@example.org", [(Role.BOARD_ADMIN, board)])
        counts = {}
        for slug, n in (("few", 2), ("many", 20)):
            boss = create_user(session, f"boss@{slug}.example", [(Role.EMPLOYER, None)])
            organization = EmployerOrganization(name=f"Org {slug}")
            session.add(organization)
            session.flush()
            session.add(
                EmployerMember(organization_id=organization.id, user_id=boss.id, is_owner=True)
            )
            for i in range(n):
                person = create_user(session, f"p{i}@{slug}.example", [(Role.TRAINEE, board)])
                credential = credentials.issue(
                    session, person, ctype, admin, TODAY - timedelta(days=i)
                )
                session.add(
                    MonitoredCredential(
                        organization_id=organization.id,
                        credential_id=credential.id,
                        employee_name=f"Person {i}",
                        seen_status=credential.status,
                        seen_expires_on=credential.expires_on,
                    )  # fmt: skip
                )
            session.commit()
            counts[slug] = n
    found = {}
    for slug, n in counts.items():
        client = app.test_client()
        login(client, f"boss@{slug}.example")
        for fmt in ("csv", "xlsx"):
            with _counted(app) as statements:
                response = client.get(f"/employer/monitored?format={fmt}")
                streamed = response.is_streamed
                body = response.get_data()
            assert response.status_code == 200 and streamed
            found[(slug, fmt)] = len(statements)
            if fmt == "csv":
                lines = body.decode().splitlines()
                assert len(lines) == n + 1 and lines[1].startswith("Person 0,ne,NE-F-")
    assert found[("few", "csv")] == found[("many", "csv")]
    assert found[("few", "xlsx")] == found[("many", "xlsx")]
