"""Online delivery: a window, registration of a candidate approved for the exam, the timed
sitting with answers saved on every click (resumed on reload), flag for review, time-out,
one attempt, retake rules, accommodations, scoring the window, and who sees the items."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from certify.models import Application, TraineeProfile
from core.extensions import db
from core.models import Board, Role, User, utcnow
from exams.delivery.services import option_order
from exams.models import (
    CutScore,
    DeliveredAnswer,
    ExamResult,
    ExamWindow,
    FormItem,
    Registration,
)
from tests.exams.test_standard_setting import STEM, published_form
from tests.factories import create_credential_type, create_user, login

TODAY = date.today()


@pytest.fixture
def board_id(app: Flask) -> int:
    with app.app_context():
        board = Board(slug="dl", name="Delivery board", jurisdiction="DL")
        db.session.add(board)
        db.session.flush()
        ctype = create_credential_type(db.session, board)
        form = published_form(board, ctype.id, 5)
        db.session.add(
            CutScore(board_id=board.id, form_id=form.id, raw_cut=2.5, raw_needed=3, note="")
        )
        create_user(db.session, "manager@dl.org", [(Role.EXAM_MANAGER, board)])
        for email, status in (("ana@dl.org", "approved_for_exam"), ("ben@dl.org", "in_review")):
            user = create_user(db.session, email, [(Role.TRAINEE, board)])
            db.session.add(TraineeProfile(board_id=board.id, user_id=user.id))
            db.session.add(
                Application(
                    board_id=board.id,
                    trainee_id=user.id,
                    credential_type_id=ctype.id,
                    status=status,
                )
            )
        db.session.commit()
        return board.id


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email)
    return client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found
    return found.group(1)


def _window(app: Flask, board_id: int, name: str = "Spring") -> int:
    manager = _client(app, "manager@dl.org")
    with app.app_context():
        from exams.models import Form

        form_id = db.session.execute(select(Form.id)).scalar_one()
    url = f"/boards/{board_id}/exams/forms/{form_id}/windows"
    page = manager.get(url).get_data(as_text=True)
    response = manager.post(
        url,
        data={
            "csrf_token": _csrf(page),
            "name": name,
            "opens_on": TODAY.isoformat(),
            "closes_on": (TODAY + timedelta(days=10)).isoformat(),
            "minutes": "60",
            "submit": "1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return db.session.execute(select(ExamWindow.id).where(ExamWindow.name == name)).scalar_one()


def _register(app: Flask, client: FlaskClient, window_id: int) -> str:
    page = client.get("/me/exams").get_data(as_text=True)
    response = client.post(
        f"/me/exams/windows/{window_id}/register", data={"csrf_token": _csrf(page)}
    )
    assert response.status_code == 302
    return client.get("/me/exams").get_data(as_text=True)


def _registration(app: Flask, email: str) -> Registration:
    with app.app_context():
        user_id = db.session.execute(select(User.id).where(User.email == email)).scalar_one()
        row = db.session.execute(
            select(Registration).where(Registration.user_id == user_id)
        ).scalar_one()
        db.session.expunge(row)
        return row


def _save(client: FlaskClient, registration_id: int, page: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(
        f"/me/exams/sittings/{registration_id}/answer",
        data={"csrf_token": _csrf(page), **data},
        headers={"X-Requested-With": "fetch"},
    )


def test_a_sitting_from_registration_to_score(app: Flask, board_id: int) -> None:
    window_id = _window(app, board_id)
    ben = _client(app, "ben@dl.org")
    assert "not approved for the exam" in ben.get("/me/exams").get_data(as_text=True)
    ana = _client(app, "ana@dl.org")
    mine = _register(app, ana, window_id)
    assert "You are registered" in mine
    registration = _registration(app, "ana@dl.org")

    # staff give 30 extra minutes before the start
    manager = _client(app, "manager@dl.org")
    window_url = f"/boards/{board_id}/exams/windows/{window_id}"
    page = manager.get(window_url).get_data(as_text=True)
    manager.post(
        f"{window_url}/registrations/{registration.id}",
        data={"csrf_token": _csrf(page), "extra_minutes": "30", "note": "reader"},
    )

    sitting = f"/me/exams/sittings/{registration.id}"
    start_page = ana.get(sitting).get_data(as_text=True)
    assert "90 minutes" in start_page and STEM not in start_page  # no item before the start
    ana.post(f"{sitting}/start", data={"csrf_token": _csrf(start_page)})
    registration = _registration(app, "ana@dl.org")
    assert registration.status == "in_progress"
    assert registration.deadline_at is not None and registration.started_at is not None
    assert (registration.deadline_at - registration.started_at) == timedelta(minutes=90)

    # item 1, options in this candidate's order
    page = ana.get(sitting).get_data(as_text=True)
    assert "Question 1 of 5" in page and f"{STEM} (item 1)" in page
    with app.app_context():
        items = list(db.session.execute(select(FormItem.id).order_by(FormItem.position)).scalars())
    order = option_order(registration.option_seed, items[0], 4)
    texts = ["listen", "refer", "decide", "ignore"]
    shown = re.findall(r'form-check-label" for="choice-\d">[A-E]\. (\w+)<', page)
    assert shown == [texts[i] for i in order]

    # a click saves at once (JSON), the flag too; a reload shows both and resumes there
    response = _save(
        ana, registration.id, page, {"form_item_id": str(items[0]), "position": "1", "choice": "1"}
    )
    assert response.status_code == 200 and response.get_json() == {"saved": True}
    page2 = ana.get(f"{sitting}?q=2").get_data(as_text=True)
    _save(
        ana,
        registration.id,
        page2,
        {"form_item_id": str(items[1]), "position": "2", "choice": "0", "flagged": "y"},
    )
    reload = ana.get(sitting).get_data(as_text=True)
    assert "Question 2 of 5" in reload  # resumes where the candidate was
    assert re.search(r'value="0" checked', reload) and 'id="flagged" value="y" checked' in reload
    with app.app_context():
        saved = {
            a.form_item_id: (a.choice, a.flagged)
            for a in db.session.execute(select(DeliveredAnswer)).scalars()
        }
    assert saved == {items[0]: (1, False), items[1]: (0, True)}
    # a choice that is not an option is refused; the sitting goes on
    bad = _save(
        ana,
        registration.id,
        reload,
        {"form_item_id": str(items[2]), "position": "3", "choice": "7"},
    )
    assert bad.status_code == 409 and bad.get_json()["ended"] is False
    # without script: Next saves and moves on
    page3 = ana.get(f"{sitting}?q=3").get_data(as_text=True)
    plain = ana.post(
        f"{sitting}/answer",
        data={
            "csrf_token": _csrf(page3),
            "form_item_id": str(items[2]),
            "position": "3",
            "choice": "1",
            "go": "4",
        },
    )
    assert plain.status_code == 302 and plain.headers["Location"].endswith("q=4")
    review = ana.get(f"{sitting}?q=review").get_data(as_text=True)
    assert "3 of 5 questions answered" in review and "flagged for review" in review

    # someone else never sees this sitting; staff neither
    assert ben.get(sitting).status_code == 404
    assert manager.get(sitting).status_code == 403

    ana.post(f"{sitting}/submit", data={"csrf_token": _csrf(review)})
    assert _registration(app, "ana@dl.org").status == "submitted"
    after = ana.get(sitting).get_data(as_text=True)
    assert "Your exam is submitted" in after and STEM not in after
    late = _save(
        ana, registration.id, after, {"form_item_id": str(items[3]), "position": "4", "choice": "1"}
    )
    assert late.status_code == 409 and late.get_json()["ended"] is True
    # one attempt per registration
    ana.post(f"{sitting}/start", data={"csrf_token": _csrf(after)})
    assert _registration(app, "ana@dl.org").status == "submitted"

    # retake rules: another window within the waiting days is refused
    second = _window(app, board_id, "Summer")
    assert "wait 30 days" in ana.get("/me/exams").get_data(as_text=True)
    page = ana.get("/me/exams").get_data(as_text=True)
    ana.post(f"/me/exams/windows/{second}/register", data={"csrf_token": _csrf(page)})
    with app.app_context():
        assert db.session.execute(select(Registration)).all().__len__() == 1

    # scoring the window: 3 correct of 4 scored (items 1-3 answered B, A, B; key B)
    page = manager.get(window_url).get_data(as_text=True)
    scored = manager.post(f"{window_url}/score", data={"csrf_token": _csrf(page)})
    assert scored.status_code == 302 and "/exams/results/" in scored.headers["Location"]
    with app.app_context():
        result = db.session.execute(select(ExamResult)).scalar_one()
        assert (result.raw, result.passed, result.responses) == (2, False, "BAB--")


def test_the_server_clock_ends_a_sitting(app: Flask, board_id: int) -> None:
    window_id = _window(app, board_id)
    ana = _client(app, "ana@dl.org")
    _register(app, ana, window_id)
    registration = _registration(app, "ana@dl.org")
    sitting = f"/me/exams/sittings/{registration.id}"
    ana.post(
        f"{sitting}/start", data={"csrf_token": _csrf(ana.get(sitting).get_data(as_text=True))}
    )
    page = ana.get(sitting).get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Registration, registration.id)
        assert row is not None
        row.deadline_at = utcnow() - timedelta(seconds=1)
        item = db.session.execute(select(FormItem.id).order_by(FormItem.position)).scalars().first()
        db.session.commit()
    response = _save(
        ana, registration.id, page, {"form_item_id": str(item), "position": "1", "choice": "1"}
    )
    assert response.status_code == 409 and response.get_json()["ended"] is True
    assert _registration(app, "ana@dl.org").status == "timed_out"
    assert "Time ran out" in ana.get(sitting).get_data(as_text=True)
