"""CE providers (organizations a board approves for a period) and the courses they list."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ceu.models.rules import CeCategory
from core.models import Base, Board, BoardOwned, User, UTCDateTime, utcnow

PROVIDER_STATUSES = ("applied", "approved", "rejected")
COURSE_STATUSES = ("pending", "approved", "rejected")
MODES = ("in_person", "live_online", "self_study")


def _among(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class CeProvider(BoardOwned, Base):
    """An organization that offers CE; approved by the board from one day to another."""

    __tablename__ = "ce_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    website: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="applied")
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)  # its courses need no review
    approved_from: Mapped[date | None] = mapped_column(Date)
    approved_until: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    board: Mapped[Board] = relationship()
    members: Mapped[list[CeProviderMember]] = relationship(
        back_populates="provider", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("board_id", "name", name="uq_ce_provider_board_name"),
        CheckConstraint(_among("status", PROVIDER_STATUSES), name="status_known"),
        CheckConstraint(
            "status <> 'approved' OR (approved_from IS NOT NULL AND approved_until IS NOT NULL"
            " AND approved_until >= approved_from)",
            name="approval_period",
        ),
    )

    def approved_on(self, day: date) -> bool:
        """Whether the provider may post and list courses on that day (lapsed ones may not)."""
        return (
            self.status == "approved"
            and self.approved_from is not None
            and self.approved_until is not None
            and self.approved_from <= day <= self.approved_until
        )

    def standing(self, day: date) -> str:
        """applied, approved, lapsed, not yet approved, or rejected, on that day."""
        if self.status != "approved":
            return self.status
        if self.approved_until is not None and day > self.approved_until:
            return "lapsed"
        if self.approved_from is not None and day < self.approved_from:
            return "approved from " + self.approved_from.isoformat()
        return "approved"


class CeProviderMember(Base):
    """A person who acts for a provider (lists courses, posts rosters)."""

    __tablename__ = "ce_provider_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("ce_provider.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider: Mapped[CeProvider] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("provider_id", "user_id", name="uq_ce_provider_member_provider_user"),
    )


class CeCourse(BoardOwned, Base):
    """A course a provider offers between two days, with its minutes per category."""

    __tablename__ = "ce_course"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("ce_provider.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int] = mapped_column(Integer)
    delivery_mode: Mapped[str] = mapped_column(String(12))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider: Mapped[CeProvider] = relationship(lazy="joined")
    categories: Mapped[list[CeCourseCategory]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CeCourseCategory.id"
    )

    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint(_among("delivery_mode", MODES), name="mode_known"),
        CheckConstraint(_among("status", COURSE_STATUSES), name="status_known"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("ix_ce_course_board_status_starts", "board_id", "status", "starts_on"),
    )


class CeCourseCategory(Base):
    """Minutes of a course approved in one category."""

    __tablename__ = "ce_course_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("ce_course.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("ce_category.id", ondelete="CASCADE"))
    minutes: Mapped[int] = mapped_column(Integer)

    category: Mapped[CeCategory] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("course_id", "category_id", name="uq_ce_course_category_course_cat"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )
