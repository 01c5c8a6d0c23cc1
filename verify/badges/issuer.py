"""Who signs: each board's did:web identifier, its addresses, and its Ed25519 signing key.

The private key comes from the environment (VC_SIGNING_KEY_<SLUG>, PEM or Multikey
secretKeyMultibase) or from a key file (<VC_KEY_DIR>/<slug>.pem, mode 0600); it never
enters the database. Outside production a missing key file is created on first use;
in production `flask vc keygen <slug>` creates it. Every public key a board ever signed
with is recorded (IssuerKey) and published in its DID document, so rotation keeps earlier
credentials verifiable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Board, utcnow
from core.urls import base_url
from verify.badges.keys import (
    SigningKey,
    key_fragment,
    private_key_from_text,
    private_key_pem,
    public_key_multibase,
)
from verify.models import IssuerKey

_loaded: dict[str, Ed25519PrivateKey] = {}


class KeyMissing(ValueError):
    """A board has no signing key configured; the message says how to give it one."""


def issuer_base() -> str:
    """The address DIDs and status lists are built on: BASE_URL when set, else this host."""
    configured = (current_app.config.get("BASE_URL") or "").rstrip("/")
    return configured or base_url()


def board_did(slug: str) -> str:
    """did:web:<host>[:<path>]:issuers:<slug>, which resolves to <base>/issuers/<slug>/did.json."""
    parts = urlsplit(issuer_base())
    segments = [quote(parts.netloc, safe="")]
    segments += [quote(s, safe="") for s in parts.path.split("/") if s]
    return "did:web:" + ":".join([*segments, "issuers", slug])


def board_url(slug: str) -> str:
    return f"{issuer_base()}/issuers/{slug}"


def status_list_url(slug: str, number: int, purpose: str) -> str:
    return f"{board_url(slug)}/status/{number}/{purpose}"


def achievement_url(slug: str, code: str) -> str:
    return f"{board_url(slug)}/achievements/{quote(code, safe='')}"


def env_name(slug: str) -> str:
    return "VC_SIGNING_KEY_" + "".join(c if c.isalnum() else "_" for c in slug.upper())


def key_file(slug: str) -> Path:
    return Path(current_app.config["VC_KEY_DIR"]) / f"{slug}.pem"


def _write_key_file(path: Path, private: Ed25519PrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(private_key_pem(private))
    temporary.replace(path)


def _private_key(slug: str) -> Ed25519PrivateKey:
    from_env = os.environ.get(env_name(slug))
    if from_env:
        text = from_env
    else:
        path = key_file(slug)
        if not path.exists():
            if not current_app.config.get("VC_GENERATE_KEYS"):
                raise KeyMissing(
                    f"Board {slug} has no signing key: set {env_name(slug)} or run "
                    f"`flask --app app vc keygen {slug}` (writes {path})."
                )
            _write_key_file(path, Ed25519PrivateKey.generate())
        text = path.read_text()
    found = _loaded.get(text)
    if found is None:
        found = _loaded[text] = private_key_from_text(text)
    return found


def signing_key(session: Session, board: Board) -> SigningKey:
    """The board's current key; its public half is recorded (and earlier ones retired)."""
    private = _private_key(board.slug)
    public = public_key_multibase(private.public_key())
    fragment = key_fragment(public)
    known = session.execute(
        select(IssuerKey).where(IssuerKey.board_id == board.id, IssuerKey.fragment == fragment)
    ).scalar()
    if known is None or known.retired_at is not None:
        for older in session.execute(
            select(IssuerKey).where(IssuerKey.board_id == board.id, IssuerKey.retired_at.is_(None))
        ).scalars():
            older.retired_at = utcnow()
        if known is None:
            session.add(
                IssuerKey(board_id=board.id, fragment=fragment, public_key_multibase=public)
            )
        else:
            known.retired_at = None
        session.flush()
    return SigningKey(private, f"{board_did(board.slug)}#{fragment}")


@dataclass(frozen=True)
class Rotation:
    old_fragment: str | None
    new_fragment: str
    path: Path


def rotate(session: Session, board: Board) -> Rotation:
    """Replace a key file's key with a new one; the old public key stays published."""
    if os.environ.get(env_name(board.slug)):
        raise KeyMissing(
            f"Board {board.slug}'s key comes from {env_name(board.slug)}: put the new key "
            "there (the old public key stays published once the new one has signed)."
        )
    path = key_file(board.slug)
    old = None
    if path.exists():
        old = key_fragment(
            public_key_multibase(private_key_from_text(path.read_text()).public_key())
        )
    _write_key_file(path, Ed25519PrivateKey.generate())
    new = signing_key(session, board)
    return Rotation(old, new.verification_method.rsplit("#", 1)[1], path)


def published_keys(session: Session, board: Board) -> list[IssuerKey]:
    return list(
        session.execute(
            select(IssuerKey).where(IssuerKey.board_id == board.id).order_by(IssuerKey.id)
        ).scalars()
    )
