"""Board queries used by the board pages: staff and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session, joinedload, selectinload

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


# Lists read by key count at most this many rows (and then say "more than"): an exact count
# of a large board's 510,000 hours entries read the whole index on every page (50-100 ms).
COUNT_CAP = 10_000


def count_of(session: Session, query: Select[Any], cap: int | None = None) -> int:
    """How many rows query gives, counted over the unordered query (no sort of every row);
    with a cap, at most cap + 1 rows are counted (the cost of a page, whatever the table)."""
    rows = query.order_by(None)
    if cap is not None:
        rows = rows.limit(cap + 1)
    return session.execute(select(func.count()).select_from(rows.subquery())).scalar_one()


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
    `total` is exact up to the count's cap; beyond it `more_than` is true and `total` the cap.
    """

    items: list[Any]
    total: int
    newer: str | None
    older: str | None
    more_than: bool = False

    @property
    def total_text(self) -> str:
        """The count as a list says it: "1,234" or "more than 10,000"."""
        return f"more than {self.total:,}" if self.more_than else f"{self.total:,}"

    @property
    def page(self) -> int:
        return 1 if self.newer is None else 0

    @property
    def pages(self) -> int:
        return 1 if self.newer is None and self.older is None else 0


def _cursor(values: Sequence[Any]) -> str:
    return "~".join(v.isoformat() if isinstance(v, date) else str(v) for v in values)


def _parse(cursor: str, kinds: Sequence[type]) -> tuple[Any, ...] | None:
    # only the first key may be free text (a name): it keeps any "~" of its own
    parts = cursor.rsplit("~", len(kinds) - 1)
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
    descending: bool = True,
    count_cap: int | None = COUNT_CAP,
) -> KeysetPage:
    """A page of query ordered by keys, newest first (each key a (column, type) pair,
    descending, the last one unique): `older` gives the page after that cursor, `newer`
    the page before it. Served by an index on the keys: the last page costs the first's.
    With descending=False the keys run in ascending order (names from A to Z): `older`
    is then the next page and `newer` the previous one. The total is counted up to count_cap.
    """
    columns = [column for column, _ in keys]
    kinds = [kind for _, kind in keys]
    total = count_of(session, query, count_cap)
    more_than = count_cap is not None and total > count_cap
    after = _parse(older, kinds) if older else None
    before = _parse(newer, kinds) if newer and after is None else None
    key = tuple_(*columns)
    if before is not None:
        ordered = query.where(key > tuple_(*before) if descending else key < tuple_(*before))
        ordered = ordered.order_by(*(c.asc() if descending else c.desc() for c in columns))
    else:
        ordered = query.order_by(*(c.desc() if descending else c.asc() for c in columns))
        if after is not None:
            ordered = ordered.where(key < tuple_(*after) if descending else key > tuple_(*after))
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
        count_cap if more_than and count_cap is not None else total,
        _cursor(marks[0]) if rows and has_newer else None,
        _cursor(marks[-1]) if rows and has_older else None,
        more_than,
    )


def all_boards(session: Session) -> list[Board]:
    return list(session.execute(select(Board).order_by(Board.name)).scalars())


def boards_for(session: Session, user: User) -> list[Board]:
    """Boards a person works for (all of them for a platform admin)."""
    query = select(Board).order_by(Board.name)
    if not user.is_platform_admin:
        query = query.where(Board.id.in_(user.board_ids()))
    return list(session.execute(query).scalars())


def staff_page(
    session: Session, board: Board, after: str | None = None, before: str | None = None
) -> KeysetPage:
    """A page of the board's staff (every role but trainee: supervisors too, a thousand on a
    large board) by name, read by key, with their accounts: three statements on any page.

    The name is looked up per staff row (the board's staff, never its trainees, through the
    partial index ix_role_assignment_board_staff), so the page never reads every account.
    """
    name = select(User.full_name).where(User.id == RoleAssignment.user_id).scalar_subquery()
    query = (
        select(RoleAssignment)
        .where(RoleAssignment.board_id == board.id, RoleAssignment.role != "trainee")
        .options(selectinload(RoleAssignment.user))
    )
    keys = [(name, str), (RoleAssignment.role, str), (RoleAssignment.id, int)]
    return paginate_keyset(session, query, keys, after, before, descending=False)


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
    query = audit_query(board, action, actor, since, until)
    return paginate_keyset(session, query, [(AuditEvent.id, int)], older, newer)


def audit_query(
    board: Board,
    action: str = "",
    actor: str = "",
    since: date | None = None,
    until: date | None = None,
) -> Select[AuditEvent]:
    """The board's audit events matching the filters, with their actors (unordered)."""
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
    return query.options(joinedload(AuditEvent.actor))
