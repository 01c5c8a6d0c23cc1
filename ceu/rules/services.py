"""CE rules as board data: categories, rule versions per credential type, settings.

Rule versions are checked by building the pure engine's `Rules` from them, so a rule the
engine would refuse (a cap below its category's minimum, overlapping mode caps) never
reaches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import CredentialType
from ceu.compliance import (
    DELIVERY_MODES,
    PRORATIONS,
    ROUNDINGS,
    Cap,
    Cycle,
    Minimum,
    Rules,
    add_months,
    amount_text,
    calendar_cycle,
    renewal_cycle,
    rules_in_force,
)
from ceu.models import (
    AUDIT_CONSEQUENCES,
    CeCategory,
    CeRuleCap,
    CeRuleMinimum,
    CeRuleVersion,
    CeSettings,
)
from core import audit
from core.models import Board, User

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")


class CeRulesError(ValueError):
    """A CE configuration a person can fix; `field` names the form field at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


# --- settings and categories ----------------------------------------------------------------


def settings_of(session: Session, board_id: int) -> CeSettings:
    """The board's CE settings (defaults, unsaved, when the board never changed them)."""
    found = session.get(CeSettings, board_id)
    return found or CeSettings(board_id=board_id, show_ceus=False, audit_consequence="none")


def save_settings(
    session: Session, board: Board, actor: User, show_ceus: bool, consequence: str
) -> CeSettings:
    if consequence not in AUDIT_CONSEQUENCES:
        raise CeRulesError("Choose what a failed audit leads to.", "audit_consequence")
    row = session.get(CeSettings, board.id)
    before = (
        None if row is None else {"show_ceus": row.show_ceus, "consequence": row.audit_consequence}
    )
    if row is None:
        row = CeSettings(board_id=board.id)
        session.add(row)
    row.show_ceus, row.audit_consequence = show_ceus, consequence
    session.flush()
    after = {"show_ceus": show_ceus, "consequence": consequence}
    audit.record(session, actor, "ce.settings.changed", (CeSettings.__name__, board.id),
                 before=before, after=after, board_id=board.id)  # fmt: skip
    return row


def categories_of(session: Session, board_id: int) -> list[CeCategory]:
    return list(
        session.execute(
            select(CeCategory)
            .where(CeCategory.board_id == board_id)
            .order_by(CeCategory.position, CeCategory.name)
        ).scalars()
    )


def save_category(
    session: Session,
    board: Board,
    actor: User,
    code: str,
    name: str,
    description: str = "",
    category: CeCategory | None = None,
) -> CeCategory:
    """Add a category, or rename one (its code stays: records and rules refer to it)."""
    name = name.strip()
    if not name:
        raise CeRulesError("Give the category a name.", "name")
    if category is None:
        code = code.strip().lower()
        if not CODE.match(code):
            raise CeRulesError("Use lower-case letters, digits, '-' or '_' (e.g. ethics).", "code")
        taken = session.execute(
            select(CeCategory.id).where(CeCategory.board_id == board.id, CeCategory.code == code)
        ).scalar()
        if taken is not None:
            raise CeRulesError(f"The board already has a category with the code {code}.", "code")
        position = len(categories_of(session, board.id))
        category = CeCategory(board_id=board.id, code=code, name=name, position=position)
        session.add(category)
        before = None
    else:
        before = {"name": category.name, "description": category.description}
        category.name = name
    category.description = description.strip()
    session.flush()
    audit.record(
        session,
        actor,
        "ce.category.saved",
        category,
        before=before,
        after={"code": category.code, "name": category.name},
    )
    return category


# --- rule versions --------------------------------------------------------------------------


@dataclass(frozen=True)
class CapInput:
    label: str
    percent: int
    modes: tuple[str, ...] = ()
    category_id: int | None = None


