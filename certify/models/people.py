"""What a board knows about its trainees and the supervisors who sign their hours."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, BoardOwned, User, UTCDateTime

EDUCATION_LEVELS = {
    "none": "No diploma",
    "hs_diploma_or_ged": "High school diploma or GED",
    "associate": "Associate degree",
    "bachelor": "Bachelor's degree",
    "master": "Master's degree or higher",
}


class TraineeProfile(BoardOwned, Base):
    """A trainee's facts for one board; lived experience is private and never shown publicly."""

    __tablename__ = "trainee_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    birth_date: Mapped[date | None] = mapped_column(Date)
    education: Mapped[str | None] = mapped_column(String(40))
    lived_experience: Mapped[bool] = mapped_column(Boolean, default=False)
    recovery_since: Mapped[date | None] = mapped_column(Date)
    residency_attested: Mapped[bool] = mapped_column(Boolean, default=False)
    ethics_attested: Mapped[bool] = mapped_column(Boolean, default=False)
    # recorded by board staff
    background_check_cleared: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_received: Mapped[bool] = mapped_column(Boolean, default=False)
    exam_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    reciprocity_verified: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("board_id", "user_id", name="uq_trainee_profile_board_user"),
    )


class SupervisorProfile(BoardOwned, Base):
    """A licensed clinical consultant who confirms trainees' hours for a board."""

    __tablename__ = "supervisor_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    license_type: Mapped[str] = mapped_column(String(40))
    license_number: Mapped[str] = mapped_column(String(60))
    license_state: Mapped[str] = mapped_column(String(40))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        UniqueConstraint("board_id", "user_id", name="uq_supervisor_profile_board_user"),
    )
