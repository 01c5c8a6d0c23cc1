"""What CE means for renewal: certify's `renewal_blockers` provider, grace and reinstatement,
and reminders 90/60/30 days before expiry that say exactly what is missing (sent once)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from certify.models import Credential
from ceu.compliance import amount_text, missing_text
from ceu.models import CeExtension, CeProvider, CeRecord, CeReminder
from ceu.rules.services import BoardRules, board_rules
from ceu.standing import accepted_records, activity_of, board_standings, cycle_standing
from core import mail
from core.models import Board
from core.urls import external_url

REMINDER_DAYS = (90, 60, 30)
PROVIDER_REMINDER_DAYS = (60, 30)


def _extension(session: Session, credential: Credential, cycle_end: date) -> CeExtension | None:
    return session.execute(
        select(CeExtension).where(
            CeExtension.credential_id == credential.id, CeExtension.cycle_end == cycle_end
        )
    ).scalar()


def ce_blockers(session: Session, credential: Credential, as_of: date) -> list[str]:
    """What CE stops this renewal, in words for the holder (certify's renewal_blockers hook)."""
    rules = board_rules(session, credential.board_id)
    ctype = credential.credential_type
    cycles = rules.renewal_cycles(
        ctype.id, ctype.cycle_months, credential.issued_on, credential.expires_on
    )
    if not cycles:
        return []
    codes = {i: c.code for i, c in rules.categories.items()}
    records = accepted_records(session, credential.holder_id, [credential.board_id])
    activities = [activity_of(r, codes) for r in records]
    blockers = []
    for cycle in cycles:
        found = cycle_standing(rules, credential, cycle, activities, as_of)
        if found is None or found[1].compliant:
            continue
        extension = _extension(session, credential, cycle.end)
        if extension is not None and extension.until >= as_of:
            continue
        missing = missing_text(found[1].needs, rules.show_ceus)
        blockers.append(f"Continuing education for the cycle {cycle.label}: {missing} missing.")
    blockers += _reinstatement(rules, credential, records, as_of)
    return blockers


def _reinstatement(
    rules: BoardRules, credential: Credential, records: Iterable[CeRecord], as_of: date
) -> list[str]:
    """After the grace period, the board's extra CE for reinstatement (taken since expiry)."""
    version = rules.kind_version(credential.credential_type_id, credential.expires_on)
    if version is None or as_of <= credential.expires_on + timedelta(days=version.grace_days):
        return []
    extra = version.reinstatement_extra_minutes
    since = sum(r.minutes for r in records if r.completed_on > credential.expires_on)
    if not extra or since >= extra:
        return []
    grace_end = credential.expires_on + timedelta(days=version.grace_days)
    return [
        f"The grace period ended on {grace_end.isoformat()}: reinstatement needs "
        f"{amount_text(extra, rules.show_ceus)} of CE taken since "
        f"{credential.expires_on.isoformat()} ({amount_text(since, rules.show_ceus)} so far)."
    ]


# --- reminders ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderRun:
    credentials: int
    providers: int


def _already_sent(
    session: Session, kind: str, keys: list[tuple[int, date, int]]
) -> set[tuple[int, date, int]]:
    if not keys:
        return set()
    found = session.execute(
        select(CeReminder.subject_id, CeReminder.due_on, CeReminder.days_before).where(
            CeReminder.kind == kind,
            tuple_(CeReminder.subject_id, CeReminder.due_on, CeReminder.days_before).in_(keys),
        )
    ).all()
    return {(s, d, n) for s, d, n in found}


def _due(days_left: int, steps: tuple[int, ...]) -> int | None:
    due = [d for d in steps if days_left <= d]
    return min(due) if due else None


def remind_board(session: Session, board: Board, as_of: date) -> int:
    """Email everyone whose credential expires within 90 days with CE still missing."""
    standings = [
        s
        for s in board_standings(session, board.id, as_of, expiring_by=as_of + timedelta(days=90))
        if not s.compliant and s.row.expires_on >= as_of
    ]
    wanted = []
    for s in standings:
        days = _due((s.row.expires_on - as_of).days, REMINDER_DAYS)
        if days is not None:
            wanted.append((s, days))
    keys = [(s.row.credential_id, s.row.expires_on, days) for s, days in wanted]
    sent = _already_sent(session, "credential", keys)
    link = external_url("ceu.my_ce")
    count = 0
    show_ceus = board_rules(session, board.id).show_ceus
    for s, days in wanted:
        key = (s.row.credential_id, s.row.expires_on, days)
        if key in sent:
            continue
        c = s.compliance
        left = (s.row.expires_on - as_of).days
        mail.queue(
            session,
            s.row.email,
            f"Your credential {s.row.number} expires in {left} days: CE still missing",
            f"Hello {s.row.holder_name},\n\nYour credential {s.row.number} expires on "
            f"{s.row.expires_on.isoformat()}. To renew it you still need "
            f"{missing_text(c.needs, show_ceus)} of continuing education in the cycle "
            f"{c.cycle.label} ({amount_text(c.counted, show_ceus)} of "
            f"{amount_text(c.required, show_ceus)} counted so far).\n\n"
            f"See what is missing and courses that fill it:\n{link}\n",
            board_id=board.id,
        )
        session.add(
            CeReminder(kind="credential", subject_id=key[0], due_on=key[1], days_before=key[2])
        )
        count += 1
    session.flush()
    return count


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
    wanted = []
    for p in providers:
        assert p.approved_until is not None
        days = _due((p.approved_until - as_of).days, PROVIDER_REMINDER_DAYS)
        if days is not None:
            wanted.append((p, (p.id, p.approved_until, days)))
    sent = _already_sent(session, "provider", [key for _, key in wanted])
    count = 0
    for provider, key in wanted:
        if key in sent:
            continue
        mail.queue(
            session,
            provider.contact_email,
            f"Your CE provider approval with {provider.board.name} ends on {key[1].isoformat()}",
            f"Hello {provider.contact_name},\n\n{provider.name} is approved as a CE provider by "
            f"{provider.board.name} until {key[1].isoformat()}. After that day you cannot list "
            "courses or post rosters. Ask the board to renew your approval.\n",
            board_id=provider.board_id,
        )
        session.add(
            CeReminder(kind="provider", subject_id=key[0], due_on=key[1], days_before=key[2])
        )
        count += 1
    session.flush()
    return count


def remind(session: Session, as_of: date) -> ReminderRun:
    """Every board's CE reminders, and providers' approval reminders."""
    boards = session.execute(select(Board).order_by(Board.id)).scalars().all()
    credentials = sum(remind_board(session, board, as_of) for board in boards)
    return ReminderRun(credentials, remind_providers(session, as_of))


def reminders_sent(session: Session, board_id: int) -> int:
    return session.execute(
        select(func.count(CeReminder.id))
        .join(Credential, Credential.id == CeReminder.subject_id)
        .where(CeReminder.kind == "credential", Credential.board_id == board_id)
    ).scalar_one()
