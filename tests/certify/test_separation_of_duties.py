"""Finding #12: separation of duties, and four eyes for issuing and revoking.

The probe: a trainee who is also a reviewer submitted, reviewed, approved and issued their
own credential. Here every staff step on one's own application, document, credential and
supervisor license is refused with a message, and a board named in FOUR_EYES_BOARDS needs a
second person to issue (not the approver) and to revoke (requested by one, confirmed by
another).
"""

from __future__ import annotations

import io

from sqlalchemy import select

from certify.models import Application, ApplicationDocument, Credential, SupervisorProfile
from core.extensions import db
from core.models import AuditEvent, Role
from tests.factories import credential_type, login, ready_trainee

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OWN = "it is your own"


def _submitted(app, client, board, ctype_id, person, document=False) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    login(client, person.email)
    app_url = client.post("/me/applications/start", data={"credential_type_id": ctype_id}).headers[
        "Location"
    ]
    if document:
        client.post(
            f"{app_url}/documents",
            data={"kind": "diploma", "file": (io.BytesIO(PDF), "diploma.pdf")},
            content_type="multipart/form-data",
        )
    assert client.post(f"{app_url}/submit").status_code == 302
    return int(
        app_url.rsplit("/", 1)[1]
    ), f"/boards/{board.id}/applications/{app_url.rsplit('/', 1)[1]}"


def _status(app, application_id):  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.get(Application, application_id).status


def test_a_reviewer_cannot_review_approve_or_issue_their_own_application(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    both = make_user("both@example.org", [(Role.TRAINEE, board), (Role.BOARD_REVIEWER, board)])
    ready_trainee(app, board, both)
    application_id, base = _submitted(app, client, board, ctype_id, both, document=True)

    for target in ("in_review", "approved"):
        page = client.post(
            f"{base}/decide", data={"target": target, "confirm": "y"}, follow_redirects=True
        ).get_data(as_text=True)
        assert OWN in page and "separation of duties" in page
        assert _status(app, application_id) == "submitted"
    with app.app_context():
        doc_id = db.session.execute(select(ApplicationDocument.id)).scalar_one()
    page = client.post(f"/boards/{board.id}/documents/{doc_id}/accepted", follow_redirects=True)
    assert OWN in page.get_data(as_text=True)
    page = client.post(f"{base}/facts", data={"exam_passed": "y"}, follow_redirects=True)
    assert OWN in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ApplicationDocument, doc_id).status == "pending"
        db.session.get(Application, application_id).status = "approved"  # as another approved
        db.session.commit()
    page = client.post(f"{base}/issue", data={}, follow_redirects=True).get_data(as_text=True)
    assert OWN in page
    with app.app_context():
        assert db.session.execute(select(Credential)).first() is None
        assert (
            db.session.execute(select(AuditEvent.action)).scalars().all().count("credential.issued")
            == 0
        )


