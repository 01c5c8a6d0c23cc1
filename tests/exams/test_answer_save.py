"""An answer save is one SQL statement that checks as it writes, and every rule still holds:
the candidate's own sitting, open and within its deadline (server clock), the item on their
form, a valid option, one row per (sitting, item) with the latest answer, a live session,
CSRF; a refused save stores nothing and says why."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, event, select

from core.extensions import db
from core.models import Board, Role, RoleAssignment, User, utcnow
from exams.models import DeliveredAnswer, ExamWindow, FormItem, Registration
from tests.exams.test_standard_setting import published_form
from tests.factories import PASSWORD, create_credential_type, create_user, login

HARNESS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")  # the tests' rollback


@dataclass(frozen=True)
class Sittings:
    ana: int  # Ana's sitting, in progress
    ben: int  # Ben's sitting, in progress
    items: list[int]  # Ana's and Ben's form's items, in order
    elsewhere: int  # an item of another board's form


@pytest.fixture
def sittings(app: Flask) -> Sittings:
    with app.app_context():
        board = Board(slug="as", name="Answer board", jurisdiction="AS")
        db.session.add(board)
        db.session.flush()
        ctype = create_credential_type(db.session, board)
        form = published_form(board, ctype.id, 5)
        elsewhere_board = Board(slug="as2", name="Another board", jurisdiction="AT")
        db.session.add(elsewhere_board)
        db.session.flush()
        other_type = create_credential_type(db.session, elsewhere_board)
        other = published_form(elsewhere_board, other_type.id, 1)
        today, now = date.today(), utcnow()
        window = ExamWindow(
            board_id=board.id,
            form_id=form.id,
            name="Spring",
            opens_on=today,
            closes_on=today + timedelta(days=3),
            minutes=60,
        )
        db.session.add(window)
        db.session.flush()
        ids = []
        for email in ("ana@as.org", "ben@as.org"):
            user = create_user(db.session, email, [(Role.TRAINEE, board)])
            registration = Registration(
                board_id=board.id,
                window_id=window.id,
                user_id=user.id,
                option_seed=7,
                status="in_progress",
                started_at=now,
                deadline_at=now + timedelta(minutes=60),
            )
            db.session.add(registration)
            db.session.flush()
            ids.append(registration.id)
        items = list(
            db.session.execute(
                select(FormItem.id).where(FormItem.form_id == form.id).order_by(FormItem.position)
            ).scalars()
        )
        elsewhere = db.session.execute(
            select(FormItem.id).where(FormItem.form_id == other.id)
        ).scalar_one()
        db.session.commit()
        return Sittings(ids[0], ids[1], items, elsewhere)


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _save(client: FlaskClient, registration_id: int, **data: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/me/exams/sittings/{registration_id}/answer",
        data={"position": "1", **data},
        headers={"X-Requested-With": "fetch"},
    )


def _stored(app: Flask) -> dict[tuple[int, int], tuple[int | None, bool]]:
    with app.app_context():
        return {
            (a.registration_id, a.form_item_id): (a.choice, a.flagged)
            for a in db.session.execute(select(DeliveredAnswer)).scalars()
        }


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(HARNESS):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_save_is_one_statement_and_a_second_save_replaces_the_first(
    app: Flask, sittings: Sittings
) -> None:
    ana = _signed_in(app, "ana@as.org")
    first, second = sittings.items[0], sittings.items[1]
    for form_item_id, choice in ((first, "2"), (first, "3"), (second, "0")):
        with _statements(app) as statements:
            response = _save(ana, sittings.ana, form_item_id=str(form_item_id), choice=choice)
        assert response.status_code == 200 and response.get_json() == {"saved": True}
        assert len(statements) == 1 and statements[0].lstrip().startswith("INSERT")
    # no choice clears the answer; the flag is kept
    with _statements(app) as statements:
        response = _save(ana, sittings.ana, form_item_id=str(second), flagged="y")
    assert response.get_json() == {"saved": True} and len(statements) == 1
    # one row per (sitting, item), the latest answer
    assert _stored(app) == {(sittings.ana, first): (3, False), (sittings.ana, second): (None, True)}
    # without the page's script: the same save, then the page asked for
    plain = ana.post(
        f"/me/exams/sittings/{sittings.ana}/answer",
        data={"form_item_id": str(first), "position": "1", "choice": "1", "go": "2"},
    )
    assert plain.status_code == 302 and plain.headers["Location"].endswith("q=2")
    assert _stored(app)[(sittings.ana, first)] == (1, False)


def test_refused_saves_store_nothing_and_say_why(app: Flask, sittings: Sittings) -> None:
    ana = _signed_in(app, "ana@as.org")
    item = str(sittings.items[0])
    # someone else's sitting: not found, as every sitting page
    assert _save(ana, sittings.ben, form_item_id=item, choice="1").status_code == 404
    # an item of another form, an option the item does not have
    refused = {
        "That item is not on your form.": {"form_item_id": str(sittings.elsewhere), "choice": "1"},
        "That option is not on this item.": {"form_item_id": item, "choice": "4"},
    }
    for message, data in refused.items():
        response = _save(ana, sittings.ana, **data)
        assert response.status_code == 409, message
        assert response.get_json() == {"saved": False, "ended": False, "error": message}
    response = _save(ana, sittings.ana, form_item_id=item, choice="99999999999")
    assert response.get_json()["error"] == "That option is not on this item."
    assert _save(ana, sittings.ana, form_item_id="x", choice="1").status_code == 400
    assert _stored(app) == {}


def test_a_save_after_the_deadline_ends_the_sitting(app: Flask, sittings: Sittings) -> None:
    ana = _signed_in(app, "ana@as.org")
    with app.app_context():
        row = db.session.get(Registration, sittings.ana)
        assert row is not None
        row.deadline_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = _save(ana, sittings.ana, form_item_id=str(sittings.items[0]), choice="1")
    assert response.status_code == 409 and response.get_json()["ended"] is True
    with app.app_context():
        assert db.session.get(Registration, sittings.ana).status == "timed_out"  # type: ignore[union-attr]
    assert _stored(app) == {}


def test_a_submitted_sitting_takes_no_answer(app: Flask, sittings: Sittings) -> None:
    ben = _signed_in(app, "ben@as.org")
    with app.app_context():
        row = db.session.get(Registration, sittings.ben)
        assert row is not None
        row.status, row.finished_at = "submitted", utcnow()
        db.session.commit()
    response = _save(ben, sittings.ben, form_item_id=str(sittings.items[0]), choice="1")
    assert response.status_code == 409
    assert response.get_json() == {
        "saved": False,
        "ended": True,
        "error": "This sitting has ended; answers are no longer saved.",
    }
    assert _stored(app) == {}


def test_an_ended_session_or_a_lost_role_saves_nothing(app: Flask, sittings: Sittings) -> None:
    ana, ben = _signed_in(app, "ana@as.org"), _signed_in(app, "ben@as.org")
    item = str(sittings.items[0])
    anonymous = _save(app.test_client(), sittings.ana, form_item_id=item, choice="1")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "ana@as.org")).scalar_one()
        user.end_all_sessions()  # logout elsewhere, a password change
        db.session.execute(
            delete(RoleAssignment).where(
                RoleAssignment.user_id
                == select(User.id).where(User.email == "ben@as.org").scalar_subquery()
            )
        )
        db.session.commit()
    ended = _save(ana, sittings.ana, form_item_id=item, choice="1")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    assert _save(ben, sittings.ben, form_item_id=item, choice="1").status_code == 403
    assert _stored(app) == {}


def test_a_save_needs_the_pages_csrf_token(app: Flask, sittings: Sittings) -> None:
    token = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    ana = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = ana.get("/login").get_data(as_text=True)
        found = token.search(page)
        assert found
        data = {"csrf_token": found.group(1), "email": "ana@as.org", "password": PASSWORD}
        assert ana.post("/login", data=data).status_code == 302
        sitting = ana.get(f"/me/exams/sittings/{sittings.ana}").get_data(as_text=True)
        found = token.search(sitting)
        assert found, "the sitting page carries the token"
        item = str(sittings.items[0])
        assert _save(ana, sittings.ana, form_item_id=item, choice="1").status_code == 400
        forged = _save(ana, sittings.ana, form_item_id=item, choice="1", csrf_token="forged")
        assert forged.status_code == 400
        assert _stored(app) == {}
        saved = _save(ana, sittings.ana, form_item_id=item, choice="1", csrf_token=found.group(1))
        assert saved.status_code == 200 and saved.get_json() == {"saved": True}
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _stored(app) == {(sittings.ana, sittings.items[0]): (1, False)}
