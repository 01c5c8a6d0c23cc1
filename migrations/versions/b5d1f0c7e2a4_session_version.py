"""security: a session version on each account

Revision ID: b5d1f0c7e2a4
Revises: 7c3e9a41d2b8
Create Date: 2026-11-24 11:00:00.000000

Written by hand. user_account.session_version is part of every session's id, so raising it
ends all of a person's sessions (logout, password change or reset, "sign out everywhere").
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d1f0c7e2a4'
down_revision = '7c3e9a41d2b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