@dataclass(frozen=True)
class RuleInput:
    """A rule version as typed on the form, in minutes."""

    effective_on: date
    total_minutes: int
    cycle_kind: str = "renewal"
    calendar_months: int | None = None
    calendar_first_year: int | None = None
    proration: str = "none"
    rounding: str = "down_hour"
    carry_over_minutes: int = 0
    reinstatement_extra_minutes: int = 0
    minimums: tuple[tuple[int, int], ...] = ()  # (category id, minutes)
    caps: tuple[CapInput, ...] = field(default_factory=tuple)


def to_rules(version: CeRuleVersion, show_ceus: bool = False) -> Rules:
    """The pure engine's rules from a stored version."""
    return Rules(
        total_minutes=version.total_minutes,
        minimums=tuple(
            Minimum(m.category.code, m.category.name, m.minutes) for m in version.minimums
        ),
        caps=tuple(
            Cap(
                c.label,
                c.percent,
                frozenset(c.modes or ()),
                c.category.code if c.category is not None else None,
            )
            for c in version.caps
        ),
        proration=version.proration,
        rounding=version.rounding,
        carry_over_minutes=version.carry_over_minutes,
        show_ceus=show_ceus,
    )


def _check(data: RuleInput, categories: dict[int, CeCategory]) -> None:
    if data.cycle_kind not in ("renewal", "calendar"):
        raise CeRulesError("Choose how the cycle runs.", "cycle_kind")
    if data.cycle_kind == "calendar":
        if data.calendar_months not in (12, 24, 36):
            raise CeRulesError("A calendar period is 12, 24 or 36 months.", "calendar_months")
        if data.calendar_first_year is None or not 1990 <= data.calendar_first_year <= 2100:
            raise CeRulesError("Give the year the first period began.", "calendar_first_year")
    for category_id, _ in data.minimums:
        if category_id not in categories:
            raise CeRulesError("Choose a category of this board.", "minimums")
    if len({c for c, _ in data.minimums}) != len(data.minimums):
        raise CeRulesError("Each category takes one minimum.", "minimums")
    for cap in data.caps:
        if cap.category_id is not None and cap.category_id not in categories:
            raise CeRulesError("Choose a category of this board.", "caps")
        if not cap.label.strip():
            raise CeRulesError("Give every cap a label (e.g. Self-study and online).", "caps")
    try:
        Rules(
            total_minutes=data.total_minutes,
            minimums=tuple(
                Minimum(categories[c].code, categories[c].name, m) for c, m in data.minimums
            ),
            caps=tuple(
                Cap(
                    c.label,
                    c.percent,
                    frozenset(c.modes),
                    categories[c.category_id].code if c.category_id else None,
                )
                for c in data.caps
            ),
            proration=data.proration,
            rounding=data.rounding,
            carry_over_minutes=data.carry_over_minutes,
        )
    except ValueError as exc:
        message = str(exc)
        raise CeRulesError(message[:1].upper() + message[1:] + ".", "caps") from exc
    if data.reinstatement_extra_minutes < 0:
        raise CeRulesError("Cannot be negative.", "reinstatement_extra_minutes")


def save_version(
    session: Session, board: Board, actor: User, ctype: CredentialType, data: RuleInput
) -> CeRuleVersion:
    """Store a rule version from its effective day (replacing one of the same day)."""
    if ctype.board_id != board.id:
        raise CeRulesError("Choose a credential type of this board.", "credential_type_id")
    categories = {c.id: c for c in categories_of(session, board.id)}
    _check(data, categories)
    version = session.execute(
        select(CeRuleVersion).where(
            CeRuleVersion.credential_type_id == ctype.id,
            CeRuleVersion.effective_on == data.effective_on,
        )
    ).scalar()
    before = None if version is None else describe(version)
    if version is None:
        version = CeRuleVersion(
            board_id=board.id, credential_type_id=ctype.id, created_by_id=actor.id
        )
        session.add(version)
    for name in (
        "effective_on", "total_minutes", "cycle_kind", "calendar_months", "calendar_first_year",
        "proration", "rounding", "carry_over_minutes", "reinstatement_extra_minutes",
    ):  # fmt: skip
        setattr(version, name, getattr(data, name))
    if data.cycle_kind == "renewal":
        version.calendar_months = version.calendar_first_year = None
    version.minimums.clear()
    version.caps.clear()
    session.flush()  # old minimums and caps go before the new ones arrive
    version.minimums = [
        CeRuleMinimum(category_id=c, minutes=m, category=categories[c]) for c, m in data.minimums
    ]
    version.caps = [
        CeRuleCap(
            label=c.label.strip(),
            percent=c.percent,
            modes=sorted(c.modes),
            category_id=c.category_id,
            category=categories.get(c.category_id) if c.category_id else None,
        )
        for c in data.caps
    ]
    session.flush()
    audit.record(
        session,
        actor,
        "ce.rules.saved",
        version,
        before=before,
        after={"credential_type": ctype.code, **describe(version)},
    )
    return version


