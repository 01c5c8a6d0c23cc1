"""Random CE audits: draw a reproducible sample of those who renewed after a closed cycle,
collect evidence per activity, decide each one, and close each person's audit with an
outcome (passed, failed with the board's consequence, or extended)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from certify.credentials.services import change_status, discipline
from certify.models import Credential, CredentialType
from ceu.compliance import Compliance, Cycle, calendar_cycle
from ceu.models import (
    AUDIT_CONSEQUENCES,
    CeAudit,
    CeAuditItem,
    CeAuditSelection,
    CeExtension,
    CeRecord,
)
from ceu.rules.services import BoardRules, board_rules, settings_of
from ceu.sampling import Sample, draw
from ceu.standing import ACTIVE, accepted_records, activity_of, cycle_standing
from core import audit, mail
from core.models import Board, User, utcnow
from core.urls import external_url

OUTCOMES = {"passed": "Passed", "failed": "Failed", "extended": "Deadline extended"}


class AuditError(ValueError):
    """An audit step a person can fix; `field` names the form field at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Member:
    """Someone in an audit's population: a credential and the closed cycle audited."""

    credential_id: int
    holder_id: int
    stratum: str
    cycle: Cycle


def _closed_cycle(
    rules: BoardRules, credential: Credential, ctype: CredentialType, first: date, last: date
) -> Cycle | None:
    """The credential's cycle that ended between first and last, if it renewed past it."""
    kind = rules.kind_version(ctype.id, last)
    if kind is None:
        return None
    if kind.cycle_kind == "calendar":
        months, first_year = kind.calendar_months, kind.calendar_first_year
        assert months and first_year
        period = calendar_cycle(last, months, first_year, credential.issued_on)
        if period.end > last:  # not over by the period's last day: the one before it
            if period.start <= credential.issued_on:
                return None
            period = calendar_cycle(
                period.start - timedelta(days=1), months, first_year, credential.issued_on
            )
        ended = first <= period.end <= last and credential.issued_on <= period.end
        return period if ended and credential.expires_on > period.end else None
    current = rules.cycle(
        ctype.id, ctype.cycle_months, credential.issued_on, credential.expires_on, last
    )
    if current is None:
        return None
    previous = rules.previous(ctype.id, current, credential.issued_on, ctype.cycle_months)
    if previous is not None and first <= previous.end <= last:
        return previous
    return None


def population(
    session: Session, board: Board, first: date, last: date, credential_type_id: int | None
) -> list[Member]:
    """Everyone whose cycle ended between first and last and whose credential renewed past it."""
    rules = board_rules(session, board.id)
    types = {
        t.id: t
        for t in session.execute(
            select(CredentialType).where(CredentialType.board_id == board.id)
        ).scalars()
    }
    query = select(Credential).where(Credential.board_id == board.id, Credential.status.in_(ACTIVE))
    if credential_type_id is not None:
        query = query.where(Credential.credential_type_id == credential_type_id)
    members = []
    for credential in session.execute(query).scalars():
        ctype = types[credential.credential_type_id]
        cycle = _closed_cycle(rules, credential, ctype, first, last)
        if cycle is not None:
            members.append(Member(credential.id, credential.holder_id, ctype.code, cycle))
    return members


def population_hash(members: list[Member]) -> str:
    lines = "\n".join(
        f"{m.credential_id}:{m.stratum}" for m in sorted(members, key=lambda m: m.credential_id)
    )
    return hashlib.sha256(lines.encode()).hexdigest()


def redraw(session: Session, audit_row: CeAudit) -> tuple[Sample, bool]:
    """Draw again from the stored seed; True when the population is still the one drawn from."""
    board = session.get(Board, audit_row.board_id)
    assert board is not None
    members = population(
        session, board, audit_row.cycles_from, audit_row.cycles_to, audit_row.credential_type_id
    )
    sample = draw(
        [(m.credential_id, m.stratum) for m in members],
        audit_row.percent,
        audit_row.seed,
        audit_row.stratified,
    )
    return sample, population_hash(members) == audit_row.population_hash


