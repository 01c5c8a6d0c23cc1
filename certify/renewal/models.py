"""A credential type's renewal policy, and the renewal requests of credentials (history kept)."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.models import Credential, CredentialType
from core.models import Base, BoardOwned, User, UTCDateTime, utcnow

REVIEW_CHOICES = {
    "all": "Staff review every renewal",
    "flagged": "Staff review only flagged renewals; the others are approved at once",
}
FEE_STATES = {
    "none": "No fee",
    "attested": "Paid (the certificant attests it)",
    "unpaid": "Not paid yet",
    "paid": "Paid (marked by staff)",
}
REQUEST_KINDS = {"renewal": "Renewal", "reinstatement": "Reinstatement"}
REQUEST_STATUSES = {"review": "Waiting for review", "approved": "Approved", "rejected": "Rejected"}


def _among(column: str, values: object) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"  # type: ignore[attr-defined]


class RenewalPolicy(BoardOwned, Base):
    """When and how a credential type renews; without a row the defaults of policy.py apply."""

    __tablename__ = "renewal_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_type_id: Mapped[int] = mapped_column(
        ForeignKey("credential_type.id", ondelete="CASCADE")
    )
    window_days: Mapped[int] = mapped_column(Integer, default=90)
    grace_days: Mapped[int] = mapped_column(Integer, default=0)
    attestations: Mapped[list[str]] = mapped_column(JSON, default=list)
    fee_required: Mapped[bool] = mapped_column(Boolean, default=False)
    review: Mapped[str] = mapped_column(String(10), default="all")
    reinstatement_fee: Mapped[bool] = mapped_column(Boolean, default=False)
    reinstatement_exam: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    credential_type: Mapped[CredentialType] = relationship()

    __table_args__ = (
        UniqueConstraint("credential_type_id", name="uq_renewal_policy_type"),
        CheckConstraint("window_days BETWEEN 0 AND 365", name="window_range"),
        CheckConstraint("grace_days BETWEEN 0 AND 365", name="grace_range"),
        CheckConstraint(_among("review", REVIEW_CHOICES), name="review_known"),
    )


class RenewalRequest(BoardOwned, Base):
    """A certificant's request to renew (or reinstate) a credential, and its decision."""

    __tablename__ = "renewal_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), index=True
    )
    holder_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(14))
    status: Mapped[str] = mapped_column(String(10), default="review")
    expires_before: Mapped[date] = mapped_column(Date)
    expires_after: Mapped[date | None] = mapped_column(Date)
    attestations: Mapped[list[str]] = mapped_column(JSON, default=list)  # the texts ticked
    fee: Mapped[str] = mapped_column(String(10), default="none")
    note: Mapped[str] = mapped_column(Text, default="")
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)  # why staff review it
    exam_passed_on: Mapped[date | None] = mapped_column(Date)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    credential: Mapped[Credential] = relationship()
    holder: Mapped[User] = relationship(foreign_keys=[holder_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        CheckConstraint(_among("kind", REQUEST_KINDS), name="kind_known"),
        CheckConstraint(_among("status", REQUEST_STATUSES), name="status_known"),
        CheckConstraint(_among("fee", FEE_STATES), name="fee_known"),
        # one request waiting per credential: two clicks make one request
        Index(
            "uq_renewal_request_open",
            "credential_id",
            unique=True,
            postgresql_where=text("status = 'review'"),
            sqlite_where=text("status = 'review'"),
        ),
        Index("ix_renewal_request_board_status", "board_id", "status"),
    )
