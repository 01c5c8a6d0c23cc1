"""A trainee goes from registration to a wallet card in a real browser; staff review on the way."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from core.extensions import db
from core.models import OutboxMessage, Role, User
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, credential_type, ready_trainee


def _activation_path(app, email: str) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        body = (
            db.session.execute(
                select(OutboxMessage.body_text)
                .where(OutboxMessage.to_addr == email)
                .order_by(OutboxMessage.id.desc())
            )
            .scalars()
            .first()
        )
    return re.search(r"(/activate/\S+)", body).group(1)


def _login(page, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_registration_to_wallet_card(app, browser, live_server, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne", "Nebraska Peer Support Certification")
    credential_type(app, board)
    reviewer = make_user("reviewer@example.org", [(Role.BOARD_REVIEWER, board)])
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)

    # 1. register and activate
    page.goto("/register")
    page.get_by_label("Full name").fill("Riley Recovery")
    page.get_by_label("Email").fill("riley@example.org")
    page.get_by_label("A trainee or certificant").check()
    page.get_by_label("Certification board").select_option(label=board.name)
    page.locator("#password").fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("We emailed you a link")).to_be_visible()
    page.goto(_activation_path(app, "riley@example.org"))  # one click activates
    expect(
        page.get_by_text("Your account is active. Log in with the password you chose.")
    ).to_be_visible()
    page.get_by_label("Email").fill("riley@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("panel-eligibility")).to_be_visible()

    # 2. my details; the board records the 40-hour training
    page.goto("/me/profile")
    page.get_by_label("Date of birth").fill("1990-05-01")
    page.get_by_label("Highest education").select_option("hs_diploma_or_ged")
    page.get_by_label("I self-identify", exact=False).check()
    page.get_by_label("In recovery since").fill("2020-01-01")
    page.get_by_label("I have read and signed", exact=False).check()
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    with app.app_context():
        riley = db.session.execute(select(User).where(User.email == "riley@example.org")).scalar()
    from certify.models import TraineeProfile

    with app.app_context():
        db.session.query(TraineeProfile).delete()  # ready_trainee writes a fresh profile
        db.session.commit()
    ready_trainee(app, board, riley, exam_passed=False)
    page.goto("/me/certification")
    expect(page.get_by_text("40 of 40 training hours")).to_be_visible()
    expect(page.get_by_text("Exam not passed")).to_be_visible()

    # 3. apply and submit
    page.get_by_role("button", name="Apply for Certified CPSS").click()
    page.get_by_role("button", name="Submit application").click()
    # the exam is still missing: the page says so and asks to confirm
    expect(page.get_by_text("1 requirement is not met: Exam")).to_be_visible()
    page.get_by_label("Submit anyway", exact=False).check()
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_text("Application submitted.")).to_be_visible()
    screenshot(page, "flow-submitted-phone")

    # 4. the reviewer records the exam, approves and issues
    staff = browser.new_context(base_url=live_server)
    review = staff.new_page()
    review.set_default_timeout(15000)
    _login(review, reviewer.email)
    review.goto(f"/boards/{board.id}/applications")
    review.get_by_role("link", name="Riley Recovery").click()
    review.get_by_role("button", name="Start review").click()
    review.get_by_label("Certification exam passed").check()
    review.get_by_role("button", name="Save board records").click()
    expect(review.get_by_text("Board records saved.")).to_be_visible()
    review.get_by_label("Approve", exact=True).check()
    review.get_by_label("I confirm").check()
    review.get_by_role("button", name="Record decision").click()
    expect(review.get_by_text("the applicant was emailed")).to_be_visible()
    review.get_by_role("button", name="Issue credential").click()
    expect(review.get_by_text("Credential NE-CPSS-000001 issued.")).to_be_visible()
    screenshot(review, "flow-credential-staff")
    staff.close()

    # 5. the trainee downloads the wallet card; the public page says active
    page.goto("/me/credentials")
    expect(page.get_by_text("Active — may practice as a Certified CPSS until")).to_be_visible()
    href = page.get_by_role("link", name="Wallet card (PDF)").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "NE-CPSS-000001" in text and "Riley Recovery" in text
    page.get_by_role("link", name="Public verification page").click()
    expect(page.get_by_test_id("status-sentence")).to_contain_text("Active")
    screenshot(page, "flow-verify-phone")
    context.close()
