"""Every standard-setting, results and delivery route as every role: only the people named
may open or change it, and item text shows only on a panel judge's rating page and in the
candidate's own sitting."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEvent, Board, Role, utcnow
from exams.models import (
    AngoffJudge,
    CutScore,
    DeliveredAnswer,
    ExamResult,
    ExamWindow,
    ItemStatistic,
    Registration,
    ResultImport,
    StandardSetting,
)
from tests.exams.test_standard_setting import STEM, published_form
from tests.factories import create_credential_type, create_user, login

PEOPLE = (
    "manager",
    "admin",
    "writer",
    "reviewer",
    "judge_on",
    "judge_off",
    "cand",
    "trainee",
    "employer",
    "other_manager",
)


@pytest.fixture
def world(app: Flask) -> dict[str, int]:
    with app.app_context():
        board = Board(slug="cf", name="Confidential board", jurisdiction="CF")
        other = Board(slug="cx", name="Other board", jurisdiction="CX")
        db.session.add_all([board, other])
        db.session.flush()
        ctype = create_credential_type(db.session, board)
        form = published_form(board, ctype.id, 5)
        roles = {
            "manager": [(Role.EXAM_MANAGER, board)],
            "admin": [(Role.BOARD_ADMIN, board)],
            "writer": [(Role.ITEM_WRITER, board)],
            "reviewer": [(Role.ITEM_REVIEWER, board)],
            "judge_on": [(Role.SME_JUDGE, board)],
            "judge_off": [(Role.SME_JUDGE, board)],
            "cand": [(Role.TRAINEE, board)],
            "trainee": [(Role.TRAINEE, board)],
            "employer": [(Role.EMPLOYER, None)],
            "other_manager": [(Role.EXAM_MANAGER, other)],
        }
        users = {k: create_user(db.session, f"{k}@cf.org", v) for k, v in roles.items()}
        setting = StandardSetting(board_id=board.id, form_id=form.id)
        db.session.add(setting)
        db.session.flush()
        db.session.add(
            AngoffJudge(board_id=board.id, setting_id=setting.id, user_id=users["judge_on"].id)
        )
        cut = CutScore(board_id=board.id, form_id=form.id, raw_cut=2.5, raw_needed=3)
        db.session.add(cut)
        db.session.flush()
        record = ResultImport(board_id=board.id, form_id=form.id, kind="totals", file_name="t.csv",
                              taken_on=date.today(), cut_score_id=cut.id, raw_cut=2.5,
                              raw_needed=3, n_candidates=1, n_passed=0, summary={})  # fmt: skip
        db.session.add(record)
        db.session.flush()
        result = ExamResult(board_id=board.id, import_id=record.id, form_id=form.id,
                            user_id=users["cand"].id, candidate_ref="cand@cf.org",
                            taken_on=date.today(), raw=2, raw_needed=3, n_items=4,
                            passed=False, domains=[["Ethics", 2, 4]])  # fmt: skip
        window = ExamWindow(board_id=board.id, form_id=form.id, name="W", opens_on=date.today(),
                            closes_on=date.today() + timedelta(days=3), minutes=30)  # fmt: skip
        db.session.add_all([result, window])
        db.session.flush()
        registration = Registration(board_id=board.id, window_id=window.id,
                                    user_id=users["cand"].id, option_seed=5,
                                    status="in_progress", started_at=utcnow(),
                                    deadline_at=utcnow() + timedelta(minutes=30))  # fmt: skip
        db.session.add(registration)
        db.session.flush()
        statistic = ItemStatistic(board_id=board.id, import_id=record.id,
                                  form_item_id=form.items[0].id, item_id=form.items[0].item_id,
                                  item_version_id=form.items[0].item_version_id, scored=True,
                                  n=1, flags=[{"code": "hard", "message": "hard"}])  # fmt: skip
        db.session.add(statistic)
        db.session.commit()
        return {
            "B": board.id,
            "F": form.id,
            "S": setting.id,
            "I": record.id,
            "R": result.id,
            "W": window.id,
            "G": registration.id,
            "T": statistic.id,
            "FI": form.items[0].id,
        }


# endpoint -> who may open it; item text is shown only where marked
PAGES = {
    "/boards/{B}/exams/standard-setting": {"manager", "admin"},
    "/boards/{B}/exams/forms/{F}/standard-setting": {"manager"},
    "/boards/{B}/exams/standard-setting/{S}": {"manager", "admin"},
    "/exams/panels": {"judge_on", "judge_off"},
    "/boards/{B}/exams/panels/{S}": {"judge_on"},
    "/boards/{B}/exams/forms/{F}/results": {"manager"},
    "/boards/{B}/exams/results/{I}": {"manager"},
    "/me/exam-results": {"cand", "trainee"},
    "/me/exam-results/{R}/report.pdf": {"cand"},
    "/boards/{B}/exams/forms/{F}/windows": {"manager"},
    "/boards/{B}/exams/windows/{W}": {"manager"},
    "/me/exams": {"cand", "trainee"},
    "/me/exams/sittings/{G}": {"cand"},
    "/me/exams/sitting.js": {"cand", "trainee"},
}
SHOWS_ITEMS = {"/boards/{B}/exams/panels/{S}": "judge_on", "/me/exams/sittings/{G}": "cand"}


def test_every_page_as_every_role(app: Flask, world: dict[str, int]) -> None:
    seen = 0
    for person in PEOPLE:
        client = app.test_client()
        login(client, f"{person}@cf.org")
        for template, allowed in PAGES.items():
            url = template.format(**world)
            response = client.get(url)
            if person in allowed:
                assert response.status_code == 200, (person, url, response.status_code)
                body = (
                    response.get_data(as_text=True)
                    if response.mimetype != "application/pdf"
                    else ""
                )
                if SHOWS_ITEMS.get(template) == person:
                    assert STEM in body, (person, url)
                else:
                    assert STEM not in body, (person, url)
            else:
                assert response.status_code in (403, 404), (person, url, response.status_code)
                assert STEM not in response.get_data(as_text=True), (person, url)
            seen += 1
    assert seen == len(PEOPLE) * len(PAGES)


# changes, and who may make them
ACTIONS = {
    "/boards/{B}/exams/standard-setting/{S}/round2": ({"manager"}, {}),
    "/boards/{B}/exams/standard-setting/{S}/adopt": (
        {"manager", "admin"},
        {"round": "1", "raw_cut": "2", "note": "x"},
    ),
    "/boards/{B}/exams/results/{I}/items/{T}": ({"manager"}, {"action": "kept", "note": ""}),
    "/boards/{B}/exams/windows/{W}/registrations/{G}": ({"manager"}, {"extra_minutes": "5"}),
    "/boards/{B}/exams/windows/{W}/score": ({"manager"}, {}),
    "/me/exams/windows/{W}/register": ({"cand", "trainee"}, {}),
    "/me/exams/sittings/{G}/start": ({"cand"}, {}),
    "/me/exams/sittings/{G}/answer": (
        {"cand"},
        {"form_item_id": "{FI}", "position": "1", "choice": "1"},
    ),
    "/me/exams/sittings/{G}/submit": ({"cand"}, {}),
    "/boards/{B}/exams/panels/{S}": ({"judge_on"}, {"save": "1"}),
}


def _changes(app: Flask) -> tuple[int, ...]:
    with app.app_context():
        return (
            db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
            db.session.execute(select(func.count()).select_from(DeliveredAnswer)).scalar_one(),
            db.session.execute(select(func.count()).select_from(CutScore)).scalar_one(),
        )


def test_no_change_by_anyone_else(app: Flask, world: dict[str, int]) -> None:
    before = _changes(app)
    for person in PEOPLE:
        client = app.test_client()
        login(client, f"{person}@cf.org")
        after_login = _changes(app)
        for template, (allowed, data) in ACTIONS.items():
            if person in allowed:
                continue
            url = template.format(**world)
            payload = {k: v.format(**world) for k, v in data.items()}
            response = client.post(url, data=payload)
            assert response.status_code in (403, 404), (person, url, response.status_code)
        assert _changes(app) == after_login, person  # nothing stored, nothing audited
    assert _changes(app)[1:] == before[1:]
