"""Employers: organizations, roster checks with bad rows, exports, monitoring and its emails."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from certify.credentials import services as credentials
from certify.models import Credential
from core.extensions import db
from core.models import OutboxMessage, Role, User
from tests.factories import login
from tests.verify.conftest import change_status, issue_credential
from verify.models import EmployerMember, MonitoredCredential, MonitoringEvent


def _employer(app, make_user, email="boss@acme.example"):  # type: ignore[no-untyped-def]
    make_user(email, [(Role.EMPLOYER, None)])
    client = app.test_client()
    login(client, email)
    response = client.post("/employer/organization/new", data={"name": "Acme Health"})
    assert response.status_code == 302
    return client


def _upload(client, text: str, name: str = "staff.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/employer/rosters",
        data={"file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def _roster(app, board):  # type: ignore[no-untyped-def]
    """Five people on the register in every state a roster must flag, plus two bad rows."""
    ok = issue_credential(app, board, "ok@example.org", "Olga Okafor")
    soon = issue_credential(
        app, board, "soon@example.org", "Sid Soon", issued_on=date.today() - timedelta(days=700)
    )
    suspended = issue_credential(app, board, "susp@example.org", "Sue Spend")
    change_status(app, suspended.credential_id, "suspended")
    revoked = issue_credential(app, board, "rev@example.org", "Rex Voke")
    change_status(app, revoked.credential_id, "revoked")
    renamed = issue_credential(app, board, "name@example.org", "Nadia Name")
    text = (
        "name,credential number,board\n"
        f"Olga Okafor,{ok.number},ne\n"
        f"Sid Soon,{soon.number},ne\n"
        f'"Spend, Sue",{suspended.number},Nebraska Board of Peer Support\n'
        f"Rex Voke,{revoked.number},NE\n"
        f"Nadine Other,{renamed.number},ne\n"
        "Nobody Here,NE-CPSS-999999,ne\n"
        "Bad Row,,ne\n"
        "Lost Board,NE-CPSS-000001,atlantis\n"
    )
    return text, (ok, soon, suspended, revoked, renamed)


def test_roster_check_flags_every_row_and_drops_none(app, make_user, board) -> None:  # type: ignore[no-untyped-def]
    client = _employer(app, make_user)
    text, _ = _roster(app, board)
    response = _upload(client, text)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count('data-testid="roster-row"') == 8
    for expected in (
        "Expires within 60 days",
        "Suspended",
        "Revoked",
        "Name does not match",
        "Number not found",
        "credential number is empty",
        "board &#39;atlantis&#39; is not known",
    ):
        assert expected in page, expected
    assert "OK" in page
    flagged = client.get(response.headers["Location"] + "?show=flagged").get_data(as_text=True)
    assert flagged.count('data-testid="roster-row"') == 7


def test_roster_exports_csv_and_xlsx(app, make_user, board) -> None:  # type: ignore[no-untyped-def]
    client = _employer(app, make_user)
    text, _ = _roster(app, board)
    location = _upload(client, text).headers["Location"]
    csv_text = client.get(location + "/export.csv").get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("row,name_on_roster,board,credential_number,result,flags")
    assert len(lines) == 9  # the header and every row, bad ones included
    assert "Bad row" in csv_text and "Number not found" in csv_text
    xlsx = client.get(location + "/export.xlsx")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert len(rows) == 9 and rows[0][0] == "row"


def test_an_unreadable_roster_says_why(app, make_user) -> None:  # type: ignore[no-untyped-def]
    client = _employer(app, make_user)
    response = _upload(client, "name,phone\nJane,555\n")
    assert response.status_code == 200
    assert "missing: credential number, board" in response.get_data(as_text=True)


def test_monitoring_refuses_a_roster_with_bad_rows(app, make_user, board) -> None:  # type: ignore[no-untyped-def]
    client = _employer(app, make_user)
    text, _ = _roster(app, board)
    location = _upload(client, text).headers["Location"]
    client.post(location + "/enroll")
    page = client.get(location).get_data(as_text=True)
    assert "Fix rows 7, 8, 9 first" in page
    with app.app_context():
        assert db.session.execute(select(MonitoredCredential)).first() is None


def test_monitoring_emails_on_suspension_and_lists_changes(app, make_user, board) -> None:  # type: ignore[no-untyped-def]
    client = _employer(app, make_user)
    make_user("colleague@acme.example", [(Role.EMPLOYER, None)])
    client.post("/employer/organization", data={"email": "colleague@acme.example"})
    person = issue_credential(app, board, "p@example.org", "Pat Person")
    other = issue_credential(app, board, "q@example.org", "Quinn Other")
    location = _upload(
        client,
        f"name,credential number,board\nPat Person,{person.number},ne\n"
        f"Quinn Other,{other.number},ne\n",
    ).headers["Location"]
    assert client.post(location + "/enroll").status_code == 302
    with app.app_context():
        assert len(db.session.execute(select(MonitoredCredential)).all()) == 2
        before = db.session.execute(select(OutboxMessage.id)).scalars().all()

    change_status(app, person.credential_id, "suspended", "practice concerns")

    with app.app_context():
        sent = (
            db.session.execute(select(OutboxMessage).where(OutboxMessage.id.not_in(before)))
            .scalars()
            .all()
        )
        to_employers = [m for m in sent if m.to_addr.endswith("@acme.example")]
        assert {m.to_addr for m in to_employers} == {"boss@acme.example", "colleague@acme.example"}
        message = to_employers[0]
        assert person.number in message.subject and "suspended" in message.subject
        assert "practice concerns" not in message.body_text  # the board's reason stays private
        assert "p@example.org" not in message.body_text
    changes = client.get("/employer/changes").get_data(as_text=True)
    assert changes.count('data-testid="change"') == 1
    assert "is now suspended (was active)" in changes
    # seen: the list starts afresh, the nav count drops to nothing
    client.post("/employer/changes/seen")
    assert 'data-testid="change"' not in client.get("/employer/changes").get_data(as_text=True)
    everything = client.get("/employer/changes?all=1").get_data(as_text=True)
    assert everything.count('data-testid="change"') == 1


def test_public_discipline_and_expiry_are_reported(app, make_user, board) -> None:  # type: ignore[no-untyped-def]
    client = _employer(app, make_user)
    person = issue_credential(app, board, "p@example.org", "Pat Person")
    location = _upload(
        client, f"name,credential number,board\nPat Person,{person.number},ne\n"
    ).headers["Location"]
    client.post(location + "/enroll")
    with app.app_context():
        credential = db.session.get(Credential, person.credential_id)
        actor = db.session.get(User, credential.holder_id)
        credentials.discipline(
            db.session, credential, actor, "investigation", date.today(), False, "", "private"
        )
        credentials.discipline(
            db.session, credential, actor, "reprimand", date.today(), True, "Late records"
        )
        db.session.commit()
        kinds = [e.kind for e in db.session.execute(select(MonitoringEvent)).scalars()]
        assert kinds == ["discipline"]  # the private investigation is not reported
    runner = app.test_cli_runner()
    with app.app_context():
        expires_on = db.session.get(Credential, person.credential_id).expires_on
    result = runner.invoke(
        args=["employers", "daily", "--as-of", (expires_on - timedelta(days=59)).isoformat()]
    )
    assert result.exit_code == 0 and "1 change(s)" in result.output, result.output
    again = runner.invoke(
        args=["employers", "daily", "--as-of", (expires_on - timedelta(days=58)).isoformat()]
    )
    assert "0 change(s)" in again.output  # told once per expiry date
    page = client.get("/employer/changes").get_data(as_text=True)
    assert "Late records" in page and "expires on" in page


def test_people_in_an_organization(app, make_user) -> None:  # type: ignore[no-untyped-def]
    client = _employer(app, make_user)
    response = client.post(
        "/employer/organization", data={"email": "new@acme.example", "full_name": "Nia New"}
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "new@acme.example")).scalar_one()
        assert user.has_role(Role.EMPLOYER) and user.activated_at is None
        member = db.session.execute(
            select(EmployerMember).where(EmployerMember.user_id == user.id)
        ).scalar_one()
        assert not member.is_owner
        assert db.session.execute(
            select(OutboxMessage).where(OutboxMessage.to_addr == "new@acme.example")
        ).scalar()
    # a second organization cannot take the same person
    other = _employer(app, make_user, "boss@other.example")
    again = other.post("/employer/organization", data={"email": "new@acme.example"})
    assert "already belongs" in again.get_data(as_text=True)


def test_employer_pages_belong_to_their_organization(app, make_user, board) -> None:  # type: ignore[no-untyped-def]
    client = _employer(app, make_user)
    location = _upload(client, "name,number,board\nA Person,NE-CPSS-000001,ne\n").headers[
        "Location"
    ]
    stranger = _employer(app, make_user, "boss@other.example")
    assert stranger.get(location).status_code == 404
    assert stranger.get(location + "/export.csv").status_code == 404
    trainee = make_user("t@example.org", [(Role.TRAINEE, board)])
    as_trainee = app.test_client()
    login(as_trainee, trainee.email)
    assert as_trainee.get("/employer").status_code == 403


def test_employer_workspace_navigation(app, make_user) -> None:  # type: ignore[no-untyped-def]
    client = _employer(app, make_user)
    page = client.get("/employer").get_data(as_text=True)
    assert 'data-testid="workspace-nav"' in page
    for label in ("Roster checks", "Changes", "Monitored staff", "API keys", "Organization"):
        assert label in page
