"""indexes for the board pages (issue 17): lists read by key, counts, searches

Revision ID: d7143352d45b
Revises: d5631a94209c
Create Date: 2026-12-01 09:00:00.000000

Written by hand; each index serves a query of a board page (bench/board_bench.py --explain
measures them). The trigram indexes (pg_trgm, GIN) and the pattern index of credential
numbers exist as such on PostgreSQL only: the extension is created there, and on SQLite the
same names are plain indexes (its LIKE cannot use either kind).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7143352d45b'
down_revision = 'd5631a94209c'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # the board's hours list, newest first (all entries, one status), read by key
    op.create_index(
        "ix_supervised_hours_entry_board_worked", "supervised_hours_entry",
        ["board_id", sa.text("worked_on DESC"), sa.text("id DESC")],
    )
    op.create_index(
        "ix_supervised_hours_entry_board_status_worked", "supervised_hours_entry",
        ["board_id", "status", sa.text("worked_on DESC"), sa.text("id DESC")],
    )
    # the review queue, oldest submission first
    op.create_index(
        "ix_application_board_submitted", "application", ["board_id", "submitted_at", "id"]
    )
    # the audit log: by date, newest first, by actor
    op.create_index("ix_audit_event_board_created", "audit_event", ["board_id", "created_at"])
    op.create_index(
        "ix_audit_event_board_id_desc", "audit_event", ["board_id", sa.text("id DESC")]
    )
    op.create_index("ix_audit_event_actor_id", "audit_event", ["actor_id"])
    # a board's trainees (counts, recomputes in id order)
    op.create_index(
        "ix_role_assignment_board_role_user", "role_assignment", ["board_id", "role", "user_id"]
    )
    # credentials: a number by its start
    op.create_index(
        "ix_credential_board_number_prefix", "credential", ["board_id", "number"],
        postgresql_ops={"number": "varchar_pattern_ops"},
    )
    # the pipeline's counts per person (PostgreSQL: read from the index alone, not the rows)
    op.create_index(
        "ix_standing_board_user_stages", "standing", ["board_id", "user_id"],
        postgresql_include=["training_met", "hours_met", "exam_met"],
    )
    # name and email searches (ILIKE '%...%')
    for column in ("full_name", "email"):
        op.create_index(
            f"ix_user_account_{column}_trgm", "user_account", [column],
            postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade():
    for column in ("full_name", "email"):
        op.drop_index(f"ix_user_account_{column}_trgm", table_name="user_account")
    op.drop_index("ix_standing_board_user_stages", table_name="standing")
    op.drop_index("ix_credential_board_number_prefix", table_name="credential")
    op.drop_index("ix_role_assignment_board_role_user", table_name="role_assignment")
    op.drop_index("ix_audit_event_actor_id", table_name="audit_event")
    op.drop_index("ix_audit_event_board_id_desc", table_name="audit_event")
    op.drop_index("ix_audit_event_board_created", table_name="audit_event")
    op.drop_index("ix_application_board_submitted", table_name="application")
    op.drop_index(
        "ix_supervised_hours_entry_board_status_worked", table_name="supervised_hours_entry"
    )
    op.drop_index("ix_supervised_hours_entry_board_worked", table_name="supervised_hours_entry")
