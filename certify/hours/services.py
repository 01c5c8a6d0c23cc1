"""Supervised hours: trainees log, list and delete entries; totals and eligibility input."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from certify import plausibility
from certify.models import SETTINGS, SupervisedHoursEntry, SupervisorProfile
from certify.rules import HoursEntry
from core import accounts, audit, mail
from core.boards import KeysetPage, Page, paginate
from core.exports import stream_rows
from core.models import Board, Role, User, utcnow
from core.units import hours_text
from core.urls import external_url

KINDS = {"experience": "Work or volunteer experience", "supervision": "Supervision session"}
STATUSES = ("pending", "confirmed", "rejected")
DAY_MINUTES = 24 * 60
ENTRY_SORTS: dict[str, tuple[Any, ...]] = {
    "date_desc": (SupervisedHoursEntry.worked_on.desc(), SupervisedHoursEntry.id.desc()),
    "date_asc": (SupervisedHoursEntry.worked_on.asc(), SupervisedHoursEntry.id.asc()),
    "hours_desc": (SupervisedHoursEntry.minutes.desc(), SupervisedHoursEntry.id.desc()),
}


class HoursError(ValueError):
    """Problems the person can fix, keyed by form field; the caller must roll back."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class EntryInput:
    """What a trainee typed into the log form."""

    board_id: int
    kind: str
    worked_on: date
    minutes: int
    setting: str
    paid: bool
    supervisor_email: str
    supervisor_name: str = ""
    performance_domain: str | None = None
    notes: str = ""


@dataclass(frozen=True)
class HoursTotals:
    """Confirmed experience and supervision minutes and the number of pending entries.

    ``unverified``: of the confirmed minutes, those whose supervisor's license the board has
    not verified yet (they do not count toward eligibility until it has).
    """

    experience: int = 0
    supervision: int = 0
    pending: int = 0
    unverified: int = 0


@dataclass(frozen=True)
class Listing:
    """A page of entries with what the page needs to show them."""

    page: Page | KeysetPage
    boards: dict[int, Board]
    profiles: dict[tuple[int, int], SupervisorProfile] = field(default_factory=dict)
    totals: HoursTotals = HoursTotals()


def entry_snapshot(entry: SupervisedHoursEntry) -> dict[str, Any]:
    """The entry's fields as the audit trail records them."""
    return {
        "trainee_id": entry.trainee_id, "supervisor_id": entry.supervisor_id, "kind": entry.kind,
        "worked_on": entry.worked_on, "minutes": entry.minutes, "setting": entry.setting,
        "paid": entry.paid, "status": entry.status, "reason": entry.decision_reason,
    }  # fmt: skip


def describe_entry(entry: SupervisedHoursEntry) -> str:
    """The entry in words for emails: hours, kind and date."""
    kind = "supervision" if entry.kind == "supervision" else "experience"
    return (
        f"{hours_text(entry.minutes, decimals=1)} hours of {kind} on {entry.worked_on.isoformat()}"
    )


# --- trainees ------------------------------------------------------------------------------


