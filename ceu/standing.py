"""CE standing: a holder's records and the board's rules turned into the engine's inputs.

Two paths give the same answer. For one person (dashboard, transcript, renewal) the accepted
records are loaded and passed to `compliance.evaluate` activity by activity. For a whole
board (report, reminders, audits) the database sums minutes per credential, delivery mode
and category inside each credential's cycle, and `compliance.evaluate_cells` takes the sums:
a fixed number of SQL statements whether the board has 100 certificants or 50,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import Date, and_, case, false, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from certify.models import Credential, CredentialType
from ceu.compliance import (
    DELIVERY_MODES,
    Activity,
    Compliance,
    Cycle,
    Part,
    Rules,
    calendar_cycle,
    evaluate,
    evaluate_cells,
    standing_status,
)
from ceu.models import CeCategory, CeRecord, CeRecordPart, CeRuleVersion
from ceu.rules.services import BoardRules, board_rules
from core.models import User

ACTIVE = ("active", "provisional")


class months_before(FunctionElement[date]):  # noqa: N801  (reads as SQL)
    """SQL: the same day `months` earlier, clamped to the month's end (as add_months)."""

    type = Date()
    inherit_cache = True
    name = "months_before"


@compiles(months_before)
def _months_before_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    shifted = f"date({day}, '-' || ({months}) || ' months')"
    month_end = (
        f"date({day}, 'start of month', '-' || ({months}) || ' months', '+1 month', '-1 day')"
    )
    same_day = f"strftime('%d', {shifted}) = strftime('%d', {day})"
    return f"(CASE WHEN {same_day} THEN {shifted} ELSE {month_end} END)"


@compiles(months_before, "postgresql")
def _months_before_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({day}) - make_interval(months => ({months})) AS DATE)"


# --- one person -----------------------------------------------------------------------------


def activity_of(record: CeRecord, codes: dict[int, str]) -> Activity:
    """An accepted record as the engine's activity (category ids become the board's codes)."""
    return Activity(
        key=str(record.id),
        day=record.completed_on,
        mode=record.delivery_mode,
        parts=tuple(Part(codes[p.category_id], p.minutes) for p in record.parts),
        course=None if record.course_id is None else str(record.course_id),
        title=record.title,
    )


@dataclass(frozen=True)
class Standing:
    """A credential's CE standing in one cycle."""

    credential: Credential
    version: CeRuleVersion
    compliance: Compliance


def accepted_records(session: Session, holder_id: int, board_ids: Iterable[int]) -> list[CeRecord]:
    """A person's accepted records at these boards, oldest first (parts loaded)."""
    return list(
        session.execute(
            select(CeRecord)
            .where(
                CeRecord.holder_id == holder_id,
                CeRecord.board_id.in_(list(board_ids)),
                CeRecord.status == "accepted",
            )
            .order_by(CeRecord.completed_on, CeRecord.id)
        ).scalars()
    )


def cycle_standing(
    rules: BoardRules,
    credential: Credential,
    cycle: Cycle,
    activities: Sequence[Activity],
    as_of: date,
) -> tuple[CeRuleVersion, Compliance] | None:
    """One cycle's standing, with what the cycle before it carries over."""
    found = rules.rules(credential.credential_type_id, cycle)
    if found is None:
        return None
    version, pure = found
    carried = 0
    months = credential.credential_type.cycle_months
    previous = rules.previous(credential.credential_type_id, cycle, credential.issued_on, months)
    if previous is not None:
        earlier = rules.rules(credential.credential_type_id, previous)
        if earlier is not None and earlier[1].carry_over_minutes:
            carried = evaluate(earlier[1], previous, activities, previous.end).carry_out
    return version, evaluate(pure, cycle, activities, as_of, carried)


