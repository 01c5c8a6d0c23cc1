"""What CE means for renewal: certify's `renewal_blockers` and `renewal_notes` providers,
and reminders to providers before their approval lapses (sent once).

A renewal needs the CE of the cycles ending on the expiry day (or an extension staff granted
for them). Through the grace period CE still has to be dated inside its cycle. After the
grace period (reinstatement) CE taken since the expiry day makes up what the lapsed cycle
lacked, and the board's extra hours come on top of that make-up. The reminders before a
credential's expiry are certify's (`flask credentials expire`): they ask these providers
what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.models import Credential
from certify.renewal.policy import grace_end
from ceu.compliance import Activity, amount_text, missing_text
from ceu.models import CeExtension, CeProvider, CeReminder, CeRuleVersion
from ceu.rules.services import board_rules
from ceu.standing import accepted_records, activity_of, cycle_standing
from core import mail

PROVIDER_REMINDER_DAYS = (60, 30)


def _extension(session: Session, credential: Credential, cycle_end: date) -> CeExtension | None:
    return session.execute(
        select(CeExtension).where(
            CeExtension.credential_id == credential.id, CeExtension.cycle_end == cycle_end
        )
    ).scalar()


@dataclass(frozen=True)
class _Review:
    blockers: list[str]
    notes: list[str]


def _review(session: Session, credential: Credential, as_of: date) -> _Review:
    rules = board_rules(session, credential.board_id)
    ctype = credential.credential_type
    cycles = rules.renewal_cycles(
        ctype.id, ctype.cycle_months, credential.issued_on, credential.expires_on
    )
    if not cycles:
        return _Review([], [])
    codes = {i: c.code for i, c in rules.categories.items()}
    activities = [
        activity_of(r, codes)
        for r in accepted_records(session, credential.holder_id, [credential.board_id])
    ]
    expired = credential.expires_on
    reinstating = as_of > grace_end(session, credential)
    # after the grace period, CE taken since expiry makes up the lapsed cycles: counted as if
    # taken on their last day (a course still counts once per cycle)
    late = [a for a in activities if expired < a.day <= as_of] if reinstating else []
    blockers, notes, made_up = [], [], 0
    for cycle in cycles:
        found = cycle_standing(rules, credential, cycle, activities, as_of)
        if found is None:
            continue
        missing = sum(n.minutes for n in found[1].needs)
        if late and missing:
            shifted = [replace(a, day=cycle.end) for a in late]
            with_late = cycle_standing(rules, credential, cycle, activities + shifted, as_of)
            if with_late is not None:
                made_up += missing
                found = with_late
        if found[1].compliant:
            continue
        extension = _extension(session, credential, cycle.end)
        text = missing_text(found[1].needs, rules.show_ceus)
        if extension is not None and extension.until >= as_of:
            notes.append(
                f"CE for the cycle {cycle.label} is not complete ({text} missing); an "
                f"extension until {extension.until.isoformat()} lets the renewal through."
            )
            continue
        blockers.append(f"Continuing education for the cycle {cycle.label}: {text} missing.")
    if reinstating:
        blockers += _extra(rules.kind_version(ctype.id, expired), late, made_up, credential,
                           rules.show_ceus, as_of)  # fmt: skip
    return _Review(blockers, notes)


def _extra(
    version: CeRuleVersion | None, late: list[Activity], made_up: int, credential: Credential,
    show_ceus: bool, as_of: date,
) -> list[str]:  # fmt: skip
    """The board's extra CE for reinstatement: taken since expiry, on top of the make-up."""
    extra = version.reinstatement_extra_minutes if version is not None else 0
    since = sum(a.minutes for a in late)
    if not extra or since >= extra + made_up:
        return []
    needed = f"{amount_text(extra, show_ceus)} of CE taken since {credential.expires_on}"
    if made_up:
        needed += f", on top of the {amount_text(made_up, show_ceus)} that make up the lapsed cycle"
    return [
        f"The grace period is over: reinstatement needs {needed} "
        f"({amount_text(since, show_ceus)} so far)."
    ]


def ce_blockers(session: Session, credential: Credential, as_of: date) -> list[str]:
    """What CE stops this renewal, in words for the holder (certify's renewal_blockers hook)."""
    return _review(session, credential, as_of).blockers


def ce_review_notes(session: Session, credential: Credential, as_of: date) -> list[str]:
    """Why staff should look at a renewal CE does not block (certify's renewal_notes hook)."""
    return _review(session, credential, as_of).notes


# --- provider reminders ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderRun:
    providers: int


def _due(days_left: int, steps: tuple[int, ...]) -> int | None:
    due = [d for d in steps if days_left <= d]
    return min(due) if due else None


def remind_providers(session: Session, as_of: date) -> int:
    """Tell providers 60 and 30 days before their approval lapses (once each)."""
    providers = list(
        session.execute(
            select(CeProvider).where(
                CeProvider.status == "approved",
                CeProvider.approved_until >= as_of,
                CeProvider.approved_until <= as_of + timedelta(days=max(PROVIDER_REMINDER_DAYS)),
            )
        ).scalars()
    )
    count = 0
    for provider in providers:
        assert provider.approved_until is not None
        days = _due((provider.approved_until - as_of).days, PROVIDER_REMINDER_DAYS)
        if days is None:
            continue
        sent = session.execute(
            select(CeReminder.id).where(
                CeReminder.kind == "provider",
                CeReminder.subject_id == provider.id,
                CeReminder.due_on == provider.approved_until,
                CeReminder.days_before == days,
            )
        ).scalar()
        if sent is not None:
            continue
        until = provider.approved_until.isoformat()
        mail.queue(
            session,
            provider.contact_email,
            f"Your CE provider approval with {provider.board.name} ends on {until}",
            f"Hello {provider.contact_name},\n\n{provider.name} is approved as a CE provider by "
            f"{provider.board.name} until {until}. After that day you cannot list "
            "courses or post rosters. Ask the board to renew your approval.\n",
            board_id=provider.board_id,
        )
        session.add(
            CeReminder(
                kind="provider", subject_id=provider.id, due_on=provider.approved_until,
                days_before=days,
            )
        )  # fmt: skip
        count += 1
    session.flush()
    return count


def remind(session: Session, as_of: date) -> ReminderRun:
    """Providers' approval reminders (certificants' CE reminders are in certify's expiry job)."""
    return ReminderRun(remind_providers(session, as_of))