def delete_version(session: Session, version: CeRuleVersion, actor: User) -> None:
    before = describe(version)
    audit.record(session, actor, "ce.rules.deleted", version, before=before)
    session.delete(version)
    session.flush()


def describe(version: CeRuleVersion) -> dict[str, object]:
    """A version as plain values, for the audit trail."""
    return {
        "effective_on": version.effective_on,
        "total_minutes": version.total_minutes,
        "cycle": version.cycle_kind,
        "minimums": {m.category.code: m.minutes for m in version.minimums},
        "caps": [f"{c.label}: {c.percent}%" for c in version.caps],
        "carry_over_minutes": version.carry_over_minutes,
        "reinstatement_extra_minutes": version.reinstatement_extra_minutes,
    }


def sentences(version: CeRuleVersion, ctype: CredentialType, show_ceus: bool) -> list[str]:
    """The rule version in plain words, for the rules page and the certificant."""

    def amount(minutes: int) -> str:
        return amount_text(minutes, show_ceus)

    if version.cycle_kind == "renewal":
        cycle = f"every renewal cycle of {ctype.cycle_months} months, ending on the expiry day"
    else:
        cycle = (
            f"every calendar period of {version.calendar_months} months "
            f"(from January {version.calendar_first_year})"
        )
    lines = [f"{amount(version.total_minutes)} of continuing education {cycle}."]
    for m in version.minimums:
        lines.append(f"At least {amount(m.minutes)} in {m.category.name}.")
    for c in version.caps:
        scope = (
            ", ".join(DELIVERY_MODES[mode].lower() for mode in c.modes)
            if c.modes
            else (c.category.name if c.category else "")
        )
        lines.append(f"{c.label}: at most {c.percent}% of the total ({scope}).")
    if version.proration != "none":
        lines.append(
            f"First cycle: {PRORATIONS[version.proration].lower()}, rounded "
            f"{ROUNDINGS[version.rounding]}."
        )
    if version.carry_over_minutes:
        lines.append(
            f"Up to {amount(version.carry_over_minutes)} beyond the total carry over into the "
            "next cycle only."
        )
    if version.reinstatement_extra_minutes:
        lines.append(
            f"Reinstatement after the grace period needs "
            f"{amount(version.reinstatement_extra_minutes)} of CE taken since expiry, on top of "
            "the CE taken since expiry that makes up what the lapsed cycle lacked (the grace "
            "period, fee and exam are the board's renewal rules)."
        )
    return lines


# --- the board's rules in one object --------------------------------------------------------


