"""Supervised hours: logging with invitations, confirmation, verification and isolation."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from certify.hours.services import hours_entries
from certify.models import SupervisedHoursEntry, SupervisorProfile
from core.extensions import db
from core.models import AuditEvent, OutboxMessage, Role, User, utcnow
from tests.factories import login

TODAY = date.today()
YESTERDAY = TODAY - timedelta(days=1)


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "experience",
        "worked_on": YESTERDAY.isoformat(),
        "hours": "2.5",
        "setting": "Peer-run organization",
        "paid": "volunteer",
        "performance_domain": "Advocacy",
        "notes": "Group facilitation",
        "supervisor_email": "sup@x.org",
        "supervisor_name": "Sam Supervisor",
    }
    data.update(overrides)
    return data


def _log(client: Any, board: Any, **overrides: Any) -> Any:
    return client.post("/me/hours/new", data=_form(board_id=board.id, **overrides))


def _entries(app: Any) -> list[SupervisedHoursEntry]:
    with app.app_context():
        rows = db.session.execute(select(SupervisedHoursEntry).order_by(SupervisedHoursEntry.id))
        return list(rows.scalars())


def _outbox(app: Any, to: str) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage).where(OutboxMessage.to_addr == to))
        return list(rows.scalars())


def _profile(app: Any, board: Any, user: Any, verified: bool = False, kind: str = "limhp") -> int:
    with app.app_context():
        profile = SupervisorProfile(
            board_id=board.id, user_id=user.id, license_type=kind, license_number="L-1",
            license_state="NE", verified_at=utcnow() if verified else None,
        )  # fmt: skip
        db.session.add(profile)
        db.session.commit()
        return profile.id


def _setup(make_board: Any, make_user: Any) -> tuple[Any, Any, Any]:
    board = make_board("ne")
    trainee = make_user("tia@x.org", [(Role.TRAINEE, board)])
    supervisor = make_user("sup@x.org", [(Role.SUPERVISOR, board)])
    return board, trainee, supervisor


def test_logging_names_a_supervisor_the_board_then_approves(app, client, make_board, make_user):
    """Naming a supervisor grants nothing (issue 10, issue 11 High #3): the board approves
    them from its pending-supervisors list, and only then are they emailed."""
    board = make_board("ne")
    make_user("tia@x.org", [(Role.TRAINEE, board)])
    make_user("rev@x.org", [(Role.BOARD_REVIEWER, board)])
    login(client, "tia@x.org")
    response = _log(client, board, supervisor_email="New.Sup@X.org", supervisor_name="Nia New")
    assert response.status_code == 302
    [entry] = _entries(app)
    assert (entry.minutes, entry.status, entry.kind, entry.paid) == (
        150,
        "pending",
        "experience",
        False,
    )
    with app.app_context():
        sup = db.session.execute(select(User).where(User.email == "new.sup@x.org")).scalar_one()
        assert sup.password_hash is None and sup.activated_at is None
        assert sup.roles == []  # no role at all, let alone staff
        assert entry.supervisor_id == sup.id
        actions = set(db.session.execute(select(AuditEvent.action)).scalars())
        assert {"supervisor.nominated", "hours.logged"} <= actions
        sup_id = sup.id
    assert _outbox(app, "new.sup@x.org") == []  # nobody is emailed before the board decides
    assert "Waiting for the board to approve Nia New" in client.get("/me/hours").text
    client.post("/logout")
    login(client, "rev@x.org")
    listed = client.get(f"/boards/{board.id}/supervisors").text
    assert 'data-testid="pending-supervisor-row"' in listed and "new.sup@x.org" in listed
    approved = client.post(f"/boards/{board.id}/supervisors/pending/{sup_id}/approve")
    assert approved.status_code == 302
    with app.app_context():
        assert db.session.get(User, sup_id).has_role(Role.SUPERVISOR, board_id=board.id)
    [mail] = _outbox(app, "new.sup@x.org")
    assert "approved you as a supervisor" in mail.body_text
    assert "1 entry of hours waits" in mail.body_text
    assert "Record your license" in mail.body_text and "Confirm or reject" in mail.body_text
    token = re.search(r"/activate/(\S+)", mail.body_text).group(1)
    client.post("/logout")
    chosen = "a long and uncommon pass"  # not one of the common passwords refused
    page = client.post(f"/activate/{token}", data={"password": chosen, "confirm": chosen})
    assert page.status_code == 302
    assert "1 entry waiting for your confirmation" in client.get("/dashboard").text


def test_logging_with_a_known_supervisor_emails_them(app, client, make_board, make_user):
    board, _, supervisor = _setup(make_board, make_user)
    login(client, "tia@x.org")
    _log(client, board, supervisor_name="")
    [entry] = _entries(app)
    assert entry.supervisor_id == supervisor.id
    [mail] = _outbox(app, "sup@x.org")
    assert mail.subject == "Tia logged 2.5 hours with you"
    assert "http://localhost/supervise" in mail.body_text and "/activate/" not in mail.body_text


def test_unknown_supervisor_needs_a_name(app, client, make_board, make_user):
    board = make_board("ne")
    make_user("tia@x.org", [(Role.TRAINEE, board)])
    login(client, "tia@x.org")
    page = _log(client, board, supervisor_email="who@x.org", supervisor_name="")
    assert "give their full name" in page.text
    assert _entries(app) == []


def test_future_date_24_hours_and_duplicates_store_nothing(app, client, make_board, make_user):
    board, _, _ = _setup(make_board, make_user)
    login(client, "tia@x.org")
    page = _log(client, board, worked_on=(TODAY + timedelta(days=1)).isoformat())
    assert "is in the future" in page.text and _entries(app) == []
    page = _log(client, board, hours="0")
    assert "Enter more than 0 hours" in page.text and _entries(app) == []
    _log(client, board, hours="20")
    page = _log(client, board, hours="4.25", kind="supervision")
    assert "with this entry the day would have 24.25 hours, more than 24" in page.text
    assert 'value="4.25"' in page.text  # the typed input is kept
    page = _log(client, board, hours="20")
    assert "You already logged this entry" in page.text
    assert [e.minutes for e in _entries(app)] == [1200]
    assert _log(client, board, hours="4").status_code == 302  # exactly 24 hours is fine


def test_rejected_entries_do_not_fill_the_day(app, client, make_board, make_user):
    board, trainee, supervisor = _setup(make_board, make_user)
    login(client, "tia@x.org")
    _log(client, board, hours="20")
    with app.app_context():
        db.session.get(SupervisedHoursEntry, _entries(app)[0].id).status = "rejected"
        db.session.commit()
    assert _log(client, board, hours="10", setting="Other").status_code == 302


def test_confirm_counts_and_emails_the_trainee(app, client, make_board, make_user):
    board, trainee, supervisor = _setup(make_board, make_user)
    login(client, "tia@x.org")
    _log(client, board, hours="3", kind="supervision")
    [entry] = _entries(app)
    client.post("/logout")
    login(client, "sup@x.org")
    page = client.post(f"/supervise/entries/{entry.id}/confirm", follow_redirects=True)
    assert "Record your license for this board before confirming" in page.text
    assert _entries(app)[0].status == "pending"
    page = client.post(
        "/supervise",
        data={
            "board_id": board.id,
            "license_type": "limhp",
            "license_number": "123",
            "license_state": "NE",
        },  # fmt: skip
        follow_redirects=True,
    )
    assert "License saved" in page.text
    client.post(f"/supervise/entries/{entry.id}/confirm")
    assert _entries(app)[0].status == "confirmed"
    assert any("confirmed" in m.subject for m in _outbox(app, "tia@x.org"))
    with app.app_context():
        assert "hours.confirmed" in set(db.session.execute(select(AuditEvent.action)).scalars())
    client.post("/logout")
    login(client, "tia@x.org")
    mine = client.get("/me/hours").text
    assert re.search(r'data-testid="total-supervision">3\.0 h', mine)
    assert re.search(r'data-testid="total-experience">0\.0 h', mine)
    # confirmed, but the board has not verified the license yet: the page says so
    assert "3.0 h of the confirmed hours wait for the board to verify" in mine


def test_bulk_confirm(app, client, make_board, make_user):
    board, _, supervisor = _setup(make_board, make_user)
    _profile(app, board, supervisor)
    login(client, "tia@x.org")
    for day in (1, 2, 3):
        _log(client, board, worked_on=(TODAY - timedelta(days=day)).isoformat())
    ids = [e.id for e in _entries(app)]
    client.post("/logout")
    login(client, "sup@x.org")
    assert "3 entries waiting for your confirmation" in client.get("/dashboard").text
    client.post("/supervise/confirm", data={"entry_ids": ids[:2]})
    assert [e.status for e in _entries(app)] == ["confirmed", "confirmed", "pending"]
    assert len([m for m in _outbox(app, "tia@x.org") if "confirmed 2" in m.subject]) == 1


def test_reject_needs_a_reason(app, client, make_board, make_user):
    board, _, _ = _setup(make_board, make_user)
    login(client, "tia@x.org")
    _log(client, board)
    [entry] = _entries(app)
    client.post("/logout")
    login(client, "sup@x.org")
    page = client.post(f"/supervise/entries/{entry.id}/reject", data={"reason": "  "})
    assert "Give a reason" in page.text and _entries(app)[0].status == "pending"
    client.post(f"/supervise/entries/{entry.id}/reject", data={"reason": "I was on leave."})
    [entry] = _entries(app)
    assert (entry.status, entry.decision_reason) == ("rejected", "I was on leave.")
    assert any("I was on leave." in m.body_text for m in _outbox(app, "tia@x.org"))
    client.post("/logout")
    login(client, "tia@x.org")
    assert "Reason: I was on leave." in client.get("/me/hours?status=rejected").text


def test_supervisor_sees_only_entries_naming_them(app, client, make_board, make_user):
    board, _, supervisor = _setup(make_board, make_user)
    other = make_user("other@x.org", [(Role.SUPERVISOR, board)])
    _profile(app, board, other)
    login(client, "tia@x.org")
    _log(client, board, notes="for sam")
    [entry] = _entries(app)
    client.post("/logout")
    login(client, "other@x.org")
    assert "for sam" not in client.get("/supervise").text
    assert client.post(f"/supervise/entries/{entry.id}/confirm").status_code == 404
    assert client.get(f"/supervise/entries/{entry.id}/reject").status_code == 404
    assert client.post("/supervise/confirm", data={"entry_ids": [entry.id]}).status_code == 404
    assert _entries(app)[0].status == "pending"
    assert client.get("/me/hours").status_code == 403  # not a trainee


def test_supervisor_cannot_confirm_their_own_hours(app, client, make_board, make_user):
    board = make_board("ne")
    both = make_user("both@x.org", [(Role.TRAINEE, board), (Role.SUPERVISOR, board)])
    _profile(app, board, both)
    login(client, "both@x.org")
    page = _log(client, board, supervisor_email="Both@x.org")
    assert "You cannot confirm your own hours" in page.text and _entries(app) == []
    with app.app_context():  # a row that names its own trainee, e.g. from an old import
        db.session.add(SupervisedHoursEntry(
            board_id=board.id, trainee_id=both.id, supervisor_id=both.id, kind="experience",
            worked_on=YESTERDAY, minutes=60, setting="Other"))  # fmt: skip
        db.session.commit()
    [entry] = _entries(app)
    page = client.post(f"/supervise/entries/{entry.id}/confirm", follow_redirects=True)
    assert "You cannot confirm or reject your own hours" in page.text
    assert _entries(app)[0].status == "pending"


def test_trainee_sees_and_deletes_only_their_own_entries(app, client, make_board, make_user):
    board, _, _ = _setup(make_board, make_user)
    make_user("ola@x.org", [(Role.TRAINEE, board)])
    login(client, "ola@x.org")
    _log(client, board, notes="ola's secret shift")
    client.post("/logout")
    login(client, "tia@x.org")
    _log(client, board, notes="tia's shift", hours="1")
    ola_entry, tia_entry = _entries(app)
    mine = client.get("/me/hours").text
    assert "ola&#39;s secret shift" not in mine and "Ola" not in mine
    assert mine.count('data-testid="entry-row"') == 1
    assert "ola" not in client.get("/me/hours.csv").text
    assert client.get(f"/me/hours/{ola_entry.id}/delete").status_code == 404
    assert client.post(f"/me/hours/{ola_entry.id}/delete").status_code == 404
    assert "Delete this entry?" in client.get(f"/me/hours/{tia_entry.id}/delete").text
    client.post(f"/me/hours/{tia_entry.id}/delete")
    assert [e.id for e in _entries(app)] == [ola_entry.id]


def test_confirmed_entries_cannot_be_deleted(app, client, make_board, make_user):
    board, _, _ = _setup(make_board, make_user)
    login(client, "tia@x.org")
    _log(client, board)
    with app.app_context():
        db.session.get(SupervisedHoursEntry, _entries(app)[0].id).status = "confirmed"
        db.session.commit()
    page = client.post(f"/me/hours/{_entries(app)[0].id}/delete", follow_redirects=True)
    assert "Only pending entries can be deleted" in page.text and len(_entries(app)) == 1


def test_list_filters_paginates_and_exports(app, client, make_board, make_user):
    board, trainee, supervisor = _setup(make_board, make_user)
    with app.app_context():
        db.session.add_all(
            SupervisedHoursEntry(
                board_id=board.id,
                trainee_id=trainee.id,
                supervisor_id=supervisor.id,
                kind="experience",
                worked_on=TODAY - timedelta(days=day),
                minutes=60,
                setting="Other",
                notes="=HYPERLINK(1)",
                status="pending",
            )  # fmt: skip
            for day in range(1, 28)
        )
        db.session.commit()
    login(client, "tia@x.org")
    page = client.get("/me/hours").text
    assert page.count('data-testid="entry-row"') == 25 and "1 of 2" in page
    assert (TODAY - timedelta(days=1)).isoformat() in page
    assert client.get("/me/hours?page=2").text.count('data-testid="entry-row"') == 2
    oldest_first = client.get("/me/hours?sort=date_asc").text
    assert (TODAY - timedelta(days=27)).isoformat() in oldest_first
    assert "No confirmed entries" in client.get("/me/hours?status=confirmed").text
    csv_text = client.get("/me/hours.csv").text
    assert len(csv_text.strip().splitlines()) == 28 and "'=HYPERLINK(1)" in csv_text


def test_reviewer_verifies_supervisors_of_their_board_only(app, client, make_board, make_user):
    board, _, supervisor = _setup(make_board, make_user)
    other_board = make_board("ia")
    make_user("rev@x.org", [(Role.BOARD_REVIEWER, board)])
    make_user("far@x.org", [(Role.BOARD_REVIEWER, other_board)])
    profile_id = _profile(app, board, supervisor)
    login(client, "tia@x.org")
    _log(client, board)
    client.post("/logout")
    login(client, "far@x.org")
    url = f"/boards/{board.id}/supervisors/{profile_id}/verify"
    assert client.get(f"/boards/{board.id}/supervisors").status_code == 404
    assert client.post(url).status_code == 404
    assert (
        client.post(f"/boards/{other_board.id}/supervisors/{profile_id}/verify").status_code == 404
    )
    client.post("/logout")
    login(client, "rev@x.org")
    listing = client.get(f"/boards/{board.id}/supervisors").text
    assert "Unverified supervisor" in listing and "Licensed Independent Mental Health" in listing
    assert "Unverified supervisor" in client.get(f"/boards/{board.id}/hours").text
    assert "Verify Sup?" in client.get(url).text
    client.post(url, data={"note": "state lookup"})
    with app.app_context():
        profile = db.session.get(SupervisorProfile, profile_id)
        assert profile.verified_at is not None and profile.verified_by_id is not None
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "supervisor.verified")
        ).scalar_one()
        assert event.board_id == board.id and event.after["note"] == "state lookup"
    assert "Unverified supervisor" not in client.get(f"/boards/{board.id}/hours").text


def test_changing_a_verified_license_needs_verification_again(app, client, make_board, make_user):
    board, _, supervisor = _setup(make_board, make_user)
    profile_id = _profile(app, board, supervisor, verified=True)
    login(client, "sup@x.org")
    client.post("/supervise", data={"board_id": board.id, "license_type": "lmhp",
                                    "license_number": "L-2", "license_state": "NE"})  # fmt: skip
    with app.app_context():
        profile = db.session.get(SupervisorProfile, profile_id)
        assert (profile.license_type, profile.verified_at) == ("lmhp", None)


def test_hours_entries_for_the_eligibility_engine(app, client, make_board, make_user):
    board, trainee, supervisor = _setup(make_board, make_user)
    other_board = make_board("ia")
    _profile(app, board, supervisor, verified=True, kind="ladc")
    with app.app_context():

        def add(board_id: int, status: str, kind: str, day: int) -> None:
            db.session.add(SupervisedHoursEntry(
                board_id=board_id, trainee_id=trainee.id, supervisor_id=supervisor.id, kind=kind,
                worked_on=TODAY - timedelta(days=day), minutes=90, setting="Other",
                status=status))  # fmt: skip

        add(board.id, "confirmed", "supervision", 3)
        add(board.id, "pending", "experience", 2)
        add(board.id, "rejected", "experience", 1)
        add(other_board.id, "confirmed", "experience", 4)
        db.session.commit()
        found = hours_entries(db.session, board.id, trainee.id)
        other = hours_entries(db.session, other_board.id, trainee.id)
        assert db.session.execute(select(func.count(SupervisedHoursEntry.id))).scalar() == 4
    assert [(e.kind, e.confirmed, e.supervisor_license, e.supervisor_verified) for e in found] == [
        ("supervision", True, "ladc", True),
        ("experience", False, "ladc", True),
    ]
    assert [(e.confirmed, e.supervisor_license, e.supervisor_verified) for e in other] == [
        (True, None, False)
    ]


def test_navigation_and_trainee_panel(app, client, make_board, make_user):
    board, _, supervisor = _setup(make_board, make_user)
    _profile(app, board, supervisor)
    make_user("rev@x.org", [(Role.BOARD_REVIEWER, board)])
    login(client, "tia@x.org")
    _log(client, board, hours="1.5")
    dashboard = client.get("/dashboard").text
    assert "My hours" in dashboard and "1 entry waiting for your supervisor" in dashboard
    client.post("/logout")
    login(client, "sup@x.org")
    client.post(f"/supervise/entries/{_entries(app)[0].id}/confirm")
    assert "Confirm hours" in client.get("/dashboard").text
    client.post("/logout")
    login(client, "tia@x.org")
    assert "Confirmed experience: <strong>1.5 h</strong>" in client.get("/dashboard").text
    client.post("/logout")
    login(client, "rev@x.org")
    assert f'href="/boards/{board.id}/supervisors"' in client.get("/dashboard").text
    assert "waiting for license verification" in client.get(f"/boards/{board.id}").text


def test_the_form_offers_the_supervisors_named_before(app, client, make_board, make_user):
    """The hours form remembers whom this trainee named: the latest first, prefilled, in a list."""
    board, _, _ = _setup(make_board, make_user)
    make_user("bo@x.org", [(Role.SUPERVISOR, board)])
    make_user("kim@x.org", [(Role.TRAINEE, board)])
    login(client, "tia@x.org")
    page = client.get("/me/hours/new").get_data(as_text=True)
    assert "past-supervisors" not in page  # nothing named yet: nothing offered
    _log(client, board, supervisor_name="")
    _log(
        client,
        board,
        supervisor_email="bo@x.org",
        worked_on=(TODAY - timedelta(days=2)).isoformat(),
    )
    _log(client, board, worked_on=(TODAY - timedelta(days=3)).isoformat())  # sup@x.org again
    assert len(_entries(app)) == 3
    page = client.get("/me/hours/new").get_data(as_text=True)
    listed = re.search(r'<datalist id="past-supervisors"[^>]*>(.*?)</datalist>', page, re.S)
    assert listed is not None
    assert re.findall(r'value="([^"]+)"', listed.group(1)) == ["sup@x.org", "bo@x.org"]
    assert 'label="Bo"' in listed.group(1)
    assert re.search(r'<input[^>]*id="supervisor_email"[^>]*list="past-supervisors"', page)
    assert re.search(r'<input[^>]*id="supervisor_email"[^>]*value="sup@x.org"', page)
    client.post("/logout")
    login(client, "kim@x.org")  # another trainee sees none of them
    assert "past-supervisors" not in client.get("/me/hours/new").get_data(as_text=True)
