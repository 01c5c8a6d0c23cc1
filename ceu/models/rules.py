"""CE rules as board data: categories, rule versions per credential type, board settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.models import CredentialType
from core.models import Base, BoardOwned, UTCDateTime, utcnow


def _among(column: str, values: Any) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class CeSettings(Base):
    """A board's CE settings: hours or CEUs, and what a failed audit leads to."""

    __tablename__ = "ce_settings"

    board_id: Mapped[int] = mapped_column(
        ForeignKey("board.id", ondelete="CASCADE"), primary_key=True
    )
    show_ceus: Mapped[bool] = mapped_column(Boolean, default=False)
    audit_consequence: Mapped[str] = mapped_column(String(20), default="none")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        CheckConstraint(
            _among("audit_consequence", ("none", "discipline_referral", "suspension")),
            name="consequence_known",
        ),
    )


class CeCategory(BoardOwned, Base):
    """A CE content area of a board: ethics, peer specific, HIV/bloodborne pathogens, ..."""

    __tablename__ = "ce_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("board_id", "code", name="uq_ce_category_board_code"),)


class CeRuleVersion(BoardOwned, Base):
    """A credential type's CE rule from a day on; earlier versions stay for earlier cycles."""

    __tablename__ = "ce_rule_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_type_id: Mapped[int] = mapped_column(
        ForeignKey("credential_type.id", ondelete="CASCADE"), index=True
    )
    effective_on: Mapped[date] = mapped_column(Date)
    total_minutes: Mapped[int] = mapped_column(Integer)
    # "renewal": the cycle is the credential's renewal cycle, ending on its expiry day;
    # "calendar": periods of calendar_months from January of calendar_first_year
    cycle_kind: Mapped[str] = mapped_column(String(10), default="renewal")
    calendar_months: Mapped[int | None] = mapped_column(Integer)
    calendar_first_year: Mapped[int | None] = mapped_column(Integer)
    proration: Mapped[str] = mapped_column(String(15), default="none")
    rounding: Mapped[str] = mapped_column(String(20), default="down_hour")
    carry_over_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # CE taken since expiry that reinstatement after the grace period needs (the window,
    # grace period, fee and exam are certify's renewal policy)
    reinstatement_extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    credential_type: Mapped[CredentialType] = relationship()
    minimums: Mapped[list[CeRuleMinimum]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CeRuleMinimum.id"
    )
    caps: Mapped[list[CeRuleCap]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CeRuleCap.id"
    )

    __table_args__ = (
        UniqueConstraint(
            "credential_type_id", "effective_on", name="uq_ce_rule_version_type_effective"
        ),
        CheckConstraint("total_minutes >= 0", name="total_nonneg"),
        CheckConstraint("carry_over_minutes >= 0", name="carry_nonneg"),
        CheckConstraint("reinstatement_extra_minutes >= 0", name="extra_nonneg"),
        CheckConstraint(_among("cycle_kind", ("renewal", "calendar")), name="cycle_kind_known"),
        CheckConstraint(
            "cycle_kind = 'renewal' OR (calendar_months > 0 AND calendar_first_year IS NOT NULL)",
            name="calendar_complete",
        ),
        CheckConstraint(_among("proration", ("none", "proportional")), name="proration_known"),
        CheckConstraint(
            _among("rounding", ("down_hour", "up_hour", "nearest_hour", "nearest_quarter")),
            name="rounding_known",
        ),
    )


class CeRuleMinimum(Base):
    """At least so many minutes of one category in a cycle."""

    __tablename__ = "ce_rule_minimum"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_version_id: Mapped[int] = mapped_column(
        ForeignKey("ce_rule_version.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("ce_category.id", ondelete="CASCADE"))
    minutes: Mapped[int] = mapped_column(Integer)

    category: Mapped[CeCategory] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("rule_version_id", "category_id", name="uq_ce_rule_minimum_rule_cat"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )


class CeRuleCap(Base):
    """At most a share of the required total from some delivery modes, or from one category."""

    __tablename__ = "ce_rule_cap"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_version_id: Mapped[int] = mapped_column(
        ForeignKey("ce_rule_version.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(120))
    percent: Mapped[int] = mapped_column(Integer)
    modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("ce_category.id", ondelete="CASCADE")
    )

    category: Mapped[CeCategory | None] = relationship(lazy="joined")

    __table_args__ = (CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),)
