"""One person's standing and the board-wide one agree; the board report's SQL is constant."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, literal, select

from certify.models import CredentialType
from ceu.compliance import add_months
from ceu.models import CeCategory
from ceu.reports.services import compliance_report
from ceu.standing import board_standings, holder_standings, months_before
from core.extensions import db
from core.models import Board, Role, User
from tests.ceu.conftest import CeWorld
from tests.ceu.factories import H, create_credential, create_record, create_rule
from tests.factories import create_user


def test_months_before_in_sql_is_add_months_backwards(app) -> None:  # type: ignore[no-untyped-def]
    days = [date(2027, 3, 31), date(2028, 2, 29), date(2027, 8, 31), date(2026, 12, 31),
            date(2026, 1, 15), date(2029, 5, 31)]  # fmt: skip
    with app.app_context():
        for day in days:
            for months in (1, 6, 12, 24, 36):
                got = db.session.execute(select(months_before(literal(day), months))).scalar()
                got = date.fromisoformat(got) if isinstance(got, str) else got
                assert got == add_months(day, -months), (day, months)


def _people(session, board: Board, ctype: CredentialType, categories, count: int) -> None:  # type: ignore[no-untyped-def]
    """People with credentials at all stages of their cycle and CE of every kind."""
    today = date.today()
    for i in range(count):
        person = create_user(session, f"p{board.slug}{i}@example.org", [(Role.TRAINEE, board)])
        issued = add_months(today, -(6 + 7 * i % 30))
        expires = add_months(issued, 24)
        while expires < today:
            expires = add_months(expires, 24)
        create_credential(session, person, ctype, f"{board.slug.upper()}-{i:05d}", issued, expires)
        for j in range(i % 7):
            category = categories[("ethics", "general", "peer")[j % 3]]
            mode = ("in_person", "live_online", "self_study")[(i + j) % 3]
            create_record(session, board, person, category, (2 + i % 5) * H,
                          today - timedelta(days=40 * j + i), mode)  # fmt: skip


def test_board_standings_agree_with_each_persons(app, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        board = db.session.get(Board, ce.board.id)
        ctype = db.session.get(CredentialType, ce.ctype_id)
        categories = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        _people(db.session, board, ctype, categories, 30)
        db.session.commit()
        today = date.today()
        bulk = {
            s.row.credential_id: s.compliance for s in board_standings(db.session, board.id, today)
        }
        assert len(bulk) == 31
        for user_id in db.session.execute(select(User.id)).scalars().all():
            for s in holder_standings(db.session, user_id, today):
                one = bulk[s.credential.id]
                assert (one.counted, one.status, one.summary) == (
                    s.compliance.counted, s.compliance.status, s.compliance.summary,
                ), s.credential.number  # fmt: skip


def test_carry_over_agrees_in_bulk_and_for_one(app, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        board = db.session.get(Board, ce.board.id)
        categories = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        ctype = CredentialType(board_id=board.id, code="PR", name="Peer Recovery", cycle_months=24)
        db.session.add(ctype)
        db.session.flush()
        create_rule(db.session, ctype, categories, carry_over_minutes=5 * H)
        person = db.session.get(User, ce.holder.id)
        today = date.today()
        issued = add_months(today, -30)  # second cycle: the first one ended 6 months ago
        credential = create_credential(
            db.session, person, ctype, "NE-PR-1", issued, add_months(issued, 48)
        )
        create_record(
            db.session, board, person, categories["general"], 30 * H, add_months(today, -12)
        )
        create_record(
            db.session, board, person, categories["ethics"], 6 * H, today - timedelta(days=5)
        )
        db.session.commit()
        one = next(
            s
            for s in holder_standings(db.session, person.id, today)
            if s.credential.id == credential.id
        )
        bulk = next(
            s
            for s in board_standings(db.session, board.id, today)
            if s.row.credential_id == credential.id
        )
        assert one.compliance.carried_in == bulk.compliance.carried_in == 5 * H
        assert one.compliance.counted == bulk.compliance.counted == 11 * H


def _statements(app, action) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        count = [0]

        def seen(*args, **kwargs):  # type: ignore[no-untyped-def]
            count[0] += 1

        engine = db.engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            action()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        return count[0]


@pytest.mark.parametrize("endpoint", ["report", "report.csv", ""])
def test_board_pages_run_as_many_statements_for_more_people(
    app, client, ce: CeWorld, endpoint
) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import login

    login(client, ce.admin.email)
    url = f"/boards/{ce.board.id}/ce" + (f"/{endpoint}" if endpoint else "")
    small = _statements(app, lambda: client.get(url))
    with app.app_context():
        board = db.session.get(Board, ce.board.id)
        ctype = db.session.get(CredentialType, ce.ctype_id)
        categories = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        _people(db.session, board, ctype, categories, 40)
        db.session.commit()
    large = _statements(app, lambda: client.get(url))
    assert large == small, (small, large)


def test_report_rates_and_at_risk(app, ce: CeWorld) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        board = db.session.get(Board, ce.board.id)
        ctype = db.session.get(CredentialType, ce.ctype_id)
        categories = {c.code: c for c in db.session.execute(select(CeCategory)).scalars()}
        today = date.today()
        soon = create_user(db.session, "soon@example.org", [(Role.TRAINEE, board)])
        soon_expiry, later_expiry = today + timedelta(days=30), today + timedelta(days=60)
        create_credential(
            db.session, soon, ctype, "NE-CPSS-9", add_months(soon_expiry, -24), soon_expiry
        )
        done = create_user(db.session, "done@example.org", [(Role.TRAINEE, board)])
        create_credential(
            db.session, done, ctype, "NE-CPSS-8", add_months(later_expiry, -24), later_expiry
        )
        create_record(db.session, board, done, categories["ethics"], 6 * H, today - timedelta(1))
        create_record(db.session, board, done, categories["general"], 14 * H, today - timedelta(2))
        db.session.commit()
        report = compliance_report(db.session, board.id, today)
        assert [s.row.number for s in report.at_risk] == ["NE-CPSS-9"]
        assert sum(r.certificants for r in report.rates) == 3
        assert sum(r.compliant for r in report.rates) == 1
