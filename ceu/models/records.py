"""CE records of certificants, their evidence, and the rosters providers post."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ceu.models.providers import MODES, CeCourse, CeProvider
from ceu.models.rules import CeCategory
from core.models import Base, BoardOwned, User, UTCDateTime, utcnow

RECORD_SOURCES = {
    "course": "Approved course",
    "roster": "Posted by the provider",
    "other": "Other activity",
}
RECORD_STATUSES = ("pending", "accepted", "rejected")
ROSTER_OUTCOMES = {
    "posted": "Posted",
    "unknown_number": "Unknown credential number",
    "name_differs": "Name differs",
    "not_active": "Credential not active",
    "duplicate": "Already recorded",
}


def _among(column: str, values: object) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"  # type: ignore[attr-defined]


class CeRecord(BoardOwned, Base):
    """One CE activity of a person for a board; accepted records count toward compliance."""

    __tablename__ = "ce_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("ce_course.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    provider_name: Mapped[str] = mapped_column(String(200), default="")
    completed_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    delivery_mode: Mapped[str] = mapped_column(String(12))
    # the category when the record is in one only (most are), kept from its parts at every
    # flush: board-wide sums then need no join to the parts
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("ce_category.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    holder: Mapped[User] = relationship(foreign_keys=[holder_id])
    course: Mapped[CeCourse | None] = relationship()
    parts: Mapped[list[CeRecordPart]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CeRecordPart.id"
    )
    evidence: Mapped[list[CeEvidence]] = relationship(
        cascade="all, delete-orphan", order_by="CeEvidence.id"
    )

    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint(_among("source", RECORD_SOURCES), name="source_known"),
        CheckConstraint(_among("status", RECORD_STATUSES), name="status_known"),
        CheckConstraint(_among("delivery_mode", MODES), name="mode_known"),
        Index("ix_ce_record_board_holder_completed", "board_id", "holder_id", "completed_on"),
        Index("ix_ce_record_board_status", "board_id", "status"),
        Index("ix_ce_record_holder_completed", "holder_id", "completed_on"),
    )


@event.listens_for(Session, "before_flush")
def _one_category(session: Session, context: object, instances: object) -> None:
    """Keep CeRecord.category_id equal to the category of its only part (None for several)."""
    for record in list(session.new) + list(session.dirty):
        if isinstance(record, CeRecord):
            categories = {
                part.category_id if part.category_id is not None else part.category.id
                for part in record.parts
            }
            record.category_id = categories.pop() if len(categories) == 1 else None


class CeRecordPart(Base):
    """Minutes of a record in one category (a course may count in several)."""

    __tablename__ = "ce_record_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("ce_record.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("ce_category.id", ondelete="CASCADE"))
    minutes: Mapped[int] = mapped_column(Integer)

    category: Mapped[CeCategory] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("record_id", "category_id", name="uq_ce_record_part_record_cat"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )


class CeEvidence(BoardOwned, Base):
    """A certificate of attendance (PDF, JPEG or PNG) for a record, stored outside static/."""

    __tablename__ = "ce_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("ce_record.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RosterPosting(BoardOwned, Base):
    """A provider's attendance roster for one course, as uploaded."""

    __tablename__ = "ce_roster_posting"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("ce_provider.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("ce_course.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    posted: Mapped[int] = mapped_column(Integer, default=0)
    to_review: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider: Mapped[CeProvider] = relationship()
    course: Mapped[CeCourse] = relationship()


class RosterRow(Base):
    """One row of a roster and how it matched; mismatches wait for review, never dropped."""

    __tablename__ = "ce_roster_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(
        ForeignKey("ce_roster_posting.id", ondelete="CASCADE"), index=True
    )
    row_number: Mapped[int] = mapped_column(Integer)
    credential_number: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    credential_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential.id", ondelete="SET NULL")
    )
    record_id: Mapped[int | None] = mapped_column(ForeignKey("ce_record.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(10))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    posting: Mapped[RosterPosting] = relationship()

    __table_args__ = (
        UniqueConstraint("posting_id", "row_number", name="uq_ce_roster_row_posting_row"),
        CheckConstraint(_among("outcome", ROSTER_OUTCOMES), name="outcome_known"),
        CheckConstraint(
            "resolution IS NULL OR resolution IN ('posted', 'dismissed')", name="resolution_known"
        ),
    )