def test_staff_cannot_change_discipline_or_upgrade_their_own_credential(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    holder = make_user("holder@example.org", [(Role.TRAINEE, board), (Role.BOARD_ADMIN, board)])
    other = make_user("other@example.org", [(Role.BOARD_REVIEWER, board)])
    ready_trainee(app, board, holder)
    application_id, base = _submitted(app, client, board, ctype_id, holder)
    client.post("/logout")
    login(client, other.email)
    client.post(f"{base}/decide", data={"target": "in_review"})
    client.post(f"{base}/decide", data={"target": "approved", "confirm": "y"})
    client.post(f"{base}/issue", data={})
    with app.app_context():
        credential = db.session.execute(select(Credential)).scalar_one()
        credential_id = credential.id
    client.post("/logout")
    login(client, holder.email)
    url = f"/boards/{board.id}/credentials/{credential_id}"
    page = client.post(
        f"{url}/status",
        data={"target": "suspended", "reason": "hiding something", "confirm": "y"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert OWN in page
    page = client.post(
        f"{url}/discipline",
        data={"kind": "reprimand", "started_on": "2026-01-01", "public_summary": "x"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert OWN in page
    with app.app_context():
        assert db.session.get(Credential, credential_id).status == "active"
    # another person may
    client.post("/logout")
    login(client, other.email)
    client.post(
        f"{url}/status", data={"target": "suspended", "reason": "complaint", "confirm": "y"}
    )
    with app.app_context():
        assert db.session.get(Credential, credential_id).status == "suspended"


def test_staff_cannot_verify_their_own_supervisor_license(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    staff = make_user("sup@example.org", [(Role.SUPERVISOR, board), (Role.BOARD_REVIEWER, board)])
    with app.app_context():
        profile = SupervisorProfile(
            board_id=board.id,
            user_id=staff.id,
            license_type="LCSW",
            license_number="123",
            license_state="NE",
        )
        db.session.add(profile)
        db.session.commit()
        profile_id = profile.id
    login(client, staff.email)
    page = client.post(
        f"/boards/{board.id}/supervisors/{profile_id}/verify",
        data={"note": "checked the registry"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert OWN in page
    with app.app_context():
        assert db.session.get(SupervisorProfile, profile_id).verified_at is None


def test_four_eyes_issue_and_revoke(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    first = make_user("first@example.org", [(Role.BOARD_REVIEWER, board)])
    second = make_user("second@example.org", [(Role.BOARD_ADMIN, board)])
    ready_trainee(app, board, trainee)
    application_id, base = _submitted(app, client, board, ctype_id, trainee)
    app.config["FOUR_EYES_BOARDS"] = "ne"
    try:
        client.post("/logout")
        login(client, first.email)
        client.post(f"{base}/decide", data={"target": "in_review"})
        client.post(f"{base}/decide", data={"target": "approved", "confirm": "y"})
        page = client.post(f"{base}/issue", data={}, follow_redirects=True).get_data(as_text=True)
        assert "requires a second person to issue" in page
        assert _status(app, application_id) == "approved"
        client.post("/logout")
        login(client, second.email)
        client.post(f"{base}/issue", data={})
        assert _status(app, application_id) == "certified"
        with app.app_context():
            credential_id = db.session.execute(select(Credential.id)).scalar_one()
        url = f"/boards/{board.id}/credentials/{credential_id}/status"
        revoke = {"target": "revoked", "reason": "fraud", "confirm": "y"}
        page = client.post(url, data=revoke, follow_redirects=True).get_data(as_text=True)
        assert "Revocation requested" in page
        with app.app_context():
            assert db.session.get(Credential, credential_id).status == "active"
        page = client.post(url, data=revoke, follow_redirects=True).get_data(as_text=True)
        assert "You requested this revocation" in page
        client.post("/logout")
        login(client, first.email)
        client.post(url, data=revoke)
        with app.app_context():
            assert db.session.get(Credential, credential_id).status == "revoked"
            actions = db.session.execute(
                select(AuditEvent.action, AuditEvent.actor_id)
                .where(
                    AuditEvent.action.in_(["credential.revocation_requested", "credential.revoked"])
                )
                .order_by(AuditEvent.id)
            ).all()
            assert [(a, who) for a, who in actions] == [
                ("credential.revocation_requested", second.id),
                ("credential.revoked", first.id),
            ]
    finally:
        app.config["FOUR_EYES_BOARDS"] = ""


def test_without_four_eyes_one_person_may_approve_and_issue(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, board)])
    ready_trainee(app, board, trainee)
    application_id, base = _submitted(app, client, board, ctype_id, trainee)
    client.post("/logout")
    login(client, reviewer.email)
    client.post(f"{base}/decide", data={"target": "in_review"})
    client.post(f"{base}/decide", data={"target": "approved", "confirm": "y"})
    client.post(f"{base}/issue", data={})
    assert _status(app, application_id) == "certified"


def test_certified_only_by_issuing_a_credential(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    """Low finding: posting the decision "certified" made an application certified without any
    credential; only issuing does now."""
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    trainee = make_user("tia@example.org", [(Role.TRAINEE, board)])
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, board)])
    ready_trainee(app, board, trainee)
    application_id, base = _submitted(app, client, board, ctype_id, trainee)
    client.post("/logout")
    login(client, reviewer.email)
    client.post(f"{base}/decide", data={"target": "in_review"})
    client.post(f"{base}/decide", data={"target": "approved", "confirm": "y"})
    for target in ("certified", "withdrawn", "submitted"):
        page = client.post(
            f"{base}/decide", data={"target": target, "confirm": "y"}, follow_redirects=True
        ).get_data(as_text=True)
        assert "not a decision staff can take" in page
        assert _status(app, application_id) == "approved"
    client.post(f"{base}/issue", data={})
    assert _status(app, application_id) == "certified"
    with app.app_context():
        assert db.session.execute(select(Credential)).scalar_one().status == "active"
