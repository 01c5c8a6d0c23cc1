"""Signed credentials: the boards' public keys, status lists, and each signed credential."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certify.models import Credential
from core.models import Base, BoardOwned, UTCDateTime, utcnow


class IssuerKey(BoardOwned, Base):
    """A public key a board signs with; kept after rotation so older credentials verify.

    The private half never enters the database: it comes from the environment or a key file.
    """

    __tablename__ = "badge_issuer_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    fragment: Mapped[str] = mapped_column(String(40))
    public_key_multibase: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("board_id", "fragment", name="uq_badge_issuer_key_name"),)


class StatusList(BoardOwned, Base):
    """One of a board's Bitstring Status Lists: a revocation and a suspension bitstring.

    `assigned` counts the indexes handed out; index n is (step * n + start) mod size.
    Each purpose's signed list credential is kept as served and re-signed on every change.
    """

    __tablename__ = "badge_status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    assigned: Mapped[int] = mapped_column(Integer, default=0)
    # loaded only when read: handing out an index needs none of them
    revocation_bits: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    suspension_bits: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    revocation_credential: Mapped[str] = mapped_column(Text, default="", deferred=True)
    suspension_credential: Mapped[str] = mapped_column(Text, default="", deferred=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("board_id", "number", name="uq_badge_status_list_number"),)


class SignedBadge(BoardOwned, Base):
    """An Open Badges 3.0 credential signed for a certify credential (a new one on reissue)."""

    __tablename__ = "signed_badge"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), index=True
    )
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    status_list_id: Mapped[int] = mapped_column(ForeignKey("badge_status_list.id"))
    status_index: Mapped[int] = mapped_column(Integer)
    key_fragment: Mapped[str] = mapped_column(String(40))
    document: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    credential: Mapped[Credential] = relationship()
    status_list: Mapped[StatusList] = relationship()

    __table_args__ = (
        # an index is never given to a second credential
        UniqueConstraint("status_list_id", "status_index", name="uq_signed_badge_status_bit"),
    )
