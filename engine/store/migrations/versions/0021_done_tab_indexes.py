"""done-tab indexes: 我的待办's 已办 tab is read by holder (person, unit or role) newest closed first and paged by a
keyset (closed_at, id) (partial indexes: closed tasks only), so each holder's closed tasks are found in that order from an index, never by sorting a
person's whole history

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 08:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0021'
down_revision: Union[str, None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

HOLDERS = ("person", "unit", "role")
CLOSED = sa.text("closed_at IS NOT NULL")  # closed tasks only: the open queue keeps the 0019 indexes


def upgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        for h in HOLDERS:
            batch_op.create_index(f'ix_task_{h}_closed', [h, 'closed_at', 'id'], unique=False,
                                  sqlite_where=CLOSED, postgresql_where=CLOSED)


def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        for h in HOLDERS:
            batch_op.drop_index(f'ix_task_{h}_closed')
