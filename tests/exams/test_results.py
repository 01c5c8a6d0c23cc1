"""Vendor results: import with bad rows (all or nothing), scoring against the adopted cut,
the pass reaching certify (eligibility and stored standing), the score report PDF, item
analysis decisions, and who sees what."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from certify.applications import eligibility
from certify.models import Standing, TraineeProfile
from core.extensions import db
from core.models import AuditEvent, Board, Role, User
from exams.models import CutScore, ExamResult, Item, ItemStatistic, ResultImport
from tests.exams.test_standard_setting import STEM, published_form
from tests.factories import create_credential_type, create_ready_trainee, create_user, login

TODAY = date.today()


@pytest.fixture
def board_id(app: Flask) -> int:
    """A published 5-item form (4 scored, key B, domain Ethics) with a cut of 2.5 (3 needed),
    an exam manager and five candidates (the first lacks only the exam)."""
    with app.app_context():
        board = Board(slug="rs", name="Results board", jurisdiction="RS")
        db.session.add(board)
        db.session.flush()
        ctype = create_credential_type(db.session, board)
        # two domains: items 1-2 Ethics, 3-4 Recovery (the pretest item 5 is unscored)
        form = published_form(
            board, ctype.id, 5, lambda position: "Ethics" if position <= 2 else "Recovery"
        )
        db.session.add(
            CutScore(board_id=board.id, form_id=form.id, raw_cut=2.5, raw_needed=3, note="")
        )
        create_user(db.session, "manager@rs.org", [(Role.EXAM_MANAGER, board)])
        create_user(db.session, "writer@rs.org", [(Role.ITEM_WRITER, board)])
        create_user(db.session, "admin@rs.org", [(Role.BOARD_ADMIN, board)])
        for i in range(5):
            user = create_user(db.session, f"cand{i}@rs.org", [(Role.TRAINEE, board)])
            if i == 0:  # ready but for the exam
                create_ready_trainee(db.session, board, user, exam_passed=False)
            else:
                db.session.add(TraineeProfile(board_id=board.id, user_id=user.id))
        db.session.commit()
        return board.id


def _form_id(app: Flask) -> int:
    with app.app_context():
        from exams.models import Form

        return db.session.execute(select(Form.id)).scalar_one()


def _client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email)
    return client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found
    return found.group(1)


def _upload(
    app: Flask, board_id: int, text: str, kind: str = "responses", name: str = "vendor.csv"
) -> tuple[FlaskClient, str, int]:
    client = _client(app, "manager@rs.org")
    url = f"/boards/{board_id}/exams/forms/{_form_id(app)}/results"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        data={
            "csrf_token": _csrf(page.get_data(as_text=True)),
            "kind": kind,
            "taken_on": TODAY.isoformat(),
            "file": (io.BytesIO(text.encode()), name),
        },
        content_type="multipart/form-data",
    )
    return client, response.get_data(as_text=True), response.status_code


HEADER = "candidate_id,PR-0001,PR-0002,PR-0003,PR-0004,PR-0005\n"
GOOD = (
    HEADER
    + "cand0@rs.org,B,B,B,B,A\n"  # 4 -> pass
    + "CAND1@rs.org,B,B,B,A,B\n"  # 3 -> pass (email case does not matter)
    + "cand2@rs.org,B,A,A,,B\n"  # 1 -> fail: Ethics 1 of 2, Recovery 0 of 2
    + "cand3@rs.org,A,C,B,B,B\n"  # 2 -> fail
)


def test_bad_rows_are_all_listed_and_nothing_is_stored(app: Flask, board_id: int) -> None:
    bad = (
        HEADER
        + "cand0@rs.org,B,B,B,B,A\n"
        + "stranger@rs.org,B,B,B,B,A\n"
        + "cand1@rs.org,B,F,B,B,A\n"
        + "cand0@rs.org,B,B,B,B,A\n"
        + "cand2@rs.org,B,B,B,B,AB\n"
    )
    _, html, status = _upload(app, board_id, bad)
    assert status == 200
    assert "Nothing was imported: 4 problems" in html
    assert (
        "vendor.csv, row 3, column candidate_id: &#39;stranger@rs.org&#39; is not a candidate"
        in html
    )
    assert "row 4, column PR-0002: &#39;F&#39; is beyond the item&#39;s 4 options" in html
    assert "row 5, column candidate_id: repeated candidate id" in html
    assert "row 6, column PR-0005: &#39;AB&#39; is not an option" in html
    with app.app_context():
        assert db.session.execute(select(ResultImport)).first() is None
        assert db.session.execute(select(ExamResult)).first() is None


def test_import_scores_passes_reach_certify_and_are_audited(app: Flask, board_id: int) -> None:
    with app.app_context():
        user_ids = {
            u.email: u.id
            for u in db.session.execute(select(User).where(User.email.like("cand%"))).scalars()
        }
        [(_, before)] = eligibility.checklists(
            db.session, board_id, user_ids["cand0@rs.org"], TODAY
        )
        assert [c.key for c in before.checks if not c.met] == ["exam"]
    client, html, status = _upload(app, board_id, GOOD)
    assert status == 302, html
    with app.app_context():
        record = db.session.execute(select(ResultImport)).scalar_one()
        assert (record.n_candidates, record.n_passed, record.raw_needed) == (4, 2, 3)
        results = {
            r.candidate_ref.lower(): r for r in db.session.execute(select(ExamResult)).scalars()
        }
        assert {k: (r.raw, r.passed) for k, r in results.items()} == {
            "cand0@rs.org": (4, True),
            "cand1@rs.org": (3, True),
            "cand2@rs.org": (1, False),
            "cand3@rs.org": (2, False),
        }
        assert results["cand2@rs.org"].domains == [["Ethics", 1, 2], ["Recovery", 0, 2]]
        assert results["cand2@rs.org"].responses == "BAA-B"
        # the pass counts for certify: live checklist and the stored standing
        [(_, after)] = eligibility.checklists(db.session, board_id, user_ids["cand0@rs.org"], TODAY)
        assert after.eligible
        [(_, failed)] = eligibility.checklists(
            db.session, board_id, user_ids["cand2@rs.org"], TODAY
        )
        assert "exam" in [c.key for c in failed.checks if not c.met]
        stored = {s.user_id: s.exam_met for s in db.session.execute(select(Standing)).scalars()}
        assert stored.get(user_ids["cand0@rs.org"]) is True
        assert stored.get(user_ids["cand2@rs.org"]) is not True
        # item statistics stay with the item version
        stats = list(db.session.execute(select(ItemStatistic)).scalars())
        assert len(stats) == 5 and all(s.n == 4 for s in stats)
        item1 = next(s for s in stats if s.p is not None and abs(s.p - 0.75) < 1e-9)
        assert item1.item_version_id
        events = list(
            db.session.execute(
                select(AuditEvent).where(AuditEvent.action.like("exam_result%"))
            ).scalars()
        )
        assert sorted(e.action for e in events) == [
            "exam_result.passed",
            "exam_result.passed",
            "exam_result_import.imported",
        ]
        assert STEM not in json.dumps([e.after for e in events])
    # the same candidates on the same day are refused as a whole
    _, again, status = _upload(app, board_id, GOOD)
    assert status == 200 and "already has a result for this form" in again


def test_totals_file(app: Flask, board_id: int) -> None:
    text = "candidate_id,total\ncand0@rs.org,3\ncand1@rs.org,2\n"
    _, html, status = _upload(app, board_id, text, kind="totals", name="totals.csv")
    assert status == 302, html
    with app.app_context():
        results = list(db.session.execute(select(ExamResult).order_by(ExamResult.raw)).scalars())
        assert [(r.raw, r.passed, r.domains) for r in results] == [
            (2, False, None),
            (3, True, None),
        ]
        assert db.session.execute(select(ItemStatistic)).first() is None
    _, html, status = _upload(app, board_id, "candidate_id,total\ncand3@rs.org,5\n", "totals")
    assert "5 is above the 4 items" in html


def test_score_reports_and_who_sees_them(app: Flask, board_id: int) -> None:
    _upload(app, board_id, GOOD)
    with app.app_context():
        ids = {
            r.candidate_ref.lower(): r.id for r in db.session.execute(select(ExamResult)).scalars()
        }
        import_id = db.session.execute(select(ResultImport.id)).scalar_one()
    failed = _client(app, "cand2@rs.org")
    page = failed.get("/me/exam-results").get_data(as_text=True)
    assert "Not passed" in page and "Ethics: 1 of 2" in page and STEM not in page
    pdf = failed.get(f"/me/exam-results/{ids['cand2@rs.org']}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Result: FAIL" in text and "Ethics" in text and "Recovery" in text
    assert "PR-0001" not in text and "listen" not in text and "medication" not in text
    passed = _client(app, "cand0@rs.org")
    text = "".join(
        p.extract_text()
        for p in PdfReader(
            io.BytesIO(passed.get(f"/me/exam-results/{ids['cand0@rs.org']}/report.pdf").data)
        ).pages
    )
    assert "Result: PASS" in text and "Feedback by content area" not in text
    # nobody else's report; staff pages are the exam managers' only
    assert passed.get(f"/me/exam-results/{ids['cand2@rs.org']}/report.pdf").status_code == 404
    url = f"/boards/{board_id}/exams/results/{import_id}"
    assert passed.get(url).status_code == 403
    for email in ("writer@rs.org", "admin@rs.org"):
        assert _client(app, email).get(url).status_code == 403, email
    manager = _client(app, "manager@rs.org").get(url)
    assert manager.status_code == 200 and "PR-0001" in manager.get_data(as_text=True)
    assert STEM not in manager.get_data(as_text=True)


def test_flagged_item_retired_from_the_analysis(app: Flask, board_id: int) -> None:
    # item 5 (pretest, key B): everyone who chose B scored low -> flags
    _upload(app, board_id, GOOD)
    client = _client(app, "manager@rs.org")
    with app.app_context():
        import_id = db.session.execute(select(ResultImport.id)).scalar_one()
        flagged = [s for s in db.session.execute(select(ItemStatistic)).scalars() if s.flags]
        assert flagged
        target = flagged[0]
        target_id, item_id = target.id, target.item_id
    url = f"/boards/{board_id}/exams/results/{import_id}"
    page = client.get(url).get_data(as_text=True)
    response = client.post(
        f"{url}/items/{target_id}",
        data={"csrf_token": _csrf(page), "action": "retired", "note": "ambiguous after window"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Item, item_id).status == "retired"
        assert db.session.get(ItemStatistic, target_id).review_action == "retired"
        actions = set(
            db.session.execute(
                select(AuditEvent.action).where(AuditEvent.action.like("exam_item%"))
            ).scalars()
        )
        assert {"exam_item.retired", "exam_item_statistic.decided"} <= actions
