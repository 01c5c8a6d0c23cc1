"""The audit chain detects edited, deleted and appended-out-of-band events."""

from __future__ import annotations

from sqlalchemy import text

from core import audit
from core.extensions import db
from core.models import AuditEvent, Board


def _tamper(sql: str, **params: object) -> None:
    """Change the table as its owner could: on PostgreSQL, with the append-only trigger off."""
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    db.session.execute(text(sql), params)
    if postgres:
        db.session.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
    db.session.commit()


def _three_events(app) -> list[int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        board = Board(slug="ne", name="NE", jurisdiction="NE")
        db.session.add(board)
        db.session.flush()
        ids = [
            audit.record(
                db.session, None, f"step.{i}", board, before={"n": i}, after={"n": i + 1}
            ).id
            for i in range(3)
        ]
        db.session.commit()
        return ids


def test_intact_chain_verifies(app) -> None:  # type: ignore[no-untyped-def]
    _three_events(app)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact: 3 events" in result.output


def test_edited_event_is_detected(app) -> None:  # type: ignore[no-untyped-def]
    ids = _three_events(app)
    with app.app_context():
        _tamper("UPDATE audit_event SET action = 'forged' WHERE id = :i", i=ids[1])
        report = audit.verify(db.session)
    assert not report.ok
    assert any(f"event {ids[1]}: content does not match" in p for p in report.problems)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_deleted_events_are_detected(app) -> None:  # type: ignore[no-untyped-def]
    ids = _three_events(app)
    with app.app_context():
        _tamper("DELETE FROM audit_event WHERE id = :i", i=ids[1])
        report = audit.verify(db.session)
        assert any(f"event {ids[2]}: does not follow" in p for p in report.problems)


def test_deleting_the_newest_event_is_detected(app) -> None:  # type: ignore[no-untyped-def]
    ids = _three_events(app)
    with app.app_context():
        _tamper("DELETE FROM audit_event WHERE id = :i", i=ids[2])
        report = audit.verify(db.session)
        assert not report.ok and "chain head says 3 events" in report.problems[0]


def test_events_record_before_after_and_board(app) -> None:  # type: ignore[no-untyped-def]
    _three_events(app)
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().first()
        assert event.before == {"n": 0} and event.after == {"n": 1}
        assert event.board_id is not None and event.entity_type == "Board"
