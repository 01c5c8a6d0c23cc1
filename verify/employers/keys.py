"""Employer API keys: made once and shown once, kept as a hash, revoked by the employer.

A key reads "pck_<prefix>_<secret>". The prefix finds the row; the SHA-256 of the whole key
is compared in constant time. The secret has 256 bits of entropy, so a fast hash suffices.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.models import User, utcnow
from verify.models import ApiKey, EmployerOrganization

KEY_PATTERN = re.compile(r"^pck_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$")
LAST_USE_PRECISION = timedelta(minutes=1)  # spares a write on every request


class ApiKeyError(ValueError):
    """An API key change that cannot be made; the message says why."""


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(
    session: Session, organization: EmployerOrganization, name: str, actor: User
) -> tuple[ApiKey, str]:
    """A new key for the organization; the returned text is the only copy of the secret."""
    name = " ".join(name.split())
    if not name:
        raise ApiKeyError("Give the key a name (what uses it, e.g. 'HR system').")
    prefix = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
                     for _ in range(12))  # fmt: skip
    text = f"pck_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        organization_id=organization.id,
        name=name[:100],
        prefix=prefix,
        secret_hash=_digest(text),
        created_by_id=actor.id,
    )
    session.add(key)
    session.flush()
    audit.record(session, actor, "api_key.created", key, after={"name": key.name, "prefix": prefix})
    return key, text


def revoke(session: Session, key: ApiKey, actor: User) -> None:
    if key.revoked_at is not None:
        raise ApiKeyError("This key is already revoked.")
    key.revoked_at = utcnow()
    session.flush()
    audit.record(session, actor, "api_key.revoked", key, after={"prefix": key.prefix})


def authenticate(session: Session, presented: str | None) -> ApiKey | None:
    """The live key presented as "Bearer pck_...", or None; its last use is noted."""
    if not presented:
        return None
    scheme, _, text = presented.partition(" ")
    text = text.strip()
    if scheme.lower() != "bearer" or not (match := KEY_PATTERN.fullmatch(text)):
        return None
    key = session.execute(select(ApiKey).where(ApiKey.prefix == match.group(1))).scalar()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.secret_hash, _digest(text)):
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USE_PRECISION:
        key.last_used_at = now
        session.flush()
    return key


def keys_of(session: Session, organization: EmployerOrganization) -> list[ApiKey]:
    return list(
        session.execute(
            select(ApiKey)
            .where(ApiKey.organization_id == organization.id)
            .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc())
        ).scalars()
    )
