"""messages that lead to the task: one-tap links, people's work-app ids and preferred channel, units' channels,
the outbox row's link and note

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 02:00:00

(dingtalk_userid / wecom_userid came with the accounts migration 0004.)
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import engine.store.tables


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('action_link',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person', sa.String(length=64), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('created_at', engine.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', engine.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', engine.store.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index(op.f('ix_action_link_person'), 'action_link', ['person'], unique=False)
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('prefer', sa.String(length=16), nullable=True))
    with op.batch_alter_table('unit') as batch:
        batch.add_column(sa.Column('channels', sa.JSON(), nullable=True))
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('link', sa.Text(), nullable=True))
        batch.add_column(sa.Column('note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('note')
        batch.drop_column('link')
    with op.batch_alter_table('unit') as batch:
        batch.drop_column('channels')
    with op.batch_alter_table('person') as batch:
        batch.drop_column('prefer')
    op.drop_index(op.f('ix_action_link_person'), table_name='action_link')
    op.drop_table('action_link')
