"""drill clock: the simulated time of `duban serve --simulated-clock`, kept across restarts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 23:20:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import engine.store.tables


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('drill_clock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('now', engine.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('moved_at', engine.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('drill_clock')
