"""Demo journeys: one applicant in every application state, certificants with a history,
a suspension with a public notice (through the services, so the audit trail is real), and a
crowd of a few hundred people per board written in bulk so that lists, filters, pagination
and the board's charts look real. Safe to run twice; the crowd's size is the context's."""

from __future__ import annotations

import functools
import io
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from certify.applications import documents
from certify.applications import services as applications
from certify.credentials import services as credentials
from certify.models import (
    Application,
    ApplicationDocument,
    Credential,
    CredentialCounter,
    CredentialType,
    TraineeProfile,
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
)
from certify.standing.services import recompute_board
from core.accounts import find_user, grant_role
from core.models import Board, Role, RoleAssignment, User, utcnow
from core.modules import DemoContext

PASSWORD = "demo-applicant"
# (email, name, the state the application ends in), on the Nebraska board's CPSS
SHOWCASE: list[tuple[str, str, str]] = [
    ("applicant.draft@demo.peercert", "Dana Draft", "draft"),
    ("applicant.submitted@demo.peercert", "Sol Submitted", "submitted"),
    ("applicant.review@demo.peercert", "Rowan Review", "in_review"),
    ("applicant.info@demo.peercert", "Indy Info", "info_requested"),
    ("applicant.resubmitted@demo.peercert", "Remy Resubmitted", "resubmitted"),
    ("applicant.exam@demo.peercert", "Emery Exam", "approved_for_exam"),
    ("applicant.approved@demo.peercert", "Avery Approved", "approved"),
    ("applicant.certified@demo.peercert", "Cam Certified", "certified"),
    ("applicant.denied@demo.peercert", "Devon Denied", "denied"),
    ("applicant.withdrawn@demo.peercert", "Wren Withdrawn", "withdrawn"),
]
# (email, name, what happened to their credential)
CERTIFICANTS: list[tuple[str, str, str]] = [
    ("certificant.renewed@demo.peercert", "Riley Renewed", "renewed"),
    ("certificant.expiring@demo.peercert", "Ellis Expiring", "expiring"),
    ("certificant.suspended@demo.peercert", "Sasha Suspended", "suspended"),
]
INFO_REQUEST = (
    "Upload your training certificate: the one attached is unreadable. "
    "A photo or scan of the whole page is fine."
)
DENIAL = "Your recovery start date is less than the 24 months the board asks for."
SUSPENSION = "Suspended pending the outcome of a complaint about a breach of confidentiality."
# a tiny valid PDF: what the upload form would store
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
    b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PROFILE = {
    "birth_date": date(1985, 9, 3),
    "education": "hs_diploma_or_ged",
    "lived_experience": True,
    "recovery_since": date(2018, 2, 1),
    "ethics_attested": True,
    "residency_attested": True,
}
FIRST = (
    "Alex Blair Casey Drew Eden Finley Gray Harper Indigo Jamie Kai Logan Marlow Noel Oakley "
    "Parker Quinn Reese Sage Tatum Uri Vale Winter Yael Zion Ari Bo Cleo Dara Ezra Fern Gale"
).split()
LAST = (
    "Adams Baker Chavez Dunn Ellis Flores Garcia Hughes Ito Jensen Khan Lopez Moreau Nguyen "
    "Olsen Patel Quiroga Rivera Smith Thompson Ueda Vance Walker Xu Young Zimmer Abbott Brooks"
).split()
# a crowd application's final state and its weight
STATES = [
    ("draft", 8),
    ("submitted", 10),
    ("in_review", 8),
    ("info_requested", 5),
    ("resubmitted", 3),
    ("approved_for_exam", 6),
    ("approved", 4),
    ("certified", 40),
    ("denied", 5),
    ("withdrawn", 4),
]


@functools.cache
def _password_hash() -> str:
    """The demo applicants' password hash, made once (hashing is slow by design)."""
    probe = User(email="demo", full_name="demo")
    probe.set_password(PASSWORD)
    assert probe.password_hash is not None
    return probe.password_hash


EXAM_READY = 3  # crowd people per board whose application waits for the exam


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _ctype(session: Session, board: Board, code: str) -> CredentialType:
    return session.execute(
        select(CredentialType).where(
            CredentialType.board_id == board.id, CredentialType.code == code
        )
    ).scalar_one()


