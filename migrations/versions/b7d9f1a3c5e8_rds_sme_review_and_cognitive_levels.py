"""rds: the SME panel's post-survey domain weight changes and cognitive levels (issue 15)

Written by hand. A performance domain keeps the panel's change to its empirical weight (in
percentage points, with the reason) and its cognitive levels (percent recall, application,
analysis), which the next analysis run applies and the blueprint carries.

Revision ID: b7d9f1a3c5e8
Revises: f4b2d6e8a0c1
Create Date: 2026-12-01 03:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d9f1a3c5e8"
down_revision = "f4b2d6e8a0c1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rds_domain", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight_change", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("weight_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cognitive_levels", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("rds_domain", schema=None) as batch_op:
        batch_op.drop_column("cognitive_levels")
        batch_op.drop_column("weight_reason")
        batch_op.drop_column("weight_change")
