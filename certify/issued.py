"""Queries about issued credentials: listings, certificate data, upgrade options."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from certify import eligibility, rules
from certify.certificates import CertificateData
from certify.models import Credential, CredentialType, Endorsement
from core.models import Board, User, utcnow
from core.urls import external_url


def verify_url(credential: Credential) -> str:
    return external_url(
        "certify.verify_credential", slug=credential.board.slug, number=credential.number
    )


def certificate_data(credential: Credential) -> CertificateData:
    """What the certificate and wallet card show; no private facts."""
    names = {e.code: e.name for e in _endorsements(credential)}
    return CertificateData(
        board_name=credential.board.name,
        jurisdiction=credential.board.jurisdiction,
        holder_name=credential.holder.full_name,
        credential_type=credential.credential_type.name,
        credential_number=credential.number,
        status=credential.status,
        issued_on=credential.issued_on,
        expires_on=credential.expires_on,
        endorsements=tuple(names.get(code, code) for code in credential.endorsements),
        verify_url=verify_url(credential),
        generated_at=utcnow(),
    )


def _endorsements(credential: Credential) -> list[Endorsement]:
    from sqlalchemy.orm import object_session

    session = object_session(credential)
    if session is None:
        return []
    return list(
        session.execute(
            select(Endorsement).where(Endorsement.board_id == credential.board_id)
        ).scalars()
    )


def credentials_query(
    board_id: int, status: str, search: str, expiring_days: int | None, as_of: date
) -> Select[Any]:
    """The board's credentials, filtered by status, holder or number, and expiry window."""
    query = (
        select(Credential)
        .join(User, Credential.holder_id == User.id)
        .where(Credential.board_id == board_id)
    )
    if status:
        query = query.where(Credential.status == status)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            User.full_name.ilike(pattern)
            | User.email.ilike(pattern)
            | Credential.number.ilike(pattern)
        )
    if expiring_days:
        query = query.where(
            Credential.status.in_(("active", "provisional")),
            Credential.expires_on <= as_of + timedelta(days=expiring_days),
            Credential.expires_on >= as_of,
        )
        return query.order_by(Credential.expires_on)
    return query.order_by(Credential.number)


def full_types_for_upgrade(
    session: Session, credential: Credential, as_of: date
) -> list[tuple[CredentialType, rules.Eligibility]]:
    """For a provisional credential: the board's full credential types and the holder's standing."""
    if credential.status != "provisional":
        return []
    return [
        (ctype, result)
        for ctype, result in eligibility.checklists(
            session, credential.board_id, credential.holder_id, as_of
        )
        if ctype.level == "full"
    ]


def public_lookup(session: Session, slug: str, number: str) -> Credential | None:
    return session.execute(
        select(Credential).join(Board).where(Board.slug == slug, Credential.number == number)
    ).scalar()


def held_by(session: Session, user_id: int) -> list[Credential]:
    """A person's credentials, newest first."""
    return list(
        session.execute(
            select(Credential)
            .where(Credential.holder_id == user_id)
            .order_by(Credential.issued_on.desc())
        ).scalars()
    )


def endorsement_choices(session: Session, board_id: int) -> list[tuple[str, str]]:
    """(code, name) of the board's endorsements, for a form's choices."""
    rows = session.execute(
        select(Endorsement).where(Endorsement.board_id == board_id).order_by(Endorsement.name)
    ).scalars()
    return [(e.code, e.name) for e in rows]
