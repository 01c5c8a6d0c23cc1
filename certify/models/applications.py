"""Applications for a credential, their snapshot of facts, and uploaded documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.models.config import CredentialType
from core.models import Base, BoardOwned, User, UTCDateTime, utcnow

APPLICATION_STATUSES = (
    "draft",
    "submitted",
    "in_review",
    "info_requested",
    "resubmitted",
    "approved_for_exam",
    "approved",
    "certified",
    "denied",
    "withdrawn",
)
# status -> statuses it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("submitted", "withdrawn"),
    "submitted": ("in_review", "withdrawn"),
    "in_review": ("info_requested", "approved_for_exam", "approved", "denied"),
    "info_requested": ("resubmitted", "withdrawn"),
    "resubmitted": ("in_review",),
    "approved_for_exam": ("approved", "denied"),
    "approved": ("certified",),
    "certified": (),
    "denied": (),
    "withdrawn": (),
}
DOCUMENT_KINDS = {
    "diploma": "High school diploma or GED",
    "training_certificate": "Training certificate",
    "id": "Photo identification",
    "background_check": "Background check",
    "other_credential": "Credential from another board (reciprocity)",
    "other": "Other",
}


class Application(BoardOwned, Base):
    """A trainee's application for one credential type; applying snapshots the facts."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    credential_type_id: Mapped[int] = mapped_column(ForeignKey("credential_type.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    facts_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    eligibility_snapshot: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # why staff went ahead although requirements were unmet (None: no override)
    override_reason: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    credential_type: Mapped[CredentialType] = relationship()
    documents: Mapped[list[ApplicationDocument]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in APPLICATION_STATUSES) + ")",
            name="status_known",
        ),
        # the review queue: a board's applications, oldest submission first
        Index("ix_application_board_submitted", "board_id", "submitted_at", "id"),
    )


class ApplicationDocument(BoardOwned, Base):
    """An uploaded file (PDF, JPEG or PNG) stored outside the static folder."""

    __tablename__ = "application_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="documents")

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name="status_known"),
    )
