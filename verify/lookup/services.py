"""Public lookups: one credential by number, many by number, a few by name. Public fields only.

A PublicRecord holds everything the public may see and nothing more: name, board,
credential type, number, status, dates, endorsements and public disciplinary notices. It is
built here from a handful of queries, whether for one credential or a thousand.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from certify.certificates import CertificateData, effective_status, status_sentence
from certify.config.services import endorsement_names
from certify.models import (
    DISCIPLINE_KINDS,
    Credential,
    CredentialType,
    DisciplinaryAction,
)
from core.models import Board, User, utcnow
from core.urls import external_url

NAME_MIN_LENGTH = 2
SEARCH_CAP = 20
BULK_MAX = 1000
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '.-]+[^\W\d_]+)*\.?$")


class SearchRefused(ValueError):
    """A lookup that cannot be run as asked; the message says what to change."""


@dataclass(frozen=True)
class DisciplineNotice:
    started_on: date
    ended_on: date | None
    action: str  # "Suspension", "Reprimand", ...
    summary: str


@dataclass(frozen=True)
class PublicRecord:
    """What anyone may know about one credential."""

    board_slug: str
    board_name: str
    jurisdiction: str
    name: str
    credential_type: str
    number: str
    status: str  # as of today: active/provisional past expiry reads expired
    status_sentence: str
    issued_on: date
    expires_on: date
    endorsements: tuple[str, ...]
    discipline: tuple[DisciplineNotice, ...]
    verify_url: str

    @property
    def valid_for_practice(self) -> bool:
        return self.status in ("active", "provisional")

    def as_json(self) -> dict[str, Any]:
        """The API's representation (the schema PublicCredential in the OpenAPI document)."""
        return {
            "board": {
                "slug": self.board_slug,
                "name": self.board_name,
                "jurisdiction": self.jurisdiction,
            },
            "name": self.name,
            "credential_type": self.credential_type,
            "number": self.number,
            "status": self.status,
            "valid_for_practice": self.valid_for_practice,
            "status_sentence": self.status_sentence,
            "issued_on": self.issued_on.isoformat(),
            "expires_on": self.expires_on.isoformat(),
            "endorsements": list(self.endorsements),
            "discipline": [
                {
                    "started_on": n.started_on.isoformat(),
                    "ended_on": n.ended_on.isoformat() if n.ended_on else None,
                    "action": n.action,
                    "summary": n.summary,
                }
                for n in self.discipline
            ],
            "verify_url": self.verify_url,
        }


def normalise_number(number: str) -> str:
    return number.strip().upper()


def _notice(row: Any) -> DisciplineNotice:
    """A public notice from a row of (kind, started_on, ended_on, public_summary)."""
    return DisciplineNotice(
        row.started_on, row.ended_on, DISCIPLINE_KINDS.get(row.kind, row.kind), row.public_summary
    )


# what a public record is built from: plain columns (no ORM objects to build per row)
_COLUMNS = (
    Credential.id,
    Credential.number,
    Credential.status,
    Credential.issued_on,
    Credential.expires_on,
    Credential.endorsements,
    Board.id.label("board_id"),
    Board.slug.label("board_slug"),
    Board.name.label("board_name"),
    Board.jurisdiction,
    CredentialType.name.label("type_name"),
    User.full_name,
)
_NOTICE_COLUMNS = (
    DisciplinaryAction.kind,
    DisciplinaryAction.started_on,
    DisciplinaryAction.ended_on,
    DisciplinaryAction.public_summary,
)


def _records(
    session: Session,
    rows: list[Any],
    as_of: date,
    known_notices: dict[int, list[DisciplineNotice]] | None = None,
) -> list[PublicRecord]:
    """PublicRecords for rows of _COLUMNS: at most two more queries."""
    if not rows:
        return []
    names = endorsement_names(session, {row.board_id for row in rows if row.endorsements})
    notices: dict[int, list[DisciplineNotice]] = defaultdict(list, known_notices or {})
    ids = [row.id for row in rows]
    for chunk_start in range(0, len(ids) if known_notices is None else 0, 500):
        for notice in session.connection().execute(
            _statements()["notices"], {"ids": ids[chunk_start : chunk_start + 500]}
        ):
            notices[notice.credential_id].append(_notice(notice))
    base = external_url("certify.verify_credential", slug="SLUG", number="NUMBER")
    now = utcnow()
    records = []
    for row in rows:
        endorsements = tuple(
            names.get((row.board_id, code), code) for code in row.endorsements or ()
        )
        url = base.replace("/SLUG/", f"/{row.board_slug}/").replace("/NUMBER", f"/{row.number}")
        data = CertificateData(
            board_name=row.board_name,
            jurisdiction=row.jurisdiction,
            holder_name=row.full_name,
            credential_type=row.type_name,
            credential_number=row.number,
            status=row.status,
            issued_on=row.issued_on,
            expires_on=row.expires_on,
            endorsements=endorsements,
            verify_url=url,
            generated_at=now,
        )
        records.append(
            PublicRecord(
                board_slug=row.board_slug,
                board_name=row.board_name,
                jurisdiction=row.jurisdiction,
                name=row.full_name,
                credential_type=row.type_name,
                number=row.number,
                status=effective_status(data, as_of),
                status_sentence=status_sentence(data, as_of),
                issued_on=row.issued_on,
                expires_on=row.expires_on,
                endorsements=endorsements,
                discipline=tuple(notices.get(row.id, ())),
                verify_url=url,
            )
        )
    return records


