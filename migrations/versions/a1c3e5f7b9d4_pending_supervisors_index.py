"""index for the pending-supervisors list (issue 17): a board's pending entries by supervisor

Revision ID: a1c3e5f7b9d4
Revises: e6a8c0d2f4b6
Create Date: 2026-12-01 04:30:00.000000

Written by hand. The supervisors page lists the people trainees named on pending entries who
are not yet supervisors of the board: the names are grouped from this index alone (75,000
pending entries of a board of 50,000 trainees: 13 ms, was 115-167 ms reading every entry;
measured with bench/board_bench.py --explain).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a1c3e5f7b9d4"
down_revision = "e6a8c0d2f4b6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_supervised_hours_entry_board_status_supervisor",
        "supervised_hours_entry",
        ["board_id", "status", "supervisor_id"],
    )


def downgrade():
    op.drop_index(
        "ix_supervised_hours_entry_board_status_supervisor", table_name="supervised_hours_entry"
    )
