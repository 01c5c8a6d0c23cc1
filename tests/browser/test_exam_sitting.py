"""In a real browser at phone size: a candidate approved for the exam registers, starts the
exam, answers with clicks that are saved at once, flags a question, reloads mid-way and
finds everything where it was, reviews and submits."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from certify.models import Application, TraineeProfile
from core.extensions import db
from core.models import Board, Role, User
from exams.models import CutScore, DeliveredAnswer, ExamWindow, Registration
from tests.browser.conftest import screenshot
from tests.exams.test_standard_setting import published_form
from tests.factories import PASSWORD, create_credential_type


def _login(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_a_candidate_takes_the_exam_on_a_phone_and_reloads_midway(  # type: ignore[no-untyped-def]
    app, browser, live_server, make_board, make_user
) -> None:
    board = make_board("ex", "Exam Board")
    casey = make_user("casey@example.org", [(Role.TRAINEE, board)])
    with app.app_context():
        b = db.session.get(Board, board.id)
        assert b is not None
        ctype = create_credential_type(db.session, b)
        form = published_form(b, ctype.id, 5)
        db.session.add(CutScore(board_id=b.id, form_id=form.id, raw_cut=2.5, raw_needed=3))
        db.session.add(
            ExamWindow(
                board_id=b.id,
                form_id=form.id,
                name="Autumn window",
                opens_on=date.today(),
                closes_on=date.today() + timedelta(days=7),
                minutes=45,
            )
        )
        db.session.add(TraineeProfile(board_id=b.id, user_id=casey.id))
        db.session.add(
            Application(
                board_id=b.id,
                trainee_id=casey.id,
                credential_type_id=ctype.id,
                status="approved_for_exam",
            )
        )
        db.session.get(User, casey.id).full_name = "Casey Candidate"  # type: ignore[union-attr]
        db.session.commit()

    phone = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.set_default_timeout(15000)
    _login(page, casey.email)
    page.goto("/me/exams")
    expect(page.get_by_role("heading", name="Autumn window")).to_be_visible()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("You are registered: not started")).to_be_visible()
    page.get_by_role("link", name="Go to the exam").click()
    expect(page.get_by_text("45 minutes from the moment you start")).to_be_visible()
    page.get_by_role("button", name="Start the exam").click()

    # question 1: a click is saved at once (no button pressed)
    expect(page.get_by_role("heading", name="Question 1 of 5")).to_be_visible()
    expect(page.locator("#timer")).to_contain_text(":")
    page.get_by_label("refer", exact=False).check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.get_by_role("button", name="Next").click()

    # question 2: an answer and a flag, both saved by their clicks
    expect(page.get_by_role("heading", name="Question 2 of 5")).to_be_visible()
    page.get_by_label("listen", exact=False).check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.get_by_label("Flag for review").check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    expect(page.locator("body")).to_have_attribute("data-saved", "2")
    screenshot(page, "exam-sitting-phone")

    # a reload (or a lost connection) resumes at question 2 with its answer and flag
    page.reload()
    expect(page.get_by_role("heading", name="Question 2 of 5")).to_be_visible()
    expect(page.get_by_label("listen", exact=False)).to_be_checked()
    expect(page.get_by_label("Flag for review")).to_be_checked()
    page.get_by_text("All questions").click()
    expect(page.get_by_role("link", name="Question 1, answered")).to_be_visible()
    expect(page.get_by_role("link", name="Question 2, answered, flagged")).to_be_visible()
    page.get_by_role("link", name="Question 3, not answered").click()
    expect(page.get_by_role("heading", name="Question 3 of 5")).to_be_visible()
    page.get_by_label("refer", exact=False).check()
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.get_by_role("button", name="Review and submit").click()

    expect(page.get_by_text("3 of 5 questions answered")).to_be_visible()
    page.get_by_role("button", name="Submit the exam").click()
    expect(page.get_by_text("Your exam is submitted")).to_be_visible()
    with app.app_context():
        registration = db.session.execute(select(Registration)).scalar_one()
        assert registration.status == "submitted"
        answers = list(
            db.session.execute(
                select(DeliveredAnswer).where(DeliveredAnswer.registration_id == registration.id)
            ).scalars()
        )
        assert sorted((a.choice, a.flagged) for a in answers) == [(0, True), (1, False), (1, False)]
    phone.close()
