"""Computer-based delivery: exam windows, candidates' registrations, answers saved per click.

A window offers a published form between two dates with a time limit. A candidate approved
for the exam registers (one attempt per registration, the board's retake rules apply);
staff may give extra time as an accommodation. The sitting's deadline is set by the server
when it starts; every click stores the answer (the original option index, whatever order
the options were shown in) so that a reload or a lost connection resumes where it was.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, BoardOwned, User, UTCDateTime, utcnow
from exams.models.bank import among
from exams.models.forms import Form

REGISTRATION_STATUSES = ("registered", "in_progress", "submitted", "timed_out", "cancelled")
FINISHED = ("submitted", "timed_out")


class ExamRules(BoardOwned, Base):
    """A board's retake rules: days to wait after an attempt, attempts in 365 days."""

    __tablename__ = "exam_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    wait_days: Mapped[int] = mapped_column(Integer, default=30)
    attempts_per_year: Mapped[int] = mapped_column(Integer, default=3)

    __table_args__ = (
        UniqueConstraint("board_id", name="uq_exam_rules_board"),
        CheckConstraint("wait_days >= 0", name="wait_nonneg"),
        CheckConstraint("attempts_per_year >= 1", name="attempts_positive"),
    )


class ExamWindow(BoardOwned, Base):
    """A published form offered online from ``opens_on`` to ``closes_on`` (inclusive)."""

    __tablename__ = "exam_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("exam_form.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    scored_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("exam_result_import.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    form: Mapped[Form] = relationship()

    __table_args__ = (
        CheckConstraint("closes_on >= opens_on", name="dates_ordered"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )


class Registration(BoardOwned, Base):
    """One candidate's single attempt in a window."""

    __tablename__ = "exam_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("exam_window.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default="registered")
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    accommodation_note: Mapped[str] = mapped_column(String(300), default="")
    option_seed: Mapped[int] = mapped_column(Integer)
    # unused: a reload resumes at the item saved last (services.resume_position)
    position: Mapped[int] = mapped_column(Integer, default=1)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    window: Mapped[ExamWindow] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("window_id", "user_id", name="uq_exam_registration_window_user"),
        CheckConstraint(among("status", REGISTRATION_STATUSES), name="status_known"),
        CheckConstraint("extra_minutes >= 0", name="extra_nonneg"),
    )


class DeliveredAnswer(BoardOwned, Base):
    """A candidate's current answer to one form item (``choice`` is the original option
    index, None while unanswered) and whether they flagged it for review."""

    __tablename__ = "exam_delivered_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("exam_registration.id", ondelete="CASCADE")
    )
    form_item_id: Mapped[int] = mapped_column(ForeignKey("exam_form_item.id", ondelete="CASCADE"))
    choice: Mapped[int | None] = mapped_column(Integer)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("registration_id", "form_item_id", name="uq_exam_delivered_answer"),
    )
