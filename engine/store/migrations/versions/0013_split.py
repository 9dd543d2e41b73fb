"""split: an item may be a part of another (任务分解): instance.parent_id (indexed) and instance.depth

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 04:50:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('instance', sa.Column('parent_id', sa.Integer(), nullable=True))
    op.add_column('instance', sa.Column('depth', sa.Integer(), nullable=False, server_default='0'))
    op.create_index(op.f('ix_instance_parent_id'), 'instance', ['parent_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_instance_parent_id'), table_name='instance')
    with op.batch_alter_table('instance') as batch:
        batch.drop_column('depth')
        batch.drop_column('parent_id')
