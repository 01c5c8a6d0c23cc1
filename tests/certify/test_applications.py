"""From a live checklist to an issued credential: the application workflow end to end."""

from __future__ import annotations

import io

from sqlalchemy import select

from certify.models import Application, ApplicationDocument, Credential
from core.extensions import db
from core.models import AuditEvent, OutboxMessage, Role
from tests.factories import credential_type, login, ready_trainee

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _setup(app, make_board, make_user, training_minutes=40 * 60):  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, board)])
    ready_trainee(app, board, trainee, training_minutes=training_minutes)
    return board, ctype_id, trainee, reviewer


def _emails_to(app, address):  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            db.session.execute(
                select(OutboxMessage.subject).where(OutboxMessage.to_addr == address)
            ).scalars()
        )


def test_checklist_shows_numbers_and_boundary(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, _, trainee, _ = _setup(app, make_board, make_user, training_minutes=2399)
    login(client, trainee.email)
    page = client.get("/me/certification").get_data(as_text=True)
    assert "39.9 of 40 training hours" in page
    assert "1 requirement is still open" in page


def test_full_workflow_to_certificate(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, ctype_id, trainee, reviewer = _setup(app, make_board, make_user)
    login(client, trainee.email)
    page = client.get("/me/certification").get_data(as_text=True)
    assert "40 of 40 training hours" in page and "You meet every requirement." in page
    response = client.post("/me/applications/start", data={"credential_type_id": ctype_id})
    app_url = response.headers["Location"]
    application_id = int(app_url.rsplit("/", 1)[1])
    # a document that claims to be a PDF but is text is refused; a real PDF is kept
    client.post(
        f"{app_url}/documents",
        data={"kind": "diploma", "file": (io.BytesIO(b"just text"), "diploma.pdf")},
        content_type="multipart/form-data",
    )
    client.post(
        f"{app_url}/documents",
        data={"kind": "diploma", "file": (io.BytesIO(PDF), "diploma.pdf")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        docs = db.session.execute(select(ApplicationDocument)).scalars().all()
        assert [(d.original_name, d.content_type) for d in docs] == [
            ("diploma.pdf", "application/pdf")
        ]
        doc_id = docs[0].id
    assert client.post(f"{app_url}/submit").status_code == 302
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.status == "submitted"
        assert application.facts_snapshot["birth_date"] == "1990-05-01"
        assert all(c["met"] for c in application.eligibility_snapshot)
    assert any("submitted" in s.lower() for s in _emails_to(app, trainee.email))

    client.post("/logout")
    login(client, reviewer.email)
    base = f"/boards/{board.id}/applications/{application_id}"
    assert "Tia" in client.get(f"/boards/{board.id}/applications").get_data(as_text=True)
    assert "diploma.pdf" in client.get(f"/boards/{board.id}/documents").get_data(as_text=True)
    assert "1 document waiting" in client.get(f"/boards/{board.id}").get_data(as_text=True)
    assert client.get(f"/documents/{doc_id}").data == PDF
    client.post(f"/boards/{board.id}/documents/{doc_id}/accepted")
    assert "No documents here" in client.get(f"/boards/{board.id}/documents").get_data(as_text=True)
    client.post(f"{base}/decide", data={"target": "in_review"})
    response = client.post(
        f"{base}/decide", data={"target": "info_requested", "reason": ""}, follow_redirects=True
    )
    assert "Give a reason" in response.get_data(as_text=True)
    client.post(
        f"{base}/decide",
        data={"target": "info_requested", "reason": "Upload your GED certificate."},
    )
    client.post("/logout")
    login(client, trainee.email)
    assert "Upload your GED certificate." in client.get(app_url).get_data(as_text=True)
    client.post(f"{app_url}/submit")
    client.post("/logout")
    login(client, reviewer.email)
    client.post(f"{base}/decide", data={"target": "in_review"})
    unconfirmed = client.post(f"{base}/decide", data={"target": "approved"}, follow_redirects=True)
    assert "Tick the box" in unconfirmed.get_data(as_text=True)
    client.post(f"{base}/decide", data={"target": "approved", "confirm": "y"})
    response = client.post(f"{base}/issue", data={})
    assert response.status_code == 302
    with app.app_context():
        credential = db.session.execute(select(Credential)).scalar_one()
        assert credential.number == "NE-CPSS-000001" and credential.status == "active"
        assert (
            credential.expires_on.year - credential.issued_on.year
        ) * 12 + credential.expires_on.month - credential.issued_on.month == 24
        assert db.session.get(Application, application_id).status == "certified"
        actions = set(db.session.execute(select(AuditEvent.action)).scalars())
        assert {
            "application.submitted",
            "application.info_requested",
            "application.resubmitted",
            "application.approved",
            "application.certified",
            "credential.issued",
        } <= actions
        number, credential_id = credential.number, credential.id
    client.post("/logout")
    login(client, trainee.email)
    pdf = client.get(f"/credentials/{credential_id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/credentials/{credential_id}/wallet-card.pdf").data.startswith(b"%PDF")
    public = app.test_client().get(f"/verify/ne/{number}").get_data(as_text=True)
    assert "Active — may practice as a Certified CPSS until" in public
    assert "recovery" not in public.lower() and "lived experience" not in public.lower()


def test_other_people_get_404(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, ctype_id, trainee, _ = _setup(app, make_board, make_user)
    lakes = make_board("lakes")
    stranger = make_user("other@example.org", [(Role.TRAINEE, board)])
    other_reviewer = make_user("lakes.rev@example.org", [(Role.BOARD_REVIEWER, lakes)])
    login(client, trainee.email)
    app_url = client.post("/me/applications/start", data={"credential_type_id": ctype_id}).headers[
        "Location"
    ]
    client.post(
        f"{app_url}/documents",
        data={"kind": "diploma", "file": (io.BytesIO(PDF), "d.pdf")},
        content_type="multipart/form-data",
    )
    client.post(f"{app_url}/submit")
    application_id = int(app_url.rsplit("/", 1)[1])
    with app.app_context():
        doc_id = db.session.execute(select(ApplicationDocument.id)).scalar_one()
    for email in (stranger.email, other_reviewer.email):
        other = app.test_client()
        login(other, email)
        assert other.get(app_url).status_code == 404
        assert other.get(f"/documents/{doc_id}").status_code == 404
        assert other.post(f"{app_url}/submit").status_code == 404
    other = app.test_client()
    login(other, other_reviewer.email)
    assert other.get(f"/boards/{board.id}/applications").status_code == 404
    assert other.get(f"/boards/{board.id}/applications/{application_id}").status_code == 404
    assert other.get(f"/boards/{lakes.id}/applications/{application_id}").status_code == 404


def test_queue_filters_and_csv(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board, ctype_id, trainee, reviewer = _setup(app, make_board, make_user)
    login(client, trainee.email)
    app_url = client.post("/me/applications/start", data={"credential_type_id": ctype_id}).headers[
        "Location"
    ]
    client.post(f"{app_url}/submit")
    client.post("/logout")
    login(client, reviewer.email)
    csv_text = client.get(f"/boards/{board.id}/applications?format=csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("id,applicant,email")
    assert "tia@example.org" in csv_text
    empty = client.get(f"/boards/{board.id}/applications?status=denied").get_data(as_text=True)
    assert "No applications match" in empty


def test_a_held_credential_is_shown_instead_of_apply(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from certify.credentials import services as credentials
    from certify.models import CredentialType
    from core.models import User

    board, ctype_id, trainee, _ = _setup(app, make_board, make_user)
    with app.app_context():
        holder = db.session.get(User, trainee.id)
        credentials.issue(
            db.session, holder, db.session.get(CredentialType, ctype_id), holder, date.today()
        )
        db.session.commit()
    login(client, trainee.email)
    page = client.get("/me/certification").get_data(as_text=True)
    assert "You hold this credential" in page and "NE-CPSS-000001" in page
    assert "Apply for Certified CPSS" not in page


def test_upload_form_comes_before_resubmit_when_the_board_asked(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    """Asked for a document, the trainee meets the upload form first, the resubmit button after."""
    board, ctype_id, trainee, reviewer = _setup(app, make_board, make_user)
    login(client, trainee.email)
    app_url = client.post("/me/applications/start", data={"credential_type_id": ctype_id}).headers[
        "Location"
    ]
    page = client.get(app_url).get_data(as_text=True)  # a draft: checklist first, then documents
    assert page.index('data-testid="submit-application"') < page.index('name="file"')
    assert 'data-testid="upload-first"' not in page
    client.post(f"{app_url}/submit")
    client.post("/logout")
    login(client, reviewer.email)
    base = f"/boards/{board.id}/applications/{app_url.rsplit('/', 1)[1]}"
    client.post(f"{base}/decide", data={"target": "in_review"})
    client.post(f"{base}/decide", data={"target": "info_requested", "reason": "Upload your GED."})
    client.post("/logout")
    login(client, trainee.email)
    page = client.get(app_url).get_data(as_text=True)
    upload, resubmit = page.index('name="file"'), page.index('data-testid="submit-application"')
    assert upload < resubmit and "Resubmit application" in page[resubmit:]
    assert page.index("Upload your GED.") < upload
    assert "First upload what the board asked for" in page
