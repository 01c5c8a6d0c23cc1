"""board_policy: the four-eyes rule as a board's own setting (issue 11, #12)

Revision ID: b2d4f6a8c0e1
Revises: a1c3e5f7b9d4
Create Date: 2026-12-01 06:30:00.000000

Written by hand. Until now a board needed a second person for issuing and revoking only when
the deployment's FOUR_EYES_BOARDS setting named it; a board admin now sets it on the board's
office policy page.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b2d4f6a8c0e1"
down_revision = "a1c3e5f7b9d4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "board_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("four_eyes", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["board_id"], ["board.id"], name="fk_board_policy_board_id_board", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_board_policy"),
        sa.UniqueConstraint("board_id", name="uq_board_policy_board"),
    )
    op.create_index("ix_board_policy_board_id", "board_policy", ["board_id"])


def downgrade():
    op.drop_index("ix_board_policy_board_id", table_name="board_policy")
    op.drop_table("board_policy")
