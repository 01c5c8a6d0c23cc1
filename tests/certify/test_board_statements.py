"""Board pages and exports run the same number of SQL statements for a small and a larger board.

Each page is requested on a board of a few people and on one several times larger (longer
than a page of the lists); the statements each request runs are counted with a
before_cursor_execute listener. A count that grows with the data is a query per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event

from certify.credentials import services as credentials
from certify.models import (
    Application,
    ApplicationDocument,
    SupervisedHoursEntry,
    SupervisorProfile,
    TraineeProfile,
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from core import audit
from core.extensions import db
from core.models import Role, utcnow
from rds.models import Study
from tests.factories import HOUR, create_board, create_credential_type, create_user, login

TODAY = date.today()
SMALL, LARGE = 3, 40  # LARGE is more than one page of every list (25 or 50 rows)

# every board page and export, by a name for the failure message
PAGES = {
    "dashboard": "/dashboard",
    "overview": "/boards/{board}",
    "pipeline": "/boards/{board}/pipeline",
    "applications": "/boards/{board}/applications",
    "applications, last page": "/boards/{board}/applications?page=2",
    "applications, search": "/boards/{board}/applications?q=trainee",
    "applications CSV": "/boards/{board}/applications?format=csv",
    "applications XLSX": "/boards/{board}/applications?format=xlsx",
    "documents": "/boards/{board}/documents",
    "credentials": "/boards/{board}/credentials",
    "credentials, search": "/boards/{board}/credentials?q=trainee",
    "credentials expiring": "/boards/{board}/credentials?expiring=90",
    "credentials CSV": "/boards/{board}/credentials?format=csv",
    "credentials XLSX": "/boards/{board}/credentials?format=xlsx",
    "credentials, number": "/boards/{board}/credentials?q={number}",
    "supervisors": "/boards/{board}/supervisors",
    "supervisors CSV": "/boards/{board}/supervisors.csv",
    "supervisors XLSX": "/boards/{board}/supervisors.xlsx",
    "hours": "/boards/{board}/hours",
    "hours, pending": "/boards/{board}/hours?status=pending",
    "hours, older page": "/boards/{board}/hours?older={hours_cursor}",
    "hours CSV": "/boards/{board}/hours.csv",
    "hours XLSX": "/boards/{board}/hours.xlsx",
    "audit log": "/boards/{board}/audit",
    "audit log, older page": "/boards/{board}/audit?older={audit_cursor}",
    "staff": "/boards/{board}/staff",
    "credential rules": "/boards/{board}/config/credential-types",
    "office policy": "/boards/{board}/config/office-policy",
    "revocations waiting": "/boards/{board}/credentials/revocations",
    "credential rules CSV": "/boards/{board}/config/credential-types.csv",
    "training": "/boards/{board}/training",
    "training programs CSV": "/boards/{board}/training/programs.csv",
    "cohorts": "/boards/{board}/training/cohorts",
    "cohort attendance CSV": "/boards/{board}/training/cohorts/{cohort}/attendance.csv",
    "coverage": "/boards/{board}/training/coverage",
    "coverage CSV": "/boards/{board}/training/coverage.csv",
    "studies": "/boards/{board}/studies",
    "studies CSV": "/boards/{board}/studies.csv",
}


def populate(session: Any, slug: str, people: int) -> dict[str, Any]:
    """A board with `people` trainees, each with a profile, training, hours, an application
    with a document, a credential and audit events; supervisors, studies and staff."""
    board = create_board(session, slug)
    admin = create_user(
        session,
        f"admin@{slug}.org",
        [(Role.BOARD_ADMIN, board), (Role.PSYCHOMETRICIAN, board), (Role.TRAINER, board)],
    )
    provisional = create_credential_type(
        session, board, "P", level="provisional", exam_required=False, cycle_months=3
    )
    full = create_credential_type(
        session, board, "F", experience_minutes=20 * HOUR, supervision_minutes=2 * HOUR
    )
    program = TrainingProgram(board_id=board.id, name="Peer 40", provider="A", approved=True)
    module = TrainingModule(
        board_id=board.id, program=program, title="All", minutes=40 * HOUR,
        category="Ethics", performance_domain="Advocacy",
    )  # fmt: skip
    cohort = TrainingCohort(
        board_id=board.id, program=program, name="Spring", starts_on=TODAY, trainer_id=admin.id
    )
    session.add_all([program, module, cohort])
    for i in range(people // 8 + 1):  # more programs and cohorts on the larger board
        other = TrainingProgram(
            board_id=board.id, name=f"Program {i}", provider=f"P{i}", approved=i % 2 == 0
        )
        session.add_all(
            [
                other,
                TrainingModule(
                    board_id=board.id, program=other, title=f"M{i}", minutes=60,
                    category=f"C{i}", performance_domain=f"D{i}",
                ),
                TrainingCohort(
                    board_id=board.id, program=other, name=f"Cohort {i}", starts_on=TODAY,
                    trainer_id=admin.id,
                ),
            ]
        )  # fmt: skip
    session.flush()
    supervisors = []
    for i in range(people // 3 + 1):
        sup = create_user(session, f"sup{i}@{slug}.org", [(Role.SUPERVISOR, board)])
        session.add(
            SupervisorProfile(
                board_id=board.id,
                user_id=sup.id,
                license_type="limhp",
                license_number=f"L{i}",
                license_state="NE",
                verified_at=utcnow() if i % 2 else None,
            )  # fmt: skip
        )
        supervisors.append(sup)
    for i in range(people):
        trainee = create_user(session, f"trainee{i}@{slug}.org", [(Role.TRAINEE, board)])
        session.add(
            TraineeProfile(
                board_id=board.id,
                user_id=trainee.id,
                birth_date=date(1990, 1, 1),
                education="hs_diploma_or_ged",
                lived_experience=True,
                recovery_since=date(2020, 1, 1),
                ethics_attested=True,
                exam_passed=i % 2 == 0,
            )  # fmt: skip
        )
        session.add(
            TrainingAttendance(
                board_id=board.id,
                cohort_id=cohort.id,
                module_id=module.id,
                trainee_id=trainee.id,
                attended_on=TODAY - timedelta(days=3),
                minutes=40 * HOUR,
            )  # fmt: skip
        )
        for day, status in enumerate(("confirmed", "pending", "confirmed")):
            session.add(
                SupervisedHoursEntry(
                    board_id=board.id,
                    trainee_id=trainee.id,
                    supervisor_id=supervisors[i % len(supervisors)].id,
                    kind="experience",
                    worked_on=TODAY - timedelta(days=day + 1),
                    minutes=8 * HOUR,
                    setting="Other",
                    status=status,
                )  # fmt: skip
            )
        application = Application(
            board_id=board.id, trainee_id=trainee.id, credential_type_id=full.id,
            status="submitted", submitted_at=utcnow(),
        )  # fmt: skip
        session.add(application)
        session.flush()
        session.add(
            ApplicationDocument(
                board_id=board.id,
                application_id=application.id,
                kind="id",
                original_name=f"id{i}.pdf",
                stored_name=f"{slug}-{i}.pdf",
                content_type="application/pdf",
                size_bytes=10,
                status="pending",
            )  # fmt: skip
        )
        ctype = provisional if i % 2 else full
        issued = credentials.issue(session, trainee, ctype, admin, TODAY - timedelta(days=i * 9))
        if i % 3 == 0:  # a revocation request waiting for a second person
            audit.record(
                session, admin, "credential.revocation_requested", issued,
                after={"reason": f"Reason {i}"},
            )  # fmt: skip
        audit.record(session, trainee, "test.event", trainee, after={"i": i}, board_id=board.id)
    for i in range(people // 4 + 1):
        session.add(
            Study(
                board_id=board.id,
                title=f"RDS {i}",
                started_on=TODAY,
                credential_type_id=full.id,
                created_by_id=admin.id,
            )  # fmt: skip
        )
    session.flush()
    return {"board": board.id, "cohort": cohort.id, "admin": admin.email}


@contextmanager
def counting(app: Any) -> Iterator[list[str]]:
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


def _counts(app: Any, client: Any, slug: str, people: int) -> dict[str, tuple[int, int]]:
    with app.test_request_context():
        where = populate(db.session, slug, people)
        db.session.commit()
    login(client, where["admin"])
    where["number"] = f"{slug.upper()}-F-0"
    for name, path in (("hours_cursor", "hours"), ("audit_cursor", "audit")):
        first = client.get(f"/boards/{where['board']}/{path}").get_data(as_text=True)
        older = re.search(r'href="[^"]*older=([^"&]+)', first)
        where[name] = older.group(1) if older else ""
    found = {}
    for name, url in PAGES.items():
        target = url.format(**where)
        with counting(app) as statements:
            response = client.get(target)
            body = response.get_data()  # a streamed export runs its queries while sent
        assert response.status_code == 200, f"{name}: {target} answered {response.status_code}"
        found[name] = (len(statements), len(body))
    client.get("/logout")
    return found


def test_board_pages_run_as_many_statements_for_a_larger_board(app) -> None:  # type: ignore[no-untyped-def]
    small = _counts(app, app.test_client(), "small", SMALL)
    large = _counts(app, app.test_client(), "large", LARGE)
    grew = {
        name: f"{small[name][0]} -> {large[name][0]} statements"
        for name in PAGES
        if large[name][0] != small[name][0]
    }
    assert not grew, f"statements grow with the data (a query per row?): {grew}"
    # the larger board really shows more: the pages are not empty
    assert large["hours CSV"][1] > small["hours CSV"][1]
    assert large["credentials CSV"][1] > small["credentials CSV"][1]
