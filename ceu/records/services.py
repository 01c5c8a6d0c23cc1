"""CE records: from an approved course (pre-filled) or another activity with evidence;
staff accept or reject other activities with a reason, and rejected ones are resubmitted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from certify.applications.documents import MAX_BYTES, DocumentError, refuse_over_quota, sniff
from ceu.compliance import DELIVERY_MODES, Compliance
from ceu.models import (
    CeCategory,
    CeCourse,
    CeCourseCategory,
    CeEvidence,
    CeProvider,
    CeRecord,
    CeRecordPart,
)
from ceu.rules.services import board_rules
from ceu.standing import holder_standings
from core import audit, mail
from core.models import Board, Role, User, utcnow
from core.urls import external_url


class CeError(ValueError):
    """A CE change a person can fix; `field` names the form field at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class OtherActivity:
    """An activity outside the approved courses, as typed by the certificant."""

    title: str
    provider_name: str
    completed_on: date
    minutes: int
    category_id: int
    delivery_mode: str


@dataclass(frozen=True)
class Upload:
    filename: str
    stream: IO[bytes]


def holder_boards(session: Session, user: User) -> list[Board]:
    """Boards where the person is a trainee or certificant."""
    ids = user.board_ids(Role.TRAINEE)
    if not ids:
        return []
    return list(
        session.execute(select(Board).where(Board.id.in_(ids)).order_by(Board.name)).scalars()
    )


# --- evidence -------------------------------------------------------------------------------


def evidence_dir() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "ce_evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def evidence_path(evidence: CeEvidence) -> Path:
    return evidence_dir() / evidence.stored_name


def save_evidence(session: Session, record: CeRecord, uploader: User, upload: Upload) -> CeEvidence:
    """Store a certificate for a record: PDF, JPEG or PNG by its bytes, at most 5 MB."""
    data = upload.stream.read(MAX_BYTES + 1)
    if not data:
        raise CeError("The file is empty.", "evidence")
    if len(data) > MAX_BYTES:
        raise CeError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.", "evidence")
    try:
        content_type, extension = sniff(data[:16])
        kept = session.execute(
            select(func.coalesce(func.sum(CeEvidence.size_bytes), 0)).where(
                CeEvidence.uploaded_by_id == uploader.id
            )
        ).scalar_one()
        refuse_over_quota(int(kept), len(data))
    except DocumentError as exc:
        raise CeError(str(exc), "evidence") from exc
    stored = uuid.uuid4().hex + extension
    (evidence_dir() / stored).write_bytes(data)
    evidence = CeEvidence(
        board_id=record.board_id,
        record_id=record.id,
        original_name=Path(upload.filename or "certificate").name[:255],
        stored_name=stored,
        content_type=content_type,
        size_bytes=len(data),
        uploaded_by_id=uploader.id,
    )
    session.add(evidence)
    session.flush()
    audit.record(
        session,
        uploader,
        "ce.evidence.uploaded",
        evidence,
        after={"record": record.id, "bytes": len(data), "type": content_type},
    )
    return evidence


# --- adding CE ------------------------------------------------------------------------------


def _check_day(completed_on: date, today: date) -> None:
    if completed_on > today:
        raise CeError("The date is in the future; add CE once you completed it.", "completed_on")


def already_in_cycle(session: Session, holder: User, course: CeCourse, day: date) -> bool:
    """Whether the course is on the person's record in a cycle holding `day` (counts once)."""
    rows = session.execute(
        select(CeRecord.completed_on).where(
            CeRecord.holder_id == holder.id,
            CeRecord.course_id == course.id,
            CeRecord.status != "rejected",
        )
    ).scalars()
    days = list(rows)
    if not days:
        return False
    standings = holder_standings(session, holder.id, day, course.board_id)
    if not standings:
        return True  # no cycle known: the course counts once
    return any(
        d in s.compliance.cycle and day in s.compliance.cycle for s in standings for d in days
    )


