"""The migration that moves CE out of certify's requirement sets keeps each board's values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from core.extensions import db

pytestmark = pytest.mark.real_commits  # migrations run DDL on connections of their own

BEFORE = "d7143352d45b"


def test_ce_hours_become_rule_versions_and_come_back_on_downgrade(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        downgrade(revision=BEFORE)
        now = datetime.now(UTC)
        with db.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO board (id, slug, name, jurisdiction, description, contact_email,"
                     " created_at) VALUES (1, 'ne', 'NE', 'NE', '', '', :now)"), {"now": now}
            )  # fmt: skip
            for type_id, code, total, ethics in ((1, "CPSS", 1200, 360), (2, "CFPSS", 2160, None),
                                                 (3, "NONE", None, None)):  # fmt: skip
                conn.execute(
                    text("INSERT INTO credential_type (id, board_id, code, name, level,"
                         " substance_use, cycle_months) VALUES (:i, 1, :c, :c, 'full', false, 24)"),
                    {"i": type_id, "c": code},
                )  # fmt: skip
                conn.execute(
                    text("INSERT INTO requirement_set (board_id, credential_type_id,"
                         " training_category_minutes, lived_experience, approved_training_only,"
                         " supervisor_licenses, residency_attestation, ethics_attestation,"
                         " background_check, exam_required, fee_required, reciprocity_allowed,"
                         " ce_minutes_per_cycle, ce_ethics_minutes) VALUES (1, :i, '{}', false,"
                         " false, '[]', false, false, false, false, false, false, :t, :e)"),
                    {"i": type_id, "t": total, "e": ethics},
                )  # fmt: skip
        upgrade()
        with db.engine.connect() as conn:
            versions = conn.execute(
                text("SELECT credential_type_id, effective_on, total_minutes, cycle_kind"
                     " FROM ce_rule_version ORDER BY credential_type_id")
            ).all()  # fmt: skip
            assert [(v[0], str(v[1]), v[2], v[3]) for v in versions] == [
                (1, "2000-01-01", 1200, "renewal"),
                (2, "2000-01-01", 2160, "renewal"),
            ]
            minimums = conn.execute(
                text("SELECT v.credential_type_id, c.code, m.minutes FROM ce_rule_minimum m"
                     " JOIN ce_rule_version v ON v.id = m.rule_version_id"
                     " JOIN ce_category c ON c.id = m.category_id")
            ).all()  # fmt: skip
            assert [tuple(m) for m in minimums] == [(1, "ethics", 360)]
            columns = {c["name"] for c in db.inspect(conn).get_columns("requirement_set")}
            assert "ce_minutes_per_cycle" not in columns
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            back = conn.execute(
                text("SELECT credential_type_id, ce_minutes_per_cycle, ce_ethics_minutes"
                     " FROM requirement_set ORDER BY credential_type_id")
            ).all()  # fmt: skip
            assert [tuple(r) for r in back] == [(1, 1200, 360), (2, 2160, None), (3, None, None)]
        upgrade()