def _check_entry(session: Session, trainee: User, data: EntryInput, today: date) -> User | None:
    """Raise HoursError with every problem of data; return the named supervisor's account."""
    errors: dict[str, str] = {}
    if not trainee.has_role(Role.TRAINEE, board_id=data.board_id):
        errors["board_id"] = "You are not registered as a trainee with this board."
    if data.kind not in KINDS:
        errors["kind"] = "Choose work/volunteer experience or a supervision session."
    if data.setting not in SETTINGS:
        errors["setting"] = "Choose one of the listed settings."
    if data.worked_on > today:
        errors["worked_on"] = (
            f"{data.worked_on.isoformat()} is in the future; log hours once you have worked them."
        )
    elif (board := session.get(Board, data.board_id)) is not None:
        problem = plausibility.record_date_problem(
            data.worked_on,
            today,
            earliest=plausibility.earliest_record_date(board),
            born=plausibility.birth_date_of(session, data.board_id, trainee.id),
        )
        if problem:
            errors["worked_on"] = problem
    if data.minutes <= 0:
        errors["hours"] = "Enter more than 0 hours (for example 2.5)."
    elif data.minutes > DAY_MINUTES:
        errors["hours"] = "One entry can have at most 24 hours."
    elif plausibility.quarter_hours_problem(data.minutes):
        errors["hours"] = "Enter hours in steps of 0.25 (15 minutes), for example 2.5."
    email = accounts.normalise_email(data.supervisor_email)
    supervisor = accounts.find_user(session, email)
    if email == trainee.email.lower():
        errors["supervisor_email"] = "You cannot confirm your own hours: enter your supervisor."
    elif supervisor is None and not data.supervisor_name.strip():
        errors["supervisor_name"] = (
            "Your supervisor has no account yet: give their full name so we can invite them."
        )
    valid = not errors.keys() & {"board_id", "kind", "setting", "worked_on", "hours"}
    if valid and supervisor is not None:
        same = session.execute(
            select(SupervisedHoursEntry.status).where(
                SupervisedHoursEntry.trainee_id == trainee.id,
                SupervisedHoursEntry.supervisor_id == supervisor.id,
                SupervisedHoursEntry.kind == data.kind,
                SupervisedHoursEntry.worked_on == data.worked_on,
                SupervisedHoursEntry.minutes == data.minutes,
                SupervisedHoursEntry.setting == data.setting,
            )
        ).scalar()
        if same is not None:
            valid = False
            errors["worked_on"] = (
                f"You already logged this entry (same supervisor, kind, date, hours and setting;"
                f" it is {same}). Change the details if this is a different entry."
            )
    if valid:
        # Lock the trainee's row so two entries submitted at once cannot both pass the 24 h check.
        session.execute(select(User.id).where(User.id == trainee.id).with_for_update())
        logged = session.execute(
            select(func.coalesce(func.sum(SupervisedHoursEntry.minutes), 0)).where(
                SupervisedHoursEntry.trainee_id == trainee.id,
                SupervisedHoursEntry.worked_on == data.worked_on,
                SupervisedHoursEntry.status != "rejected",
            )
        ).scalar_one()
        if logged + data.minutes > DAY_MINUTES:
            before, after = logged, logged + data.minutes
            errors["hours"] = (
                f"You already logged {hours_text(before, decimals=1)} hours on"
                f" {data.worked_on.isoformat()}; with this entry the day would have"
                f" {hours_text(after, decimals=1)} hours, more than 24."
            )
    if errors:
        raise HoursError(errors)
    return supervisor


def log_entry(
    session: Session, trainee: User, data: EntryInput, today: date | None = None
) -> SupervisedHoursEntry:
    """Store a pending entry; email the named supervisor when the board already accepts them.

    Naming a supervisor grants no role and changes no existing account: someone who is not a
    supervisor of the board (a new address gets a bare account without role or password)
    goes to the board's pending-supervisors list, and hears from the platform only once the
    board approves them (certify.hours.supervisors.approve_supervisor).
    """
    today = today or utcnow().date()
    supervisor = _check_entry(session, trainee, data, today)
    board = session.get(Board, data.board_id)
    if board is None:  # only a platform admin's global role gets this far
        raise HoursError({"board_id": "Choose a board you are registered with."})
    new_account = supervisor is None
    if supervisor is None:
        supervisor = User(
            email=accounts.normalise_email(data.supervisor_email),
            full_name=data.supervisor_name.strip()[:200],
        )
        session.add(supervisor)
        session.flush()
    accepted = supervisor.has_role(Role.SUPERVISOR, board_id=board.id)
    if not accepted:
        audit.record(
            session, trainee, "supervisor.nominated", supervisor,
            after={"email": supervisor.email, "new_account": new_account}, board_id=board.id,
        )  # fmt: skip
    entry = SupervisedHoursEntry(
        board_id=board.id, trainee_id=trainee.id, supervisor_id=supervisor.id, kind=data.kind,
        worked_on=data.worked_on, minutes=data.minutes, setting=data.setting, paid=data.paid,
        performance_domain=(data.performance_domain or "").strip()[:120] or None,
        notes=data.notes.strip(), status="pending",
    )  # fmt: skip
    session.add(entry)
    try:
        session.flush()
    except IntegrityError as exc:  # the same entry stored by a parallel request
        raise HoursError({"worked_on": "You already logged this entry."}) from exc
    audit.record(session, trainee, "hours.logged", entry, after=entry_snapshot(entry))
    if accepted:
        _email_supervisor(session, trainee, supervisor, entry, board)
    return entry


