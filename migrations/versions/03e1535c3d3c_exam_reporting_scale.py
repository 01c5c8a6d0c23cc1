"""a board's exam reporting scale (issue 14): scaled scores, e.g. 200-800 with 500 to pass

Revision ID: 03e1535c3d3c
Revises: b2d4f6a8c0e1
Create Date: 2026-12-01 06:30:00.000000

Written by hand. One row per board; results scored while it exists store their scaled score
in exam_result.scaled (a column that was there already).
"""

import sqlalchemy as sa
from alembic import op

import core.models

# revision identifiers, used by Alembic.
revision = "03e1535c3d3c"
down_revision = "b2d4f6a8c0e1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exam_scale",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low", sa.Integer(), nullable=False),
        sa.Column("passing", sa.Integer(), nullable=False),
        sa.Column("high", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "low >= 0 AND low < passing AND passing < high",
            name=op.f("ck_exam_scale_scale_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["board.id"],
            name=op.f("fk_exam_scale_board_id_board"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_exam_scale_updated_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_scale")),
        sa.UniqueConstraint("board_id", name="uq_exam_scale_board"),
    )
    with op.batch_alter_table("exam_scale", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_scale_board_id"), ["board_id"], unique=False)


def downgrade():
    with op.batch_alter_table("exam_scale", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_scale_board_id"))
    op.drop_table("exam_scale")
