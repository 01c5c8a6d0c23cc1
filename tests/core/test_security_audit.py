"""Finding #10: the audit trail cannot be rewritten unnoticed.

The chain is keyed (HMAC with AUDIT_KEY, which the database never holds), signed
checkpoints catch events cut from the end, and PostgreSQL refuses UPDATE and DELETE on
audit rows. Tampering here is done as the database owner would: triggers off.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app import create_app
from core import audit
from core.config import ConfigError
from core.extensions import db
from core.models import AuditCheckpoint, AuditEvent, AuditHead, Board
from tests.conftest import app_config


def _tamper(sql: str, **params: object) -> None:
    """Run sql in the test's transaction with the append-only triggers off (PostgreSQL)."""
    postgres = db.engine.dialect.name == "postgresql"
    tables = ("audit_event", "audit_checkpoint")
    if postgres:
        for table in tables:
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    db.session.execute(text(sql), params)
    if postgres:
        for table in tables:
            db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    db.session.commit()


def _events(app, n: int = 3) -> list[int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        board = Board(slug="ne", name="NE", jurisdiction="NE")
        db.session.add(board)
        db.session.flush()
        ids = [audit.record(db.session, None, f"step.{i}", board).id for i in range(n)]
        db.session.commit()
        return ids


def test_a_chain_rewritten_without_the_key_does_not_verify(  # type: ignore[no-untyped-def]
    app, database_url, tmp_path
) -> None:
    """The probe's attack: edit one event, delete another, recompute every hash, fix the head."""
    ids = _events(app)
    # the attacker runs the app's own code, but cannot know the key (nor SECRET_KEY)
    attacker = create_app({**app_config(database_url, tmp_path), "SECRET_KEY": "a guess"})
    with app.app_context():
        _tamper("UPDATE audit_event SET action = 'forged' WHERE id = :i", i=ids[0])
        _tamper("DELETE FROM audit_event WHERE id = :i", i=ids[1])
        events = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        previous = audit.GENESIS
        for event in events:
            columns = {c.key: getattr(event, c.key) for c in AuditEvent.__table__.columns}
            forged = AuditEvent(**{**columns, "prev_hash": previous})  # not in any session
            with attacker.app_context():
                rehashed = audit.event_hash(forged)
            _tamper(
                "UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i",
                p=previous,
                h=rehashed,
                i=event.id,
            )
            previous = rehashed
        db.session.expire_all()
        _tamper(
            "UPDATE audit_head SET count = 2, last_hash = :h, last_event_id = :i",
            h=previous,
            i=ids[2],
        )
        report = audit.verify(db.session)
    assert not report.ok
    assert any(f"event {ids[0]}: content does not match" in p for p in report.problems)
    assert any(f"event {ids[2]}: content does not match" in p for p in report.problems)


def test_events_cut_from_the_end_are_caught_by_a_signed_checkpoint(app) -> None:  # type: ignore[no-untyped-def]
    ids = _events(app)
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert f"3 events up to event {ids[2]}" in result.output
    assert "outside the database" in result.output
    with app.app_context():
        survivor = db.session.get(AuditEvent, ids[1])
        _tamper("DELETE FROM audit_event WHERE id = :i", i=ids[2])
        _tamper(  # the head is no secret: the attacker makes it agree
            "UPDATE audit_head SET count = 2, last_hash = :h, last_event_id = :i",
            h=survivor.hash,
            i=survivor.id,
        )
        report = audit.verify(db.session)
    assert report.checkpoints == 1
    assert [p.split(": ", 1)[1] for p in report.problems] == [
        f"event {ids[2]} is gone or changed since (rewritten?)",
        f"it counted 3 events up to event {ids[2]}, now there are 2 (events deleted or added)",
    ]
    verify = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 1 and "BROKEN" in verify.output


def test_a_forged_checkpoint_is_detected(app) -> None:  # type: ignore[no-untyped-def]
    _events(app)
    app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    with app.app_context():
        _tamper("UPDATE audit_checkpoint SET event_count = 2")
        report = audit.verify(db.session)
    assert len(report.problems) == 1 and "signature does not match" in report.problems[0]


def test_postgresql_refuses_to_change_or_delete_audit_rows(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip(reason="the append-only trigger exists on PostgreSQL only")
    _events(app, 1)
    app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    with app.app_context():
        for sql in (
            "UPDATE audit_event SET action = 'forged'",
            "DELETE FROM audit_event",
            "UPDATE audit_checkpoint SET event_count = 0",
            "DELETE FROM audit_checkpoint",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(sql))
            db.session.rollback()
        assert audit.verify(db.session).ok
        # the chain head still moves on as events are added
        assert db.session.get(AuditHead, 1).count == 1
        assert db.session.execute(select(AuditCheckpoint)).scalar_one()


def test_production_refuses_to_start_without_an_audit_key(database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = {**app_config(database_url, tmp_path), "ENV_NAME": "production"}
    config["BASE_URL"] = "https://certify.example.org"
    with pytest.raises(ConfigError, match="AUDIT_KEY is not set"):
        create_app(config)
