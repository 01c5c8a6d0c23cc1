"""Random audits: the sample is reproducible from its stored seed; evidence per activity;
accept or reject; pass, fail with the board's consequence, or extend; all audited."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import func, select

from certify.models import Credential, CredentialType, DisciplinaryAction
from ceu.audits import services as audits
from ceu.compliance import add_months
from ceu.models import CeAudit, CeAuditItem, CeAuditSelection, CeCategory, CeExtension, CeSettings
from core.extensions import db
from core.models import AuditEvent, Board, OutboxMessage, Role, User
from tests.ceu.conftest import PDF, CeWorld
from tests.ceu.factories import H, create_credential, create_record, create_rule
from tests.factories import create_user, login


def _renewed(app, ce: CeWorld, count: int = 40) -> tuple[date, date]:  # type: ignore[no-untyped-def]
    """People whose previous cycle ended last year and who renewed; each with some CE."""
    today = date.today()
    first, last = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    with app.app_context():
        board = db.session.get(Board, ce.board.id)
        ctype = db.session.get(CredentialType, ce.ctype_id)
        other = CredentialType(board_id=board.id, code="CPRS", name="Recovery", cycle_months=24)
        db.session.add(other)
        db.session.flush()
        categories = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        create_rule(db.session, other, categories)
        general = categories["general"]
        for i in range(count):
            person = create_user(db.session, f"r{i}@example.org", [(Role.TRAINEE, board)])
            previous_end = first + timedelta(days=9 * i)
            issued = add_months(previous_end, -48)
            create_credential(db.session, person, ctype if i % 4 else other, f"NE-R-{i:04d}",
                              issued, add_months(previous_end, 24))  # fmt: skip
            create_record(
                db.session, board, person, general, 4 * H, previous_end - timedelta(days=30)
            )
        db.session.commit()
    return first, last


def test_the_sample_is_drawn_again_from_its_stored_seed(app, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    first, last = _renewed(app, ce)
    with app.app_context():
        board, admin = db.session.get(Board, ce.board.id), db.session.get(User, ce.admin.id)
        due = date.today() + timedelta(days=30)
        audit_row = audits.start(
            db.session, board, admin, first, last, 10, True, None, due, date.today(), seed=424242
        )
        db.session.commit()
        assert (audit_row.population, audit_row.seed) == (40, 424242)
        chosen = set(db.session.execute(select(CeAuditSelection.credential_id)).scalars())
        assert len(chosen) == audit_row.sample_size == 1 + 3  # 10% of 10 CPRS and of 30 CPSS, up
        sample, same = audits.redraw(db.session, audit_row)
        assert same and set(sample.keys) == chosen
        # another audit with the same seed and population draws the same people
        again = audits.start(
            db.session, board, admin, first, last, 10, True, None, due, date.today(), seed=424242
        )
        drawn = set(db.session.execute(
            select(CeAuditSelection.credential_id).where(CeAuditSelection.audit_id == again.id)
        ).scalars())  # fmt: skip
        assert drawn == chosen
        event = (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == "ce.audit.started"))
            .scalars()
            .first()
        )
        assert event.after["seed"] == 424242 and sorted(event.after["sample"]) == sorted(chosen)
        assert (
            db.session.execute(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.subject.like("You were selected%")
                )
            ).scalar_one()
            == 8
        )


def test_an_audit_from_evidence_to_a_failed_outcome_with_suspension(
    app, client, ce: CeWorld
) -> None:  # type: ignore[no-untyped-def]
    first, last = _renewed(app, ce, count=4)
    with app.app_context():
        db.session.add(CeSettings(board_id=ce.board.id, audit_consequence="suspension"))
        board, admin = db.session.get(Board, ce.board.id), db.session.get(User, ce.admin.id)
        due = date.today() + timedelta(days=30)
        row = audits.start(
            db.session, board, admin, first, last, 25, False, None, due, date.today(), seed=7
        )
        db.session.commit()
        selection = db.session.execute(select(CeAuditSelection)).scalar_one()
        person = db.session.get(User, selection.holder_id)
        person.set_password("correct horse battery")
        db.session.commit()
        ids = (
            row.id,
            selection.id,
            selection.items[0].id,
            selection.items[0].record_id,
            person.email,
        )
    audit_id, selection_id, item_id, record_id, email = ids
    login(client, email)
    page = client.get("/me/ce").get_data(as_text=True)
    assert 'data-testid="ce-audit-banner"' in page
    assert "Upload a certificate for" in client.post(f"/me/ce/audits/{selection_id}").get_data(
        as_text=True
    )
    client.post(f"/me/ce/records/{record_id}/evidence",
                data={"evidence": (io.BytesIO(PDF), "cert.pdf"), "back": selection_id},
                content_type="multipart/form-data")  # fmt: skip
    client.post(f"/me/ce/audits/{selection_id}")
    login(client, ce.reviewer.email)
    base = f"/boards/{ce.board.id}/ce/audits"
    assert "Draw again" in client.get(f"{base}/{audit_id}").get_data(as_text=True)
    assert "exactly the same people" in client.get(f"{base}/{audit_id}?check=1").get_data(
        as_text=True
    )
    client.post(
        f"{base}/items/{item_id}", data={"decision": "rejected", "reason": "Not a CE certificate."}
    )
    client.post(
        f"{base}/{audit_id}/selections/{selection_id}",
        data={"outcome": "failed", "reason": "No valid evidence.", "confirm": "y"},
    )
    with app.app_context():
        selection = db.session.get(CeAuditSelection, selection_id)
        assert selection.status == "failed"
        assert db.session.get(Credential, selection.credential_id).status == "suspended"
        assert db.session.get(CeAuditItem, item_id).record.status == "rejected"
        actions = {e.action for e in db.session.execute(select(AuditEvent)).scalars()}
        assert {
            "ce.audit.submitted",
            "ce.audit.item.rejected",
            "ce.audit.failed",
            "credential.suspended",
        } <= actions
        assert db.session.get(CeAudit, audit_id).status == "closed"


def test_extension_and_discipline_referral(app, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    first, last = _renewed(app, ce, count=2)
    with app.app_context():
        db.session.add(CeSettings(board_id=ce.board.id, audit_consequence="discipline_referral"))
        board, admin = db.session.get(Board, ce.board.id), db.session.get(User, ce.admin.id)
        today = date.today()
        audits.start(
            db.session,
            board,
            admin,
            first,
            last,
            100,
            False,
            None,
            today + timedelta(30),
            today,
            seed=1,
        )
        one, two = db.session.execute(
            select(CeAuditSelection).order_by(CeAuditSelection.id)
        ).scalars()
        audits.finish(
            db.session, one, admin, "extended", "Illness", today + timedelta(days=45), today
        )
        assert db.session.execute(select(CeExtension)).scalar_one().until == today + timedelta(
            days=45
        )
        for item in two.items:
            audits.decide_item(db.session, item, admin, "rejected", "Wrong dates.")
        audits.finish(db.session, two, admin, "failed", "Wrong dates.", None, today)
        action = db.session.execute(select(DisciplinaryAction)).scalar_one()
        assert (action.kind, action.public) == ("complaint", False)
