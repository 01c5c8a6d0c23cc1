"""Operations: a backup restores into an empty database with every row and an intact audit
chain (SQLite online backup; pg_dump/pg_restore on PostgreSQL), and `export <board>` writes
the board's tables as CSVs in a zip without secrets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select, text

from core.backup import zip_tables
from core.extensions import db
from core.models import AuditEvent, Board
from tests.conftest import PG_ENV, _drop_postgres_database, _fresh_postgres_database, app_config


def _app(url: str, tmp_path: Path) -> Flask:
    from app import create_app

    return create_app({**app_config(url, tmp_path), "SECRET_KEY": "backup-test-key"})


def _counts(application: Flask) -> dict[str, int]:
    with application.app_context():
        names = inspect(db.engine).get_table_names()
        counts = {
            name: db.session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in names
        }
        db.session.remove()
        return counts


def _round_trip(source_url: str, target_url: str, tmp_path: Path) -> None:
    from flask_migrate import upgrade

    source = _app(source_url, tmp_path)
    with source.app_context():
        upgrade()
        db.session.remove()
    assert source.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    before = _counts(source)
    assert before["user_account"] > 5 and before["audit_event"] > 10
    dump = tmp_path / "peercert.backup"
    done = source.test_cli_runner().invoke(args=["backup", str(dump)])
    assert done.exit_code == 0, done.output
    assert "backup written" in done.output and dump.stat().st_size > 10_000
    with source.app_context():
        db.engine.dispose()

    target = _app(target_url, tmp_path)
    restored = target.test_cli_runner().invoke(args=["restore", str(dump)])
    assert restored.exit_code == 0, restored.output
    assert _counts(target) == before
    verified = target.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "intact" in verified.output, verified.output
    # restoring twice is refused: the target is no longer empty
    again = target.test_cli_runner().invoke(args=["restore", str(dump)])
    assert again.exit_code != 0 and "not empty" in again.output
    with target.app_context():
        db.engine.dispose()


@pytest.mark.skipif(bool(os.environ.get(PG_ENV)), reason="the SQLite run checks SQLite's backup")
def test_sqlite_backup_restores_into_an_empty_database(tmp_path: Path) -> None:
    _round_trip(
        f"sqlite:///{tmp_path / 'live.sqlite'}", f"sqlite:///{tmp_path / 'new.sqlite'}", tmp_path
    )


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get(PG_ENV), reason="needs PostgreSQL (PEERCERT_TEST_DATABASE_URL)"
)
def test_postgres_backup_restores_into_an_empty_database(tmp_path: Path) -> None:
    base = os.environ[PG_ENV]
    (source_url, source_name), (target_url, target_name) = (
        _fresh_postgres_database(base),
        _fresh_postgres_database(base),
    )
    try:
        _round_trip(source_url, target_url, tmp_path)
    finally:
        _drop_postgres_database(base, source_name)
        _drop_postgres_database(base, target_name)


def test_board_export_is_a_zip_of_csvs_without_secrets(app: Flask, tmp_path: Path) -> None:
    from core.demo import load

    with app.app_context():
        load(db.session)
        db.session.commit()
        board = db.session.execute(select(Board).where(Board.slug == "ne-dbh")).scalar_one()
        events = db.session.execute(
            select(func.count(AuditEvent.id)).where(AuditEvent.board_id == board.id)
        ).scalar_one()
    target = tmp_path / "ne.zip"
    result = app.test_cli_runner().invoke(args=["export", "ne-dbh", str(target)])
    assert result.exit_code == 0, result.output
    tables: dict[str, Any] = zip_tables(target.read_bytes())
    assert {"board", "people", "credential", "application", "audit_event"} <= set(tables)
    assert tables["board"][1][1] == "ne-dbh"
    assert len(tables["audit_event"]) - 1 == events
    emails = {row[1] for row in tables["people"][1:]}
    assert "ne.admin@demo.peercert" in emails and "lakes.admin@demo.peercert" not in emails
    header_cells = {cell for rows in tables.values() for cell in rows[0]}
    assert not header_cells & {"password_hash", "token_hash", "resume_key_hash", "public_token"}
    body = target.read_bytes()
    assert b"pbkdf2" not in body and b"scrypt" not in body  # no password hash of any kind
    # only this board's rows
    other = app.test_cli_runner().invoke(args=["export", "nowhere", str(tmp_path / "x.zip")])
    assert other.exit_code != 0 and "No board" in other.output
