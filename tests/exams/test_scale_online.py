"""Online delivery and the reporting scale: a window scored after its candidates sat the exam
stores each result's scaled score (the same scoring as a vendor's file)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from core.extensions import db
from core.models import User
from exams.models import ExamResult, FormItem
from exams.results import services
from tests.exams import test_delivery as online
from tests.exams.test_delivery import _csrf, board_id  # noqa: F401


def test_an_online_window_is_scored_on_the_scale(app: Flask, board_id: int) -> None:  # noqa: F811
    """A window scored after candidates sat it online stores scaled scores too."""
    board = board_id
    with app.app_context():
        manager = db.session.execute(
            select(User).where(User.email == "manager@dl.org")
        ).scalar_one()
        services.set_scale(db.session, manager, board, 200, 500, 800)
        db.session.commit()
        first_item = (
            db.session.execute(select(FormItem.id).order_by(FormItem.position)).scalars().first()
        )
    window_id = online._window(app, board)
    ana = online._client(app, "ana@dl.org")
    online._register(app, ana, window_id)
    registration = online._registration(app, "ana@dl.org")
    sitting = f"/me/exams/sittings/{registration.id}"
    start = ana.get(sitting).get_data(as_text=True)
    ana.post(f"{sitting}/start", data={"csrf_token": _csrf(start)})
    page = ana.get(sitting).get_data(as_text=True)
    online._save(
        ana,
        registration.id,
        page,
        {"form_item_id": str(first_item), "position": "1", "choice": "1"},
    )
    review = ana.get(f"{sitting}?q=review").get_data(as_text=True)
    ana.post(f"{sitting}/submit", data={"csrf_token": _csrf(review)})
    staff = online._client(app, "manager@dl.org")
    window_url = f"/boards/{board}/exams/windows/{window_id}"
    page = staff.get(window_url).get_data(as_text=True)
    assert staff.post(f"{window_url}/score", data={"csrf_token": _csrf(page)}).status_code == 302
    with app.app_context():
        result = db.session.execute(select(ExamResult)).scalar_one()
        # 1 correct of 4 scored, 3 needed: 200 + 1 * 300 / 3 = 300
        assert (result.raw, result.scaled, result.passed) == (1, 300.0, False)
