"""The board's CE compliance report: rate per credential type and cycle, the at-risk list.

Built from `standing.board_standings`, so it runs the same few SQL statements for a board of
100 or of 50,000 certificants.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import CredentialType
from ceu.compliance import STATUSES, amount_text, evaluate_cells
from ceu.rules.services import board_rules
from ceu.standing import BoardStanding, board_standings

AT_RISK_DAYS = 90


@dataclass(frozen=True)
class Rate:
    """How many of one credential type's cycles (ending in one year) are compliant."""

    credential_type: str
    cycle: str
    certificants: int
    compliant: int
    not_yet_due: int
    short: int

    @property
    def rate(self) -> float:
        return 100.0 * self.compliant / self.certificants if self.certificants else 0.0


@dataclass(frozen=True)
class Report:
    as_of: date
    show_ceus: bool
    types: dict[int, str]
    rates: list[Rate]
    at_risk: list[BoardStanding]
    standings: list[BoardStanding]


def _cycle_label(standing: BoardStanding, calendar: bool) -> str:
    """A calendar period by its years ("2026", "2025–2026"); renewal cycles by their end year."""
    end = standing.cycle.end
    if calendar:
        first = end.year - standing.cycle.months // 12 + 1
        return str(end.year) if first >= end.year else f"{first}–{end.year}"
    return f"cycles ending in {end.year}"


def rates(
    standings: Iterable[BoardStanding], types: dict[int, str], calendar: set[int]
) -> list[Rate]:
    counts: dict[tuple[str, str], list[int]] = {}
    for s in standings:
        type_id = s.row.credential_type_id
        key = (types[type_id], _cycle_label(s, type_id in calendar))
        n = counts.setdefault(key, [0, 0, 0, 0])
        n[0] += 1
        n[1 + ("compliant", "not_yet_due", "short").index(s.status)] += 1
    return [Rate(t, c, *n) for (t, c), n in sorted(counts.items())]


def compliance_report(
    session: Session, board_id: int, as_of: date, credential_type_id: int | None = None
) -> Report:
    """The report of the board's active and provisional credentials as of a day."""
    types = {
        t.id: t.name
        for t in session.execute(
            select(CredentialType).where(CredentialType.board_id == board_id)
        ).scalars()
    }
    standings = board_standings(session, board_id, as_of, type_id=credential_type_id)
    horizon = as_of + timedelta(days=AT_RISK_DAYS)
    at_risk = [s for s in standings if not s.compliant and as_of <= s.row.expires_on <= horizon]
    rules = board_rules(session, board_id)
    calendar = {
        type_id
        for type_id in types
        if (kind := rules.kind_version(type_id, as_of)) is not None
        and kind.cycle_kind == "calendar"
    }
    rated = rates(standings, types, calendar)
    return Report(as_of, rules.show_ceus, types, rated, at_risk, standings)


RATE_HEADER = ["credential_type", "cycle", "certificants", "compliant", "not_yet_due", "short",
               "compliance_rate_percent"]  # fmt: skip
PEOPLE_HEADER = ["credential_number", "holder", "email", "credential_type", "status", "expires_on",
                 "cycle_start", "cycle_end", "required_hours", "counted_hours", "missing_hours",
                 "ce_status", "summary"]  # fmt: skip


def rate_rows(report: Report) -> Iterator[list[Any]]:
    return (
        [r.credential_type, r.cycle, r.certificants, r.compliant, r.not_yet_due, r.short,
         round(r.rate, 1)]
        for r in report.rates
    )  # fmt: skip


def people_rows(report: Report, standings: Iterable[BoardStanding]) -> Iterator[list[Any]]:
    """One row per credential, made as it is written: each row's full CE standing is worked
    out then, and not kept once written (an export of every credential holds one at a time)."""

    def hours(minutes: int) -> str:
        return amount_text(minutes, False, unit=False)

    for s in standings:
        # the row's full standing, as BoardStanding.compliance makes it, but not kept
        summary = evaluate_cells(s.rules, s.cycle, s.cells, s.as_of, s.carried_in).summary
        yield [
            s.row.number,
            s.row.holder_name,
            s.row.email,
            report.types[s.row.credential_type_id],
            s.row.status,
            s.row.expires_on.isoformat(),
            s.cycle.start.isoformat(),
            s.cycle.end.isoformat(),
            hours(s.required),
            hours(s.counted),
            hours(max(0, s.required - s.counted)),
            STATUSES[s.status],
            summary,
        ]