def _cohort(session: Session, board: Board) -> tuple[TrainingCohort, list[TrainingModule]]:
    cohort = (
        session.execute(
            select(TrainingCohort)
            .where(TrainingCohort.board_id == board.id)
            .order_by(TrainingCohort.id)
        )
        .scalars()
        .first()
    )
    assert cohort is not None, "certify's demo makes the cohorts first"
    modules = list(
        session.execute(
            select(TrainingModule)
            .where(TrainingModule.program_id == cohort.program_id)
            .order_by(TrainingModule.position)
        ).scalars()
    )
    return cohort, modules


def _person(session: Session, board: Board, email: str, name: str, password_hash: str) -> User:
    user = User(email=email, full_name=name, activated_at=utcnow(), password_hash=password_hash)
    session.add(user)
    session.flush()
    grant_role(session, user, Role.TRAINEE, board)
    session.add(TraineeProfile(board_id=board.id, user_id=user.id, **PROFILE))
    cohort, modules = _cohort(session, board)
    for i, module in enumerate(modules):
        session.add(
            TrainingAttendance(
                board_id=board.id,
                cohort_id=cohort.id,
                module_id=module.id,
                trainee_id=user.id,
                attended_on=cohort.starts_on + timedelta(days=i),
                minutes=module.minutes,
            )
        )
    session.flush()
    return user


def _upload(session: Session, application: Application, who: User, kind: str, name: str) -> Any:
    return documents.save(session, application, who, kind, name, io.BytesIO(PDF))


def _journey(
    session: Session, person: User, ctype: CredentialType, target: str, staff: User, today: date
) -> None:
    """Walk one application through the workflow to `target`, as its people would."""
    application = applications.start(session, person, ctype)
    if target == "draft":
        return
    if target != "withdrawn":
        _upload(session, application, person, "id", "photo-id.pdf")
    applications.submit(session, application, person, today, confirmed=True)
    if target == "submitted":
        return
    if target == "withdrawn":
        applications.transition(session, application, "withdrawn", person)
        return
    applications.transition(session, application, "in_review", staff)
    if target == "in_review":
        return
    if target in ("info_requested", "resubmitted"):
        applications.transition(session, application, "info_requested", staff, INFO_REQUEST)
        if target == "resubmitted":
            _upload(session, application, person, "training_certificate", "certificate.pdf")
            applications.submit(session, application, person, today, confirmed=True)
        return
    if target == "denied":
        applications.transition(session, application, "denied", staff, DENIAL)
        return
    for document in application.documents:
        documents.review(session, document, staff, "accepted")
    override = "Demo: the board checked this by hand."
    if target == "approved_for_exam":
        applications.transition(
            session, application, "approved_for_exam", staff, override_reason=override
        )
        return
    profile = session.execute(
        select(TraineeProfile).where(
            TraineeProfile.board_id == ctype.board_id, TraineeProfile.user_id == person.id
        )
    ).scalar_one()
    applications.record_staff_facts(session, staff, profile, exam_passed=True)
    applications.transition(session, application, "approved", staff, override_reason=override)
    if target == "certified":
        credentials.issue(
            session, person, ctype, staff, today, application=application,
            endorsements=("A",), override_reason=override,
        )  # fmt: skip


def _certificant(
    session: Session, person: User, ctype: CredentialType, story: str, staff: User, today: date
) -> None:
    applications.record_staff_facts(
        session,
        staff,
        session.execute(
            select(TraineeProfile).where(
                TraineeProfile.board_id == ctype.board_id, TraineeProfile.user_id == person.id
            )
        ).scalar_one(),
        exam_passed=True,
    )
    months = ctype.cycle_months
    if story == "expiring":  # its cycle ends in five weeks
        issued = credentials.add_months(today + timedelta(days=35), -months)
    else:
        issued = credentials.add_months(today, -months) + timedelta(days=200)
    credential = credentials.issue(session, person, ctype, staff, issued, endorsements=("A", "F"))
    if story == "renewed":
        # the first cycle ended; the renewal (as the board granted it then) started the next
        credential.issued_on = credentials.add_months(issued, -months)
        credential.expires_on = issued
        session.flush()
        credentials.renew(session, credential, staff, issued - timedelta(days=20))
    elif story == "suspended":
        credentials.discipline(
            session,
            credential,
            staff,
            "suspension",
            today - timedelta(days=12),
            public=True,
            public_summary=SUSPENSION,
            internal_notes="Complaint 2026-041 from an employer; hearing scheduled.",
            today=today,
        )


