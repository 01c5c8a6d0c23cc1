"""The reviewer's application page: one decision form, the history, possible actions only."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Role
from tests.factories import credential_type, login, ready_trainee

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_history_decision_form_and_document_actions(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, board)])
    ready_trainee(app, board, trainee)
    login(client, trainee.email)
    mine = client.post("/me/applications/start", data={"credential_type_id": ctype_id})
    app_url = mine.headers["Location"]
    application_id = int(app_url.rsplit("/", 1)[1])
    client.post(
        f"{app_url}/documents",
        data={"kind": "diploma", "file": (io.BytesIO(PDF), "ged.pdf")},
        content_type="multipart/form-data",
    )
    client.post(f"{app_url}/submit")
    client.post("/logout")
    login(client, reviewer.email)
    base = f"/boards/{board.id}/applications/{application_id}"
    page = client.get(base).get_data(as_text=True)
    assert "Start review" in page and 'data-testid="decision-form"' not in page
    client.post(f"{base}/decide", data={"target": "in_review"})
    page = client.get(base).get_data(as_text=True)
    for verb in ("Request information", "Approve for the exam", "Approve", "Deny"):
        assert f">{verb}</label>" in page
    assert page.count('name="reason"') == 1  # one reason field for every action
    assert "High school diploma or GED" in page and "diploma," not in page
    # no action chosen: said so, nothing happens
    none = client.post(f"{base}/decide", data={"reason": "x"}, follow_redirects=True)
    assert "Choose an action" in none.get_data(as_text=True)
    with app.app_context():
        doc_id = db.session.execute(select(func.max(AuditEvent.entity_id)).where(
            AuditEvent.entity_type == "ApplicationDocument")).scalar_one()  # fmt: skip
    client.post(f"/boards/{board.id}/documents/{doc_id}/accepted")
    page = client.get(base).get_data(as_text=True)
    assert f"/documents/{doc_id}/accepted" not in page  # accepted: only Reject is offered
    assert f"/documents/{doc_id}/rejected" in page
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    again = client.post(f"/boards/{board.id}/documents/{doc_id}/accepted", follow_redirects=True)
    assert "is already accepted; nothing changed" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    client.post(
        f"{base}/decide", data={"target": "info_requested", "reason": "Add your ID, please."}
    )
    history = client.get(base).get_data(as_text=True)
    history = history[history.index('data-testid="history"') :]
    steps = [
        "Application started",
        "Document uploaded: High school diploma or GED (ged.pdf)",
        "Submitted",
        "In review",
        "Document accepted",
        "More information requested",
    ]
    positions = [history.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "Message: Add your ID, please." in history
    assert "UTC · Rev" in history and "UTC · Tia" in history


def test_endorsements_are_checkboxes_when_issuing(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    from certify.models import Application, Endorsement

    board = make_board("ne")
    ctype_id = credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, board)])
    ready_trainee(app, board, trainee)
    with app.app_context():
        db.session.add_all(
            [
                Endorsement(board_id=board.id, code="A", name="Adult"),
                Endorsement(board_id=board.id, code="Y", name="Youth"),
            ]
        )
        application = Application(
            board_id=board.id, trainee_id=trainee.id, credential_type_id=ctype_id,
            status="approved",
        )  # fmt: skip
        db.session.add(application)
        db.session.commit()
        application_id = application.id
    login(client, reviewer.email)
    page = client.get(f"/boards/{board.id}/applications/{application_id}").get_data(as_text=True)
    assert page.count('type="checkbox" value="A"') + page.count('type="checkbox"') >= 2
    assert "<legend" in page and ">Adult</label>" in page and "<select multiple" not in page
    client.post(
        f"/boards/{board.id}/applications/{application_id}/issue", data={"endorsements": ["Y"]}
    )
    with app.app_context():
        from certify.models import Credential

        assert db.session.execute(select(Credential.endorsements)).scalar_one() == ["Y"]
