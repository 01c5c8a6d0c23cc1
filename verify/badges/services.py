"""Signed credentials: issue, reissue, keep status bits in step with certify, DID documents.

Flush, never commit. Each certify credential has one live signed badge (older ones are
superseded and marked revoked on their status list); its bits follow the credential's
status the moment certify announces a change (the credential_changed hook).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from certify.config.services import endorsement_names
from certify.models import Credential
from core import audit
from core.models import Board, User, utcnow
from core.urls import external_url
from verify.badges import credential as documents
from verify.badges import proof, statuslist, verifier
from verify.badges.issuer import (
    KeyMissing,
    achievement_url,
    board_did,
    board_url,
    issuer_base,
    published_keys,
    signing_key,
    status_list_url,
)
from verify.badges.keys import SigningKey
from verify.models import IssuerKey, SignedBadge, StatusList

SUSPENDED_STATUSES = ("suspended", "inactive")  # not valid now, may become valid again


@dataclass(frozen=True)
class BitState:
    revoked: bool
    suspended: bool


def wanted_bits(status: str, superseded: bool) -> BitState:
    """The status bits a signed badge should carry for its credential's status."""
    return BitState(
        revoked=superseded or status == "revoked",
        suspended=not superseded and status in SUSPENDED_STATUSES,
    )


def _sign_list(lst: StatusList, board: Board, purpose: str, key: SigningKey) -> None:
    bits = lst.revocation_bits if purpose == "revocation" else lst.suspension_bits
    url = status_list_url(board.slug, lst.number, purpose)
    now = utcnow()
    signed = proof.sign(
        documents.status_list_credential(url, board_did(board.slug), purpose, bits, now), key, now
    )
    text = json.dumps(signed, separators=(",", ":"), ensure_ascii=False)
    if purpose == "revocation":
        lst.revocation_credential = text
    else:
        lst.suspension_credential = text
    lst.updated_at = now


def _new_list(session: Session, board: Board, number: int, key: SigningKey) -> StatusList:
    permutation = statuslist.new_permutation()
    lst = StatusList(
        board_id=board.id,
        number=number,
        size=permutation.size,
        step=permutation.step,
        start=permutation.offset,
        assigned=0,
        revocation_bits=statuslist.empty(permutation.size),
        suspension_bits=statuslist.empty(permutation.size),
    )
    for purpose in statuslist.PURPOSES:
        _sign_list(lst, board, purpose, key)
    session.add(lst)
    session.flush()
    return lst


def allocate(
    session: Session, board: Board, key: SigningKey, count: int
) -> list[tuple[StatusList, int]]:
    """The next `count` unused indexes of the board's newest list, new lists as it fills.

    The newest list's row stays locked until commit, so no index is handed out twice.
    """
    lst = session.execute(
        select(StatusList)
        .where(StatusList.board_id == board.id)
        .order_by(StatusList.number.desc())
        .limit(1)
        .with_for_update()
    ).scalar()
    found: list[tuple[StatusList, int]] = []
    while len(found) < count:
        if lst is None or lst.assigned >= lst.size:
            lst = _new_list(session, board, 1 if lst is None else lst.number + 1, key)
        permutation = statuslist.Permutation(lst.step, lst.start, lst.size)
        take = min(count - len(found), lst.size - lst.assigned)
        found += [(lst, permutation.index(n)) for n in range(lst.assigned, lst.assigned + take)]
        lst.assigned += take
    return found


def _endorsement_names(session: Session, credential: Credential) -> tuple[str, ...]:
    return _endorsement_names_of(session, [credential])[credential.id]


def _endorsement_names_of(
    session: Session, credentials: list[Credential]
) -> dict[int, tuple[str, ...]]:
    """Each credential's endorsements by name (one query for all the boards concerned)."""
    names = endorsement_names(session, {c.board_id for c in credentials if c.endorsements})
    return {
        c.id: tuple(names.get((c.board_id, code), code) for code in c.endorsements or ())
        for c in credentials
    }


def badge_facts(
    session: Session,
    credential: Credential,
    badge_uuid: str,
    lst: StatusList,
    index: int,
    endorsements: tuple[str, ...] | None = None,
) -> documents.BadgeFacts:
    board = credential.board
    ctype = credential.credential_type
    list_urls = {p: status_list_url(board.slug, lst.number, p) for p in statuslist.PURPOSES}
    if endorsements is None:
        endorsements = _endorsement_names(session, credential)
    return documents.BadgeFacts(
        credential_id=f"urn:uuid:{badge_uuid}",
        issuer_did=board_did(board.slug),
        board_name=board.name,
        board_url=board_url(board.slug),
        jurisdiction=board.jurisdiction,
        holder_name=credential.holder.full_name,
        credential_number=credential.number,
        credential_type_code=ctype.code,
        credential_type_name=ctype.name,
        achievement_id=achievement_url(board.slug, ctype.code),
        criteria_url=achievement_url(board.slug, ctype.code) + "#criteria",
        verify_url=external_url(
            "certify.verify_credential", slug=board.slug, number=credential.number
        ),
        valid_from=credential.issued_on,
        valid_until=credential.expires_on,
        endorsements=endorsements,
        status=tuple(documents.StatusEntry(p, list_urls[p], index) for p in statuslist.PURPOSES),
    )


