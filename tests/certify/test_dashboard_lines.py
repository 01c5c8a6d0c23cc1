"""The trainee's and certificant's dashboard lead with what needs doing (issue 16)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from certify.credentials import services as credentials
from certify.models import Application, ApplicationDocument, CredentialType
from core.extensions import db
from core.models import Board, Role, User, utcnow
from tests.factories import credential_type, login, ready_trainee


def _dashboard(client) -> str:  # type: ignore[no-untyped-def]
    return client.get("/dashboard").get_data(as_text=True)


def test_a_trainee_short_of_training_and_exam_reads_both_biggest_gap_first(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    ready_trainee(app, board, trainee, training_minutes=38 * 60 + 30, exam_passed=False)
    login(client, trainee.email)
    page = _dashboard(client)
    assert "1.5 training hours and the exam still missing." in page
    assert 'data-testid="attention-lines"' in page


def test_a_ready_trainee_is_told_to_apply_and_an_application_sent_back_shows_the_request(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    ready_trainee(app, board, trainee)
    login(client, trainee.email)
    assert "you can apply now" in _dashboard(client)
    with app.app_context():
        application = Application(
            board_id=board.id,
            trainee_id=trainee.id,
            credential_type_id=ctype_id,
            status="info_requested",
            decision_reason="Your diploma scan is unreadable",
        )
        db.session.add(application)
        db.session.flush()
        db.session.add(
            ApplicationDocument(
                board_id=board.id, application_id=application.id, kind="diploma",
                original_name="d.pdf", stored_name="abc123.pdf", content_type="application/pdf",
                size_bytes=10, status="rejected",
            )
        )  # fmt: skip
        db.session.commit()
    page = _dashboard(client)
    assert "asked for more information" in page
    assert "Your diploma scan is unreadable" in page
    assert "Upload again: High school diploma or GED." in page
    assert "you can apply now" not in page


def test_a_certificant_sees_expiry_soon_and_a_suspension_with_its_reason_and_contact(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    credential_type(app, board)
    holder = make_user("hal@example.org", [(Role.TRAINEE, board)])
    staff = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    with app.app_context():
        ctype = db.session.execute(select(CredentialType)).scalar_one()
        person, actor = db.session.get(User, holder.id), db.session.get(User, staff.id)
        row = db.session.get(Board, board.id)
        row.contact_email = "help@board.example.org"
        # a two-year cycle issued 23 months ago ends within 90 days
        issued = credentials.issue(
            db.session, person, ctype, actor, date.today() - timedelta(days=700)
        )
        db.session.commit()
        number = issued.number
    login(client, holder.email)
    page = _dashboard(client)
    assert f"{number} expires on" in page and "renew it before then" in page
    with app.app_context():
        issued = credentials.held_by(db.session, holder.id)[0]
        credentials.change_status(
            db.session,
            issued,
            "suspended",
            db.session.get(User, staff.id),
            "Audit of hours pending",
        )
        db.session.commit()
    page = _dashboard(client)
    assert f"{number} is suspended: Audit of hours pending." in page
    assert "contact help@board.example.org" in page


def test_board_staff_read_what_waits_counted_and_linked_to_the_filtered_queue(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, board)])
    for i, status in enumerate(("submitted", "submitted", "resubmitted", "in_review", "draft")):
        trainee = make_user(f"t{i}@example.org", [(Role.TRAINEE, board)])
        sent = None if status == "draft" else utcnow() - timedelta(days=9 - i)
        with app.app_context():
            db.session.add(
                Application(
                    board_id=board.id, trainee_id=trainee.id, credential_type_id=ctype_id,
                    status=status, submitted_at=sent,
                )
            )  # fmt: skip
            db.session.commit()
    for person in (admin, reviewer):
        login(client, person.email)
        page = _dashboard(client)
        assert page.count('data-testid="panel-board-work"') == 1
        assert "3 applications wait for review (the oldest sent 9 days ago)" in page
        assert f'href="/boards/{board.id}/applications?status=submitted"' in page
        assert "1 application is in review" in page
        assert "0 documents wait to be checked" in page
        client.post("/logout")


def test_the_board_overview_draws_applications_per_month_with_the_numbers(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    now = utcnow()
    this_month = now.strftime("%Y-%m")
    for i, back in enumerate((0, 0, 400)):  # two this month, one more than a year ago
        trainee = make_user(f"t{i}@example.org", [(Role.TRAINEE, board)])
        with app.app_context():
            db.session.add(
                Application(
                    board_id=board.id, trainee_id=trainee.id, credential_type_id=ctype_id,
                    status="submitted", submitted_at=now - timedelta(days=back),
                )
            )  # fmt: skip
            db.session.commit()
    login(client, admin.email)
    page = client.get(f"/boards/{board.id}").get_data(as_text=True)
    assert 'data-testid="applications-trend"' in page
    assert f"<title>{this_month}: 2</title>" in page
    assert f'<td>{this_month}</td><td class="text-end">2</td>' in page
    assert "2 applications sent in the last 12 months" in page
