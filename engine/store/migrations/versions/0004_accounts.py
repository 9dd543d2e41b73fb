"""accounts: people's contact and channel ids, the forced password change, and the organisation's change stamp

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 01:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import engine.store.tables


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch.add_column(sa.Column('phone', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('dingtalk_userid', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('wecom_userid', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('password_changed_at', engine.store.tables.UTCDateTime(timezone=True),
                                   nullable=True))
    op.create_table('org_stamp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.Integer(), nullable=False),
    sa.Column('changed_at', engine.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('org_stamp')
    with op.batch_alter_table('person') as batch:
        for name in ('password_changed_at', 'must_change_password', 'wecom_userid', 'dingtalk_userid', 'phone',
                     'email'):
            batch.drop_column(name)
