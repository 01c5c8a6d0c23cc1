"""Test data in one place: functions that add rows to the session they are given and flush.

As in Indico, a factory takes the session and never commits; the caller (a test, or a thin
fixture in conftest) decides when to commit. The `credential_type`, `ready_trainee` and
`add_hours` helpers at the end do that for tests that hold no app context of their own.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import (
    CredentialType,
    RequirementSet,
    SupervisedHoursEntry,
    SupervisorProfile,
    TraineeProfile,
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from core.accounts import grant_role
from core.extensions import db
from core.models import Board, Role, User, utcnow

PASSWORD = "correct horse battery"
HOUR = 60


def create_board(session: Session, slug: str = "ne", name: str | None = None) -> Board:
    board = Board(slug=slug, name=name or f"Board {slug}", jurisdiction=slug.upper())
    session.add(board)
    session.flush()
    return board


def create_user(
    session: Session,
    email: str,
    roles: list[tuple[Role, Board | None]] | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    """A user named after the email's local part, with the given (role, board) grants."""
    user = User(
        email=email,
        full_name=email.split("@")[0].title(),
        activated_at=utcnow() if active else None,
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    for role, board in roles or []:
        grant_role(session, user, role, board)
    return user


def create_credential_type(
    session: Session,
    board: Board,
    code: str = "CPSS",
    level: str = "full",
    substance_use: bool = False,
    cycle_months: int = 24,
    **rules: Any,
) -> CredentialType:
    """A credential type with the board's requirement rules (defaults: 40 h training, exam)."""
    defaults = dict(
        min_age=19, training_minutes=40 * HOUR, ethics_attestation=True, exam_required=True
    )
    ctype = CredentialType(
        board_id=board.id,
        code=code,
        name=f"Certified {code}",
        level=level,
        substance_use=substance_use,
        cycle_months=cycle_months,
    )
    ctype.requirements = RequirementSet(board_id=board.id, **{**defaults, **rules})
    session.add(ctype)
    session.flush()
    return ctype


def create_ready_trainee(
    session: Session,
    board: Board,
    user: User,
    training_minutes: int = 40 * HOUR,
    exam_passed: bool = True,
    supervisor: User | None = None,
    experience_minutes: int = 0,
) -> None:
    """Give a trainee a complete profile, approved training and (optionally) confirmed hours."""
    session.add(
        TraineeProfile(
            board_id=board.id,
            user_id=user.id,
            birth_date=date(1990, 5, 1),
            education="hs_diploma_or_ged",
            lived_experience=True,
            recovery_since=date(2020, 1, 1),
            ethics_attested=True,
            residency_attested=True,
            exam_passed=exam_passed,
        )
    )
    program = TrainingProgram(
        board_id=board.id, name="Peer 40", provider="Peer Academy", approved=True
    )
    module = TrainingModule(
        board_id=board.id, program=program, title="Core", minutes=max(training_minutes, 1)
    )
    cohort = TrainingCohort(
        board_id=board.id,
        program=program,
        name="Spring",
        starts_on=date.today() - timedelta(days=30),
    )
    session.add_all([program, module, cohort])
    session.flush()
    session.add(
        TrainingAttendance(
            board_id=board.id,
            cohort_id=cohort.id,
            module_id=module.id,
            trainee_id=user.id,
            attended_on=date.today() - timedelta(days=20),
            minutes=training_minutes,
        )
    )
    session.flush()
    if supervisor is not None and experience_minutes:
        create_hours(session, board, user, supervisor, experience_minutes, days_ago=200)


def create_hours(
    session: Session,
    board: Board,
    trainee: User,
    supervisor: User,
    minutes: int,
    days_ago: int = 1,
    kind: str = "experience",
) -> None:
    """Confirmed entries of at most 8 hours a day, on consecutive past days, by a supervisor
    whose license the board verified (only such hours count)."""
    verified_supervisor(session, board, supervisor)
    day = 0
    while minutes > 0:
        chunk = min(minutes, 8 * HOUR)
        session.add(
            SupervisedHoursEntry(
                board_id=board.id,
                trainee_id=trainee.id,
                supervisor_id=supervisor.id,
                kind=kind,
                worked_on=date.today() - timedelta(days=days_ago + day),
                minutes=chunk,
                setting="Other",
                status="confirmed",
            )
        )
        minutes -= chunk
        day += 1
    session.flush()


def verified_supervisor(
    session: Session, board: Board, supervisor: User, license_type: str = "lmhp"
) -> SupervisorProfile:
    """The supervisor's license profile on the board, verified by the board (made if missing)."""
    profile = session.execute(
        select(SupervisorProfile).where(
            SupervisorProfile.board_id == board.id, SupervisorProfile.user_id == supervisor.id
        )
    ).scalar()
    if profile is None:
        profile = SupervisorProfile(
            board_id=board.id, user_id=supervisor.id, license_type=license_type,
            license_number="LIC-" + str(supervisor.id), license_state="NE",
        )  # fmt: skip
        session.add(profile)
    profile.verified_at = profile.verified_at or utcnow()
    session.flush()
    return profile


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"email": email, "password": password})


# Committed in an app context of their own, for tests that hold none.


def credential_type(app: Flask, board: Board, **options: Any) -> int:
    """Commit a credential type (see create_credential_type) and return its id."""
    with app.app_context():
        ctype = create_credential_type(db.session, board, **options)
        db.session.commit()
        return ctype.id


def ready_trainee(app: Flask, board: Board, user: User, **options: Any) -> None:
    """Commit a ready trainee (see create_ready_trainee)."""
    with app.app_context():
        create_ready_trainee(db.session, board, user, **options)
        db.session.commit()


def add_hours(
    app: Flask, board: Board, trainee: User, supervisor: User, minutes: int, **options: Any
) -> None:
    """Commit confirmed hours (see create_hours)."""
    with app.app_context():
        create_hours(db.session, board, trainee, supervisor, minutes, **options)
        db.session.commit()
