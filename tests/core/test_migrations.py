"""Migrations build the schema on SQLite and PostgreSQL and agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from core.extensions import db

pytestmark = pytest.mark.real_commits  # migrations run DDL on connections of their own


def test_models_and_migrations_agree(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_empty_and_upgrade_again(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        downgrade(revision="base")
        tables = set(db.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        tables = set(db.inspect(db.engine).get_table_names())
        assert {"board", "user_account", "audit_event", "outbox_message"} <= tables
