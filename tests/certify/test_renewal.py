"""Renewal through its pages: the window, attestations, the fee flag, staff review when
flagged, the expiry moving one cycle (the certificate PDF shows it), history kept; the grace
period, expiry after it, and reinstatement by the board's rule (fee, exam passed again)."""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from certify.credentials import services as credentials
from certify.models import Credential, CredentialType
from certify.renewal.models import RenewalPolicy, RenewalRequest
from core.extensions import db
from core.models import AuditEvent, Board, OutboxMessage, Role, User
from tests.factories import credential_type, login

ATTEST = ["My CE report is true.", "I follow the code of ethics."]


def _world(app, make_board, make_user, days_left: int, **policy):  # type: ignore[no-untyped-def]
    """A board, a credential type with a renewal policy, and a credential expiring soon."""
    board = make_board("ne")
    ctype_id = credential_type(app, board, cycle_months=24)
    holder = make_user("holder@example.org", [(Role.TRAINEE, board)])
    staff = make_user("rev@example.org", [(Role.BOARD_REVIEWER, board)])
    expires = date.today() + timedelta(days=days_left)
    with app.app_context():
        values = dict(window_days=90, grace_days=30, attestations=ATTEST, fee_required=True,
                      review="flagged", reinstatement_fee=True,
                      reinstatement_exam=True)  # fmt: skip
        values.update(policy)
        db.session.add(RenewalPolicy(board_id=board.id, credential_type_id=ctype_id, **values))
        credential = credentials.issue(
            db.session,
            db.session.get(User, holder.id),
            db.session.get(CredentialType, ctype_id),
            db.session.get(User, staff.id),
            credentials.add_months(expires, -24),
        )
        credential.expires_on = expires
        db.session.commit()
        return board, holder, staff, credential.id


def _renew(client, credential_id: int, attest=ATTEST, fee: bool = True, note: str = ""):  # type: ignore[no-untyped-def]
    data = {"attestation": list(attest), "note": note}
    if fee:
        data["fee_paid"] = "y"
    return client.post(f"/me/credentials/{credential_id}/renew", data=data, follow_redirects=True)


def test_renewal_opens_with_the_window_and_needs_every_attestation(  # type: ignore[no-untyped-def]
    app, client, make_board, make_user
) -> None:
    board, holder, staff, credential_id = _world(app, make_board, make_user, days_left=120)
    login(client, holder.email)
    mine = client.get("/me/credentials").get_data(as_text=True)
    assert f'href="/me/credentials/{credential_id}/renew"' in mine
    page = client.get(f"/me/credentials/{credential_id}/renew").get_data(as_text=True)
    opens = (date.today() + timedelta(days=30)).isoformat()
    assert f"Renewal opens on {opens}" in page and "Ask to renew" not in page
    assert "Renewal opens on" in _renew(client, credential_id).get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count(RenewalRequest.id))).scalar_one() == 0
        db.session.get(Credential, credential_id).expires_on = date.today() + timedelta(days=60)
        db.session.commit()
    page = client.get(f"/me/credentials/{credential_id}/renew").get_data(as_text=True)
    assert "Renewal is open until the expiry day" in page and ATTEST[1] in page
    refused = _renew(client, credential_id, attest=ATTEST[:1]).get_data(as_text=True)
    assert "Tick every attestation the board asks for." in refused
    with app.app_context():
        assert db.session.execute(select(func.count(RenewalRequest.id))).scalar_one() == 0


def test_nothing_flagged_is_approved_at_once_and_the_certificate_shows_the_new_expiry(  # type: ignore[no-untyped-def]
    app, client, make_board, make_user
) -> None:
    board, holder, staff, credential_id = _world(app, make_board, make_user, days_left=40)
    login(client, holder.email)
    with app.app_context():
        before = db.session.get(Credential, credential_id).expires_on
    after = credentials.add_months(before, 24)
    page = _renew(client, credential_id).get_data(as_text=True)
    assert f"is valid until {after.isoformat()}" in page
    with app.app_context():
        credential = db.session.get(Credential, credential_id)
        assert (credential.expires_on, credential.status) == (after, "active")
        request = db.session.execute(select(RenewalRequest)).scalar_one()
        assert (request.status, request.fee, request.flags) == ("approved", "attested", [])
        assert (request.expires_before, request.expires_after) == (before, after)
        assert request.attestations == ATTEST
        actions = set(db.session.execute(select(AuditEvent.action)).scalars())
        assert {"renewal.renewal.requested", "renewal.renewal.approved",
                "credential.renewed"} <= actions  # fmt: skip
        subjects = db.session.execute(select(OutboxMessage.subject)).scalars().all()
        assert (
            f"Your credential {credential.number} is renewed until {after.isoformat()}" in subjects
        )
    pdf = client.get(f"/credentials/{credential_id}/certificate.pdf").data
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert after.isoformat() in text or after.strftime("%B %-d, %Y") in text
    history = client.get(f"/me/credentials/{credential_id}/renew").get_data(as_text=True)
    assert before.isoformat() in history and after.isoformat() in history  # history kept


