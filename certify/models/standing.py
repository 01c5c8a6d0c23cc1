"""Each person's stored standing: the eligibility engine's result, kept current for board pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
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
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, BoardOwned, UTCDateTime, utcnow

RECOMPUTE_STATUSES = ("pending", "running", "done")


class Standing(BoardOwned, Base):
    """One person's checklist for one credential type, as the engine computed it on `as_of`.

    Board pages count and filter these rows in SQL; the person's own checklist is computed
    live. The stage columns are None when the credential type sets no such requirement.
    """

    __tablename__ = "standing"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    credential_type_id: Mapped[int] = mapped_column(
        ForeignKey("credential_type.id", ondelete="CASCADE"), index=True
    )
    eligible: Mapped[bool] = mapped_column(Boolean)
    unmet: Mapped[int] = mapped_column(Integer)
    training_met: Mapped[bool | None] = mapped_column(Boolean)
    hours_met: Mapped[bool | None] = mapped_column(Boolean)
    exam_met: Mapped[bool | None] = mapped_column(Boolean)
    # [{key, label, met, have, need, unit, waived}, ...] in checklist order
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    as_of: Mapped[date] = mapped_column(Date)
    # the first day the result may change with no new fact (a birthday, a month of recovery,
    # training leaving the look-back window); None: never
    valid_until: Mapped[date | None] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "board_id", "user_id", "credential_type_id", name="uq_standing_board_user_type"
        ),
        CheckConstraint("unmet >= 0", name="unmet_nonneg"),
        Index("ix_standing_board_valid_until", "board_id", "valid_until"),
        # the pipeline's counts per person, from the index alone on PostgreSQL
        Index(
            "ix_standing_board_user_stages",
            "board_id",
            "user_id",
            postgresql_include=["training_met", "hours_met", "exam_met"],
        ),
    )


class StandingRecompute(BoardOwned, Base):
    """A board-wide recompute after a rule change: resumable, people in id order."""

    __tablename__ = "standing_recompute"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    last_user_id: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in RECOMPUTE_STATUSES) + ")",
            name="status_known",
        ),
    )
