"""index for the staff page (issue 17): a board's staff, every role but trainee

Revision ID: c9e1f3a5b7d2
Revises: 5d1e7a3c9b24
Create Date: 2026-12-01 03:00:00.000000

Written by hand. The staff page lists a board's staff (supervisors too) by name, a page at a
time; this partial index holds the staff's role assignments only, so the page and its count
read about a thousand entries on a board of 50,000 trainees, not all 51,000 (measured with
bench/board_bench.py --explain).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c9e1f3a5b7d2"
down_revision = "5d1e7a3c9b24"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_role_assignment_board_staff",
        "role_assignment",
        ["board_id", "user_id"],
        postgresql_where=sa.text("role <> 'trainee'"),
        sqlite_where=sa.text("role <> 'trainee'"),
    )


def downgrade():
    op.drop_index("ix_role_assignment_board_staff", table_name="role_assignment")