def holder_standings(
    session: Session, holder_id: int, as_of: date, board_id: int | None = None
) -> list[Standing]:
    """The CE standing of each credential a person holds (current cycle), newest first."""
    query = (
        select(Credential)
        .where(Credential.holder_id == holder_id, Credential.status != "revoked")
        .options(joinedload(Credential.credential_type), joinedload(Credential.board))
        .order_by(Credential.issued_on.desc(), Credential.id)
    )
    if board_id is not None:
        query = query.where(Credential.board_id == board_id)
    credentials = list(session.execute(query).scalars())
    boards = sorted({c.board_id for c in credentials})
    rules = {b: board_rules(session, b) for b in boards}
    records = accepted_records(session, holder_id, boards)
    found = []
    for credential in credentials:
        board_rule = rules[credential.board_id]
        cycle = board_rule.cycle(
            credential.credential_type_id,
            credential.credential_type.cycle_months,
            credential.issued_on,
            credential.expires_on,
            as_of,
        )
        if cycle is None:
            continue
        codes = {i: c.code for i, c in board_rule.categories.items()}
        activities = [activity_of(r, codes) for r in records if r.board_id == credential.board_id]
        result = cycle_standing(board_rule, credential, cycle, activities, as_of)
        if result is not None:
            found.append(Standing(credential, *result))
    return found


# --- a whole board --------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialRow:
    """A credential as the board report lists it."""

    credential_id: int
    holder_id: int
    number: str
    holder_name: str
    email: str
    credential_type_id: int
    status: str
    issued_on: date
    expires_on: date


Cells = dict[tuple[str, str], int]


@dataclass(frozen=True)
class BoardStanding:
    """A credential's CE status in its current cycle; the full standing is made when read."""

    row: CredentialRow
    status: str
    counted: int
    required: int
    cycle: Cycle
    as_of: date
    rules: Rules = field(repr=False)
    cells: Cells = field(repr=False)
    carried_in: int = 0

    @property
    def compliant(self) -> bool:
        return self.status == "compliant"

    @cached_property
    def compliance(self) -> Compliance:
        """Everything the engine says (summary, categories, caps): for the rows on show."""
        return evaluate_cells(self.rules, self.cycle, self.cells, self.as_of, self.carried_in)


def _window(
    rules: BoardRules, types: dict[int, CredentialType], as_of: date, previous: bool
) -> ColumnElement[bool]:
    """SQL: a record lies in its credential's current (or previous) cycle."""
    day, issued, expires = CeRecord.completed_on, Credential.issued_on, Credential.expires_on
    conditions = []
    for type_id, ctype in types.items():
        kind = rules.kind_version(type_id, as_of)
        if kind is None:
            continue
        if kind.cycle_kind == "calendar":
            assert kind.calendar_months and kind.calendar_first_year
            period = calendar_cycle(as_of, kind.calendar_months, kind.calendar_first_year)
            if previous:
                period = calendar_cycle(
                    period.start - timedelta(days=1),
                    kind.calendar_months,
                    kind.calendar_first_year,
                )
            inside = and_(day >= period.start, day <= period.end, day >= issued)
        else:
            months = ctype.cycle_months
            end = months_before(expires, months) if previous else expires
            before = months_before(end, months)
            inside = and_(day <= end, day >= issued, or_(day > before, issued >= before))
            if previous:
                inside = and_(inside, issued < end)
        conditions.append(and_(Credential.credential_type_id == type_id, inside))
    return or_(*conditions) if conditions else false()


def _cells(
    session: Session,
    board_id: int,
    window: ColumnElement[bool],
    chosen: ColumnElement[bool],
    as_of: date,
    codes: dict[int, str],
) -> dict[int, Cells]:
    """Minutes per credential, delivery mode and category in the window: one row a person.

    The sums are pivoted into columns (one per mode and category), so the database groups
    by credential alone. Records in one category (most) are summed without their parts;
    the few in several categories are summed from their parts in a second statement.
    """
    pairs = [(mode, category_id) for mode in DELIVERY_MODES for category_id in sorted(codes)]
    keys = [(mode, codes[category_id]) for mode, category_id in pairs]
    found: dict[int, Cells] = {}
    for category, minutes, several in (
        (CeRecord.category_id, CeRecord.minutes, False),
        (CeRecordPart.category_id, CeRecordPart.minutes, True),
    ):
        sums = [
            func.sum(case((and_(CeRecord.delivery_mode == m, category == c), minutes)))
            for m, c in pairs
        ]
        query = (
            select(Credential.id, *sums)
            .join(
                CeRecord,
                and_(CeRecord.holder_id == Credential.holder_id, CeRecord.board_id == board_id),
            )
            .where(
                chosen,
                CeRecord.status == "accepted",
                CeRecord.completed_on <= as_of,
                CeRecord.category_id.is_(None) if several else CeRecord.category_id.is_not(None),
                window,
            )
            .group_by(Credential.id)
        )
        if several:
            query = query.join(CeRecordPart, CeRecordPart.record_id == CeRecord.id)
        for credential_id, *values in session.execute(query):
            cells = found.setdefault(credential_id, {})
            for key, value in zip(keys, values, strict=True):
                if value:
                    cells[key] = cells.get(key, 0) + int(value)
    return found


