"""Wall certificates and wallet cards: content, status wording, watermarks and input checks."""

from __future__ import annotations

import dataclasses
import functools
import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from certify.certificates import (
    CertificateData,
    effective_status,
    status_sentence,
    wall_certificate,
    wallet_card,
)

URL = "https://peercert.example.org/verify/NE-CPSS-000123"
BASE = CertificateData(
    board_name="Nebraska Peer Support Certification Board",
    jurisdiction="State of Nebraska",
    holder_name="Jordan Rivera",
    credential_type="Certified Peer Support Specialist",
    credential_number="NE-CPSS-000123",
    status="active",
    issued_on=date(2025, 7, 1),
    expires_on=date(2027, 6, 30),
    endorsements=("Adult", "Veteran"),
    verify_url=URL,
    generated_at=datetime(2026, 11, 23, 14, 5, tzinfo=UTC),
)
INVALID = ("revoked", "expired", "suspended", "inactive")


def credential(**changes) -> CertificateData:
    return dataclasses.replace(BASE, **changes)


@functools.cache
def pdf_of(render, data: CertificateData) -> bytes:
    """Render once per (document, credential) for the whole module: keeps the tests fast."""
    return render(data)


@functools.cache
def rendered(render, data: CertificateData) -> tuple[PdfReader, str]:
    return read(pdf_of(render, data))


def read(pdf: bytes) -> tuple[PdfReader, str]:
    """Return the reader and all pages' text with wrapped lines joined by single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())


@pytest.mark.parametrize("render", [wall_certificate, wallet_card])
def test_both_documents_show_every_public_fact(render) -> None:
    _, text = rendered(render, BASE)
    for fact in (
        "Jordan Rivera",
        "Certified Peer Support Specialist",
        "NE-CPSS-000123",
        "2025-07-01",
        "2027-06-30",
        "Adult",
        "Veteran",
        URL,
        "Nebraska Peer Support Certification Board",
        "Active — may practice as a Certified Peer Support Specialist until 2027-06-30",
        "Generated 2026-11-23 14:05 UTC",
    ):
        assert fact in text, fact
    assert "REVOKED" not in text and "not valid" not in text


def test_wall_certificate_is_landscape_letter_with_signature_lines_and_metadata() -> None:
    reader, text = rendered(wall_certificate, BASE)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (792, 612)
    assert "hereby certifies that" in text
    assert "Board chair" in text and "Executive director" in text
    assert f"Verify at {URL}" in text
    assert reader.metadata.author == BASE.board_name
    assert "Jordan Rivera" in reader.metadata.title


def test_wallet_card_is_credit_card_size_front_and_back() -> None:
    reader, _ = rendered(wallet_card, BASE)
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (243, 153)
    front, back = (page.extract_text() for page in reader.pages)
    assert "Jordan Rivera" in front and "ACTIVE" in front and "NE-CPSS-000123" in front
    assert "Adult, Veteran" in back and URL in back


def test_revoked_credential_says_so_on_both_documents() -> None:
    revoked = credential(status="revoked")
    for render in (wall_certificate, wallet_card):
        reader, text = rendered(render, revoked)
        assert "REVOKED" in text
        assert "Revoked — not valid for practice" in text
        # the watermark is on every page, front and back
        assert all("REVOKED" in page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("status", INVALID)
@pytest.mark.parametrize("render", [wall_certificate, wallet_card])
def test_every_invalid_status_is_watermarked(render, status: str) -> None:
    _, text = rendered(render, credential(status=status))
    assert status.upper() in text
    assert "not valid for practice" in text
    others = {s.upper() for s in INVALID} - {status.upper()}
    assert not any(other in text for other in others)


def test_active_past_its_expiry_prints_as_expired() -> None:
    stale = credential(expires_on=date(2026, 6, 30))
    for render in (wall_certificate, wallet_card):
        _, text = rendered(render, stale)
        assert "EXPIRED" in text and "Expired on 2026-06-30 — not valid for practice" in text


def test_provisional_is_valid_and_blue_not_watermarked() -> None:
    _, text = rendered(wallet_card, credential(status="provisional"))
    assert "PROVISIONAL" in text and "not valid" not in text


def test_no_endorsements_reads_none_on_the_card() -> None:
    _, text = rendered(wallet_card, credential(endorsements=()))
    assert "None" in text


def test_same_credential_gives_the_same_bytes() -> None:
    # a fresh render against the cached one: regenerating after no change changes nothing
    assert wall_certificate(credential()) == pdf_of(wall_certificate, BASE)
    assert wallet_card(credential()) == pdf_of(wallet_card, BASE)
    assert pdf_of(wallet_card, BASE) != pdf_of(wallet_card, credential(status="revoked"))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", "Active — may practice as a Certified Peer Support Specialist until 2027-06-30"),
        ("provisional",
         "Provisional — may practice as a Certified Peer Support Specialist until 2027-06-30"),
        ("expired", "Expired on 2027-06-30 — not valid for practice"),
        ("revoked", "Revoked — not valid for practice"),
        ("suspended", "Suspended — not valid for practice while suspended"),
        ("inactive", "Inactive (by request) — not valid for practice"),
    ],
)  # fmt: skip
def test_status_sentence_wording(status: str, expected: str) -> None:
    assert status_sentence(credential(status=status), date(2026, 11, 23)) == expected


def test_expiry_day_is_still_valid_and_the_day_after_is_not() -> None:
    assert effective_status(BASE, date(2027, 6, 30)) == "active"
    assert effective_status(BASE, date(2027, 7, 1)) == "expired"
    assert status_sentence(BASE, date(2027, 7, 1)).startswith("Expired on 2027-06-30")
    # suspension outranks expiry: the reason it is not valid is the suspension
    assert effective_status(credential(status="suspended"), date(2030, 1, 1)) == "suspended"


def test_article_follows_the_credential_type() -> None:
    other = credential(credential_type="Associate Peer Recovery Specialist")
    assert "as an Associate Peer Recovery Specialist until" in status_sentence(
        other, date(2026, 1, 1)
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"holder_name": "  "}, "holder_name"),
        ({"board_name": ""}, "board_name"),
        ({"credential_number": ""}, "credential_number"),
        ({"expires_on": date(2025, 6, 30)}, "expires_on"),
        ({"status": "lapsed"}, "status"),
        ({"endorsements": ("Adult", " ")}, "endorsements"),
        ({"verify_url": "peercert.example.org/verify"}, "verify_url"),
        ({"generated_at": datetime(2026, 11, 23, 14, 5)}, "generated_at"),
    ],
)
@pytest.mark.parametrize("render", [wall_certificate, wallet_card])
def test_bad_input_names_the_field(render, changes: dict, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}"):
        render(credential(**changes))


def test_status_sentence_rejects_unknown_status() -> None:
    with pytest.raises(ValueError, match="^status"):
        status_sentence(credential(status="lapsed"), date(2026, 1, 1))


def test_long_names_are_shrunk_to_fit_not_cut() -> None:
    long_name = "Maria-Guadalupe Esperanza Fernández-Villanueva de la Cruz O'Connor"
    for render in (wall_certificate, wallet_card):
        _, text = rendered(render, credential(holder_name=long_name))
        assert long_name in text