def add_from_course(
    session: Session, holder: User, course: CeCourse, completed_on: date, today: date
) -> CeRecord:
    """Record an approved course; it counts at once, with the course's minutes by category."""
    if course.status != "approved":
        raise CeError("Only approved courses can be added this way.")
    if not holder.has_role(Role.TRAINEE, board_id=course.board_id):
        raise CeError("This course belongs to a board you are not registered with.")
    _check_day(completed_on, today)
    if not course.starts_on <= completed_on <= course.ends_on:
        raise CeError(
            f"The course ran from {course.starts_on.isoformat()} to {course.ends_on.isoformat()}.",
            "completed_on",
        )
    if already_in_cycle(session, holder, course, completed_on):
        raise CeError("This course is already on your record for this cycle; it counts once.")
    record = CeRecord(
        board_id=course.board_id,
        holder_id=holder.id,
        course_id=course.id,
        source="course",
        title=course.title,
        provider_name=course.provider.name,
        completed_on=completed_on,
        minutes=course.minutes,
        delivery_mode=course.delivery_mode,
        status="accepted",
        created_by_id=holder.id,
        parts=[
            CeRecordPart(category_id=c.category_id, minutes=c.minutes) for c in course.categories
        ],
    )
    session.add(record)
    session.flush()
    audit.record(session, holder, "ce.record.added", record, after=_summary(record))
    return record


def _category(session: Session, board_id: int, category_id: int) -> CeCategory:
    category = session.get(CeCategory, category_id)
    if category is None or category.board_id != board_id:
        raise CeError("Choose one of the board's categories.", "category_id")
    return category


def _check_other(data: OtherActivity, today: date) -> None:
    _check_day(data.completed_on, today)
    if not data.title.strip():
        raise CeError("Give the activity's title.", "title")
    if data.minutes <= 0:
        raise CeError("Enter the hours (at least 0.25).", "hours")
    if data.minutes > 40 * 60:
        raise CeError("One activity is at most 40 hours; split longer ones.", "hours")
    if data.delivery_mode not in DELIVERY_MODES:
        raise CeError("Choose how it was delivered.", "delivery_mode")


def add_other(
    session: Session,
    holder: User,
    board: Board,
    data: OtherActivity,
    evidence: Upload | None,
    today: date,
) -> CeRecord:
    """Record another activity with its certificate; it waits for the board's review."""
    if not holder.has_role(Role.TRAINEE, board_id=board.id):
        raise CeError("Choose a board you are registered with.", "board_id")
    _check_other(data, today)
    category = _category(session, board.id, data.category_id)
    if evidence is None:
        raise CeError("Attach the certificate of attendance (PDF, JPEG or PNG).", "evidence")
    record = CeRecord(
        board_id=board.id,
        holder_id=holder.id,
        source="other",
        title=data.title.strip(),
        provider_name=data.provider_name.strip(),
        completed_on=data.completed_on,
        minutes=data.minutes,
        delivery_mode=data.delivery_mode,
        status="pending",
        created_by_id=holder.id,
        parts=[CeRecordPart(category_id=category.id, minutes=data.minutes)],
    )
    session.add(record)
    session.flush()
    save_evidence(session, record, holder, evidence)
    audit.record(session, holder, "ce.record.submitted", record, after=_summary(record))
    return record


def resubmit(
    session: Session,
    holder: User,
    record: CeRecord,
    data: OtherActivity,
    evidence: Upload | None,
    today: date,
) -> CeRecord:
    """Correct a rejected (or still pending) activity and send it for review again."""
    if record.holder_id != holder.id or record.source != "other":
        raise CeError("Only your own other activities can be corrected.")
    if record.status == "accepted":
        raise CeError("This activity is accepted; nothing to correct.")
    _check_other(data, today)
    category = _category(session, record.board_id, data.category_id)
    if evidence is None and not record.evidence:
        raise CeError("Attach the certificate of attendance (PDF, JPEG or PNG).", "evidence")
    before = _summary(record)
    record.title, record.provider_name = data.title.strip(), data.provider_name.strip()
    record.completed_on, record.minutes = data.completed_on, data.minutes
    record.delivery_mode = data.delivery_mode
    record.parts.clear()
    session.flush()  # the old part goes before the new one arrives (one part per category)
    record.parts.append(CeRecordPart(category_id=category.id, minutes=data.minutes))
    record.status, record.reason = "pending", ""
    record.reviewed_by_id = record.reviewed_at = None
    session.flush()
    if evidence is not None:
        save_evidence(session, record, holder, evidence)
    audit.record(
        session, holder, "ce.record.resubmitted", record, before=before, after=_summary(record)
    )
    return record


def withdraw(session: Session, holder: User, record: CeRecord) -> None:
    """A person removes their own activity that no one accepted."""
    if record.holder_id != holder.id or record.status == "accepted":
        raise CeError("Only your own activities that are not accepted can be removed.")
    audit.record(session, holder, "ce.record.withdrawn", record, before=_summary(record))
    for evidence in record.evidence:
        evidence_path(evidence).unlink(missing_ok=True)
    session.delete(record)
    session.flush()


