"""Board dashboard figures: counts by status, the certification pipeline, expiring soon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certify import rules
from certify.applications import eligibility
from certify.models import Application, ApplicationDocument, Credential, SupervisorProfile
from core.models import RoleAssignment

PIPELINE_STAGES = ("Registered", "Trained", "Hours complete", "Exam passed", "Certified")


@dataclass(frozen=True)
class BoardFigures:
    applications: dict[str, int]
    credentials: dict[str, int]
    pipeline: tuple[tuple[str, int], ...]
    expiring: dict[int, int]
    supervisors_unverified: int
    documents_pending: int


def _counts(session: Session, model: type, board_id: int) -> dict[str, int]:
    rows = session.execute(
        select(model.status, func.count()).where(model.board_id == board_id).group_by(model.status)
    ).all()
    return {status: count for status, count in rows}


def _stage(checklist: list[tuple[object, rules.Eligibility]], prefix: tuple[str, ...]) -> bool:
    """Whether, for some credential type, every check whose key starts with prefix is met."""
    for _ctype, result in checklist:
        relevant = [c for c in result.checks if c.key.startswith(prefix)]
        if relevant and all(c.met for c in relevant):
            return True
    return False


def figures(session: Session, board_id: int, as_of: date) -> BoardFigures:
    """Everything the board dashboard shows, computed from stored records."""
    trainee_ids = list(
        session.execute(
            select(RoleAssignment.user_id).where(
                RoleAssignment.board_id == board_id, RoleAssignment.role == "trainee"
            )
        ).scalars()
    )
    certified = set(
        session.execute(
            select(Credential.holder_id).where(Credential.board_id == board_id)
        ).scalars()
    )
    trained = hours = exam = 0
    for user_id in trainee_ids:
        checklist = eligibility.checklists(session, board_id, user_id, as_of)
        if user_id in certified or _stage(checklist, ("training",)):
            trained += 1
        if user_id in certified or _stage(checklist, ("experience", "supervision")):
            hours += 1
        if user_id in certified or _stage(checklist, ("exam",)):
            exam += 1
    pipeline = tuple(
        zip(
            PIPELINE_STAGES,
            (len(trainee_ids), trained, hours, exam, len(certified & set(trainee_ids))),
            strict=True,
        )
    )
    expiring = {}
    for days in (30, 60, 90):
        expiring[days] = session.execute(
            select(func.count())
            .select_from(Credential)
            .where(
                Credential.board_id == board_id,
                Credential.status.in_(("active", "provisional")),
                Credential.expires_on >= as_of,
                Credential.expires_on <= as_of + timedelta(days=days),
            )
        ).scalar_one()
    unverified = session.execute(
        select(func.count())
        .select_from(SupervisorProfile)
        .where(SupervisorProfile.board_id == board_id, SupervisorProfile.verified_at.is_(None))
    ).scalar_one()
    return BoardFigures(
        _counts(session, Application, board_id),
        _counts(session, Credential, board_id),
        pipeline,
        expiring,
        unverified,
        _counts(session, ApplicationDocument, board_id).get("pending", 0),
    )