def _email_supervisor(
    session: Session,
    trainee: User,
    supervisor: User,
    entry: SupervisedHoursEntry,
    board: Board,
) -> None:
    queue_link = external_url("certify.supervise")
    what = f"{trainee.full_name} logged {describe_entry(entry)} ({entry.setting}) with you"
    if supervisor.activated_at is None:
        token = accounts.issue_token(session, supervisor, "activation")
        hours = current_app.config["TOKEN_HOURS"]
        body = (
            f"Hello {supervisor.full_name},\n\n{what} and named you as their supervisor"
            f" at {board.name}.\n\nWhat to do next:\n"
            f"1. Activate your account and choose a password (the link works once and expires"
            f" in {hours} hours):\n   {external_url('auth.activate', token=token)}\n"
            f"2. Record your license type, number and state on your supervisor page.\n"
            f"3. Confirm or reject the hours there:\n   {queue_link}\n\n"
            f"If you do not supervise {trainee.full_name}, reject the entry with that reason.\n"
        )
        subject = f"{trainee.full_name} named you as supervisor — activate your account"
    else:
        body = (
            f"Hello {supervisor.full_name},\n\n{what} at {board.name}.\n\n"
            f"Confirm or reject it at:\n{queue_link}\n"
        )
        subject = (
            f"{trainee.full_name} logged {hours_text(entry.minutes, decimals=1)} hours with you"
        )
    mail.queue(session, supervisor.email, subject, body, board_id=board.id)


def delete_entry(session: Session, trainee: User, entry: SupervisedHoursEntry) -> None:
    """Delete a trainee's own pending entry (the audit trail keeps what it was)."""
    if entry.trainee_id != trainee.id:
        raise LookupError("not the trainee's entry")
    if entry.status != "pending":
        raise HoursError(
            {"entry": f"Only pending entries can be deleted; this one is {entry.status}."}
        )
    audit.record(session, trainee, "hours.deleted", entry, before=entry_snapshot(entry))
    session.delete(entry)
    session.flush()


def _totals(session: Session, trainee_id: int, board_id: int | None) -> HoursTotals:
    verified = SupervisorProfile.verified_at.is_not(None)
    query = (
        select(
            SupervisedHoursEntry.kind, SupervisedHoursEntry.status, verified,
            func.count(), func.sum(SupervisedHoursEntry.minutes),
        )
        .outerjoin(
            SupervisorProfile,
            and_(
                SupervisorProfile.board_id == SupervisedHoursEntry.board_id,
                SupervisorProfile.user_id == SupervisedHoursEntry.supervisor_id,
            ),
        )
        .where(SupervisedHoursEntry.trainee_id == trainee_id)
    )  # fmt: skip
    if board_id is not None:
        query = query.where(SupervisedHoursEntry.board_id == board_id)
    minutes = {"experience": 0, "supervision": 0}
    pending = unverified = 0
    for kind, status, checked, count, total in session.execute(
        query.group_by(SupervisedHoursEntry.kind, SupervisedHoursEntry.status, verified)
    ):
        if status == "confirmed":
            minutes[kind] += total
            unverified += 0 if checked else total
        elif status == "pending":
            pending += count
    return HoursTotals(minutes["experience"], minutes["supervision"], pending, unverified)


def trainee_summaries(session: Session, trainee: User) -> list[tuple[Board, HoursTotals]]:
    """Totals per board where the person is a trainee (for the dashboard panel)."""
    boards = boards_by_id(session, trainee.board_ids(Role.TRAINEE))
    return [(board, _totals(session, trainee.id, board.id)) for board in boards.values()]


def past_supervisors(session: Session, trainee: User, limit: int = 10) -> list[tuple[str, str]]:
    """(email, name) of the supervisors the trainee named before, the latest used first.

    One grouped statement; offered on the hours form so a trainee picks instead of retyping.
    """
    last = func.max(SupervisedHoursEntry.id).label("last")
    rows = session.execute(
        select(User.email, User.full_name, last)
        .join(SupervisedHoursEntry, SupervisedHoursEntry.supervisor_id == User.id)
        .where(SupervisedHoursEntry.trainee_id == trainee.id)
        .group_by(User.id, User.email, User.full_name)
        .order_by(last.desc())
        .limit(limit)
    ).all()
    return [(email, name) for email, name, _ in rows]


def boards_by_id(session: Session, ids: set[int]) -> dict[int, Board]:
    """The boards with these ids, by id, in name order."""
    rows = session.execute(select(Board).where(Board.id.in_(ids)).order_by(Board.name)).scalars()
    return {board.id: board for board in rows}


