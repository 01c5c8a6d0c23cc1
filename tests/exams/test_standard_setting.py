"""Standard setting through the pages: invite a panel, two rounds of ratings, adopt a cut.

Also who sees what: judges see the form they rate, nobody else's panel; the manager's and
board's pages and the audit trail carry no item text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent, Board, Role, utcnow
from exams.models import (
    AngoffRating,
    CutScore,
    Form,
    FormItem,
    Item,
    ItemVersion,
    StandardSetting,
)
from tests.factories import create_credential_type, create_user, login

STEM = "A peer asks for advice on medication; the specialist should first"


@dataclass
class Scene:
    board_id: int
    form_id: int
    form_item_ids: list[int]
    pretest_id: int
    manager: str
    admin: str
    judges: list[str]
    outsider_judge: str
    writer: str
    other_judge: str


def published_form(
    board: Board, ctype_id: int, n_items: int, domain_of: Callable[[int], str] | None = None
) -> Form:
    """A published form of n_items (the last one a pretest item), key B, domain Ethics or
    ``domain_of(position)``."""
    form = Form(
        board_id=board.id,
        credential_type_id=ctype_id,
        name="Form A",
        status="published",
        blueprint_study_id=1,
        blueprint_version=1,
        seed=7,
        published_at=utcnow(),
    )
    db.session.add(form)
    db.session.flush()
    for position in range(1, n_items + 1):
        item = Item(
            board_id=board.id,
            credential_type_id=ctype_id,
            code=f"PR-{position:04d}",
            status="approved",
            approved_number=1,
        )
        db.session.add(item)
        db.session.flush()
        version = ItemVersion(
            board_id=board.id,
            item_id=item.id,
            number=1,
            status="approved",
            blueprint_study_id=1,
            blueprint_version=1,
            domain=domain_of(position) if domain_of else "Ethics",
            task_code=f"T{position}",
            cognitive_level="application",
            stem=f"{STEM} (item {position})",
            options=["listen", "refer", "decide", "ignore"],
            key=1,
        )
        db.session.add(version)
        db.session.flush()
        db.session.add(
            FormItem(
                board_id=board.id,
                form_id=form.id,
                item_id=item.id,
                item_version_id=version.id,
                position=position,
                scored=position < n_items,  # the last one is a pretest item
                domain=domain_of(position) if domain_of else "Ethics",
                task_code=f"T{position}",
            )
        )
    db.session.flush()
    return form


@pytest.fixture
def scene(app: Flask) -> Scene:
    with app.app_context():
        board = Board(slug="ss", name="Standards board", jurisdiction="SS")
        other = Board(slug="ot", name="Other board", jurisdiction="OT")
        db.session.add_all([board, other])
        db.session.flush()
        ctype = create_credential_type(db.session, board)
        form = published_form(board, ctype.id, 5)
        create_user(db.session, "manager@ss.org", [(Role.EXAM_MANAGER, board)])
        create_user(db.session, "admin@ss.org", [(Role.BOARD_ADMIN, board)])
        judges = [f"judge{i}@ss.org" for i in range(8)]
        for email in judges + ["spare@ss.org"]:
            create_user(db.session, email, [(Role.SME_JUDGE, board)])
        create_user(db.session, "writer@ss.org", [(Role.ITEM_WRITER, board)])
        create_user(db.session, "judge@ot.org", [(Role.SME_JUDGE, other)])
        ids = list(
            db.session.execute(
                select(FormItem.id).where(FormItem.form_id == form.id).order_by(FormItem.position)
            ).scalars()
        )
        db.session.commit()
        return Scene(
            board.id,
            form.id,
            ids[:-1],
            ids[-1],
            "manager@ss.org",
            "admin@ss.org",
            judges,
            "spare@ss.org",
            "writer@ss.org",
            "judge@ot.org",
        )


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email)
    return client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _judge_ids(app: Flask, emails: list[str]) -> list[int]:
    from core.models import User

    with app.app_context():
        return [
            db.session.execute(select(User.id).where(User.email == e)).scalar_one() for e in emails
        ]


def _start(app: Flask, scene: Scene, emails: list[str]) -> tuple[FlaskClient, object]:
    client = _client(app, scene.manager)
    url = f"/boards/{scene.board_id}/exams/forms/{scene.form_id}/standard-setting"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        data={"csrf_token": _csrf(page.get_data(as_text=True)), "judges": _judge_ids(app, emails)},
    )
    return client, response


def _setting_id(app: Flask) -> int:
    with app.app_context():
        return db.session.execute(select(StandardSetting.id)).scalar_one()


def _rate(
    app: Flask, scene: Scene, email: str, values: list[float | str], finish: bool
) -> tuple[FlaskClient, object]:
    client = _client(app, email)
    url = f"/boards/{scene.board_id}/exams/panels/{_setting_id(app)}"
    page = client.get(url)
    assert page.status_code == 200
    data: dict[str, object] = {"csrf_token": _csrf(page.get_data(as_text=True))}
    for form_item_id, value in zip([*scene.form_item_ids, scene.pretest_id], values, strict=False):
        data[f"r-{form_item_id}"] = str(value)
    data["finish" if finish else "save"] = "1"
    return client, client.post(url, data=data)


ROUND1 = np.array(
    [
        [60, 70, 80, 50, 40],
        [70, 70, 90, 50, 40],
        [50, 60, 80, 40, 40],
        [60, 80, 70, 50, 40],
        [70, 70, 80, 60, 40],
        [50, 70, 80, 50, 40],
        [60, 75, 85, 55, 40],
    ],
    dtype=float,
)


def test_a_panel_needs_six_judges(app: Flask, scene: Scene) -> None:
    _, response = _start(app, scene, scene.judges[:5])
    assert response.status_code == 200
    assert "at least 6 judges" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(StandardSetting)).first() is None


def test_two_rounds_and_the_adopted_cut(app: Flask, scene: Scene) -> None:
    manager, response = _start(app, scene, scene.judges[:7])
    assert response.status_code == 302
    setting_id = _setting_id(app)
    page = manager.get(response.headers["Location"], follow_redirects=True)
    assert "7 judges: 8-10 are preferred" in page.get_data(as_text=True)

    # a bad value saves nothing; an unfinished round cannot be submitted
    _, bad = _rate(app, scene, scene.judges[0], [60, 150, 80, 50, 40], finish=False)
    assert "not a percentage between 0 and 100" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(AngoffRating)).first() is None
    _, partial = _rate(app, scene, scene.judges[0], [60, 70], finish=True)
    assert "still need a rating" in partial.get_data(as_text=True)

    # round 2 cannot open before six judges submitted round 1
    board_url = f"/boards/{scene.board_id}/exams/standard-setting/{setting_id}"
    panel = manager.get(board_url).get_data(as_text=True)
    manager.post(f"{board_url}/round2", data={"csrf_token": _csrf(panel)})
    with app.app_context():
        assert db.session.get(StandardSetting, setting_id).round == 1

    for email, row in zip(scene.judges, ROUND1, strict=False):
        client, done = _rate(app, scene, email, list(row), finish=True)
        assert done.status_code == 302
    resubmit = _rate(app, scene, scene.judges[0], [10] * 5, finish=True)[1]
    assert "submitted round 1 already" in resubmit.get_data(as_text=True)

    # round-1 results: cut = sum of the scored items' mean ratings (the pretest item is out)
    expected = float((ROUND1[:, :4] / 100).mean(axis=0).sum())
    panel = manager.get(board_url).get_data(as_text=True)
    assert f"{expected:.2f}" in panel
    assert STEM not in panel  # the manager's page shows codes and numbers only
    manager.post(f"{board_url}/round2", data={"csrf_token": _csrf(panel)})
    with app.app_context():
        assert db.session.get(StandardSetting, setting_id).round == 2

    # round 2: the judge sees their round-1 rating and the panel's spread, prefilled
    judge = _client(app, scene.judges[2])
    rate_page = judge.get(f"/boards/{scene.board_id}/exams/panels/{setting_id}")
    text = rate_page.get_data(as_text=True)
    assert "Your round 1: <strong>50%</strong>" in text
    assert "panel mean 60%, from 50% to 70%" in text
    round2 = ROUND1.copy()
    round2[2] = [60, 70, 80, 50, 40]  # judge 3 moves to the panel
    for email, row in zip(scene.judges, round2, strict=False):
        _rate(app, scene, email, list(row), finish=True)

    panel = manager.get(board_url).get_data(as_text=True)
    cut2 = float((round2[:, :4] / 100).mean(axis=0).sum())
    judge_cuts = (round2[:, :4] / 100).sum(axis=1)
    se2 = judge_cuts.std(ddof=1) / math.sqrt(7)
    assert f"{cut2:.2f}" in panel and f"{se2:.2f}" in panel

    # adopting a different cut needs a reason; the adoption is audited without item text
    token = _csrf(panel)
    refused = manager.post(
        f"{board_url}/adopt",
        data={"csrf_token": token, "round": "2", "raw_cut": "2.40", "note": ""},
        follow_redirects=True,
    )
    assert "Say why the adopted cut differs" in refused.get_data(as_text=True)
    adopted = manager.post(
        f"{board_url}/adopt",
        data={"csrf_token": token, "round": "2", "raw_cut": "", "note": ""},
        follow_redirects=True,
    )
    assert "adopted: a candidate needs 3 correct" in adopted.get_data(as_text=True)
    with app.app_context():
        cut = db.session.execute(select(CutScore)).scalar_one()
        assert math.isclose(cut.raw_cut, cut2) and cut.raw_needed == 3 and cut.n_judges == 7
        assert math.isclose(cut.se or 0, se2)
        assert db.session.get(StandardSetting, setting_id).status == "closed"
        events = db.session.execute(
            select(AuditEvent).where(AuditEvent.action.like("exam_%"))
        ).scalars()
        trail = json.dumps([[e.action, e.before, e.after] for e in events])
    assert "exam_cut_score.adopted" in trail and "exam_standard_setting.round2_opened" in trail
    assert STEM not in trail and "listen" not in trail


def test_who_sees_the_rating_page(app: Flask, scene: Scene) -> None:
    _start(app, scene, scene.judges[:6])
    url = f"/boards/{scene.board_id}/exams/panels/{_setting_id(app)}"
    member = _client(app, scene.judges[0]).get(url)
    assert member.status_code == 200 and STEM in member.get_data(as_text=True)
    assert _client(app, scene.outsider_judge).get(url).status_code == 404  # not on the panel
    assert _client(app, scene.other_judge).get(url).status_code == 404  # another board
    assert _client(app, scene.writer).get(url).status_code == 403  # no judge role
    assert _client(app, scene.manager).get(url).status_code == 403
    assert _client(app, scene.admin).get(url).status_code == 403
    mine = _client(app, scene.outsider_judge).get("/exams/panels").get_data(as_text=True)
    assert "You are on no panel" in mine
    listed = _client(app, scene.judges[0]).get("/exams/panels").get_data(as_text=True)
    assert "Form A" in listed and STEM not in listed


def test_who_sees_the_panel_and_adopts(app: Flask, scene: Scene) -> None:
    _start(app, scene, scene.judges[:6])
    setting_id = _setting_id(app)
    url = f"/boards/{scene.board_id}/exams/standard-setting/{setting_id}"
    admin = _client(app, scene.admin)
    page = admin.get(url)
    assert page.status_code == 200 and STEM not in page.get_data(as_text=True)
    assert admin.get(f"/boards/{scene.board_id}/exams/standard-setting").status_code == 200
    # the board admin reads results but does not run the panel
    form_url = f"/boards/{scene.board_id}/exams/forms/{scene.form_id}/standard-setting"
    assert admin.get(form_url).status_code == 403
    for email in (scene.writer, scene.judges[0], scene.other_judge):
        assert _client(app, email).get(url).status_code in (403, 404), email
    # another board's manager or admin never reaches this board's panel
    with app.app_context():
        other = db.session.execute(select(Board).where(Board.slug == "ot")).scalar_one()
        create_user(db.session, "manager@ot.org", [(Role.EXAM_MANAGER, other)])
        db.session.commit()
    assert _client(app, "manager@ot.org").get(url).status_code == 404
    assert _client(app, "manager@ot.org").get(form_url).status_code == 404
