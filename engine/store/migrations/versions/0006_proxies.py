"""proxies while on leave (代理): who acts for whom, from when until when, revoked but never deleted

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30 01:45:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import engine.store.tables


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('proxy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal', sa.String(length=64), nullable=False),
    sa.Column('proxy', sa.String(length=64), nullable=False),
    sa.Column('starts_at', engine.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('until', engine.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', engine.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_proxy_proxy_until', 'proxy', ['proxy', 'until'], unique=False)
    op.create_index('ix_proxy_principal_until', 'proxy', ['principal', 'until'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_proxy_principal_until', table_name='proxy')
    op.drop_index('ix_proxy_proxy_until', table_name='proxy')
    op.drop_table('proxy')
