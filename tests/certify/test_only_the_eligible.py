"""A credential means what it says: submit, approve and issue check the rules as of now."""

from __future__ import annotations

import io
import threading

import pytest
from sqlalchemy import func, select

from certify.models import Application, ApplicationDocument, Credential
from core.extensions import db
from core.models import AuditEvent, Role
from tests.factories import credential_type, login, ready_trainee

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _short_trainee(app, make_board, make_user):  # type: ignore[no-untyped-def]
    """Seen: 38.5 of 40 training hours and no exam."""
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, board)])
    ready_trainee(app, board, trainee, training_minutes=38 * 60 + 30, exam_passed=False)
    return board, ctype_id, trainee, reviewer


def _application(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.execute(select(Application)).scalar_one()


def _submitted(app, client, ctype_id, confirm: bool):  # type: ignore[no-untyped-def]
    url = client.post("/me/applications/start", data={"credential_type_id": ctype_id}).headers[
        "Location"
    ]
    data = {"confirm_unmet": "y"} if confirm else {}
    page = client.post(f"{url}/submit", data=data, follow_redirects=True).get_data(as_text=True)
    return url, page


def test_submitting_with_unmet_requirements_names_them_and_asks_to_confirm(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board, ctype_id, trainee, _ = _short_trainee(app, make_board, make_user)
    login(client, trainee.email)
    url, page = _submitted(app, client, ctype_id, confirm=False)
    assert "2 requirements are not met" in page
    assert "38.5 of 40 training hours" in page and "Exam not passed" in page
    assert _application(app).status == "draft"
    form = client.get(url).get_data(as_text=True)
    assert 'data-testid="unmet-warning"' in form and "Submit anyway" in form
    client.post(f"{url}/submit", data={"confirm_unmet": "y"})
    assert _application(app).status == "submitted"


def test_approving_rechecks_the_rules_and_needs_an_override_with_a_reason(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board, ctype_id, trainee, reviewer = _short_trainee(app, make_board, make_user)
    login(client, trainee.email)
    _submitted(app, client, ctype_id, confirm=True)
    application_id = _application(app).id
    login(client, reviewer.email)
    review = f"/boards/{board.id}/applications/{application_id}"
    client.post(f"{review}/decide", data={"target": "in_review"})
    page = client.get(review).get_data(as_text=True)
    assert 'data-testid="open-now"' in page and "38.5 of 40 training hours" in page
    refused = client.post(
        f"{review}/decide", data={"target": "approved", "confirm": "y"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "To approve anyway, give a reason for the override." in refused
    assert _application(app).status == "in_review"
    client.post(
        f"{review}/decide",
        data={"target": "approved", "confirm": "y", "override_reason": "Exam waived by vote"},
    )
    application = _application(app)
    assert application.status == "approved"
    assert application.override_reason == "Exam waived by vote"
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "application.override")
        ).scalar_one()
        assert "38.5 of 40 training hours" in str(event.after)
    assert 'data-testid="override-note"' in client.get(review).get_data(as_text=True)


def test_issuing_with_a_pending_document_needs_an_override_the_credential_records(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, board)])
    ready_trainee(app, board, trainee)
    login(client, trainee.email)
    url, _ = _submitted(app, client, ctype_id, confirm=False)
    client.post(
        f"{url}/documents",
        data={"kind": "training_certificate", "file": (io.BytesIO(PDF), "cert.pdf")},
        content_type="multipart/form-data",
    )
    application_id = _application(app).id
    login(client, reviewer.email)
    review = f"/boards/{board.id}/applications/{application_id}"
    client.post(f"{review}/decide", data={"target": "in_review"})
    # approving is refused while the document waits, then allowed by override
    client.post(f"{review}/decide", data={"target": "approved", "confirm": "y"})
    assert _application(app).status == "in_review"
    client.post(
        f"{review}/decide",
        data={"target": "approved", "confirm": "y", "override_reason": "Original seen at desk"},
    )
    assert _application(app).status == "approved"
    page = client.post(f"{review}/issue", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Document still waiting for review" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Credential)) == 0
    client.post(f"{review}/issue", data={"override_reason": "Original seen at the desk"})
    with app.app_context():
        credential = db.session.execute(select(Credential)).scalar_one()
        assert credential.issued_by_override and credential.override_reason
        assert db.session.execute(select(ApplicationDocument.status)).scalar_one() == "pending"
    # a second press finds the application certified and says so; nothing new is issued
    again = client.post(
        f"{review}/issue", data={"override_reason": "x"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Only an approved application can be certified." in again
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Credential)) == 1


@pytest.mark.real_commits
def test_two_staff_issuing_at_once_make_one_credential(app, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    """Seen on PostgreSQL: two (or 20) parallel Issue presses made several credentials."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip(reason="concurrent issue needs the PostgreSQL run (row locks)")
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    staff = [make_user(f"r{i}@example.org", [(Role.BOARD_REVIEWER, board)]) for i in range(6)]
    ready_trainee(app, board, trainee)
    with app.app_context():
        db.session.add(
            Application(
                board_id=board.id,
                trainee_id=trainee.id,
                credential_type_id=ctype_id,
                status="approved",
            )
        )
        db.session.commit()
        application_id = db.session.execute(select(Application.id)).scalar_one()
    barrier, codes = threading.Barrier(len(staff), timeout=60), []

    def press_issue(reviewer):  # type: ignore[no-untyped-def]
        client = app.test_client()
        login(client, reviewer.email)
        barrier.wait()
        url = f"/boards/{board.id}/applications/{application_id}/issue"
        page = client.post(url, follow_redirects=True).get_data(as_text=True)
        codes.append("issued" if "issued." in page else "refused")

    threads = [threading.Thread(target=press_issue, args=(r,)) for r in staff]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Credential)) == 1
    assert sorted(codes) == ["issued"] + ["refused"] * (len(staff) - 1)