def test_a_flagged_request_waits_for_staff_who_mark_the_fee_and_decide(  # type: ignore[no-untyped-def]
    app, client, make_board, make_user
) -> None:
    board, holder, staff, credential_id = _world(app, make_board, make_user, days_left=40)
    login(client, holder.email)
    page = _renew(client, credential_id, fee=False, note="I moved to Iowa.").get_data(as_text=True)
    assert "the board reviews your request" in page
    with app.app_context():
        request = db.session.execute(select(RenewalRequest)).scalar_one()
        assert request.status == "review" and request.fee == "unpaid"
        assert request.flags == ["The fee is not paid yet.", "The certificant added a statement."]
        expires = db.session.get(Credential, credential_id).expires_on
    # a second request cannot be made while one waits
    assert "already with the board" in _renew(client, credential_id).get_data(as_text=True)
    login(client, staff.email)
    queue = client.get(f"/boards/{board.id}/renewals").get_data(as_text=True)
    assert "The fee is not paid yet." in queue
    url = f"/boards/{board.id}/renewals/{request.id}"
    refused = client.post(url, data={"decision": "approve", "confirm": "y"}).get_data(as_text=True)
    assert "The fee is not paid" in refused
    refused = client.post(url, data={"decision": "reject", "confirm": "y"}).get_data(as_text=True)
    assert "Say why" in refused
    client.post(url, data={"decision": "approve", "fee_paid": "y", "confirm": "y"})
    with app.app_context():
        request = db.session.get(RenewalRequest, request.id)
        assert (request.status, request.fee) == ("approved", "paid")
        assert db.session.get(Credential, credential_id).expires_on == credentials.add_months(
            expires, 24
        )


def test_grace_then_expiry_then_reinstatement_by_the_boards_rule(  # type: ignore[no-untyped-def]
    app, client, make_board, make_user
) -> None:
    board, holder, staff, credential_id = _world(app, make_board, make_user, days_left=-10)
    runner = app.test_cli_runner()
    today = date.today()
    # in the grace period: not expired yet, told once that the expiry day passed
    for _ in range(2):
        result = runner.invoke(args=["credentials", "expire", "--as-of", today.isoformat()])
        assert "0 credentials expired" in result.output
    with app.app_context():
        credential = db.session.get(Credential, credential_id)
        assert credential.status == "active"
        grace = [s for s in db.session.execute(select(OutboxMessage.subject)).scalars()
                 if "passed its expiry day" in s]  # fmt: skip
        assert len(grace) == 1
        expires = credential.expires_on
    login(client, holder.email)
    page = client.get(f"/me/credentials/{credential_id}/renew").get_data(as_text=True)
    assert "It can still be renewed in the grace period" in page
    # after the grace period: expired, and only reinstatement brings it back
    late = today + timedelta(days=25)
    result = runner.invoke(args=["credentials", "expire", "--as-of", late.isoformat()])
    assert "1 credential expired" in result.output
    with app.app_context():
        db.session.get(Credential, credential_id).expires_on = expires  # unchanged
        credential = db.session.get(Credential, credential_id)
        assert credential.status == "expired"
        credential.expires_on = today - timedelta(days=40)  # the grace period is over today
        db.session.commit()
        expires = credential.expires_on
    page = _renew(client, credential_id).get_data(as_text=True)
    assert "the board reviews your request" in page
    with app.app_context():
        request = db.session.execute(select(RenewalRequest)).scalar_one()
        assert request.kind == "reinstatement" and request.status == "review"
        assert any("exam must be passed again" in f for f in request.flags)
    login(client, staff.email)
    url = f"/boards/{board.id}/renewals/{request.id}"
    before = expires.isoformat()
    refused = client.post(url, data={"decision": "approve", "confirm": "y",
                                     "exam_passed_on": before}).get_data(as_text=True)  # fmt: skip
    assert "exam passed again after the credential expired" in refused
    passed = (today - timedelta(days=3)).isoformat()
    client.post(url, data={"decision": "approve", "confirm": "y", "exam_passed_on": passed})
    with app.app_context():
        credential = db.session.get(Credential, credential_id)
        assert credential.status == "active"
        assert credential.expires_on == credentials.add_months(today, 24)  # from today
        request = db.session.get(RenewalRequest, request.id)
        assert request.status == "approved" and request.exam_passed_on.isoformat() == passed


def test_the_board_admin_sets_the_renewal_rules(app, client, make_board, make_user) -> None:  # type: ignore[no-untyped-def]
    board = make_board("ne")
    ctype_id = credential_type(app, board)
    admin = make_user("ada@example.org", [(Role.BOARD_ADMIN, board)])
    reviewer = make_user("rex@example.org", [(Role.BOARD_REVIEWER, board)])
    url = f"/boards/{board.id}/renewals/rules/{ctype_id}"
    login(client, reviewer.email)
    assert client.get(url).status_code == 403
    login(client, admin.email)
    assert "defaults" in client.get(f"/boards/{board.id}/renewals").get_data(as_text=True)
    data = {"window_days": "60", "grace_days": "400", "attestations": "A\n\nB", "review": "all"}
    assert "Number must be between 0 and 365" in client.post(url, data=data).get_data(as_text=True)
    data["grace_days"] = "45"
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        policy = db.session.execute(select(RenewalPolicy)).scalar_one()
        assert (policy.window_days, policy.grace_days, policy.attestations) == (60, 45, ["A", "B"])
        assert db.session.get(Board, board.id) is not None
    page = client.get(f"/boards/{board.id}/renewals").get_data(as_text=True)
    assert (
        "Renewal opens 60 days before the expiry day." in page and "Grace period: 45 days" in page
    )
