"""Board queries used by the board pages: staff and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.models import AuditEvent, Board, RoleAssignment, User

PAGE_SIZE = 25


@dataclass(frozen=True)
class Page:
    """One page of a listing."""

    items: list[Any]
    page: int
    pages: int
    total: int


def paginate(session: Session, query: Select[Any], page: int, size: int = PAGE_SIZE) -> Page:
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    items = list(session.execute(query.limit(size).offset((page - 1) * size)).scalars())
    return Page(items, page, pages, total)


def all_boards(session: Session) -> list[Board]:
    return list(session.execute(select(Board).order_by(Board.name)).scalars())


def boards_for(session: Session, user: User) -> list[Board]:
    """Boards a person works for (all of them for a platform admin)."""
    query = select(Board).order_by(Board.name)
    if not user.is_platform_admin:
        query = query.where(Board.id.in_(user.board_ids()))
    return list(session.execute(query).scalars())


def staff_of(session: Session, board: Board) -> list[RoleAssignment]:
    return list(
        session.execute(
            select(RoleAssignment)
            .join(User)
            .where(RoleAssignment.board_id == board.id, RoleAssignment.role != "trainee")
            .order_by(User.full_name, RoleAssignment.role)
        ).scalars()
    )


def audit_page(
    session: Session,
    board: Board,
    page: int = 1,
    action: str = "",
    actor: str = "",
    since: date | None = None,
    until: date | None = None,
) -> Page:
    """The board's audit events, newest first, filtered by action prefix, actor and dates."""
    query = select(AuditEvent).where(AuditEvent.board_id == board.id)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if actor:
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            User.email.contains(actor.lower())
        )
    if since:
        query = query.where(AuditEvent.created_at >= datetime.combine(since, time(), UTC))
    if until:
        end = datetime.combine(until + timedelta(days=1), time(), UTC)
        query = query.where(AuditEvent.created_at < end)
    return paginate(session, query.order_by(AuditEvent.id.desc()), page)
