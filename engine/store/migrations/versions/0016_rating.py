"""rating: the item's 办结评价 (satisfied | basically | unsatisfied | none), set by the instructing leader's rating
task or its lapse (engine.core.rating)

Revision ID: 0016
Revises: 0013
Create Date: 2026-11-30 05:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0016'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('instance') as batch:
        batch.add_column(sa.Column('rating', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('instance') as batch:
        batch.drop_column('rating')
