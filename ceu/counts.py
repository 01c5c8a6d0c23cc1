"""Counts beside navigation links and on panels: one query each, whatever the board's size."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ceu.models import CeAuditSelection, CeCourse, CeProvider, CeProviderMember, CeRecord
from ceu.providers.roster import waiting_count
from core.models import User


@dataclass(frozen=True)
class Waiting:
    """What waits for a board's staff in CE."""

    activities: int
    courses: int
    providers: int
    roster_rows: int
    audits: int

    @property
    def total(self) -> int:
        return self.activities + self.courses + self.providers + self.roster_rows + self.audits


def waiting(session: Session, board_id: int) -> Waiting:
    activities = select(func.count(CeRecord.id)).where(
        CeRecord.board_id == board_id, CeRecord.source == "other", CeRecord.status == "pending"
    )
    courses = select(func.count(CeCourse.id)).where(
        CeCourse.board_id == board_id, CeCourse.status == "pending"
    )
    providers = select(func.count(CeProvider.id)).where(
        CeProvider.board_id == board_id, CeProvider.status == "applied"
    )
    audits = select(func.count(CeAuditSelection.id)).where(
        CeAuditSelection.board_id == board_id, CeAuditSelection.status == "submitted"
    )
    row = session.execute(
        select(
            activities.scalar_subquery(),
            courses.scalar_subquery(),
            providers.scalar_subquery(),
            audits.scalar_subquery(),
        )
    ).one()
    return Waiting(row[0], row[1], row[2], waiting_count(session, board_id), row[3])


def staff_waiting(session: Session, board_id: int | None, user: User) -> int:
    return 0 if board_id is None else waiting(session, board_id).total


def provider_rows(session: Session, board_id: int | None, user: User) -> int:
    if board_id is None:
        return 0
    provider_id = session.execute(
        select(CeProvider.id)
        .join(CeProviderMember, CeProviderMember.provider_id == CeProvider.id)
        .where(CeProviderMember.user_id == user.id, CeProvider.board_id == board_id)
    ).scalar()
    return 0 if provider_id is None else waiting_count(session, board_id, provider_id)


def my_open_audits(session: Session, board_id: int | None, user: User) -> int:
    return session.execute(
        select(func.count(CeAuditSelection.id)).where(
            CeAuditSelection.holder_id == user.id,
            CeAuditSelection.status.in_(("selected", "extended")),
        )
    ).scalar_one()