def _base_query() -> Any:
    return (
        select(*_COLUMNS)
        .join(Board, Credential.board_id == Board.id)
        .join(CredentialType, Credential.credential_type_id == CredentialType.id)
        .join(User, Credential.holder_id == User.id)
    )


@cache
def _statements() -> dict[str, Any]:
    """The lookups every API call runs, built once (building them costs more than running)."""
    public_action = and_(
        DisciplinaryAction.credential_id == Credential.id, DisciplinaryAction.public.is_(True)
    )
    return {
        # one round trip for the API's lookup: the credential and its public notices
        "by_number": _base_query()
        .add_columns(*(c.label(f"notice_{c.key}") for c in _NOTICE_COLUMNS))
        .outerjoin(DisciplinaryAction, public_action)
        .where(Board.slug == bindparam("slug"), Credential.number == bindparam("number"))
        .order_by(DisciplinaryAction.started_on),
        "notices": select(DisciplinaryAction.credential_id, *_NOTICE_COLUMNS)
        .where(
            DisciplinaryAction.credential_id.in_(bindparam("ids", expanding=True)),
            DisciplinaryAction.public.is_(True),
        )
        .order_by(DisciplinaryAction.started_on),
        "by_numbers": _base_query().where(
            Board.slug == bindparam("slug"),
            Credential.number.in_(bindparam("numbers", expanding=True)),
        ),
    }


def by_number(session: Session, slug: str, number: str, as_of: date) -> PublicRecord | None:
    """One credential by board and number (number case does not matter)."""
    # plain Core on the session's connection: the columns need no ORM result processing
    rows = (
        session.connection()
        .execute(_statements()["by_number"], {"slug": slug, "number": normalise_number(number)})
        .all()
    )
    if not rows:
        return None
    notices = [
        DisciplineNotice(
            row.notice_started_on,
            row.notice_ended_on,
            DISCIPLINE_KINDS.get(row.notice_kind, row.notice_kind),
            row.notice_public_summary,
        )
        for row in rows
        if row.notice_kind is not None
    ]
    return _records(session, [rows[0]], as_of, {rows[0].id: notices})[0]


def by_numbers(
    session: Session, wanted: Iterable[tuple[str, str]], as_of: date
) -> dict[tuple[str, str], PublicRecord]:
    """Many credentials by (board slug, number), one query per board asked about."""
    per_board: dict[str, set[str]] = defaultdict(set)
    for slug, number in wanted:
        per_board[slug].add(normalise_number(number))
    rows: list[Any] = []
    for slug, numbers in per_board.items():
        rows += (
            session.connection()
            .execute(_statements()["by_numbers"], {"slug": slug, "numbers": sorted(numbers)})
            .all()
        )
    return {(r.board_slug, r.number): r for r in _records(session, rows, as_of)}


def by_number_any_board(session: Session, number: str, as_of: date) -> list[PublicRecord]:
    """A credential number searched in every board (numbers start with the board's code)."""
    rows = session.execute(
        _base_query().where(Credential.number == normalise_number(number)).limit(SEARCH_CAP)
    ).all()
    return _records(session, list(rows), as_of)


@dataclass(frozen=True)
class NameSearch:
    records: tuple[PublicRecord, ...]
    too_many: bool  # more matched than are shown: narrow by board or use the number


def check_name(value: str, label: str) -> str:
    """A whole name as typed: letters with inner spaces, hyphens, apostrophes; no wildcards."""
    cleaned = " ".join(value.split())
    if len(cleaned) < NAME_MIN_LENGTH:
        raise SearchRefused(f"{label}: type at least {NAME_MIN_LENGTH} letters.")
    if not _NAME_PATTERN.fullmatch(cleaned):
        raise SearchRefused(
            f"{label}: use letters only (spaces, hyphens and apostrophes inside a name are fine)."
        )
    return cleaned


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def by_name(
    session: Session, last_name: str, first_name: str, board_slug: str | None, as_of: date
) -> NameSearch:
    """Credentials whose holder's first and last names are exactly these (case ignored).

    Whole names only: "Ann" does not find "Anna", and no wildcard reaches the query, so the
    register cannot be listed by guessing prefixes. At most SEARCH_CAP results are shown.
    """
    last = check_name(last_name, "Last name").lower()
    first = check_name(first_name, "First name").lower()
    name = func.lower(User.full_name)
    full = f"{first} {last}"
    query = _base_query().where(
        or_(
            name == full,
            and_(
                name.like(f"{_escape_like(first)} %", escape="\\"),
                name.like(f"% {_escape_like(last)}", escape="\\"),
            ),
        )
    )
    if board_slug:
        query = query.where(Board.slug == board_slug)
    rows = session.execute(
        query.order_by(User.full_name, Credential.number).limit(SEARCH_CAP + 1)
    ).all()
    records = _records(session, list(rows[:SEARCH_CAP]), as_of)
    return NameSearch(tuple(records), len(rows) > SEARCH_CAP)


def boards(session: Session) -> list[Board]:
    return list(session.execute(select(Board).order_by(Board.name)).scalars())
