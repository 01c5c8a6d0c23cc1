"""Supervised work/volunteer hours and supervision sessions, confirmed by the supervisor."""

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

from core.models import Base, BoardOwned, User, UTCDateTime, utcnow

SETTINGS = (
    "Peer-run organization",
    "Community mental health",
    "Substance use treatment",
    "Hospital or crisis",
    "Recovery community",
    "Justice setting",
    "Other",
)


class SupervisedHoursEntry(BoardOwned, Base):
    """Minutes of work or supervision on one day; counts only once the supervisor confirms."""

    __tablename__ = "supervised_hours_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    worked_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    setting: Mapped[str] = mapped_column(String(80))
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    performance_domain: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id])

    __table_args__ = (
        CheckConstraint("kind IN ('experience', 'supervision')", name="kind_known"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes_in_a_day"),
        CheckConstraint("status IN ('pending', 'confirmed', 'rejected')", name="status_known"),
        UniqueConstraint(
            "trainee_id",
            "supervisor_id",
            "kind",
            "worked_on",
            "minutes",
            "setting",
            name="uq_supervised_hours_entry_no_duplicate",
        ),
    )


# The board's hours list, newest first, all entries or one status (read by key: issue 17).
Index(
    "ix_supervised_hours_entry_board_worked",
    SupervisedHoursEntry.board_id,
    SupervisedHoursEntry.worked_on.desc(),
    SupervisedHoursEntry.id.desc(),
)
Index(
    "ix_supervised_hours_entry_board_status_worked",
    SupervisedHoursEntry.board_id,
    SupervisedHoursEntry.status,
    SupervisedHoursEntry.worked_on.desc(),
    SupervisedHoursEntry.id.desc(),
)
# The supervisors named on a board's pending entries, each once (the pending-supervisors list).
Index(
    "ix_supervised_hours_entry_board_status_supervisor",
    SupervisedHoursEntry.board_id,
    SupervisedHoursEntry.status,
    SupervisedHoursEntry.supervisor_id,
)
