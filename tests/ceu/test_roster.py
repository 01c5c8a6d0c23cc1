"""Providers post rosters: exact matches post at once, mismatches wait for review, a
malformed file is refused whole with row and column, a lapsed provider cannot post."""

from __future__ import annotations

import email
import email.policy
import io
from datetime import date, timedelta
from email.message import EmailMessage

from openpyxl import Workbook
from sqlalchemy import func, select

from certify.models import CredentialType
from ceu.models import CeCategory, CeRecord, RosterPosting, RosterRow
from core.extensions import db
from core.models import Board, OutboxMessage, Role, User
from tests.ceu.conftest import CeWorld
from tests.ceu.factories import H, create_course, create_credential, create_provider
from tests.factories import create_user, login


def _setup(app, ce: CeWorld, make_user, **provider):  # type: ignore[no-untyped-def]
    contact = make_user("morgan@example.org", [])
    with app.app_context():
        board = db.session.get(Board, ce.board.id)
        by_code = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        ctype = db.session.get(CredentialType, ce.ctype_id)
        today = date.today()
        lapsed = create_user(db.session, "sam@example.org", [(Role.TRAINEE, board)])
        create_credential(db.session, lapsed, ctype, "NE-CPSS-000002", today - timedelta(900),
                          today - timedelta(170), status="expired")  # fmt: skip
        p = create_provider(db.session, board, db.session.get(User, contact.id), **provider)
        start = today - timedelta(days=20)
        course = create_course(
            db.session, p, {"peer": 3 * H}, by_code, starts_on=start, ends_on=start
        )
        db.session.commit()
        return contact, course.id, start


def _post(client, ce: CeWorld, course_id: int, data: bytes, name: str = "roster.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/boards/{ce.board.id}/ce/provider/rosters",
        data={"course_id": course_id, "roster": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_matches_post_and_mismatches_wait_for_review(app, client, ce: CeWorld, make_user) -> None:  # type: ignore[no-untyped-def]
    contact, course_id, start = _setup(app, ce, make_user)
    login(client, contact.email)
    roster = (
        "credential_number,name,completed_on\n"
        f"ne-cpss-000001,RECOVERY Riley,{start.isoformat()}\n"
        "NE-CPSS-000002,Sam,\n"
        "NE-CPSS-999999,Nobody Known,\n"
        "NE-CPSS-000001X,Riley Riley,\n"
    ).encode()
    response = _post(client, ce, course_id, roster)
    assert response.status_code == 302
    with app.app_context():
        posting = db.session.execute(select(RosterPosting)).scalar_one()
        assert (posting.rows, posting.posted, posting.to_review) == (4, 1, 3)
        outcomes = dict(db.session.execute(select(RosterRow.row_number, RosterRow.outcome)).all())
        assert outcomes == {
            2: "posted",
            3: "not_active",
            4: "unknown_number",
            5: "unknown_number",
        }
        record = db.session.execute(select(CeRecord)).scalar_one()
        assert (record.holder_id, record.source, record.status, record.minutes) == (
            ce.holder.id, "roster", "accepted", 3 * H,
        )  # fmt: skip
        row_id = db.session.execute(
            select(RosterRow.id).where(RosterRow.row_number == 5)
        ).scalar_one()
    page = client.get(f"/boards/{ce.board.id}/ce/provider/review").get_data(as_text=True)
    assert "Nobody Known" in page and "Sam" in page
    # posting the same roster again posts nobody twice
    _post(client, ce, course_id, roster)
    with app.app_context():
        assert db.session.execute(select(func.count(CeRecord.id))).scalar_one() == 1
    # the board sees the review list too, and corrects a number
    login(client, ce.reviewer.email)
    assert "Nobody Known" in client.get(f"/boards/{ce.board.id}/ce/rosters").get_data(as_text=True)
    client.post(
        f"/boards/{ce.board.id}/ce/rosters/rows/{row_id}",
        data={"action": "correct", "number": "NE-CPSS-000001"},
    )
    with app.app_context():
        row = db.session.get(RosterRow, row_id)
        assert row.outcome == "name_differs"  # "Riley Riley" is not Riley Recovery


def test_a_malformed_file_is_refused_whole_with_rows_and_columns(
    app, client, ce: CeWorld, make_user
) -> None:  # type: ignore[no-untyped-def]
    contact, course_id, _ = _setup(app, ce, make_user)
    login(client, contact.email)
    bad = (
        b"credential_number,name,completed_on\nNE-CPSS-000001,Riley Recovery,\n"
        b",No Number,\nNE-CPSS-000002,Sam,31/12/2026\n"
    )
    page = _post(client, ce, course_id, bad).get_data(as_text=True)
    assert "Nothing was posted: the file has 2 problems." in page
    assert (
        "<td>3</td><td>credential_number</td>" in page and "<td>4</td><td>completed_on</td>" in page
    )
    with app.app_context():
        assert db.session.execute(select(func.count(CeRecord.id))).scalar_one() == 0
        assert db.session.execute(select(func.count(RosterPosting.id))).scalar_one() == 0


def test_an_xlsx_roster(app, client, ce: CeWorld, make_user) -> None:  # type: ignore[no-untyped-def]
    contact, course_id, start = _setup(app, ce, make_user)
    book = Workbook()
    book.active.append(["Credential number", "Name", "Completed on"])
    book.active.append(["NE-CPSS-000001", "Riley Recovery", start])
    out = io.BytesIO()
    book.save(out)
    login(client, contact.email)
    assert _post(client, ce, course_id, out.getvalue(), "roster.xlsx").status_code == 302
    with app.app_context():
        assert db.session.execute(select(CeRecord.completed_on)).scalar_one() == start


def test_a_lapsed_provider_cannot_post(app, client, ce: CeWorld, make_user) -> None:  # type: ignore[no-untyped-def]
    ended = date.today() - timedelta(days=1)
    contact, course_id, _ = _setup(app, ce, make_user, approved_until=ended)
    login(client, contact.email)
    page = _post(client, ce, course_id, b"credential_number,name\nNE-CPSS-000001,Riley Recovery\n")
    assert "is not an approved provider today (lapsed)" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count(CeRecord.id))).scalar_one() == 0