def start(
    session: Session,
    board: Board,
    actor: User,
    first: date,
    last: date,
    percent: int,
    stratified: bool,
    credential_type_id: int | None,
    due_on: date,
    today: date,
    seed: int | None = None,
) -> CeAudit:
    """Draw the sample, store the seed, and tell the selected people (email and banner)."""
    if last >= today:
        raise AuditError("Audit a closed period: its last day must be before today.", "cycles_to")
    if first > last:
        raise AuditError("The period ends before it starts.", "cycles_from")
    if not 1 <= percent <= 100:
        raise AuditError("Sample 1 to 100 percent.", "percent")
    if due_on <= today:
        raise AuditError("Give the selected people time: the due day is after today.", "due_on")
    seed = seed if seed is not None else secrets.randbelow(2**31 - 2) + 1
    members = population(session, board, first, last, credential_type_id)
    if not members:
        raise AuditError("Nobody's cycle ended in that period and renewed: nothing to audit.")
    sample = draw([(m.credential_id, m.stratum) for m in members], percent, seed, stratified)
    row = CeAudit(
        board_id=board.id,
        credential_type_id=credential_type_id,
        cycles_from=first,
        cycles_to=last,
        percent=percent,
        stratified=stratified,
        seed=seed,
        population=len(members),
        population_hash=population_hash(members),
        sample_size=len(sample.keys),
        due_on=due_on,
        consequence=settings_of(session, board.id).audit_consequence,
        started_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    by_id = {m.credential_id: m for m in members}
    drawn = [by_id[k] for k in sample.keys]
    records = session.execute(
        select(CeRecord)
        .where(
            CeRecord.board_id == board.id,
            CeRecord.holder_id.in_({m.holder_id for m in drawn}),
            CeRecord.status == "accepted",
        )
        .order_by(CeRecord.completed_on, CeRecord.id)
    ).scalars()
    by_holder: dict[int, list[CeRecord]] = {}
    for record in records:
        by_holder.setdefault(record.holder_id, []).append(record)
    for member in drawn:
        selection = CeAuditSelection(
            board_id=board.id,
            audit_id=row.id,
            credential_id=member.credential_id,
            holder_id=member.holder_id,
            stratum=member.stratum,
            cycle_start=member.cycle.start,
            cycle_end=member.cycle.end,
            items=[
                CeAuditItem(record_id=r.id)
                for r in by_holder.get(member.holder_id, [])
                if r.completed_on in member.cycle
            ],
        )
        session.add(selection)
    session.flush()
    audit.record(
        session,
        actor,
        "ce.audit.started",
        row,
        after={
            "seed": seed,
            "percent": percent,
            "stratified": stratified,
            "population": len(members),
            "sample": list(sample.keys),
            "cycles": f"{first.isoformat()} to {last.isoformat()}",
        },
    )
    holders = {
        u.id: u
        for u in session.execute(
            select(User).where(User.id.in_({m.holder_id for m in drawn}))
        ).scalars()
    }
    link = external_url("ceu.my_ce")
    for member in drawn:
        person = holders[member.holder_id]
        mail.queue(
            session,
            person.email,
            f"You were selected for a CE audit by {board.name}",
            f"Hello {person.full_name},\n\n{board.name} audits the continuing education of a "
            f"random sample of certificants. You were selected for your cycle "
            f"{member.cycle.label}.\n\nPlease upload a certificate for each activity by "
            f"{due_on.isoformat()}:\n{link}\n",
            board_id=board.id,
        )
    return row


# --- the person's side ----------------------------------------------------------------------


def open_selections(session: Session, holder_id: int) -> list[CeAuditSelection]:
    """The person's audits still waiting for them or for the board (for the banner)."""
    return list(
        session.execute(
            select(CeAuditSelection)
            .join(CeAudit, CeAudit.id == CeAuditSelection.audit_id)
            .where(
                CeAuditSelection.holder_id == holder_id,
                CeAuditSelection.status.in_(("selected", "submitted", "extended")),
            )
            .options(joinedload(CeAuditSelection.audit))
            .order_by(CeAudit.due_on)
        ).scalars()
    )


def submit(session: Session, selection: CeAuditSelection, holder: User) -> None:
    """The person says their evidence is complete; every audited activity needs a certificate."""
    if selection.holder_id != holder.id:
        raise AuditError("This audit is someone else's.")
    if selection.status not in ("selected", "extended"):
        raise AuditError("This audit is no longer waiting for your evidence.")
    missing = [i.record.title for i in selection.items if not i.record.evidence]
    if missing:
        raise AuditError("Upload a certificate for: " + "; ".join(missing) + ".")
    before = selection.status
    selection.status, selection.submitted_at = "submitted", utcnow()
    session.flush()
    audit.record(session, holder, "ce.audit.submitted", selection, before={"status": before},
                 after={"status": "submitted"})  # fmt: skip


# --- the board's side -----------------------------------------------------------------------


def decide_item(
    session: Session, item: CeAuditItem, reviewer: User, decision: str, reason: str
) -> None:
    """Accept or reject one audited activity; a rejected one stops counting."""
    if decision not in ("accepted", "rejected"):
        raise AuditError("Accept or reject the activity.", "decision")
    if decision == "rejected" and not reason.strip():
        raise AuditError("Say why the evidence is not enough.", "reason")
    if item.selection.status in ("passed", "failed"):
        raise AuditError("This person's audit is closed.")
    before = item.decision
    item.decision, item.reason = decision, reason.strip()
    item.decided_by_id, item.decided_at = reviewer.id, utcnow()
    record = item.record
    if decision == "rejected" and record.status == "accepted":
        record.status, record.reason = "rejected", f"Audit: {reason.strip()}"
    elif (
        decision == "accepted"
        and record.status == "rejected"
        and record.reason.startswith("Audit:")
    ):
        record.status, record.reason = "accepted", ""
    session.flush()
    audit.record(session, reviewer, f"ce.audit.item.{decision}", item, before={"decision": before},
                 after={"decision": decision, "reason": item.reason, "record": record.id},
                 board_id=item.selection.board_id)  # fmt: skip


def standing_now(session: Session, selection: CeAuditSelection, as_of: date) -> Compliance | None:
    """The audited cycle's standing with the decisions so far (rejected activities left out)."""
    credential = selection.credential
    rules = board_rules(session, selection.board_id)
    codes = {i: c.code for i, c in rules.categories.items()}
    records = accepted_records(session, selection.holder_id, [selection.board_id])
    cycle = Cycle(
        selection.cycle_start,
        selection.cycle_end,
        credential.credential_type.cycle_months,
        first=selection.cycle_start <= credential.issued_on,
    )
    found = cycle_standing(
        rules, credential, cycle, [activity_of(r, codes) for r in records], as_of
    )
    return None if found is None else found[1]


def finish(
    session: Session,
    selection: CeAuditSelection,
    reviewer: User,
    outcome: str,
    reason: str,
    extended_until: date | None,
    today: date,
) -> None:
    """Close a person's audit: passed, failed (with the board's consequence), or extended."""
    if outcome not in OUTCOMES:
        raise AuditError("Choose passed, failed or an extension.", "outcome")
    if selection.status in ("passed", "failed"):
        raise AuditError("This person's audit is already closed.")
    if outcome != "extended" and any(i.decision == "pending" for i in selection.items):
        raise AuditError("Decide every activity first.")
    if outcome == "failed" and not reason.strip():
        raise AuditError("Say why the audit failed; the person reads it.", "reason")
    if outcome == "extended":
        if extended_until is None or extended_until <= today:
            raise AuditError("Give the new due day (after today).", "extended_until")
        _extend(session, selection, reviewer, extended_until, reason or "CE audit extension")
    before = selection.status
    selection.status, selection.outcome_reason = outcome, reason.strip()
    selection.extended_until = extended_until if outcome == "extended" else None
    selection.decided_by_id, selection.decided_at = reviewer.id, utcnow()
    session.flush()
    consequence = selection.audit.consequence if outcome == "failed" else "none"
    audit.record(session, reviewer, f"ce.audit.{outcome}", selection, before={"status": before},
                 after={"status": outcome, "reason": selection.outcome_reason,
                        "consequence": consequence})  # fmt: skip
    credential = selection.credential
    note = (
        f"Failed CE audit of the cycle {selection.cycle_start} to {selection.cycle_end}: {reason}"
    )
    if consequence == "discipline_referral":
        discipline(session, credential, reviewer, "complaint", today, False, "", note)
    elif consequence == "suspension" and credential.status in ("active", "provisional"):
        change_status(session, credential, "suspended", reviewer, note)
    words = {
        "passed": "Your CE audit is complete: it passed. Thank you.",
        "failed": f"Your CE audit did not pass.\n\nReason: {reason.strip()}\n\n"
        + (f"Consequence: {AUDIT_CONSEQUENCES[consequence]}." if consequence != "none" else ""),
        "extended": f"You have until {extended_until} to complete your CE audit.",
    }
    mail.queue(
        session,
        selection.holder.email,
        f"Your CE audit: {OUTCOMES[outcome].lower()}",
        f"Hello {selection.holder.full_name},\n\n{words[outcome]}\n\n{external_url('ceu.my_ce')}\n",
        board_id=selection.board_id,
    )
    _close_when_done(session, selection.audit)


def _extend(
    session: Session, selection: CeAuditSelection, reviewer: User, until: date, reason: str
) -> None:
    grant_extension(session, selection.credential, selection.cycle_end, until, reviewer, reason)


def grant_extension(
    session: Session, credential: Credential, cycle_end: date, until: date, actor: User, reason: str
) -> CeExtension:
    """More time for one cycle's CE (renewal is not blocked by CE until then)."""
    if not reason.strip():
        raise AuditError("Give the reason for the extension.", "reason")
    row = session.execute(
        select(CeExtension).where(
            CeExtension.credential_id == credential.id, CeExtension.cycle_end == cycle_end
        )
    ).scalar()
    before = None if row is None else {"until": row.until}
    if row is None:
        row = CeExtension(
            board_id=credential.board_id, credential_id=credential.id, cycle_end=cycle_end
        )
        session.add(row)
    row.until, row.reason, row.granted_by_id = until, reason.strip(), actor.id
    session.flush()
    after = {"credential": credential.number, "cycle_end": cycle_end, "until": until}
    audit.record(session, actor, "ce.extension.granted", row, before=before, after=after)
    return row


def _close_when_done(session: Session, audit_row: CeAudit) -> None:
    waiting = session.execute(
        select(func.count(CeAuditSelection.id)).where(
            CeAuditSelection.audit_id == audit_row.id,
            CeAuditSelection.status.in_(("selected", "submitted", "extended")),
        )
    ).scalar_one()
    if waiting == 0 and audit_row.status == "open":
        audit_row.status, audit_row.closed_at = "closed", utcnow()
        session.flush()
        audit.record(session, None, "ce.audit.closed", audit_row, after={"status": "closed"})


def audits_query(board_id: int) -> Select[Any]:
    return (
        select(CeAudit)
        .where(CeAudit.board_id == board_id)
        .options(joinedload(CeAudit.credential_type))
        .order_by(CeAudit.started_at.desc(), CeAudit.id.desc())
    )


def selections_query(audit_row: CeAudit, status: str = "") -> Select[Any]:
    query = (
        select(CeAuditSelection)
        .where(CeAuditSelection.audit_id == audit_row.id)
        .options(
            joinedload(CeAuditSelection.holder),
            joinedload(CeAuditSelection.credential),
            selectinload(CeAuditSelection.items),
        )
        .order_by(CeAuditSelection.id)
    )
    if status:
        query = query.where(CeAuditSelection.status == status)
    return query


def status_counts(session: Session, audit_row: CeAudit) -> dict[str, int]:
    return dict(
        session.execute(
            select(CeAuditSelection.status, func.count(CeAuditSelection.id))
            .where(CeAuditSelection.audit_id == audit_row.id)
            .group_by(CeAuditSelection.status)
        ).all()
    )
