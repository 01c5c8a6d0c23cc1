"""Roster postings: every row of a provider's attendance file is matched to a credential.

Exact matches post at once as accepted CE records; mismatches (unknown number, name differs,
credential not active) are kept on a review list for the provider and the board, never
dropped. Only a malformed file is refused whole (`rosterfile.RosterFileError`). Rows are
written with multi-row INSERTs, so a 5,000-row roster takes a handful of statements.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Select, Table, func, insert, select
from sqlalchemy.orm import Session, joinedload

from certify.models import Credential
from ceu import rosterfile
from ceu.compliance import DELIVERY_MODES, amount_text
from ceu.models import CeCourse, CeProvider, CeRecord, CeRecordPart, RosterPosting, RosterRow
from ceu.providers.services import ProviderError
from ceu.rules.services import settings_of
from core import audit, mail
from core.models import User, utcnow
from core.urls import external_url

REVIEW = ("unknown_number", "name_differs", "not_active")
CHUNK = 900  # numbers per IN list (SQLite's old limit is 999 parameters)


def _holders(session: Session, board_id: int, numbers: list[str]) -> dict[str, rosterfile.Holder]:
    found: dict[str, rosterfile.Holder] = {}
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        rows = session.execute(
            select(
                Credential.id,
                Credential.holder_id,
                Credential.number,
                User.full_name,
                Credential.status,
            )
            .join(User, User.id == Credential.holder_id)
            .where(Credential.board_id == board_id, func.upper(Credential.number).in_(chunk))
        )
        for credential_id, holder_id, number, name, status in rows:
            key = rosterfile.normal_number(number)
            known = found.get(key)
            # a number is unique within a board; keep the active one if data says otherwise
            if known is None or (
                known.status not in rosterfile.ACTIVE and status in rosterfile.ACTIVE
            ):
                found[key] = rosterfile.Holder(credential_id, holder_id, number, name, status)
    return found


def _recorded(session: Session, course: CeCourse) -> set[int]:
    return set(
        session.execute(
            select(CeRecord.holder_id).where(
                CeRecord.course_id == course.id, CeRecord.status != "rejected"
            )
        ).scalars()
    )


def _insert_records(
    session: Session, course: CeCourse, actor: User, people: list[tuple[int, date]]
) -> list[int]:
    """Accepted records for (holder, day) pairs; their ids in the same order."""
    if not people:
        return []
    now = utcnow()
    only = course.categories[0].category_id if len(course.categories) == 1 else None
    values = [
        {
            "board_id": course.board_id,
            "holder_id": holder_id,
            "course_id": course.id,
            "source": "roster",
            "title": course.title,
            "provider_name": course.provider.name,
            "completed_on": day,
            "minutes": course.minutes,
            "delivery_mode": course.delivery_mode,
            "category_id": only,
            "status": "accepted",
            "reason": "",
            "created_by_id": actor.id,
            "created_at": now,
            "updated_at": now,
        }
        for holder_id, day in people
    ]
    ids = list(
        session.scalars(
            insert(CeRecord).returning(CeRecord.id, sort_by_parameter_order=True), values
        )
    )
    parts = [
        {"record_id": record_id, "category_id": c.category_id, "minutes": c.minutes}
        for record_id in ids
        for c in course.categories
    ]
    session.execute(insert(cast(Table, CeRecordPart.__table__)), parts)  # Core: one executemany
    return ids


def _tell_holders(
    session: Session, course: CeCourse, people: list[tuple[int, date]], row_numbers: list[int]
) -> int:
    """Email each person a roster recorded CE for: the course, its hours and categories."""
    if not people:
        return 0
    show_ceus = settings_of(session, course.board_id).show_ceus
    ids = sorted({holder_id for holder_id, _ in people})
    contacts: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        for user_id, email, name in session.execute(
            select(User.id, User.email, User.full_name).where(
                User.id.in_(ids[start : start + CHUNK])
            )
        ):
            contacts[user_id] = (email, name)
    board = course.provider.board
    parts = ", ".join(
        f"{amount_text(c.minutes, show_ceus)} {c.category.name}" for c in course.categories
    )
    link = external_url("ceu.my_ce")
    messages = []
    for (holder_id, day), row in zip(people, row_numbers, strict=True):
        email, name = contacts[holder_id]
        messages.append(
            (
                email,
                f"CE recorded: {course.title}",
                f"Hello {name},\n\n{course.provider.name} posted its attendance roster for "
                f"“{course.title}” ({DELIVERY_MODES[course.delivery_mode].lower()}), and "
                f"{board.name} recorded it on your CE record:\n\n"
                f"  Completed on: {day.isoformat()}\n"
                f"  Counts: {amount_text(course.minutes, show_ceus)} ({parts})\n"
                f"  Roster row: {row}\n\n"
                "If you did not take this course, tell the board. See your CE and what is "
                f"still missing:\n{link}\n",
            )
        )
    return mail.queue_many(session, messages, board_id=course.board_id)


def post(
    session: Session,
    provider: CeProvider,
    course: CeCourse,
    uploader: User,
    data: bytes,
    filename: str,
    today: date,
) -> RosterPosting:
    """Post a roster; raises rosterfile.RosterFileError (nothing stored) for a malformed file."""
    if not provider.approved_on(today):
        raise ProviderError(
            f"{provider.name} is not an approved provider today ({provider.standing(today)}): "
            "it cannot post rosters."
        )
    if course.provider_id != provider.id or course.status != "approved":
        raise ProviderError("Post rosters only for your own approved courses.", "course_id")
    lines = rosterfile.read(data, filename, course.starts_on, course.ends_on, today)
    holders = _holders(session, course.board_id, sorted({line.number for line in lines}))
    matches = rosterfile.match(lines, holders, _recorded(session, course))
    posting = RosterPosting(
        board_id=course.board_id,
        provider_id=provider.id,
        course_id=course.id,
        filename=(filename or "roster")[:255],
        rows=len(matches),
        posted=sum(1 for m in matches if m.outcome == "posted"),
        to_review=sum(1 for m in matches if m.outcome in REVIEW),
        uploaded_by_id=uploader.id,
    )
    session.add(posting)
    session.flush()
    posted = [m for m in matches if m.outcome == "posted" and m.holder is not None]
    people = [(m.holder.holder_id, m.line.completed_on) for m in posted if m.holder]
    ids = dict(
        zip(
            (m.line.row for m in posted),
            _insert_records(session, course, uploader, people),
            strict=True,
        )
    )
    _tell_holders(session, course, people, [m.line.row for m in posted])
    # Core: one executemany, whatever the rows' None values
    session.execute(
        insert(cast(Table, RosterRow.__table__)),
        [
            {
                "posting_id": posting.id,
                "row_number": m.line.row,
                "credential_number": m.line.number,
                "name": m.line.name,
                "completed_on": m.line.completed_on,
                "outcome": m.outcome,
                "message": m.message,
                "credential_id": m.holder.credential_id if m.holder else None,
                "record_id": ids.get(m.line.row),
                "resolution": None,
            }
            for m in matches
        ],
    )
    audit.record(session, uploader, "ce.roster.posted", posting,
                 after={"course": course.title, "rows": posting.rows, "posted": posting.posted,
                        "to_review": posting.to_review, "file": posting.filename})  # fmt: skip
    return posting


def resolve(
    session: Session, row: RosterRow, actor: User, action: str, today: date, number: str = ""
) -> None:
    """Settle a row on the review list: post it, correct its number, or dismiss it."""
    if row.resolution is not None or row.outcome not in REVIEW:
        raise ProviderError("This row needs no review.")
    posting = row.posting
    course = posting.course
    before = {"outcome": row.outcome, "number": row.credential_number}
    if action == "correct":
        row.credential_number = rosterfile.normal_number(number)
        if not row.credential_number:
            raise ProviderError("Give the corrected credential number.", "number")
        holders = _holders(session, course.board_id, [row.credential_number])
        line = rosterfile.Line(row.row_number, row.credential_number, row.name, row.completed_on)
        (found,) = rosterfile.match([line], holders, _recorded(session, course))
        row.outcome, row.message = found.outcome, found.message
        row.credential_id = found.holder.credential_id if found.holder else None
        if found.outcome == "posted" and found.holder is not None:
            person = (found.holder.holder_id, row.completed_on)
            row.record_id = _insert_records(session, course, actor, [person])[0]
            row.resolution = "posted"
            _tell_holders(session, course, [person], [row.row_number])
    elif action == "post":
        credential = session.get(Credential, row.credential_id) if row.credential_id else None
        if credential is None:
            raise ProviderError("Correct the number first: no credential matches it.")
        if credential.holder_id in _recorded(session, course):
            row.resolution, row.message = "dismissed", "The course is already on their record."
        else:
            person = (credential.holder_id, row.completed_on)
            row.record_id = _insert_records(session, course, actor, [person])[0]
            row.resolution = "posted"
            _tell_holders(session, course, [person], [row.row_number])
    elif action == "dismiss":
        row.resolution = "dismissed"
    else:
        raise ProviderError("Post, correct or dismiss the row.")
    if row.resolution is not None:
        row.resolved_by_id, row.resolved_at = actor.id, utcnow()
    posting.to_review = session.execute(
        select(func.count(RosterRow.id)).where(
            RosterRow.posting_id == posting.id,
            RosterRow.outcome.in_(REVIEW),
            RosterRow.resolution.is_(None),
        )
    ).scalar_one()
    if row.resolution == "posted":
        posting.posted += 1
    session.flush()
    audit.record(session, actor, f"ce.roster.row.{action}", (RosterRow.__name__, row.id),
                 before=before, after={"outcome": row.outcome, "resolution": row.resolution,
                                       "number": row.credential_number},
                 board_id=posting.board_id)  # fmt: skip


def review_query(board_id: int, provider_id: int | None = None) -> Select[Any]:
    """Rows waiting for review, oldest posting first."""
    query = (
        select(RosterRow)
        .join(RosterPosting, RosterPosting.id == RosterRow.posting_id)
        .where(
            RosterPosting.board_id == board_id,
            RosterRow.outcome.in_(REVIEW),
            RosterRow.resolution.is_(None),
        )
        .options(joinedload(RosterRow.posting).joinedload(RosterPosting.course))
        .order_by(RosterPosting.uploaded_at, RosterRow.row_number)
    )
    if provider_id is not None:
        query = query.where(RosterPosting.provider_id == provider_id)
    return query


def waiting_count(session: Session, board_id: int | None, provider_id: int | None = None) -> int:
    if board_id is None:
        return 0
    query = (
        select(func.count(RosterRow.id))
        .join(RosterPosting, RosterPosting.id == RosterRow.posting_id)
        .where(
            RosterPosting.board_id == board_id,
            RosterRow.outcome.in_(REVIEW),
            RosterRow.resolution.is_(None),
        )
    )
    if provider_id is not None:
        query = query.where(RosterPosting.provider_id == provider_id)
    return session.execute(query).scalar_one()


def postings_query(provider_id: int) -> Select[Any]:
    return (
        select(RosterPosting)
        .where(RosterPosting.provider_id == provider_id)
        .options(joinedload(RosterPosting.course))
        .order_by(RosterPosting.uploaded_at.desc(), RosterPosting.id.desc())
    )


def posting_rows(session: Session, posting: RosterPosting) -> list[RosterRow]:
    return list(
        session.execute(
            select(RosterRow)
            .where(RosterRow.posting_id == posting.id)
            .order_by(RosterRow.row_number)
        ).scalars()
    )
