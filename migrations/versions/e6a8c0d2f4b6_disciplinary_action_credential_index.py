"""index on disciplinary_action.credential_id (issue 13): a credential's public notices

Revision ID: e6a8c0d2f4b6
Revises: 9d4b2f6a8c10
Create Date: 2026-12-01 04:10:00.000000

Written by hand. Every public lookup (page, API, bulk check of 1,000 numbers) reads the
public disciplinary notices of the credentials it shows; without an index on the foreign key
each lookup scanned the whole table.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e6a8c0d2f4b6"
down_revision = "9d4b2f6a8c10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_disciplinary_action_credential_id", "disciplinary_action", ["credential_id"]
    )


def downgrade():
    op.drop_index("ix_disciplinary_action_credential_id", table_name="disciplinary_action")
