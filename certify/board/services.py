"""Board dashboard figures: counts by status, the certification pipeline, expiring soon.

Every figure is a grouped count in SQL: the same handful of statements for 100 people or
50,000. The pipeline counts the stored standing (certify/standing), which is the eligibility
engine's own result for each person, so it agrees with every trainee's checklist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.orm import Session

from certify.models import Application, ApplicationDocument, Credential, Standing, SupervisorProfile
from certify.standing import services as standing
from core.models import Role, RoleAssignment

PIPELINE_STAGES = (
    "Registered",
    "Trained",
    "Hours complete",
    "Exam passed",
    "Provisional credential",
    "Certified",
)
EXPIRING_DAYS = (30, 60, 90)


@dataclass(frozen=True)
class BoardFigures:
    applications: dict[str, int]
    credentials: dict[str, int]
    pipeline: tuple[tuple[str, int], ...]
    expiring: dict[int, int]
    supervisors_unverified: int
    documents_pending: int
    recompute: standing.Progress | None = None  # a board-wide recompute still running
    standing_due: int = 0  # people whose stored standing time may have changed
    trend: tuple[tuple[str, int], ...] = ()  # applications sent per month, oldest first


def _counts(session: Session, model: Any, board_id: int) -> dict[str, int]:
    rows = session.execute(
        select(model.status, func.count()).where(model.board_id == board_id).group_by(model.status)
    ).all()
    return {status: count for status, count in rows}


def _ones(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def pipeline(session: Session, board_id: int) -> tuple[tuple[str, int], ...]:
    """People at each stage, counted from the stored checklists and the credentials held.

    A stage counts a registered trainee when, for at least one of the board's credential
    types, every requirement of that stage is met in their checklist (the engine's result,
    so "Exam passed" means what the checklist says). Holders of a current provisional
    credential (and no active full one) are counted apart from holders of an active one.
    Three statements, each one pass over an index.
    """
    registered = session.execute(
        select(func.count()).where(
            RoleAssignment.board_id == board_id, RoleAssignment.role == Role.TRAINEE.value
        )
    ).scalar_one()
    trained, hours, exam = tuple(
        session.execute(
            select(
                *(
                    func.count(distinct(case((flag.is_(True), Standing.user_id))))
                    for flag in (Standing.training_met, Standing.hours_met, Standing.exam_met)
                )
            ).where(Standing.board_id == board_id)
        ).one()
    )
    holders, full = session.execute(
        select(
            func.count(distinct(Credential.holder_id)),
            func.count(distinct(case((Credential.status == "active", Credential.holder_id)))),
        ).where(Credential.board_id == board_id, Credential.status.in_(("active", "provisional")))
    ).one()
    counts = (registered, trained, hours, exam, holders - full, full)
    return tuple(zip(PIPELINE_STAGES, (int(n) for n in counts), strict=True))


def expiring(session: Session, board_id: int, as_of: date) -> dict[int, int]:
    """Current credentials expiring within 30, 60 and 90 days, in one statement."""
    row = session.execute(
        select(
            *(
                func.coalesce(
                    func.sum(_ones(Credential.expires_on <= as_of + timedelta(days=days))), 0
                )
                for days in EXPIRING_DAYS
            )
        ).where(
            Credential.board_id == board_id,
            Credential.status.in_(("active", "provisional")),
            Credential.expires_on >= as_of,
            Credential.expires_on <= as_of + timedelta(days=max(EXPIRING_DAYS)),
        )
    ).one()
    return {days: int(n) for days, n in zip(EXPIRING_DAYS, row, strict=True)}


def figures(session: Session, board_id: int, as_of: date) -> BoardFigures:
    """Everything the board dashboard shows: a constant number of statements."""
    unverified = session.execute(
        select(func.count())
        .select_from(SupervisorProfile)
        .where(SupervisorProfile.board_id == board_id, SupervisorProfile.verified_at.is_(None))
    ).scalar_one()
    documents = session.execute(
        select(func.count())
        .select_from(ApplicationDocument)
        .where(ApplicationDocument.board_id == board_id, ApplicationDocument.status == "pending")
    ).scalar_one()
    return BoardFigures(
        _counts(session, Application, board_id),
        _counts(session, Credential, board_id),
        pipeline(session, board_id),
        expiring(session, board_id, as_of),
        unverified,
        documents,
        standing.progress(session, board_id),
        standing.due(session, board_id, as_of),
        applications_per_month(session, board_id, as_of),
    )


TREND_MONTHS = 12


def applications_per_month(
    session: Session, board_id: int, as_of: date, months: int = TREND_MONTHS
) -> tuple[tuple[str, int], ...]:
    """Applications sent in each of the last `months` calendar months ("2026-03", n), oldest
    first, months without any included: one grouped statement."""
    first = date(as_of.year, as_of.month, 1)
    for _ in range(months - 1):
        first = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    sent = Application.submitted_at
    if session.get_bind().dialect.name == "postgresql":
        month = func.to_char(sent, "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", sent)
    counts: dict[str, int] = dict(
        session.execute(
            select(month, func.count())
            .where(Application.board_id == board_id, sent >= datetime.combine(first, time(), UTC))
            .group_by(month)
        ).all()
    )
    labels, day = [], first
    for _ in range(months):
        labels.append(day.strftime("%Y-%m"))
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return tuple((label, int(counts.get(label, 0))) for label in labels)
