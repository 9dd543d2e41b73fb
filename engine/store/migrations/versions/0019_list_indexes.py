"""list indexes: 我的待办 is read by holder (person, unit or role), state and due time, so the task table's holder
indexes carry the due time as well (they replace the (holder, state) ones: as many indexes to keep up on a write)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 05:00:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0019'
down_revision: Union[str, None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

HOLDERS = ("person", "unit", "role")


def upgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        for h in HOLDERS:
            batch_op.drop_index(f'ix_task_{h}_state')
            batch_op.create_index(f'ix_task_{h}_state_due', [h, 'state', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        for h in HOLDERS:
            batch_op.drop_index(f'ix_task_{h}_state_due')
            batch_op.create_index(f'ix_task_{h}_state', [h, 'state'], unique=False)
