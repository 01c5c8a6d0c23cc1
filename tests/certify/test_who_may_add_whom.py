"""Who may add whom (issue 10) and self-confirmed hours (issue 11, High #3).

Naming a supervisor never grants a role nor changes an existing account; the board approves
named supervisors from its pending list; only hours confirmed by a supervisor whose license
the board verified count; an invitation to someone who already holds the role says so and
sends nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from certify.applications import eligibility
from certify.models import SupervisedHoursEntry, SupervisorProfile
from core.extensions import db
from core.models import AuditEvent, OutboxMessage, Role, User
from tests.certify.test_hours import _form
from tests.factories import create_credential_type, login

TODAY = date.today()


def _outbox(app: Any, to: str) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).where(OutboxMessage.to_addr == to)
        return list(db.session.execute(query).scalars())


def _log(client: Any, board: Any, days_ago: int, **overrides: Any) -> Any:
    worked_on = (TODAY - timedelta(days=days_ago)).isoformat()
    data = _form(board_id=board.id, worked_on=worked_on, **overrides)
    return client.post("/me/hours/new", data=data)


def test_a_second_account_named_as_supervisor_gains_nothing_and_its_hours_never_count_unverified(
    app, client, make_board, make_user
):
    """The probe's attack: a trainee names their own second account as supervisor."""
    board = make_board("ne")
    with app.app_context():
        create_credential_type(
            db.session, db.session.merge(board), "PR", experience_minutes=48 * 60,
            supervision_minutes=10 * 60,
        )  # fmt: skip
        db.session.commit()
    trainee = make_user("tia@x.org", [(Role.TRAINEE, board)])
    sock = make_user("tia.other@x.org", [])  # an account of their own, no role
    make_user("rev@x.org", [(Role.BOARD_REVIEWER, board)])
    make_user("rita@x.org", [(Role.BOARD_REVIEWER, board)])
    login(client, "tia@x.org")
    for day in range(1, 7):  # 48 h of experience and 10 h of supervision
        assert _log(client, board, day, hours="8", supervisor_email="tia.other@x.org").status_code
    _log(client, board, 8, hours="10", kind="supervision", supervisor_email="tia.other@x.org")
    with app.app_context():
        other = db.session.get(User, sock.id)
        assert other.roles == [] and other.email == "tia.other@x.org"  # unchanged
        assert db.session.execute(select(func.count(SupervisedHoursEntry.id))).scalar_one() == 7
    assert _outbox(app, "tia.other@x.org") == []
    # the sock account cannot see, let alone confirm, the entries
    client.post("/logout")
    login(client, "tia.other@x.org")
    assert client.get("/supervise").status_code == 403
    # the board approves it (it cannot tell yet), the account records a made-up license and
    # confirms everything: the hours still do not count, and the checklist says why
    client.post("/logout")
    login(client, "rev@x.org")
    assert client.post(f"/boards/{board.id}/supervisors/pending/{sock.id}/approve").status_code
    client.post("/logout")
    login(client, "tia.other@x.org")
    license_form = {"board_id": board.id, "license_type": "lmhp", "license_number": "MADE-UP",
                    "license_state": "NE"}  # fmt: skip
    client.post("/supervise", data=license_form)
    with app.app_context():
        ids = list(db.session.execute(select(SupervisedHoursEntry.id)).scalars())
    client.post("/supervise/confirm", data={"entry_ids": ids})
    with app.app_context():
        statuses = set(db.session.execute(select(SupervisedHoursEntry.status)).scalars())
        assert statuses == {"confirmed"}
        [checklist] = eligibility.checklists(db.session, board.id, trainee.id, TODAY)
        result = checklist[1]
        experience, supervision = result.check("experience"), result.check("supervision")
        assert not experience.met and not supervision.met
        assert "48 h waiting for supervisor verification" in experience.detail
        assert "10 h waiting for supervisor verification" in supervision.detail
        profile_id = db.session.execute(select(SupervisorProfile.id)).scalar_one()
    # once a reviewer checked the license with the state, the hours count
    client.post("/logout")
    login(client, "rita@x.org")
    client.post(f"/boards/{board.id}/supervisors/{profile_id}/verify", data={"note": "lookup"})
    with app.app_context():
        [checklist] = eligibility.checklists(db.session, board.id, trainee.id, TODAY)
        result = checklist[1]
        assert result.check("experience").met and result.check("supervision").met


