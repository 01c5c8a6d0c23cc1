"""certify: a credential type can be retired (holders keep theirs; nobody new applies)

Revision ID: 9d4b2f6a8c10
Revises: 3c7e9b1d5f20
Create Date: 2026-12-01 03:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9d4b2f6a8c10"
down_revision = "3c7e9b1d5f20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("credential_type", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("credential_type", schema=None) as batch_op:
        batch_op.drop_column("retired_on")
