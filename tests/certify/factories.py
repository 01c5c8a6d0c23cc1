"""Rows for certification tests: a board's rules, a trainee's training and hours."""

from __future__ import annotations

from datetime import date, timedelta

from certify.models import (
    CredentialType,
    RequirementSet,
    SupervisedHoursEntry,
    TraineeProfile,
    TrainingAttendance,
    TrainingCohort,
    TrainingModule,
    TrainingProgram,
)
from core.extensions import db

HOUR = 60


def credential_type(
    app,
    board,
    code="CPSS",
    level="full",
    substance_use=False,  # type: ignore[no-untyped-def]
    cycle_months=24,
    **rules,
) -> int:
    defaults = dict(
        min_age=19, training_minutes=40 * HOUR, ethics_attestation=True, exam_required=True
    )
    with app.app_context():
        ctype = CredentialType(
            board_id=board.id,
            code=code,
            name=f"Certified {code}",
            level=level,
            substance_use=substance_use,
            cycle_months=cycle_months,
        )
        ctype.requirements = RequirementSet(board_id=board.id, **{**defaults, **rules})
        db.session.add(ctype)
        db.session.commit()
        return ctype.id


def ready_trainee(
    app,
    board,
    user,
    training_minutes=40 * HOUR,
    exam_passed=True,  # type: ignore[no-untyped-def]
    supervisor=None,
    experience_minutes=0,
) -> None:
    """Give a trainee a complete profile, approved training and (optionally) confirmed hours."""
    with app.app_context():
        db.session.add(
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
        db.session.add_all([program, module, cohort])
        db.session.flush()
        db.session.add(
            TrainingAttendance(
                board_id=board.id,
                cohort_id=cohort.id,
                module_id=module.id,
                trainee_id=user.id,
                attended_on=date.today() - timedelta(days=20),
                minutes=training_minutes,
            )
        )
        db.session.commit()
    if supervisor is not None and experience_minutes:
        add_hours(app, board, user, supervisor, experience_minutes, days_ago=200)


def add_hours(app, board, trainee, supervisor, minutes, days_ago=1, kind="experience"):  # type: ignore[no-untyped-def]
    """Confirmed entries of at most 8 hours a day, on consecutive past days."""
    with app.app_context():
        day = 0
        while minutes > 0:
            chunk = min(minutes, 8 * HOUR)
            db.session.add(
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
        db.session.commit()
