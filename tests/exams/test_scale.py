"""The board's reporting scale: defined by an exam manager (audited), applied when results
are scored, shown on the results pages and the candidate's score report PDF."""

from __future__ import annotations

import io

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from exams.models import ExamResult, ExamScale, ResultImport
from tests.exams.test_results import GOOD, _client, _csrf, _upload, board_id  # noqa: F401


def _set_scale(app: Flask, board: int, low: str, passing: str, high: str) -> tuple[int, str]:
    client = _client(app, "manager@rs.org")
    url = f"/boards/{board}/exams/scale"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        data={
            "csrf_token": _csrf(page.get_data(as_text=True)),
            "low": low,
            "passing": passing,
            "high": high,
            "submit": "Save the scale",
        },
    )
    return response.status_code, response.get_data(as_text=True)


def test_scale_is_refused_out_of_order(app: Flask, board_id: int) -> None:  # noqa: F811
    status, html = _set_scale(app, board_id, "200", "900", "800")
    assert status == 200
    assert "The passing score must lie above the lowest score and below the highest" in html
    with app.app_context():
        assert db.session.execute(select(ExamScale)).first() is None


def test_only_exam_managers_define_the_scale(app: Flask, board_id: int) -> None:  # noqa: F811
    for email in ("writer@rs.org", "admin@rs.org", "cand0@rs.org"):
        assert _client(app, email).get(f"/boards/{board_id}/exams/scale").status_code == 403


def test_scaled_scores_are_stored_and_shown(app: Flask, board_id: int) -> None:  # noqa: F811
    status, html = _set_scale(app, board_id, "200", "500", "800")
    assert status == 302, html
    # 4 scored items, 3 needed: 4 -> 800, 3 -> 500, 2 -> 200 + 2 * 300 / 3 = 400, 1 -> 300
    _, html, status = _upload(app, board_id, GOOD)
    assert status == 302, html
    with app.app_context():
        scaled = {
            r.candidate_ref.lower(): (r.raw, r.scaled, r.passed)
            for r in db.session.execute(select(ExamResult)).scalars()
        }
        assert scaled == {
            "cand0@rs.org": (4, 800.0, True),
            "cand1@rs.org": (3, 500.0, True),
            "cand2@rs.org": (1, 300.0, False),
            "cand3@rs.org": (2, 400.0, False),
        }
        record = db.session.execute(select(ResultImport)).scalar_one()
        assert record.summary["scale"] == {"low": 200, "passing": 500, "high": 800}
        set_event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "exam_scale.set")
        ).scalar_one()
        assert set_event.before is None
        assert set_event.after == {"low": 200, "passing": 500, "high": 800}
        imported = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "exam_result_import.imported")
        ).scalar_one()
        assert imported.after["scale"] == {"low": 200, "passing": 500, "high": 800}
        passed = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "exam_result.passed")
        ).scalars()
        assert sorted(e.after["scaled"] for e in passed) == [500.0, 800.0]
        failed_id = next(
            r.id
            for r in db.session.execute(select(ExamResult)).scalars()
            if r.candidate_ref == "cand2@rs.org"
        )
    manager = _client(app, "manager@rs.org")
    page = manager.get(f"/boards/{board_id}/exams/results/{record.id}").get_data(as_text=True)
    assert "200 to 800; 3 correct reports as the passing score 500" in page
    assert "<td>300</td>" in page and "<td>800</td>" in page
    candidate = _client(app, "cand2@rs.org")
    mine = candidate.get("/me/exam-results").get_data(as_text=True)
    assert "Scaled score 300 on a scale of 200 to 800; 500 needed to pass." in mine
    pdf = candidate.get(f"/me/exam-results/{failed_id}/report.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Result: FAIL" in text
    assert "Your scaled score: 300 on a scale of 200 to 800." in text
    assert "The passing scaled score is 500." in text


def test_changing_and_removing_the_scale(app: Flask, board_id: int) -> None:  # noqa: F811
    assert _set_scale(app, board_id, "200", "500", "800")[0] == 302
    assert _set_scale(app, board_id, "0", "70", "100")[0] == 302
    client = _client(app, "manager@rs.org")
    url = f"/boards/{board_id}/exams/scale"
    page = client.get(url).get_data(as_text=True)
    assert "In force: 0 to 100, 70 to pass." in page
    response = client.post(
        url, data={"csrf_token": _csrf(page), "remove": "Stop reporting scaled scores"}
    )
    assert response.status_code == 302
    _, html, status = _upload(app, board_id, GOOD)
    assert status == 302, html
    with app.app_context():
        assert db.session.execute(select(ExamScale)).first() is None
        assert {r.scaled for r in db.session.execute(select(ExamResult)).scalars()} == {None}
        events = [
            (e.action, e.before, e.after)
            for e in db.session.execute(
                select(AuditEvent)
                .where(AuditEvent.action.like("exam_scale.%"))
                .order_by(AuditEvent.id)
            ).scalars()
        ]
        assert events[1:] == [
            (
                "exam_scale.set",
                {"low": 200, "passing": 500, "high": 800},
                {"low": 0, "passing": 70, "high": 100},
            ),
            ("exam_scale.removed", {"low": 0, "passing": 70, "high": 100}, None),
        ]
    candidate = _client(app, "cand0@rs.org").get("/me/exam-results").get_data(as_text=True)
    assert "Scaled score" not in candidate
