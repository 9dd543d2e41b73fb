"""sign-in: attempts counted per (login, client address); indexes for the housekeeping purge

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-30 01:45:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('login_attempt') as batch:
        batch.add_column(sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                   server_default=''))
    op.create_index('ix_login_attempt_login_client_at', 'login_attempt', ['login', 'client', 'at'])
    op.create_index(op.f('ix_login_attempt_at'), 'login_attempt', ['at'])
    op.create_index(op.f('ix_access_token_expires_at'), 'access_token', ['expires_at'])
    op.create_index(op.f('ix_idempotency_key_created_at'), 'idempotency_key', ['created_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_idempotency_key_created_at'), table_name='idempotency_key')
    op.drop_index(op.f('ix_access_token_expires_at'), table_name='access_token')
    op.drop_index(op.f('ix_login_attempt_at'), table_name='login_attempt')
    op.drop_index('ix_login_attempt_login_client_at', table_name='login_attempt')
    with op.batch_alter_table('login_attempt') as batch:
        batch.drop_column('client')