def board_standings(
    session: Session,
    board_id: int,
    as_of: date,
    statuses: Sequence[str] = ACTIVE,
    type_id: int | None = None,
    expiring_by: date | None = None,
) -> list[BoardStanding]:
    """Every credential's CE status in its current cycle, in a fixed number of SQL statements.

    The status comes from `compliance.standing_status`; the full standing of a row is made
    only when read (the at-risk rows on a page, an export).
    """
    rules = board_rules(session, board_id)
    types = {
        t.id: t
        for t in session.execute(
            select(CredentialType).where(CredentialType.board_id == board_id)
        ).scalars()
    }
    codes = {i: c.code for i, c in rules.categories.items()}
    chosen = and_(Credential.board_id == board_id, Credential.status.in_(list(statuses)))
    if type_id is not None:
        chosen = and_(chosen, Credential.credential_type_id == type_id)
    if expiring_by is not None:
        chosen = and_(chosen, Credential.expires_on <= expiring_by)
    credentials = (
        select(
            Credential.id,
            Credential.holder_id,
            Credential.number,
            User.full_name,
            User.email,
            Credential.credential_type_id,
            Credential.status,
            Credential.issued_on,
            Credential.expires_on,
        )
        .join(User, User.id == Credential.holder_id)
        .where(chosen)
        .order_by(Credential.expires_on, Credential.number)
    )
    rows = [CredentialRow(*r) for r in session.execute(credentials)]
    if not rows or not rules.versions:
        return []
    current = _cells(session, board_id, _window(rules, types, as_of, False), chosen, as_of, codes)
    carries = any(v.carry_over_minutes for vs in rules.versions.values() for v in vs)
    earlier: dict[int, Cells] = {}
    if carries:
        window = _window(rules, types, as_of, previous=True)
        earlier = _cells(session, board_id, window, chosen, as_of, codes)
    # many credentials share a type, issue and expiry day: their cycle and rules once
    cycles: dict[tuple[int, date, date], tuple[Cycle, Rules, Cycle | None, Rules | None] | None]
    cycles = {}
    found = []
    for row in rows:
        key = (row.credential_type_id, row.issued_on, row.expires_on)
        if key not in cycles:
            cycles[key] = _cycle_and_rules(rules, types[row.credential_type_id], row, as_of)
        known = cycles[key]
        if known is None:
            continue
        cycle, pure, previous, before = known
        carried = 0
        if previous is not None and before is not None and before.carry_over_minutes:
            cells = earlier.get(row.credential_id, {})
            carried = evaluate_cells(before, previous, cells, previous.end).carry_out
        cells = current.get(row.credential_id, {})
        status, counted, required = standing_status(pure, cycle, cells, as_of, carried)
        found.append(
            BoardStanding(row, status, counted, required, cycle, as_of, pure, cells, carried)
        )
    return found


def _cycle_and_rules(
    rules: BoardRules, ctype: CredentialType, row: CredentialRow, as_of: date
) -> tuple[Cycle, Rules, Cycle | None, Rules | None] | None:
    cycle = rules.cycle(ctype.id, ctype.cycle_months, row.issued_on, row.expires_on, as_of)
    if cycle is None:
        return None
    pure = rules.rules(ctype.id, cycle)
    if pure is None:
        return None
    previous = rules.previous(ctype.id, cycle, row.issued_on, ctype.cycle_months)
    before = None if previous is None else rules.rules(ctype.id, previous)
    return cycle, pure[1], previous, None if before is None else before[1]


def category_names(session: Session, board_id: int) -> dict[str, str]:
    """The board's category names by code."""
    return {
        code: name
        for code, name in session.execute(
            select(CeCategory.code, CeCategory.name).where(CeCategory.board_id == board_id)
        )
    }