def test_declining_a_named_supervisor_rejects_their_entries_and_tells_the_trainee(
    app, client, make_board, make_user
):
    board = make_board("ne")
    make_user("tia@x.org", [(Role.TRAINEE, board)])
    make_user("rev@x.org", [(Role.BOARD_REVIEWER, board)])
    login(client, "tia@x.org")
    _log(client, board, 1, supervisor_email="pal@x.org", supervisor_name="Pal Friend")
    _log(client, board, 2, supervisor_email="pal@x.org", supervisor_name="Pal Friend")
    with app.app_context():
        pal_id = db.session.execute(select(User.id).where(User.email == "pal@x.org")).scalar_one()
    client.post("/logout")
    login(client, "rev@x.org")
    page = client.get(f"/boards/{board.id}/supervisors/pending/{pal_id}/decline")
    assert page.status_code == 200 and "Pal Friend" in page.text
    assert (
        client.post(
            f"/boards/{board.id}/supervisors/pending/{pal_id}/decline", data={"reason": ""}
        ).status_code
        == 400
    )
    done = client.post(
        f"/boards/{board.id}/supervisors/pending/{pal_id}/decline",
        data={"reason": "Not a licensed clinical consultant"},
    )
    assert done.status_code == 302
    with app.app_context():
        rows = db.session.execute(select(SupervisedHoursEntry)).scalars().all()
        assert {e.status for e in rows} == {"rejected"}
        assert "Not a licensed clinical consultant" in rows[0].decision_reason
        assert db.session.get(User, pal_id).roles == []
        assert "supervisor.declined" in set(db.session.execute(select(AuditEvent.action)).scalars())
    [told] = _outbox(app, "tia@x.org")
    assert "did not approve Pal Friend" in told.subject
    assert _outbox(app, "pal@x.org") == []
    # nothing is left to approve
    assert (
        client.post(f"/boards/{board.id}/supervisors/pending/{pal_id}/approve").status_code == 404
    )


def test_a_reviewer_cannot_approve_a_supervisor_they_named_themselves(
    app, client, make_board, make_user
):
    board = make_board("ne")
    make_user("both@x.org", [(Role.TRAINEE, board), (Role.BOARD_REVIEWER, board)])
    login(client, "both@x.org")
    _log(client, board, 1, supervisor_email="pal@x.org", supervisor_name="Pal Friend")
    with app.app_context():
        pal_id = db.session.execute(select(User.id).where(User.email == "pal@x.org")).scalar_one()
    refused = client.post(
        f"/boards/{board.id}/supervisors/pending/{pal_id}/approve", follow_redirects=True
    )
    assert "You named this supervisor yourself" in refused.text
    with app.app_context():
        assert db.session.get(User, pal_id).roles == []


def test_inviting_someone_who_already_holds_the_role_says_so_and_sends_nothing(
    app, client, make_board, make_user
):
    board = make_board("ne")
    make_user("admin@x.org", [(Role.BOARD_ADMIN, board)])
    make_user("rev@x.org", [(Role.BOARD_REVIEWER, board)])
    login(client, "admin@x.org")
    page = client.post(
        f"/boards/{board.id}/staff",
        data={"email": "Rev@X.org", "full_name": "Rev", "role": Role.BOARD_REVIEWER.value},
    )
    assert page.status_code == 200
    assert "is already Board reviewer" in page.text and "no invitation was sent" in page.text
    assert "Invitation sent" not in page.text
    assert _outbox(app, "rev@x.org") == []
    # a role they do not hold yet is still given (and said)
    given = client.post(
        f"/boards/{board.id}/staff",
        data={"email": "rev@x.org", "full_name": "Rev", "role": Role.PSYCHOMETRICIAN.value},
    )
    assert given.status_code == 302 and len(_outbox(app, "rev@x.org")) == 1
