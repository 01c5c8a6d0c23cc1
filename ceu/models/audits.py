"""Random CE audits of closed cycles, extensions, and reminders sent once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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

from certify.models import Credential, CredentialType
from ceu.models.records import CeRecord
from core.models import Base, BoardOwned, User, UTCDateTime, utcnow

AUDIT_CONSEQUENCES = {
    "none": "No automatic consequence (staff decide)",
    "discipline_referral": "Referral to discipline (a complaint is recorded)",
    "suspension": "The credential is suspended",
}
SELECTION_STATUSES = ("selected", "submitted", "passed", "failed", "extended")


class CeAudit(BoardOwned, Base):
    """A random audit of the cycles that ended in a period, reproducible from its seed."""

    __tablename__ = "ce_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential_type.id", ondelete="CASCADE")
    )
    cycles_from: Mapped[date] = mapped_column(Date)
    cycles_to: Mapped[date] = mapped_column(Date)
    percent: Mapped[int] = mapped_column(Integer)
    stratified: Mapped[bool] = mapped_column(Boolean, default=False)
    seed: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer, default=0)
    # sha256 of the drawn-from population ("id:stratum" lines), to show a redraw used the same
    population_hash: Mapped[str] = mapped_column(String(64), default="")
    sample_size: Mapped[int] = mapped_column(Integer, default=0)
    due_on: Mapped[date] = mapped_column(Date)
    consequence: Mapped[str] = mapped_column(String(20), default="none")
    status: Mapped[str] = mapped_column(String(10), default="open")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    credential_type: Mapped[CredentialType | None] = relationship()

    __table_args__ = (
        CheckConstraint("percent BETWEEN 1 AND 100", name="percent_range"),
        CheckConstraint("cycles_to >= cycles_from", name="period_order"),
        CheckConstraint("status IN ('open', 'closed')", name="status_known"),
        CheckConstraint(
            "consequence IN ('none', 'discipline_referral', 'suspension')",
            name="consequence_known",
        ),
    )


class CeAuditSelection(BoardOwned, Base):
    """A credential drawn for an audit, and how its audit ended."""

    __tablename__ = "ce_audit_selection"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("ce_audit.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), index=True
    )
    holder_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    stratum: Mapped[str] = mapped_column(String(40), default="")
    cycle_start: Mapped[date] = mapped_column(Date)
    cycle_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="selected")
    extended_until: Mapped[date | None] = mapped_column(Date)
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    audit: Mapped[CeAudit] = relationship()
    credential: Mapped[Credential] = relationship()
    holder: Mapped[User] = relationship(foreign_keys=[holder_id])
    items: Mapped[list[CeAuditItem]] = relationship(
        back_populates="selection", cascade="all, delete-orphan", order_by="CeAuditItem.id"
    )

    __table_args__ = (
        UniqueConstraint("audit_id", "credential_id", name="uq_ce_audit_selection_audit_cred"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in SELECTION_STATUSES) + ")",
            name="status_known",
        ),
    )


class CeAuditItem(Base):
    """One audited activity: the evidence staff accepted or rejected."""

    __tablename__ = "ce_audit_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(
        ForeignKey("ce_audit_selection.id", ondelete="CASCADE"), index=True
    )
    record_id: Mapped[int] = mapped_column(ForeignKey("ce_record.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    selection: Mapped[CeAuditSelection] = relationship(back_populates="items")
    record: Mapped[CeRecord] = relationship()

    __table_args__ = (
        UniqueConstraint("selection_id", "record_id", name="uq_ce_audit_item_selection_record"),
        CheckConstraint("decision IN ('pending', 'accepted', 'rejected')", name="decision_known"),
    )


class CeExtension(BoardOwned, Base):
    """More time to complete a cycle's CE, granted by staff (renewal or audit)."""

    __tablename__ = "ce_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id", ondelete="CASCADE"))
    cycle_end: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("credential_id", "cycle_end", name="uq_ce_extension_credential_cycle"),
    )


class CeReminder(Base):
    """That a reminder went out (CE before expiry, or a provider's approval lapsing): once."""

    __tablename__ = "ce_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    subject_id: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    days_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "due_on", "days_before", name="uq_ce_reminder_once"),
        CheckConstraint("kind IN ('credential', 'provider')", name="kind_known"),
    )
