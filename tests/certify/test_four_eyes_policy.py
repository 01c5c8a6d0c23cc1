"""Four eyes as the board's own office policy (issue 11, #12), the list of revocations that wait
for a second person, withdrawing a request, and a disciplinary revocation that must be
confirmed too.

Until now a board needed a second person only when the deployment's FOUR_EYES_BOARDS setting
named it; a board admin could not turn it on. And a disciplinary revocation went around the
rule: one person could revoke at once by recording the action.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from certify.credentials import services as credentials
from certify.models import BoardPolicy, Credential
from core.extensions import db
from core.models import AuditEvent, Role
from tests.factories import create_credential_type, login

REVOKE = {"target": "revoked", "reason": "Fraudulent hours", "confirm": "y"}


def _credential(app, board, holder, admin) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        ctype = create_credential_type(db.session, db.session.merge(board), "F")
        cred = credentials.issue(
            db.session, db.session.merge(holder), ctype, db.session.merge(admin), date.today()
        )
        db.session.commit()
        return cred.id


def _status(app, credential_id: int) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.get(Credential, credential_id).status


def _people(make_board, make_user):  # type: ignore[no-untyped-def]
    board = make_board("ne")
    holder = make_user("holder@example.org", [(Role.TRAINEE, board)])
    admin = make_user("admin@example.org", [(Role.BOARD_ADMIN, board)])
    reviewer = make_user("rev@example.org", [(Role.BOARD_REVIEWER, board)])
    return board, holder, admin, reviewer


def test_a_board_admin_turns_four_eyes_on_and_off_in_the_office_policy(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board, holder, admin, reviewer = _people(make_board, make_user)
    credential_id = _credential(app, board, holder, admin)
    url = f"/boards/{board.id}/config/office-policy"
    login(client, reviewer.email)
    assert client.get(url).status_code == 403  # reviewers do not set policy
    client.post("/logout")
    login(client, admin.email)
    page = client.get(url).get_data(as_text=True)
    assert "Require a second person" in page and "checked" not in page
    page = client.post(url, data={"four_eyes": "y"}, follow_redirects=True).get_data(as_text=True)
    assert "Office policy saved." in page
    with app.app_context():
        assert db.session.execute(select(BoardPolicy.four_eyes)).scalar_one() is True
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "board.policy_changed")
        ).scalar_one()
        assert (event.before, event.after, event.actor_id) == (
            {"four_eyes": False},
            {"four_eyes": True},
            admin.id,
        )
    # the rule now holds on this board: one person's revocation is only a request
    status_url = f"/boards/{board.id}/credentials/{credential_id}/status"
    page = client.post(status_url, data=REVOKE, follow_redirects=True).get_data(as_text=True)
    assert "Revocation requested" in page
    assert _status(app, credential_id) == "active"
    # turned off again: the next revocation by one person takes effect at once
    client.post(url, data={"submit": "Save office policy"})  # the box unticked
    client.post(status_url, data=REVOKE)
    assert _status(app, credential_id) == "revoked"


def test_the_deployment_setting_still_forces_four_eyes_and_the_page_says_so(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board, holder, admin, _ = _people(make_board, make_user)
    credential_id = _credential(app, board, holder, admin)
    app.config["FOUR_EYES_BOARDS"] = "ne"
    try:
        login(client, admin.email)
        page = client.get(f"/boards/{board.id}/config/office-policy").get_data(as_text=True)
        assert 'data-testid="four-eyes-forced"' in page
        client.post(f"/boards/{board.id}/credentials/{credential_id}/status", data=REVOKE)
        assert _status(app, credential_id) == "active"
    finally:
        app.config["FOUR_EYES_BOARDS"] = ""


def test_waiting_revocations_are_listed_confirmed_by_another_or_withdrawn(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board, holder, admin, reviewer = _people(make_board, make_user)
    first = _credential(app, board, holder, admin)
    with app.app_context():
        db.session.add(BoardPolicy(board_id=board.id, four_eyes=True))
        db.session.commit()
    listing = f"/boards/{board.id}/credentials/revocations"
    login(client, reviewer.email)
    assert "No revocation is waiting" in client.get(listing).get_data(as_text=True)
    client.post(f"/boards/{board.id}/credentials/{first}/status", data=REVOKE)
    page = client.get(listing).get_data(as_text=True)
    with app.app_context():
        number = db.session.get(Credential, first).number
    assert f'data-testid="pending-{number}"' in page
    assert "Fraudulent hours" in page and "(you)" in page
    # the dashboard counts it for every member of staff
    client.post("/logout")
    login(client, admin.email)
    assert "1 revocation waits for a second person" in client.get("/dashboard").get_data(
        as_text=True
    )
    detail = client.get(f"/boards/{board.id}/credentials/{first}").get_data(as_text=True)
    assert 'data-testid="pending-revocation"' in detail and "Withdraw the request" in detail
    # withdrawn with a reason: the credential keeps its status and leaves the list
    withdraw = f"/boards/{board.id}/credentials/{first}/revocation-request/withdraw"
    page = client.post(withdraw, data={"reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "Give the reason the revocation is withdrawn" in page
    page = client.post(
        withdraw, data={"reason": "Hours were checked again"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Revocation request withdrawn" in page and "stays active" in page
    assert _status(app, first) == "active"
    assert "No revocation is waiting" in client.get(listing).get_data(as_text=True)
    page = client.post(withdraw, data={"reason": "again"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "No revocation request is waiting" in page
    # requested again by the reviewer, confirmed by the admin: revoked, and off the list
    client.post("/logout")
    login(client, reviewer.email)
    client.post(f"/boards/{board.id}/credentials/{first}/status", data=REVOKE)
    client.post("/logout")
    login(client, admin.email)
    client.post(f"/boards/{board.id}/credentials/{first}/status", data=REVOKE)
    assert _status(app, first) == "revoked"
    assert "No revocation is waiting" in client.get(listing).get_data(as_text=True)
    with app.app_context():
        actions = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id)
            .where(AuditEvent.action.like("credential.revo%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(a) for a in actions] == [
        ("credential.revocation_requested", reviewer.id),
        ("credential.revocation_withdrawn", admin.id),
        ("credential.revocation_requested", reviewer.id),
        ("credential.revoked", admin.id),
    ]


def test_a_disciplinary_revocation_needs_a_second_person_too(
    app, client, make_board, make_user
) -> None:  # type: ignore[no-untyped-def]
    board, holder, admin, reviewer = _people(make_board, make_user)
    credential_id = _credential(app, board, holder, admin)
    other_admin = make_user("admin2@example.org", [(Role.BOARD_ADMIN, board)])
    with app.app_context():
        db.session.add(BoardPolicy(board_id=board.id, four_eyes=True))
        db.session.commit()
    discipline = f"/boards/{board.id}/credentials/{credential_id}/discipline"
    action = {"kind": "revocation", "started_on": date.today().isoformat(), "public": "y",
              "public_summary": "Revoked for fraud."}  # fmt: skip
    login(client, admin.email)
    page = client.post(discipline, data=action, follow_redirects=True).get_data(as_text=True)
    assert "request the revocation first" in page
    assert _status(app, credential_id) == "active"
    client.post(f"/boards/{board.id}/credentials/{credential_id}/status", data=REVOKE)
    page = client.post(discipline, data=action, follow_redirects=True).get_data(as_text=True)
    assert "You requested this revocation" in page
    assert _status(app, credential_id) == "active"
    client.post("/logout")
    login(client, other_admin.email)
    page = client.post(discipline, data=action, follow_redirects=True).get_data(as_text=True)
    assert "Disciplinary action recorded." in page
    assert _status(app, credential_id) == "revoked"
