"""Employer organizations, their people and API keys, roster checks and monitoring."""

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

from certify.models import Credential
from core.models import Base, User, UTCDateTime, utcnow

EVENT_KINDS = {
    "status": "Status changed",
    "expiring": "Expires within 60 days",
    "discipline": "Public disciplinary notice",
    "renewed": "Renewed",
}


class EmployerOrganization(Base):
    """An employer (agency, clinic, managed-care plan) whose staff check credentials."""

    __tablename__ = "employer_organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[EmployerMember]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )


class EmployerMember(Base):
    """A person working for an employer organization (one organization per person)."""

    __tablename__ = "employer_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("employer_organization.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    # monitoring changes after this moment are "new" for this person
    changes_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[EmployerOrganization] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class ApiKey(Base):
    """An employer's key for the bulk API; only a hash of the secret is kept."""

    __tablename__ = "employer_api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("employer_organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()


class RosterCheck(Base):
    """An uploaded staff roster: its rows as read, each with the problem found in it, if any."""

    __tablename__ = "roster_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("employer_organization.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MonitoredCredential(Base):
    """A credential an employer watches, with what the employer was last told about it."""

    __tablename__ = "monitored_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("employer_organization.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), index=True
    )
    employee_name: Mapped[str] = mapped_column(String(200))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_status: Mapped[str] = mapped_column(String(12))
    seen_expires_on: Mapped[date] = mapped_column(Date)
    seen_public_actions: Mapped[int] = mapped_column(Integer, default=0)
    expiry_notice_for: Mapped[date | None] = mapped_column(Date)

    credential: Mapped[Credential] = relationship()

    __table_args__ = (
        UniqueConstraint("organization_id", "credential_id", name="uq_monitored_credential_once"),
    )


class MonitoringEvent(Base):
    """A change to a monitored credential, as the employer is told of it."""

    __tablename__ = "monitoring_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("employer_organization.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    credential: Mapped[Credential] = relationship()

    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in EVENT_KINDS) + ")", name="kind_known"
        ),
    )
