"""What a signed credential says: an Open Badges 3.0 OpenBadgeCredential, and status lists.

Pure: frozen dataclasses in, JSON-LD dictionaries out (unsigned; proof.py signs them). The
credential number identifies the holder; nothing private (no email address, birth date or
lived experience) is ever given to these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from verify.badges.jsonld import CREDENTIALS_V2, DID_V1, MULTIKEY_V1, OPEN_BADGES_V3
from verify.badges.proof import xsd_datetime
from verify.badges.statuslist import encode

UTC_MIDNIGHT = time(0, 0, 0)
UTC_LAST_SECOND = time(23, 59, 59)


@dataclass(frozen=True)
class StatusEntry:
    """Where one purpose's bit for a credential lives."""

    purpose: str  # revocation | suspension
    list_url: str
    index: int


@dataclass(frozen=True)
class BadgeFacts:
    """The public facts of one credential, as the signed credential states them."""

    credential_id: str  # urn:uuid:... of this signed credential
    issuer_did: str
    board_name: str
    board_url: str
    jurisdiction: str
    holder_name: str
    credential_number: str
    credential_type_code: str
    credential_type_name: str
    achievement_id: str
    criteria_url: str
    verify_url: str
    valid_from: date
    valid_until: date
    endorsements: tuple[str, ...]
    status: tuple[StatusEntry, ...]


def _at(day: date, clock: time) -> str:
    from datetime import UTC

    return xsd_datetime(datetime.combine(day, clock, tzinfo=UTC))


def open_badge(facts: BadgeFacts) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential (VC Data Model 2.0) for a credential."""
    description = f"{facts.credential_type_name} issued by {facts.board_name}."
    if facts.endorsements:
        description += " Endorsements: " + ", ".join(facts.endorsements) + "."
    return {
        "@context": [CREDENTIALS_V2, OPEN_BADGES_V3],
        "id": facts.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{facts.credential_type_name} — {facts.credential_number}",
        "description": description,
        "issuer": {
            "id": facts.issuer_did,
            "type": ["Profile"],
            "name": facts.board_name,
            "url": facts.board_url,
            "description": f"Certification board, {facts.jurisdiction}",
        },
        "validFrom": _at(facts.valid_from, UTC_MIDNIGHT),
        "validUntil": _at(facts.valid_until, UTC_LAST_SECOND),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": facts.holder_name,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "identifier",
                    "hashed": False,
                    "identityHash": facts.credential_number,
                }
            ],
            "licenseNumber": facts.credential_number,
            "achievement": {
                "id": facts.achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certification",
                "humanCode": facts.credential_type_code,
                "name": facts.credential_type_name,
                "description": f"{facts.credential_type_name}, a credential of "
                f"{facts.board_name} ({facts.jurisdiction}).",
                "criteria": {
                    "id": facts.criteria_url,
                    "narrative": "Awarded by the board to a person who met its training, "
                    "supervised-hours and examination requirements. Current standing: "
                    + facts.verify_url,
                },
            },
        },
        "credentialStatus": [
            {
                "id": f"{entry.list_url}#{entry.index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": entry.purpose,
                "statusListIndex": str(entry.index),
                "statusListCredential": entry.list_url,
            }
            for entry in facts.status
        ],
    }


def status_list_credential(
    list_url: str, issuer_did: str, purpose: str, bits: bytes, valid_from: datetime
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential for one list and purpose."""
    return {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(bits),
        },
    }


def did_document(did: str, public_keys: list[tuple[str, str]]) -> dict[str, Any]:
    """A DID document listing every key (fragment, publicKeyMultibase) a board signed with.

    Retired keys stay listed so that credentials signed with them keep verifying.
    """
    methods = [
        {
            "id": f"{did}#{fragment}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multibase,
        }
        for fragment, multibase in public_keys
    ]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