def test_another_providers_course_and_rows_are_out_of_reach(
    app, client, ce: CeWorld, make_user
) -> None:  # type: ignore[no-untyped-def]
    contact, course_id, _ = _setup(app, ce, make_user)
    other = make_user("other@example.org", [])
    with app.app_context():
        board = db.session.get(Board, ce.board.id)
        create_provider(db.session, board, db.session.get(User, other.id), name="Other Academy")
        db.session.commit()
    login(client, other.email)
    assert client.get(f"/boards/{ce.board.id}/ce/provider/courses/{course_id}").status_code == 404
    page = _post(client, ce, course_id, b"credential_number,name\nNE-CPSS-000001,Riley Recovery\n")
    assert page.status_code == 200  # not one of its courses: not a choice
    with app.app_context():
        assert db.session.execute(select(func.count(CeRecord.id))).scalar_one() == 0


def _delivered(app, smtp_server, monkeypatch) -> dict[str, EmailMessage]:  # type: ignore[no-untyped-def]
    """Send the outbox through the loopback SMTP server; the messages by recipient."""
    controller, handler = smtp_server
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    found = {}
    for _, rcpts, content in handler.messages:
        message = email.message_from_bytes(content, policy=email.policy.default)
        found[rcpts[0]] = message
    handler.messages.clear()
    return found


def test_the_certificants_matched_get_an_email_of_what_was_recorded(  # type: ignore[no-untyped-def]
    app, client, ce: CeWorld, make_user, smtp_server, monkeypatch
) -> None:
    contact, course_id, start = _setup(app, ce, make_user)
    with app.app_context():
        ctype = db.session.get(CredentialType, ce.ctype_id)
        board = db.session.get(Board, ce.board.id)
        for address, name, number in (
            ("jamie@example.org", "Jamie Peer", "NE-CPSS-000003"),
            ("known@example.org", "Nobody Known", "NE-CPSS-000004"),
        ):
            person = create_user(db.session, address, [(Role.TRAINEE, board)])
            person.full_name = name
            create_credential(db.session, person, ctype, number, ce.issued_on, ce.expires_on)
        db.session.commit()  # fmt: skip
    login(client, contact.email)
    roster = (
        "credential_number,name,completed_on\n"
        f"NE-CPSS-000001,Riley Recovery,{start.isoformat()}\n"
        'NE-CPSS-000003,"Peer, Jamie",\n'
        "NE-CPSS-999999,Nobody Known,\n"
        "NE-CPSS-000001X,Riley Riley,\n"
    ).encode()
    assert _post(client, ce, course_id, roster).status_code == 302
    sent = _delivered(app, smtp_server, monkeypatch)
    assert sorted(sent) == ["jamie@example.org", "riley@example.org"]  # matched rows only
    riley = sent["riley@example.org"]
    assert riley["Subject"] == "CE recorded: WRAP refresher"
    body = riley.get_content()
    assert "Hello Riley Recovery" in body and "“WRAP refresher”" in body
    assert f"Completed on: {start.isoformat()}" in body
    assert "Counts: 3 hours (3 hours Peer)" in body and "Roster row: 2" in body
    assert "Completed on: " + start.isoformat() in sent["jamie@example.org"].get_content()
    # no row is dropped silently: every row of the file is stored, the two unmatched ones
    # wait on the review list
    with app.app_context():
        outcomes = dict(db.session.execute(select(RosterRow.row_number, RosterRow.outcome)).all())
        assert outcomes == {2: "posted", 3: "posted", 4: "unknown_number", 5: "unknown_number"}
        row_id = db.session.execute(
            select(RosterRow.id).where(RosterRow.row_number == 4)
        ).scalar_one()
    # the provider corrects a number: the row posts, and that person is told too, once
    client.post(
        f"/boards/{ce.board.id}/ce/provider/review/{row_id}",
        data={"action": "correct", "number": "NE-CPSS-000004"},
    )
    with app.app_context():
        row = db.session.get(RosterRow, row_id)
        assert (row.outcome, row.resolution) == ("posted", "posted")
    sent = _delivered(app, smtp_server, monkeypatch)
    assert list(sent) == ["known@example.org"]
    assert "Roster row: 4" in sent["known@example.org"].get_content()
    with app.app_context():
        total = db.session.execute(select(func.count(OutboxMessage.id))).scalar_one()
        assert total == 3
