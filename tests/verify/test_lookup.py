"""The public register: only the public fields, no enumeration, rate limits, the letter PDF."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from certify.credentials import services as credentials
from certify.models import Credential
from core.extensions import db
from core.models import User
from tests.verify.conftest import PRIVATE, change_status, issue_credential

# words that would betray a private fact or a field the public may not see
FORBIDDEN = [
    PRIVATE["email"],
    PRIVATE["birth_date"],
    PRIVATE["recovery_since"],
    PRIVATE["supervisor_name"],
    PRIVATE["supervisor_email"],
    "birth",
    "lived experience",
    "lived_experience",
    "recovery",
    "supervisor",
    "exam",
    "phone",
    "address",
    "internal",
]


def _assert_public_only(text: str) -> None:
    lowered = text.lower()
    for word in FORBIDDEN:
        assert word.lower() not in lowered, word


def test_search_by_number_shows_the_public_fields_only(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/verify", query_string={"number": issued.number.lower()})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for shown in ("Jane Q. Doe", issued.number, "Nebraska Board of Peer Support", "Active",
                  "Y endorsement", "None on record"):  # fmt: skip
        assert shown in page, shown
    body = page.split("<main", 1)[1]
    _assert_public_only(body)


def test_public_discipline_shows_and_internal_notes_do_not(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        credential = db.session.get(Credential, issued.credential_id)
        actor = db.session.get(User, credential.holder_id)
        credentials.discipline(
            db.session, credential, actor, "reprimand", date.today(), True,
            "Reprimand for a boundary violation", internal_notes="hidden investigation notes",
        )  # fmt: skip
        db.session.commit()
    page = client.get("/verify", query_string={"number": issued.number}).get_data(as_text=True)
    assert "Reprimand for a boundary violation" in page
    assert "hidden investigation notes" not in page


def test_search_by_name_is_exact_and_capped(app, client, board, issued) -> None:  # type: ignore[no-untyped-def]
    found = client.get("/verify", query_string={"last_name": "doe", "first_name": "JANE"})
    assert issued.number in found.get_data(as_text=True)
    with_board = client.get(
        "/verify", query_string={"last_name": "Doe", "first_name": "Jane", "board": "ne"}
    )
    assert issued.number in with_board.get_data(as_text=True)
    # no prefix matching, no wildcards, a minimum length
    for last, first in (("Do", "Jane"), ("Doe", "Jan"), ("%", "%"), ("D_e", "Jane"), ("D", "J")):
        page = client.get("/verify", query_string={"last_name": last, "first_name": first})
        assert issued.number not in page.get_data(as_text=True), (last, first)
    refused = client.get("/verify", query_string={"last_name": "%", "first_name": "Jane"})
    assert "letters" in refused.get_data(as_text=True)


def test_name_search_never_lists_more_than_the_cap(app, client, board) -> None:  # type: ignore[no-untyped-def]
    from verify.lookup.services import SEARCH_CAP

    for i in range(SEARCH_CAP + 2):
        issue_credential(app, board, f"smith{i}@example.org", "Pat Smith")
    page = client.get("/verify", query_string={"last_name": "Smith", "first_name": "Pat"})
    text = page.get_data(as_text=True)
    assert text.count('data-testid="record"') == SEARCH_CAP
    assert f"More than {SEARCH_CAP}" in text


def test_statuses_say_so_plainly(app, client, board, issued) -> None:  # type: ignore[no-untyped-def]
    change_status(app, issued.credential_id, "suspended")
    page = client.get("/verify", query_string={"number": issued.number}).get_data(as_text=True)
    assert "Suspended — not valid for practice while suspended" in page
    change_status(app, issued.credential_id, "revoked")
    page = client.get("/verify", query_string={"number": issued.number}).get_data(as_text=True)
    assert "Revoked — not valid for practice" in page


def test_unknown_number_says_nothing_matches(client, issued) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/verify", query_string={"number": "NE-CPSS-999999"})
    assert 'data-testid="no-results"' in page.get_data(as_text=True)


def test_verified_letter_pdf(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/verify/ne/{issued.number}/verified.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert f"verified on {date.today().isoformat()}" in text
    assert "Jane Q. Doe" in text and issued.number in text
    _assert_public_only(text)
    assert client.get("/verify/ne/NE-CPSS-999999/verified.pdf").status_code == 404


def test_the_page_the_qr_code_opens_links_the_printable_letter(client, issued) -> None:  # type: ignore[no-untyped-def]
    """The certificate's QR code opens certify's page; verify adds its letter through a hook."""
    page = client.get(f"/verify/ne/{issued.number}").get_data(as_text=True)
    letter = f'href="/verify/ne/{issued.number}/verified.pdf"'
    assert letter in page and "Print a verification letter (PDF)" in page
    assert client.get(f"/verify/ne/{issued.number}/verified.pdf").status_code == 200


@pytest.mark.parametrize("url", ["/verify?number=NE-CPSS-000001", "/verify/ne/X/verified.pdf"])
def test_public_pages_are_rate_limited(app, url) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    address = {"REMOTE_ADDR": "198.51.100.7" if "pdf" in url else "198.51.100.8"}
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get(url, environ_base=address).status_code for _ in range(5)]
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = "1000 per minute"
    assert codes[:3] != [429] * 3 and codes[3:] == [429, 429]


def test_an_unknown_board_is_said_plainly(client, issued) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/verify", query_string={"number": issued.number, "board": "zz"})
    assert 'data-testid="search-problem"' in page.get_data(as_text=True)
    assert issued.number not in page.get_data(as_text=True).split("search-problem", 1)[1]


def test_the_qr_page_colours_follow_the_status_palette(app, client, issued) -> None:  # type: ignore[no-untyped-def]
    """Issue 16: provisional blue, suspended orange (not green and red) on the public page."""
    page = client.get(f"/verify/ne/{issued.number}").get_data(as_text=True)
    assert 'data-status="active"' in page and "border-success" in page
    change_status(app, issued.credential_id, "suspended")
    page = client.get(f"/verify/ne/{issued.number}").get_data(as_text=True)
    assert 'data-status="suspended"' in page and "border-orange" in page
    assert "border-danger" not in page