def issue_badge(
    session: Session, credential: Credential, key: SigningKey | None = None
) -> SignedBadge:
    """Sign a new Open Badges 3.0 credential for a certify credential."""
    return issue_badges(session, [credential], key)[0]


def issue_badges(
    session: Session, credentials: list[Credential], key: SigningKey | None = None
) -> list[SignedBadge]:
    """Sign a new Open Badges 3.0 credential for each certify credential, as a batch.

    Per board: the key is read once, the status indexes are allocated at once, the badges
    are inserted together, and each status list whose bits change is re-signed once.
    `key` applies when every credential is of one board.
    """
    badges: list[SignedBadge] = []
    by_board: dict[int, list[Credential]] = {}
    for credential in credentials:
        by_board.setdefault(credential.board_id, []).append(credential)
    for group in by_board.values():
        board = group[0].board
        board_key = key or signing_key(session, board)
        slots = allocate(session, board, board_key, len(group))
        endorsements = _endorsement_names_of(session, group)
        fragment = board_key.verification_method.rsplit("#", 1)[1]
        uuids = [str(uuid.uuid4()) for _ in group]
        unsigned = [
            documents.open_badge(
                badge_facts(
                    session, credential, badge_uuid, lst, index, endorsements[credential.id]
                )
            )
            for credential, badge_uuid, (lst, index) in zip(group, uuids, slots, strict=True)
        ]
        signed = proof.sign_many(
            unsigned, board_key, utcnow(), int(current_app.config.get("VC_SIGNING_PROCESSES", 1))
        )
        group_badges = [
            SignedBadge(
                board_id=board.id,
                credential_id=credential.id,
                uuid=badge_uuid,
                status_list_id=lst.id,
                status_index=index,
                key_fragment=fragment,
                document=json.dumps(document, separators=(",", ":"), ensure_ascii=False),
            )
            for credential, badge_uuid, (lst, index), document in zip(
                group, uuids, slots, signed, strict=True
            )
        ]
        session.add_all(group_badges)
        session.flush()
        # a new index's bits start cleared: set those the credential's status wants
        flagged = [c for c in group if wanted_bits(c.status, False) != BitState(False, False)]
        if flagged:
            sync_statuses(session, flagged, board_key)
        badges += group_badges
    return badges


def live_badge(session: Session, credential: Credential) -> SignedBadge | None:
    return session.execute(
        select(SignedBadge)
        .where(SignedBadge.credential_id == credential.id, SignedBadge.superseded_at.is_(None))
        .order_by(SignedBadge.id.desc())
        .limit(1)
    ).scalar()


def badge_for(session: Session, credential: Credential) -> SignedBadge:
    """The live signed badge of a credential, signing one first if there is none yet."""
    return live_badge(session, credential) or issue_badge(session, credential)


def reissue(session: Session, credential: Credential, actor: User | None) -> SignedBadge:
    """Supersede the live badge (its revocation bit is set) and sign a new one."""
    key = signing_key(session, credential.board)
    old = live_badge(session, credential)
    if old is not None:
        old.superseded_at = utcnow()
        session.flush()
    new = issue_badge(session, credential, key)
    sync_status(session, credential, key)  # the superseded copy's revocation bit
    audit.record(
        session,
        actor,
        "badge.reissued",
        credential,
        before={"badge": None if old is None else old.uuid},
        after={"badge": new.uuid},
    )
    return new


def sync_status(session: Session, credential: Credential, key: SigningKey | None = None) -> int:
    """Set every badge's bits for the credential's status; re-sign the lists that changed."""
    return sync_statuses(session, [credential], key)


