"""direct domain-weight judgments of SMEs or respondents (issue 15)

Revision ID: 5e1f7a9b3c2d
Revises: 03e1535c3d3c
Create Date: 2026-12-01 06:45:00.000000

Written by hand. One row per judge: a percent per domain (by name), compared with the
empirical weights on the analysis page and in the report.
"""

import sqlalchemy as sa
from alembic import op

import core.models

# revision identifiers, used by Alembic.
revision = "5e1f7a9b3c2d"
down_revision = "03e1535c3d3c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rds_weight_judgment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("judge", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("percents", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "source IN ('sme', 'respondent')", name=op.f("ck_rds_weight_judgment_source_known")
        ),
        sa.ForeignKeyConstraint(
            ["board_id"],
            ["board.id"],
            name=op.f("fk_rds_weight_judgment_board_id_board"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["rds_study.id"],
            name=op.f("fk_rds_weight_judgment_study_id_rds_study"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_rds_weight_judgment_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rds_weight_judgment")),
    )
    with op.batch_alter_table("rds_weight_judgment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rds_weight_judgment_board_id"), ["board_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rds_weight_judgment_study_id"), ["study_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("rds_weight_judgment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rds_weight_judgment_study_id"))
        batch_op.drop_index(batch_op.f("ix_rds_weight_judgment_board_id"))
    op.drop_table("rds_weight_judgment")