@dataclass(frozen=True)
class BoardRules:
    """All of a board's CE rules, loaded in a fixed number of queries."""

    board_id: int
    show_ceus: bool
    categories: dict[int, CeCategory]
    versions: dict[int, list[CeRuleVersion]]  # credential type id -> by effective day
    pure: dict[int, Rules] = field(default_factory=dict, compare=False)  # by version id

    def kind_version(self, credential_type_id: int, as_of: date) -> CeRuleVersion | None:
        """The version whose cycle kind applies on a day (in force then, else the first)."""
        versions = self.versions.get(credential_type_id) or []
        current = [v for v in versions if v.effective_on <= as_of]
        return current[-1] if current else (versions[0] if versions else None)

    def cycle(
        self,
        credential_type_id: int,
        cycle_months: int,
        issued_on: date,
        expires_on: date,
        as_of: date,
    ) -> Cycle | None:
        """The credential's CE cycle as of a day (None when its type has no CE rules)."""
        kind = self.kind_version(credential_type_id, as_of)
        if kind is None:
            return None
        if kind.cycle_kind == "calendar":
            assert kind.calendar_months and kind.calendar_first_year
            return calendar_cycle(
                max(as_of, issued_on), kind.calendar_months, kind.calendar_first_year, issued_on
            )
        return renewal_cycle(expires_on, cycle_months, issued_on)

    def previous(
        self, credential_type_id: int, cycle: Cycle, issued_on: date, cycle_months: int
    ) -> Cycle | None:
        """The cycle before this one (None for a first cycle)."""
        if cycle.first or cycle.start <= issued_on:
            return None
        day = cycle.start - timedelta(days=1)
        kind = self.kind_version(credential_type_id, day)
        if kind is not None and kind.cycle_kind == "calendar":
            assert kind.calendar_months and kind.calendar_first_year
            earlier = calendar_cycle(day, kind.calendar_months, kind.calendar_first_year, issued_on)
            return earlier if earlier.end >= issued_on else None
        return renewal_cycle(day, cycle_months, issued_on)

    def rules(self, credential_type_id: int, cycle: Cycle) -> tuple[CeRuleVersion, Rules] | None:
        """The rule version in force for a cycle and the engine's rules from it."""
        versions = self.versions.get(credential_type_id) or []
        version = rules_in_force(((v.effective_on, v) for v in versions), cycle)
        if version is None:
            return None
        if version.id not in self.pure:
            self.pure[version.id] = to_rules(version, self.show_ceus)
        return version, self.pure[version.id]

    def renewal_cycles(
        self, credential_type_id: int, cycle_months: int, issued_on: date, expires_on: date
    ) -> list[Cycle]:
        """The CE cycles a renewal on this expiry looks at.

        A renewal cycle: the one ending on the expiry day. Calendar periods: every period that
        ended in the credential's current term (or the last one before expiry).
        """
        kind = self.kind_version(credential_type_id, expires_on)
        if kind is None:
            return []
        if kind.cycle_kind != "calendar":
            return [renewal_cycle(expires_on, cycle_months, issued_on)]
        months, first_year = kind.calendar_months, kind.calendar_first_year
        assert months and first_year
        term_start = max(issued_on, add_months(expires_on, -cycle_months))
        period = calendar_cycle(expires_on, months, first_year, issued_on)
        if period.end > expires_on:  # not over by the expiry day: the one before it
            if period.start <= issued_on:
                return []
            period = calendar_cycle(period.start - timedelta(days=1), months, first_year, issued_on)
        last_ended, found = period, []
        while period.end > term_start:
            found.append(period)
            if period.start <= issued_on:
                break
            period = calendar_cycle(period.start - timedelta(days=1), months, first_year, issued_on)
        return list(reversed(found)) or [last_ended]


def board_rules(session: Session, board_id: int) -> BoardRules:
    """The board's settings, categories and rule versions (three queries, any board size)."""
    settings = settings_of(session, board_id)
    categories = {c.id: c for c in categories_of(session, board_id)}
    versions: dict[int, list[CeRuleVersion]] = {}
    for version in session.execute(
        select(CeRuleVersion)
        .where(CeRuleVersion.board_id == board_id)
        .order_by(CeRuleVersion.credential_type_id, CeRuleVersion.effective_on)
    ).scalars():
        versions.setdefault(version.credential_type_id, []).append(version)
    return BoardRules(board_id, settings.show_ceus, categories, versions)


def versions_by_type(
    session: Session, board_id: int
) -> list[tuple[CredentialType, list[CeRuleVersion]]]:
    """The board's credential types, each with its rule versions (newest first)."""
    types = session.execute(
        select(CredentialType)
        .where(CredentialType.board_id == board_id)
        .order_by(CredentialType.name)
    ).scalars()
    rules = board_rules(session, board_id)
    return [(t, list(reversed(rules.versions.get(t.id, [])))) for t in types]
