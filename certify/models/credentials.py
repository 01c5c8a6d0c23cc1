"""Issued credentials, their numbering, expiry reminders and disciplinary actions."""

from __future__ import annotations

from datetime import date, datetime

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.models.config import CredentialType
from core.models import Base, Board, BoardOwned, User, UTCDateTime, utcnow

CREDENTIAL_STATUSES = ("provisional", "active", "expired", "inactive", "suspended", "revoked")
DISCIPLINE_KINDS = {
    "complaint": "Complaint received",
    "investigation": "Investigation",
    "reprimand": "Reprimand",
    "probation": "Probation",
    "suspension": "Suspension",
    "revocation": "Revocation",
    "reinstatement": "Reinstatement",
}


class Credential(BoardOwned, Base):
    """A credential held by a person, numbered uniquely within its board."""

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    credential_type_id: Mapped[int] = mapped_column(ForeignKey("credential_type.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    endorsements: Mapped[list[str]] = mapped_column(JSON, default=list)
    issued_by_override: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    board: Mapped[Board] = relationship()
    holder: Mapped[User] = relationship()
    credential_type: Mapped[CredentialType] = relationship()
    actions: Mapped[list[DisciplinaryAction]] = relationship(
        back_populates="credential", order_by="DisciplinaryAction.started_on"
    )

    __table_args__ = (
        UniqueConstraint("board_id", "number", name="uq_credential_board_number"),
        # one credential per application: two staff pressing "Issue" at once cannot make two
        UniqueConstraint("application_id", name="uq_credential_application"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in CREDENTIAL_STATUSES) + ")",
            name="status_known",
        ),
        CheckConstraint("expires_on > issued_on", name="expires_after_issue"),
        # a number looked up by its start (LIKE 'NE-CPSS-0001%')
        Index(
            "ix_credential_board_number_prefix",
            "board_id",
            "number",
            postgresql_ops={"number": "varchar_pattern_ops"},
        ),
    )


class CredentialCounter(Base):
    """The last credential number a board issued; locked row by row under concurrent issue."""

    __tablename__ = "credential_counter"

    board_id: Mapped[int] = mapped_column(
        ForeignKey("board.id", ondelete="CASCADE"), primary_key=True
    )
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class ExpiryReminder(Base):
    """That a 90/60/30-day reminder was sent for one expiry date, so it is sent once."""

    __tablename__ = "expiry_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id", ondelete="CASCADE"))
    expires_on: Mapped[date] = mapped_column(Date)
    days_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "credential_id", "expires_on", "days_before", name="uq_expiry_reminder_once"
        ),
    )


class DisciplinaryAction(BoardOwned, Base):
    """A complaint, investigation or sanction; public ones appear on the verification page."""

    __tablename__ = "disciplinary_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    public_summary: Mapped[str] = mapped_column(Text, default="")
    internal_notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    credential: Mapped[Credential] = relationship(back_populates="actions")

    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in DISCIPLINE_KINDS) + ")", name="kind_known"
        ),
    )