def _showcase(session: Session, context: DemoContext) -> None:
    board = context.boards["ne-dbh"]
    staff = context.users["ne.reviewer@demo.peercert"]
    admin = context.users["ne.admin@demo.peercert"]
    if find_user(session, SHOWCASE[0][0]) is not None:
        return
    cohort, _ = _cohort(session, board)
    if cohort.trainer_id is None and "trainer@demo.peercert" in context.users:
        cohort.trainer_id = context.users["trainer@demo.peercert"].id
    cpss = _ctype(session, board, "CPSS")
    for email, name, target in SHOWCASE:
        person = _person(session, board, email, name, _password_hash())
        _journey(session, person, cpss, target, staff, context.today)
        context.add_account(email, PASSWORD, Role.TRAINEE, board)
    for email, name, story in CERTIFICANTS:
        person = _person(session, board, email, name, _password_hash())
        _certificant(session, person, cpss, story, admin, context.today)
        context.add_account(email, PASSWORD, Role.TRAINEE, board)


def _crowd(session: Session, context: DemoContext, board: Board) -> None:
    """`context.crowd` people on the board, written in bulk (no audit trail of their own)."""
    size = context.crowd
    slug = board.slug
    prefix = f"{slug}.person"
    if (
        size <= 0
        or session.execute(select(User.id).where(User.email.like(f"{prefix}%")).limit(1)).first()
    ):
        return
    today = context.today
    rng = random.Random(f"{slug}-{size}")
    now = utcnow()
    rows = [
        {
            "email": f"{prefix}{i:04d}@demo.peercert",
            "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "password_hash": _password_hash(),
            "activated_at": now,
            "created_at": now,
        }
        for i in range(size)
    ]
    session.execute(insert(User), rows)
    ids = list(
        session.execute(
            select(User.id).where(User.email.like(f"{prefix}%")).order_by(User.email)
        ).scalars()
    )
    session.execute(
        insert(RoleAssignment),
        [{"user_id": u, "role": Role.TRAINEE.value, "board_id": board.id, "created_at": now}
         for u in ids],
    )  # fmt: skip
    profiles, attendance, apps = [], [], []
    cohort, modules = _cohort(session, board)
    types = list(
        session.execute(
            select(CredentialType)
            .where(CredentialType.board_id == board.id, CredentialType.retired_on.is_(None))
            .order_by(CredentialType.id)
        ).scalars()
    )
    states, weights = zip(*STATES, strict=True)
    for position, user_id in enumerate(ids):
        born = date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
        profiles.append(
            {
                "board_id": board.id,
                "user_id": user_id,
                "birth_date": born,
                "education": rng.choice(["hs_diploma_or_ged"] * 5 + ["none"]),
                "lived_experience": rng.random() < 0.95,
                "recovery_since": today - timedelta(days=rng.randint(200, 4000)),
                "ethics_attested": rng.random() < 0.8,
                "residency_attested": rng.random() < 0.8,
                "exam_passed": rng.random() < 0.5,
                "fee_received": rng.random() < 0.6,
                "background_check_cleared": rng.random() < 0.6,
            }
        )
        attended = rng.random()
        if attended < 0.75:
            short = attended < 0.2
            for i, module in enumerate(modules):
                if short and i == len(modules) - 1:
                    continue
                attendance.append(
                    {
                        "board_id": board.id,
                        "cohort_id": cohort.id,
                        "module_id": module.id,
                        "trainee_id": user_id,
                        "attended_on": cohort.starts_on + timedelta(days=i),
                        "minutes": module.minutes,
                        "recorded_at": now,
                    }
                )
        if rng.random() < 0.8 or position < EXAM_READY:
            status = rng.choices(states, weights)[0]
            ctype = rng.choice(types)
            if position < EXAM_READY:  # a few wait for the exam on the full credential
                status, ctype = "approved_for_exam", types[-1]
            sent = today - timedelta(days=rng.randint(3, 360))
            apps.append(
                {
                    "board_id": board.id,
                    "trainee_id": user_id,
                    "credential_type_id": ctype.id,
                    "status": status,
                    "submitted_at": None if status == "draft" else _at(sent, rng.randint(8, 20)),
                    "decided_at": _at(sent + timedelta(days=21))
                    if status in ("approved", "denied", "certified")
                    else None,
                    "decision_reason": DENIAL
                    if status == "denied"
                    else (INFO_REQUEST if status == "info_requested" else None),
                    "created_at": _at(sent - timedelta(days=rng.randint(1, 20))),
                    "updated_at": now,
                }
            )
    session.execute(insert(TraineeProfile), profiles)
    if attendance:
        session.execute(insert(TrainingAttendance), attendance)
    if apps:
        session.execute(insert(Application), apps)
    _crowd_credentials_and_documents(session, board, ids, types, today, rng)
    recompute_board(session, board.id, today, "demo crowd loaded")


