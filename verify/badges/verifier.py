"""Check a signed credential: its signature, its dates and its status, in one verdict.

Pure: the caller gives how to find a key (from a verification method id) and a status list
credential (from its URL); nothing is fetched from the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from verify.badges import statuslist
from verify.badges.jsonld import CREDENTIALS_V2
from verify.badges.proof import KeyResolver, check

StatusListLoader = Callable[[str], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Check:
    name: str  # signature | dates | status | form
    passed: bool
    detail: str


@dataclass(frozen=True)
class Verification:
    """The verdict on one credential, with each check and a one-line summary."""

    valid: bool
    checks: tuple[Check, ...]
    subject: str  # "Jane Doe, Certified Peer Support Specialist NE-CPSS-000001", or ""

    @property
    def summary(self) -> str:
        if self.valid:
            return f"VALID: signature, dates and status hold — {self.subject}"
        failed = "; ".join(c.detail for c in self.checks if not c.passed)
        return f"NOT VALID: {failed}" + (f" — {self.subject}" if self.subject else "")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _subject(document: dict[str, Any]) -> str:
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        return ""
    found = subject.get("achievement")
    achievement: dict[str, Any] = found if isinstance(found, dict) else {}
    parts = [
        str(subject.get("name") or ""),
        " ".join(str(x) for x in (achievement.get("name"), subject.get("licenseNumber")) if x),
    ]
    return ", ".join(p for p in parts if p)


def _dates(document: dict[str, Any], now: datetime) -> Check:
    start = _parse_time(document.get("validFrom"))
    if start is None:
        return Check("dates", False, "it has no readable validFrom date")
    if now < start:
        return Check("dates", False, f"it is not valid before {document['validFrom']}")
    if "validUntil" in document:
        end = _parse_time(document.get("validUntil"))
        if end is None:
            return Check("dates", False, "its validUntil date cannot be read")
        if now > end:
            return Check("dates", False, f"it expired at {document['validUntil']}")
        return Check("dates", True, f"valid from {document['validFrom']} until "
                     f"{document['validUntil']}")  # fmt: skip
    return Check("dates", True, f"valid from {document['validFrom']}")


def _one_status(
    document: dict[str, Any], entry: dict[str, Any], resolve: KeyResolver, load: StatusListLoader
) -> Check:
    purpose = entry.get("statusPurpose")
    url = entry.get("statusListCredential")
    try:
        index = int(entry.get("statusListIndex", ""))
    except ValueError:
        return Check("status", False, "a status entry has no readable index")
    listed = load(url) if isinstance(url, str) else None
    if listed is None:
        return Check("status", False, f"its status list {url} is not known here")
    signed = check(listed, resolve)
    if not signed.valid:
        return Check("status", False, f"its status list does not verify ({signed.reason})")
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    subject = listed.get("credentialSubject") or {}
    if listed.get("issuer") != issuer_id:
        return Check("status", False, "its status list has another issuer")
    if subject.get("statusPurpose") != purpose:
        return Check("status", False, "its status list is for another purpose")
    try:
        bits = statuslist.decode(str(subject.get("encodedList", "")))
        is_set = statuslist.get_bit(bits, index)
    except ValueError as exc:
        return Check("status", False, f"its status list cannot be read ({exc})")
    if len(bits) * 8 < statuslist.LIST_SIZE:
        return Check("status", False, "its status list is shorter than 131,072 entries")
    if is_set:
        word = {"revocation": "revoked", "suspension": "suspended"}.get(str(purpose), purpose)
        return Check("status", False, f"it is {word} (status list {url}, index {index})")
    return Check("status", True, f"not {purpose}-flagged")


def verify_credential(
    document: Any, resolve: KeyResolver, load: StatusListLoader, now: datetime
) -> Verification:
    """Signature, then dates, then every status entry; valid only when all hold."""
    if not isinstance(document, dict):
        return Verification(False, (Check("form", False, "it is not a JSON object"),), "")
    contexts = document.get("@context")
    types = document.get("type")
    if not isinstance(contexts, list) or not contexts or contexts[0] != CREDENTIALS_V2:
        return Verification(
            False, (Check("form", False, "it is not a Verifiable Credential 2.0"),), ""
        )
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return Verification(False, (Check("form", False, "it is not a credential"),), "")
    subject = _subject(document)
    signed = check(document, resolve)
    checks = [Check("signature", signed.valid, signed.reason)]
    checks.append(_dates(document, now))
    entries = document.get("credentialStatus", [])
    entries = entries if isinstance(entries, list) else [entries]
    if not entries:
        checks.append(Check("status", True, "no status list"))
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            checks.append(Check("status", False, "a status entry is of an unknown kind"))
            continue
        checks.append(_one_status(document, entry, resolve, load))
    return Verification(all(c.passed for c in checks), tuple(checks), subject)
