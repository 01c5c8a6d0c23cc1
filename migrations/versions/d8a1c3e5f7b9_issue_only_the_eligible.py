"""certify: overrides on record; one credential per application

Revision ID: d8a1c3e5f7b9
Revises: c2f4a9e7b1d3
Create Date: 2026-11-30 21:10:00.000000

Written by hand. An application approved or a credential issued although requirements were
unmet keeps the override reason; a credential says it was issued by override. A unique
constraint makes a second credential for the same application impossible.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d8a1c3e5f7b9"
down_revision = "c2f4a9e7b1d3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("issued_by_override", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
        batch_op.create_unique_constraint("uq_credential_application", ["application_id"])


def downgrade():
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.drop_constraint("uq_credential_application", type_="unique")
        batch_op.drop_column("override_reason")
        batch_op.drop_column("issued_by_override")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("override_reason")