def review(session: Session, record: CeRecord, reviewer: User, decision: str, reason: str) -> None:
    """Accept or reject another activity; a rejection needs a reason the person will read."""
    if record.source != "other":
        raise CeError("Only other activities are reviewed; courses count as approved.")
    if decision not in ("accepted", "rejected"):
        raise CeError("Accept or reject the activity.", "decision")
    if decision == "rejected" and not reason.strip():
        raise CeError("Say why, so the person can correct it.", "reason")
    before = {"status": record.status}
    record.status, record.reason = decision, reason.strip() if decision == "rejected" else ""
    record.reviewed_by_id, record.reviewed_at = reviewer.id, utcnow()
    session.flush()
    audit.record(session, reviewer, f"ce.record.{decision}", record, before=before,
                 after={"status": decision, "reason": record.reason})  # fmt: skip
    link = external_url("ceu.my_record", record_id=record.id)
    if decision == "accepted":
        body = (
            f"Your activity “{record.title}” ({record.completed_on.isoformat()}) was accepted "
            "and counts toward your continuing education."
        )
    else:
        body = (
            f"Your activity “{record.title}” ({record.completed_on.isoformat()}) was not "
            f"accepted.\n\nReason: {record.reason}\n\nYou can correct it and send it again."
        )
    mail.queue(
        session,
        record.holder.email,
        f"CE activity {decision}: {record.title}",
        f"Hello {record.holder.full_name},\n\n{body}\n\n{link}\n",
        board_id=record.board_id,
    )


def _summary(record: CeRecord) -> dict[str, Any]:
    return {
        "title": record.title,
        "completed_on": record.completed_on,
        "minutes": record.minutes,
        "mode": record.delivery_mode,
        "status": record.status,
    }


# --- listings -------------------------------------------------------------------------------


def records_query(holder_id: int, board_id: int | None = None, status: str = "") -> Select[Any]:
    query = (
        select(CeRecord)
        .where(CeRecord.holder_id == holder_id)
        .order_by(CeRecord.completed_on.desc(), CeRecord.id.desc())
        .options(selectinload(CeRecord.evidence))
    )
    if board_id is not None:
        query = query.where(CeRecord.board_id == board_id)
    if status:
        query = query.where(CeRecord.status == status)
    return query


def review_query(board_id: int, status: str = "pending") -> Select[Any]:
    """A board's other activities by status, oldest first."""
    query = (
        select(CeRecord)
        .where(CeRecord.board_id == board_id, CeRecord.source == "other")
        .options(selectinload(CeRecord.holder), selectinload(CeRecord.evidence))
    )
    if status:
        query = query.where(CeRecord.status == status)
    return query.order_by(CeRecord.created_at, CeRecord.id)


def pending_count(session: Session, board_id: int | None) -> int:
    if board_id is None:
        return 0
    return session.execute(
        select(func.count(CeRecord.id)).where(
            CeRecord.board_id == board_id, CeRecord.source == "other", CeRecord.status == "pending"
        )
    ).scalar_one()


def suggestions(
    session: Session, board_id: int, compliance: Compliance, today: date, limit: int = 5
) -> list[CeCourse]:
    """Approved, still-open courses in the missing categories, in modes whose caps have room."""
    if compliance.compliant or compliance.as_of > compliance.cycle.end:
        return []
    rules = board_rules(session, board_id)
    ids = {c.code: i for i, c in rules.categories.items()}
    wanted = [ids[n.category] for n in compliance.needs if n.category in ids]
    open_modes = [m for m, room in compliance.mode_room if room is None or room > 0]
    query = (
        select(CeCourse)
        .join(CeProvider, CeProvider.id == CeCourse.provider_id)
        .where(
            CeCourse.board_id == board_id,
            CeCourse.status == "approved",
            CeCourse.ends_on >= today,
            CeCourse.starts_on <= compliance.cycle.end,
            CeCourse.delivery_mode.in_(open_modes),
            CeProvider.status == "approved",
            CeProvider.approved_until >= today,
        )
        .order_by(CeCourse.starts_on, CeCourse.id)
        .limit(limit)
    )
    if wanted and not any(n.category is None for n in compliance.needs):
        query = query.where(
            CeCourse.id.in_(
                select(CeCourseCategory.course_id).where(CeCourseCategory.category_id.in_(wanted))
            )
        )
    elif wanted:
        query = query.order_by(None).order_by(
            CeCourse.id.in_(
                select(CeCourseCategory.course_id).where(CeCourseCategory.category_id.in_(wanted))
            ).desc(),
            CeCourse.starts_on,
            CeCourse.id,
        )
    return list(session.execute(query).scalars())
