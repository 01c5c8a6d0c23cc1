"""Board-approved training programs, their modules, cohorts and attendance."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, BoardOwned, User, UTCDateTime, utcnow

# Seed 004's common elements of peer support training curricula.
CURRICULUM_ELEMENTS = (
    "History of the peer movement",
    "Recovery and resiliency",
    "Stages of change",
    "Wellness Recovery Action Plan (WRAP)",
    "Ethics and boundaries",
    "Motivational interviewing",
    "Trauma-informed support",
    "Cultural humility",
    "Sharing your recovery story",
    "Crisis support and self-care",
)


class TrainingProgram(BoardOwned, Base):
    """A training provider's curriculum that a board can approve."""

    __tablename__ = "training_program"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    modules: Mapped[list[TrainingModule]] = relationship(
        back_populates="program", order_by="TrainingModule.position", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("board_id", "name", name="uq_training_program_board_name"),)


class TrainingModule(BoardOwned, Base):
    """One module of a curriculum, with its hours, category and RDS performance domain."""

    __tablename__ = "training_module"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("training_program.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(80))
    performance_domain: Mapped[str | None] = mapped_column(String(120))

    program: Mapped[TrainingProgram] = relationship(back_populates="modules")

    __table_args__ = (CheckConstraint("minutes > 0", name="minutes_positive"),)


class TrainingCohort(BoardOwned, Base):
    """A class of trainees taking a program together, led by a trainer."""

    __tablename__ = "training_cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("training_program.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    program: Mapped[TrainingProgram] = relationship()
    trainer: Mapped[User | None] = relationship()


class TrainingAttendance(BoardOwned, Base):
    """Minutes of one module a trainee attended in a cohort (partial attendance allowed)."""

    __tablename__ = "training_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("training_cohort.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("training_module.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    attended_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[TrainingCohort] = relationship()
    module: Mapped[TrainingModule] = relationship()
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])

    __table_args__ = (
        UniqueConstraint(
            "cohort_id", "module_id", "trainee_id", name="uq_training_attendance_once_per_module"
        ),
        CheckConstraint("minutes >= 0", name="minutes_nonneg"),
    )
