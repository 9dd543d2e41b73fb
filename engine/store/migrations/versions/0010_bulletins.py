"""bulletins: the scheduled supervision bulletins as sent (督查通报), stored to be downloaded again

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 02:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import engine.store.tables


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('bulletin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('definition', sa.String(length=64), nullable=False),
    sa.Column('heading', sa.String(length=200), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('sent_at', engine.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('model', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('bulletin')