def sync_statuses(
    session: Session, credentials: list[Credential], key: SigningKey | None = None
) -> int:
    """sync_status of many credentials: each changed list is re-signed once for them all.

    `key` applies when every credential is of one board. Returns the lists re-signed.
    """
    if not credentials:
        return 0
    by_id = {c.id: c for c in credentials}
    badges = session.execute(
        select(SignedBadge).where(SignedBadge.credential_id.in_(list(by_id)))
    ).scalars()
    planned = []
    for badge in badges:
        credential = by_id[badge.credential_id]
        want = wanted_bits(credential.status, badge.superseded_at is not None)
        lst = badge.status_list
        for purpose, value in (("revocation", want.revoked), ("suspension", want.suspended)):
            bits = lst.revocation_bits if purpose == "revocation" else lst.suspension_bits
            if statuslist.get_bit(bits, badge.status_index) != value:
                planned.append((credential, lst, purpose, badge.status_index, value))
    if not planned:
        return 0
    keys: dict[int, SigningKey] = {}
    for credential, *_ in planned:  # every key before any bit changes
        if credential.board_id not in keys:
            keys[credential.board_id] = key or signing_key(session, credential.board)
    changed: dict[tuple[int, str], tuple[StatusList, Board]] = {}
    for credential, lst, purpose, index, value in planned:
        if purpose == "revocation":
            lst.revocation_bits = statuslist.set_bit(lst.revocation_bits, index, value)
        else:
            lst.suspension_bits = statuslist.set_bit(lst.suspension_bits, index, value)
        changed[(lst.id, purpose)] = (lst, credential.board)
    for (_, purpose), (lst, board) in changed.items():
        _sign_list(lst, board, purpose, keys[board.id])
    session.flush()
    return len(changed)


def on_credentials_issued(session: Session, credentials: list[Credential]) -> None:
    """certify's credentials_issued hook: sign every new credential, as one batch."""
    try:
        issue_badges(session, credentials)
    except KeyMissing as exc:
        # the credentials themselves stand; their signed forms wait for the board's key
        current_app.logger.error("signed credentials not issued: %s", exc)


def on_credential_changed(session: Session, credential: Credential, what: str) -> None:
    """certify's credential_changed hook: flip bits at once, reissue on renewal."""
    try:
        if what == "renewed" and live_badge(session, credential) is not None:
            reissue(session, credential, None)
        else:
            sync_status(session, credential)
    except KeyMissing as exc:
        # the credential itself stands; its signed form waits for the board's key
        current_app.logger.error("signed credential not updated: %s", exc)


def status_list_document(session: Session, board: Board, number: int, purpose: str) -> str | None:
    lst = session.execute(
        select(StatusList).where(StatusList.board_id == board.id, StatusList.number == number)
    ).scalar()
    if lst is None:
        return None
    return lst.revocation_credential if purpose == "revocation" else lst.suspension_credential


def did_document(session: Session, board: Board) -> dict[str, Any]:
    """The board's DID document: every public key it ever signed with (none before the first)."""
    return documents.did_document(
        board_did(board.slug),
        [(k.fragment, k.public_key_multibase) for k in published_keys(session, board)],
    )


def _board_by_slug(session: Session, slug: str) -> Board | None:
    return session.execute(select(Board).where(Board.slug == slug)).scalar()


def key_resolver(session: Session) -> proof.KeyResolver:
    """Find a key among the boards of this registry, from a did:web verification method id."""

    def resolve(method: str) -> proof.ResolvedKey | None:
        did, _, fragment = method.partition("#")
        slug = did.rsplit(":", 1)[-1]
        board = _board_by_slug(session, slug)
        if board is None or board_did(slug) != did or not fragment:
            return None
        key = session.execute(
            select(IssuerKey).where(IssuerKey.board_id == board.id, IssuerKey.fragment == fragment)
        ).scalar()
        if key is None:
            return None
        return proof.ResolvedKey(key.public_key_multibase, did, True)

    return resolve


def status_list_loader(session: Session) -> verifier.StatusListLoader:
    """Find a status list credential of this registry by its URL."""

    def load(url: str) -> dict[str, Any] | None:
        prefix = f"{issuer_base()}/issuers/"
        if not url.startswith(prefix):
            return None
        parts = url[len(prefix) :].split("/")
        if len(parts) != 4 or parts[1] != "status" or parts[3] not in statuslist.PURPOSES:
            return None
        board = _board_by_slug(session, parts[0])
        if board is None or not parts[2].isdigit():
            return None
        text = status_list_document(session, board, int(parts[2]), parts[3])
        return json.loads(text) if text else None

    return load


def check_document(session: Session, document: Any) -> verifier.Verification:
    """Verify a signed credential against this registry's keys and status lists, now."""
    return verifier.verify_credential(
        document, key_resolver(session), status_list_loader(session), utcnow()
    )


def sign_missing(session: Session, board: Board, batch: int = 500) -> int:
    """Sign a badge for every credential of the board that has none (e.g. issued before)."""
    key = signing_key(session, board)
    signed = select(SignedBadge.credential_id).where(SignedBadge.board_id == board.id)
    count = 0
    while True:
        missing = list(
            session.execute(
                select(Credential)
                .where(Credential.board_id == board.id, Credential.id.not_in(signed))
                .order_by(Credential.id)
                .limit(batch)
            ).scalars()
        )
        if not missing:
            return count
        issue_badges(session, missing, key)
        count += len(missing)


def record_rotation(session: Session, board: Board, actor: User | None, rotation: Any) -> None:
    audit.record(
        session,
        actor,
        "issuer_key.rotated",
        board,
        before={"key": rotation.old_fragment},
        after={"key": rotation.new_fragment},
    )
