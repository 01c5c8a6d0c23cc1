"""Board queries used by the board pages: staff and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session, contains_eager, joinedload

from core.models import AuditEvent, Board, RoleAssignment, User

PAGE_SIZE = 25


#: a SELECT of any columns, kept as it is by helpers that add WHERE clauses to it
AnyRows = TypeVar("AnyRows", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True)
class Page:
    """One page of a listing."""

    items: list[Any]
    page: int
    pages: int
    total: int


def count_of(session: Session, query: Select[Any]) -> int:
    """How many rows query gives, counted over the unordered query (no sort of every row)."""
    return session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()


def paginate(session: Session, query: Select[Any], page: int, size: int = PAGE_SIZE) -> Page:
    total = count_of(session, query)
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    items = list(session.execute(query.limit(size).offset((page - 1) * size)).scalars())
    return Page(items, page, pages, total)


@dataclass(frozen=True)
class KeysetPage:
    """One page of a listing read by key (no OFFSET): as fast on the last page as the first.

    `newer` and `older` are the cursors of the neighbouring pages (None at either end);
    `page` and `pages` are given for templates that show a position (1 of 1 or unknown).
    """

    items: list[Any]
    total: int
    newer: str | None
    older: str | None

    @property
    def page(self) -> int:
        return 1 if self.newer is None else 0

    @property
    def pages(self) -> int:
        return 1 if self.newer is None and self.older is None else 0


def _cursor(values: Sequence[Any]) -> str:
    return "~".join(v.isoformat() if isinstance(v, date) else str(v) for v in values)


def _parse(cursor: str, kinds: Sequence[type]) -> tuple[Any, ...] | None:
    parts = cursor.split("~")
    if len(parts) != len(kinds):
        return None
    try:
        return tuple(
            date.fromisoformat(p) if kind is date else kind(p)
            for p, kind in zip(parts, kinds, strict=True)
        )
    except ValueError:
        return None


def paginate_keyset(
    session: Session,
    query: Select[Any],
    keys: Sequence[tuple[Any, type]],
    older: str | None = None,
    newer: str | None = None,
    size: int = PAGE_SIZE,
) -> KeysetPage:
    """A page of query ordered by keys, newest first (each key a (column, type) pair,
    descending, the last one unique): `older` gives the page after that cursor, `newer`
    the page before it. Served by an index on the keys: the last page costs the first's.
    """
    columns = [column for column, _ in keys]
    kinds = [kind for _, kind in keys]
    total = count_of(session, query)
    after = _parse(older, kinds) if older else None
    before = _parse(newer, kinds) if newer and after is None else None
    if before is not None:
        ordered = query.where(tuple_(*columns) > tuple_(*before)).order_by(
            *(c.asc() for c in columns)
        )
    else:
        ordered = query.order_by(*(c.desc() for c in columns))
        if after is not None:
            ordered = ordered.where(tuple_(*columns) < tuple_(*after))
    rows = list(session.execute(ordered.add_columns(*columns).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    if before is not None:
        rows.reverse()
    items = [row[0] for row in rows]
    marks = [tuple(row[1:]) for row in rows]
    at_start = after is None and before is None
    has_newer = not at_start and (before is None or more)
    has_older = (more if before is None else True) and bool(rows)
    return KeysetPage(
        items,
        total,
        _cursor(marks[0]) if rows and has_newer else None,
        _cursor(marks[-1]) if rows and has_older else None,
    )


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
            .options(contains_eager(RoleAssignment.user))
        ).scalars()
    )


def audit_page(
    session: Session,
    board: Board,
    older: str | None = None,
    newer: str | None = None,
    action: str = "",
    actor: str = "",
    since: date | None = None,
    until: date | None = None,
) -> KeysetPage:
    """The board's audit events, newest first, filtered by action prefix, actor and dates."""
    query = select(AuditEvent).where(AuditEvent.board_id == board.id)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if actor:
        people = select(User.id).where(User.email.contains(actor.lower()))
        query = query.where(AuditEvent.actor_id.in_(people))
    if since:
        query = query.where(AuditEvent.created_at >= datetime.combine(since, time(), UTC))
    if until:
        end = datetime.combine(until + timedelta(days=1), time(), UTC)
        query = query.where(AuditEvent.created_at < end)
    query = query.options(joinedload(AuditEvent.actor))
    return paginate_keyset(session, query, [(AuditEvent.id, int)], older, newer)
