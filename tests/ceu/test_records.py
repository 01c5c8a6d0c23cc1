"""Certificants add CE (approved courses count at once; other activities with evidence wait
for review); staff accept or reject with a reason; rejected ones are corrected and resent."""

from __future__ import annotations

import io
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from ceu.models import CeEvidence, CeRecord
from ceu.standing import holder_standings
from core.extensions import db
from core.models import AuditEvent, Board, OutboxMessage, User
from tests.ceu.conftest import PDF, CeWorld
from tests.ceu.factories import H, create_course, create_provider, create_record
from tests.factories import login


def _other(client, ce: CeWorld, hours: str = "6", category: str = "ethics", **extra):  # type: ignore[no-untyped-def]
    data = {
        "board_id": ce.board.id,
        "title": "Ethics in peer work",
        "provider_name": "Peer Network",
        "completed_on": (date.today() - timedelta(days=3)).isoformat(),
        "hours": hours,
        "category_id": ce.categories[category],
        "delivery_mode": "in_person",
        "evidence": (io.BytesIO(PDF), "certificate.pdf"),
        **extra,
    }
    return client.post("/me/ce/add", data=data, content_type="multipart/form-data")


def test_the_dashboard_says_what_is_missing_in_one_sentence(app, client, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    login(client, ce.holder.email)
    page = client.get("/me/ce").get_data(as_text=True)
    days = (ce.expires_on - date.today()).days
    assert f"6 ethics hours and 14 more hours missing, {days} days left" in page
    assert "No CE yet — " in page and 'data-testid="ce-bar-ethics"' in page


def test_other_activity_with_evidence_waits_then_counts_once_accepted(
    app, client, ce: CeWorld
) -> None:  # type: ignore[no-untyped-def]
    login(client, ce.holder.email)
    response = _other(client, ce)
    assert response.status_code == 302
    with app.app_context():
        record = db.session.execute(select(CeRecord)).scalar_one()
        assert (record.status, record.minutes, len(record.evidence)) == ("pending", 6 * H, 1)
        assert record.evidence[0].content_type == "application/pdf"
        record_id = record.id
    assert "6 ethics hours and 14 more hours missing" in client.get("/me/ce").get_data(as_text=True)
    login(client, ce.reviewer.email)
    page = client.get(f"/boards/{ce.board.id}/ce/review").get_data(as_text=True)
    assert "Ethics in peer work" in page
    client.post(
        f"/boards/{ce.board.id}/ce/records/{record_id}",
        data={"decision": "accepted", "confirm": "y"},
    )
    login(client, ce.holder.email)
    assert "14 hours missing" in client.get("/me/ce").get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.execute(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "ce.record.accepted")
            ).scalar_one()
            == 1
        )
        assert db.session.execute(
            select(OutboxMessage).where(OutboxMessage.subject.like("CE activity accepted%"))
        ).scalar()


def test_evidence_is_checked_by_its_content_not_its_name(app, client, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    login(client, ce.holder.email)
    page = _other(client, ce, evidence=(io.BytesIO(b"just text, not a PDF"), "certificate.pdf"))
    assert page.status_code == 200
    assert "Only PDF, JPEG and PNG files are accepted" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(func.count(CeRecord.id))).scalar_one() == 0
        assert db.session.execute(select(func.count(CeEvidence.id))).scalar_one() == 0


def test_a_rejected_activity_is_corrected_and_sent_again(app, client, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    login(client, ce.holder.email)
    _other(client, ce, hours="60")
    page = _other(client, ce, hours="1.3")
    assert "steps of 0.25" in page.get_data(as_text=True)
    _other(client, ce, hours="2")
    with app.app_context():
        record_id = db.session.execute(select(CeRecord.id)).scalar_one()
    login(client, ce.reviewer.email)
    page = client.post(
        f"/boards/{ce.board.id}/ce/records/{record_id}",
        data={"decision": "rejected", "confirm": "y"},
    )
    assert "Say why" in page.get_data(as_text=True)
    client.post(
        f"/boards/{ce.board.id}/ce/records/{record_id}",
        data={"decision": "rejected", "reason": "The certificate shows 1.5 hours.", "confirm": "y"},
    )
    login(client, ce.holder.email)
    page = client.get("/me/ce").get_data(as_text=True)
    assert "The certificate shows 1.5 hours." in page
    client.post(
        f"/me/ce/records/{record_id}",
        data={
            "board_id": ce.board.id,
            "title": "Ethics in peer work",
            "completed_on": (date.today() - timedelta(days=3)).isoformat(),
            "hours": "1.5",
            "category_id": ce.categories["ethics"],
            "delivery_mode": "in_person",
        },
        content_type="multipart/form-data",
    )
    with app.app_context():
        record = db.session.get(CeRecord, record_id)
        assert (record.status, record.minutes, record.reason) == ("pending", 90, "")


def test_an_approved_course_counts_at_once_and_only_once_a_cycle(app, client, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        from ceu.models import CeCategory

        board = db.session.get(Board, ce.board.id)
        by_code = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        provider = create_provider(db.session, board)
        start = date.today() - timedelta(days=30)
        course = create_course(
            db.session, provider, {"ethics": 4 * H, "peer": 2 * H}, by_code, "Ethics and WRAP",
            starts_on=start, ends_on=start,
        )  # fmt: skip
        db.session.commit()
        course_id = course.id
    login(client, ce.holder.email)
    page = client.get(f"/me/ce/courses/{course_id}").get_data(as_text=True)
    assert f'value="{start.isoformat()}"' in page  # pre-filled
    client.post(f"/me/ce/courses/{course_id}", data={"completed_on": start.isoformat()})
    page = client.post(f"/me/ce/courses/{course_id}", data={"completed_on": start.isoformat()})
    assert "already on your record for this cycle" in page.get_data(as_text=True)
    with app.app_context():
        standing = holder_standings(db.session, ce.holder.id, date.today())[0].compliance
        assert standing.counted == 6 * H
        assert dict((c.category, c.counted) for c in standing.categories) == {"ethics": 4 * H}


def test_transcript_pdf_lists_the_cycle(app, client, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        from ceu.models import CeCategory

        board = db.session.get(Board, ce.board.id)
        holder = db.session.get(User, ce.holder.id)
        ethics = db.session.execute(
            select(CeCategory).where(CeCategory.code == "ethics")
        ).scalar_one()
        create_record(db.session, board, holder, ethics, 6 * H, date.today() - timedelta(days=10),
                      title="Boundaries and ethics")  # fmt: skip
        db.session.commit()
    login(client, ce.holder.email)
    response = client.get(f"/me/ce/transcript/{ce.credential_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Boundaries and ethics" in text and "14 hours missing" in text
    login(client, ce.employer.email)
    assert client.get(f"/me/ce/transcript/{ce.credential_id}.pdf").status_code in (403, 404)