def entry_query(status: str, sort: str, *where: Any) -> Any:
    """Entries matching where, of one status (any when not a known one), in a listed sort."""
    query = select(SupervisedHoursEntry).where(*where)
    if status in STATUSES:
        query = query.where(SupervisedHoursEntry.status == status)
    return query.order_by(*ENTRY_SORTS.get(sort, ENTRY_SORTS["date_desc"]))


def trainee_entries(
    session: Session,
    trainee: User,
    board_id: int | None = None,
    status: str = "",
    sort: str = "date_desc",
    page: int = 1,
    size: int | None = 25,
) -> Listing:
    """The trainee's own entries (size None: all of them, for the CSV) with totals."""
    where = [SupervisedHoursEntry.trainee_id == trainee.id]
    if board_id is not None:
        where.append(SupervisedHoursEntry.board_id == board_id)
    query = entry_query(status, sort, *where)
    listing = paginate(session, query, page, size) if size else whole_page(session, query)
    boards = boards_by_id(
        session, trainee.board_ids(Role.TRAINEE) | {e.board_id for e in listing.items}
    )
    return Listing(listing, boards, totals=_totals(session, trainee.id, board_id))


def trainee_entry_rows(
    session: Session, trainee: User, board_id: int | None = None, status: str = ""
) -> Iterator[Any]:
    """The trainee's own entries for their export, newest first, as plain values (entry id,
    board, date, kind, minutes, setting, paid, domain, notes, supervisor, supervisor email,
    status, reason): one statement, read as the file is written."""
    where = [SupervisedHoursEntry.trainee_id == trainee.id]
    if board_id is not None:
        where.append(SupervisedHoursEntry.board_id == board_id)
    entry, supervisor = SupervisedHoursEntry, aliased(User)
    query = (
        select(entry.id, Board.name, entry.worked_on, entry.kind, entry.minutes, entry.setting,
               entry.paid, entry.performance_domain, entry.notes, supervisor.full_name,
               supervisor.email, entry.status, entry.decision_reason)
        .join(Board, Board.id == entry.board_id)
        .join(supervisor, supervisor.id == entry.supervisor_id)
        .where(entry_query(status, "date_desc", *where).whereclause)
        .order_by(*ENTRY_SORTS["date_desc"])
    )  # fmt: skip
    return stream_rows(session, query)


def whole_page(session: Session, query: Any) -> Page:
    """Every row of query as one page (for the CSV downloads)."""
    items = list(session.execute(query).scalars())
    return Page(items, 1, 1, len(items))


# --- eligibility ---------------------------------------------------------------------------


def hours_entries(session: Session, board_id: int, trainee_id: int) -> list[HoursEntry]:
    """The trainee's pending and confirmed entries of one board as the rules engine's input."""
    return hours_entries_for(session, board_id, [trainee_id]).get(trainee_id, [])


def hours_entries_for(
    session: Session, board_id: int, trainee_ids: Collection[int]
) -> dict[int, list[HoursEntry]]:
    """Pending and confirmed entries of many trainees of a board in one query, by trainee."""
    joined = and_(
        SupervisorProfile.board_id == SupervisedHoursEntry.board_id,
        SupervisorProfile.user_id == SupervisedHoursEntry.supervisor_id,
    )
    rows = session.execute(
        select(
            SupervisedHoursEntry.trainee_id,
            SupervisedHoursEntry.worked_on,
            SupervisedHoursEntry.minutes,
            SupervisedHoursEntry.kind,
            SupervisedHoursEntry.status,
            SupervisorProfile.license_type,
            SupervisorProfile.verified_at,
        )
        .outerjoin(SupervisorProfile, joined)
        .where(
            SupervisedHoursEntry.board_id == board_id,
            SupervisedHoursEntry.trainee_id.in_(list(trainee_ids)),
            SupervisedHoursEntry.status != "rejected",
        )
        .order_by(SupervisedHoursEntry.worked_on, SupervisedHoursEntry.id)
    )
    found: dict[int, list[HoursEntry]] = {}
    for trainee_id, worked_on, minutes, kind, status, license_type, verified_at in rows:
        found.setdefault(trainee_id, []).append(
            HoursEntry(
                worked_on=worked_on,
                minutes=minutes,
                kind=kind,
                confirmed=status == "confirmed",
                supervisor_license=license_type,
                supervisor_verified=verified_at is not None,
            )
        )
    return found
