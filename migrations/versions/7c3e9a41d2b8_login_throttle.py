"""security: login back-off per account and address

Revision ID: 7c3e9a41d2b8
Revises: 53200deea958
Create Date: 2026-11-24 09:00:00.000000

Written by hand. Failed logins move from the account (one lock for everyone, the owner
included) to login_throttle, one row per account and client address.
"""
from alembic import op
import sqlalchemy as sa

import core.models


# revision identifiers, used by Alembic.
revision = '7c3e9a41d2b8'
down_revision = '53200deea958'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_try_at', core.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_login_throttle_failures_nonneg')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_throttle_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttle')),
    sa.UniqueConstraint('user_id', 'ip', name='uq_login_throttle_user_ip')
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_failed_logins_nonneg'), type_='check')
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_check_constraint(op.f('ck_user_account_failed_logins_nonneg'), 'failed_logins >= 0')
    op.drop_table('login_throttle')