def _crowd_credentials_and_documents(
    session: Session,
    board: Board,
    ids: list[int],
    types: list[CredentialType],
    today: date,
    rng: random.Random,
) -> None:
    """Certified crowd applications get their credential; waiting ones a pending document."""
    by_id = {t.id: t for t in types}
    found = session.execute(
        select(
            Application.id,
            Application.trainee_id,
            Application.credential_type_id,
            Application.status,
            Application.decided_at,
        )
        .where(Application.trainee_id.in_(ids))
        .order_by(Application.id)
    ).all()
    counter = session.execute(
        select(CredentialCounter).where(CredentialCounter.board_id == board.id)
    ).scalar()
    if counter is None:
        counter = CredentialCounter(board_id=board.id, last_number=0)
        session.add(counter)
        session.flush()
    number = counter.last_number
    creds: list[dict[str, Any]] = []
    docs: list[dict[str, Any]] = []
    for app_id, holder, type_id, status, decided in found:
        ctype = by_id[type_id]
        if status == "certified":
            number += 1
            issued = decided.date() if decided else today
            roll = rng.random()
            if roll < 0.15:  # issued a cycle ago: due for renewal within weeks
                issued = credentials.add_months(today, -ctype.cycle_months) + timedelta(
                    days=rng.randint(5, 80)
                )
            state = "provisional" if ctype.level == "provisional" else "active"
            if roll > 0.97:
                state = "inactive"
            creds.append(
                {
                    "board_id": board.id,
                    "holder_id": holder,
                    "credential_type_id": type_id,
                    "application_id": app_id,
                    "number": f"{board.slug.upper()}-{ctype.code}-{number:06d}",
                    "status": state,
                    "issued_on": issued,
                    "expires_on": credentials.add_months(issued, ctype.cycle_months),
                    "endorsements": ["A"],
                    "issued_by_override": False,
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
            )
        elif status in ("submitted", "resubmitted", "in_review") and rng.random() < 0.5:
            docs.append(
                {
                    "board_id": board.id,
                    "application_id": app_id,
                    "kind": rng.choice(["diploma", "training_certificate", "id"]),
                    "original_name": "scan.pdf",
                    "stored_name": f"demo-{board.slug}-{app_id}.pdf",
                    "content_type": "application/pdf",
                    "size_bytes": len(PDF),
                    "status": "pending",
                    "uploaded_by_id": holder,
                    "uploaded_at": utcnow(),
                }
            )
    if creds:
        session.execute(insert(Credential), creds)
        counter.last_number = number
    if docs:
        session.execute(insert(ApplicationDocument), docs)
        folder = documents.storage_dir()
        for doc in docs:
            (folder / doc["stored_name"]).write_bytes(PDF)
    session.flush()


def load(session: Session, context: DemoContext) -> None:
    """Every application state, certificants with a history, and the crowd (once)."""
    _showcase(session, context)
    for board in context.boards.values():
        _crowd(session, context, board)
    session.flush()
