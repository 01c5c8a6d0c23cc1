"""rds: approval guards, data screening, SME review, cognitive levels (issue 15)

Written by hand. A study's minimum number of respondents for a blueprint; what an approver
acknowledged and why; a web response's start time while in progress and the seconds it
took once submitted (for the too-fast screen); the study's screening decisions.

Revision ID: a4e6c8f0b2d5
Revises: e3c5a7b9d1f2
Create Date: 2026-12-01 10:00:00

"""

import sqlalchemy as sa
from alembic import op

import core.models

# revision identifiers, used by Alembic.
revision = "a4e6c8f0b2d5"
down_revision = "e3c5a7b9d1f2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rds_study", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("min_respondents", sa.Integer(), server_default="100", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_rds_study_min_respondents_positive"), "min_respondents >= 1"
        )
        batch_op.add_column(sa.Column("screening", sa.JSON(), nullable=True))
    with op.batch_alter_table("rds_survey_response", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("started_at", core.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("seconds_taken", sa.Integer(), nullable=True))
    with op.batch_alter_table("rds_blueprint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approval_concerns", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("acknowledgement", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("rds_blueprint", schema=None) as batch_op:
        batch_op.drop_column("acknowledgement")
        batch_op.drop_column("approval_concerns")
    with op.batch_alter_table("rds_survey_response", schema=None) as batch_op:
        batch_op.drop_column("seconds_taken")
        batch_op.drop_column("started_at")
    with op.batch_alter_table("rds_study", schema=None) as batch_op:
        batch_op.drop_column("screening")
        batch_op.drop_constraint(op.f("ck_rds_study_min_respondents_positive"), type_="check")
        batch_op.drop_column("min_respondents")
