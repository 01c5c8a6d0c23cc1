"""In a real browser: a certificant adds CE with a certificate and watches the status change
once the board accepts it; a provider posts a roster and the certificant's hours grow."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from certify.credentials.services import add_months
from certify.models import CredentialType
from ceu.models import CeCategory
from core.extensions import db
from core.models import Board, Role, User
from tests.browser.conftest import screenshot
from tests.ceu.factories import (
    H,
    create_categories,
    create_course,
    create_credential,
    create_provider,
    create_rule,
)
from tests.factories import PASSWORD, create_credential_type

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _login(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def _world(app, make_board, make_user):  # type: ignore[no-untyped-def]
    board = make_board("ne", "Nebraska Peer Support Certification")
    riley = make_user("riley@example.org", [(Role.TRAINEE, board)])
    reviewer = make_user("rex@example.org", [(Role.BOARD_REVIEWER, board)])
    morgan = make_user("morgan@example.org", [])
    issued = date.today() - timedelta(days=365)
    with app.app_context():
        b = db.session.get(Board, board.id)
        db.session.get(User, riley.id).full_name = "Riley Recovery"
        ctype: CredentialType = create_credential_type(db.session, b, cycle_months=24)
        categories = create_categories(db.session, b, "ethics", "general", "peer")
        create_rule(db.session, ctype, categories)
        create_credential(db.session, db.session.get(User, riley.id), ctype, "NE-CPSS-000001",
                          issued, add_months(issued, 24))  # fmt: skip
        provider = create_provider(db.session, b, db.session.get(User, morgan.id))
        day = date.today() - timedelta(days=7)
        by_code = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        create_course(db.session, provider, {"peer": 3 * H}, by_code, "WRAP refresher",
                      starts_on=day, ends_on=day)  # fmt: skip
        db.session.commit()
    return board, riley, reviewer, morgan, issued


def test_a_certificant_adds_ce_with_evidence_and_the_status_changes(  # type: ignore[no-untyped-def]
    app, browser, live_server, make_board, make_user, tmp_path
) -> None:
    board, riley, reviewer, morgan, issued = _world(app, make_board, make_user)
    days = (add_months(issued, 24) - date.today()).days
    phone = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.set_default_timeout(15000)
    _login(page, riley.email)
    expect(page.get_by_test_id("panel-ce")).to_contain_text("6 ethics hours and 14 more hours")
    page.goto("/me/ce")
    sentence = page.get_by_test_id("ce-sentence")
    expect(sentence).to_have_text(f"6 ethics hours and 14 more hours missing, {days} days left")
    expect(page.get_by_text("No CE yet")).to_be_visible()

    # 1. an ethics workshop with its certificate; it waits for the board
    page.get_by_role("link", name="Add an activity").first.click()
    page.get_by_label("Title").fill("Ethics and boundaries in peer work")
    page.get_by_label("Provider").fill("Nebraska Peer Network")
    page.get_by_label("Completed on").fill((date.today() - timedelta(days=2)).isoformat())
    page.get_by_label("Hours").fill("6")
    page.get_by_label("Category").select_option(label="Ethics")
    page.get_by_label("Delivery").select_option("in_person")
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(PDF)
    page.get_by_label("Certificate of attendance").set_input_files(str(certificate))
    screenshot(page, "ce-add-activity-phone")
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("Sent for review.")).to_be_visible()
    expect(page.get_by_test_id("ce-record-row")).to_contain_text("Pending")
    expect(sentence).to_contain_text("6 ethics hours and 14 more hours missing")

    # 2. the board accepts it
    staff = browser.new_context(base_url=live_server)
    review = staff.new_page()
    review.set_default_timeout(15000)
    _login(review, reviewer.email)
    review.goto(f"/boards/{board.id}/ce/review")
    review.get_by_role("link", name="Review Ethics and boundaries in peer work").click()
    expect(review.get_by_role("link", name="certificate.pdf")).to_be_visible()
    review.get_by_label("I confirm this decision").check()
    review.get_by_role("button", name="Accept").click()
    expect(review.get_by_text("is accepted.")).to_be_visible()
    staff.close()

    # 3. the status changes: ethics is done, 14 hours are left
    page.goto("/me/ce")
    expect(sentence).to_have_text(f"14 hours missing, {days} days left")
    expect(page.get_by_test_id("ce-bar-ethics")).to_contain_text("6 of 6 hours")
    screenshot(page, "ce-status-after-accept-phone")

    # 4. the provider posts a roster with one good row and one unknown number
    provider_context = browser.new_context(base_url=live_server)
    provider = provider_context.new_page()
    provider.set_default_timeout(15000)
    _login(provider, morgan.email)
    provider.goto(f"/boards/{board.id}/ce/provider/rosters")
    roster = tmp_path / "roster.csv"
    roster.write_text("credential_number,name\nNE-CPSS-000001,Riley Recovery\nNE-X-9,Nobody\n")
    provider.get_by_label("Roster (.csv or .xlsx)").set_input_files(str(roster))
    provider.get_by_role("button", name="Post roster").click()
    expect(provider.get_by_text("2 rows: 1 posted, 1 to review.")).to_be_visible()
    expect(provider.get_by_test_id("roster-rows")).to_contain_text("Unknown credential number")
    screenshot(provider, "ce-roster-posted")
    provider_context.close()

    page.goto("/me/ce")
    expect(sentence).to_have_text(f"11 hours missing, {days} days left")
    expect(page.get_by_test_id("ce-records")).to_contain_text("WRAP refresher")
    phone.close()
