"""board tally: what each item adds to the board's clock-free counts (board_share) and their sum over the items
that are not confidential (board_tally), kept in the transaction of every change (engine.store.board_tally); the
partial index of work by due time (future-due work, the weeks shown) and the index of confidential items (counted
per viewer). Backfilled from the rows here, as `duban board rebuild` does.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 09:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from engine.store import board_tally


revision: str = '0020'
down_revision: Union[str, None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KEY = [('kind', 8), ('definition_key', 64), ('state', 16), ('day', None), ('lead_unit', 64), ('rating', 16),
       ('unit', 64), ('person', 64)]
METRICS = ['n', 'material', 'closed', 'chases', 'yellow', 'red', 'open', 'open_undated', 'late_if_past', 'on_time_done']


def _col(name: str, size: int | None) -> sa.Column:
    return sa.Column(name, sa.Date() if size is None else sqlmodel.sql.sqltypes.AutoString(length=size), nullable=False)


def _metrics() -> list[sa.Column]:
    return [sa.Column(m, sa.Integer(), nullable=False) for m in METRICS]


def upgrade() -> None:
    op.create_table('board_share', sa.Column('item_id', sa.Integer(), nullable=False),
                    *(_col(k, n) for k, n in KEY), sa.Column('confidential', sa.Boolean(), nullable=False),
                    *_metrics(), sa.PrimaryKeyConstraint('item_id', 'kind', 'unit', 'person'))
    op.create_table('board_tally', _col('span', 1), *(_col(k, n) for k, n in KEY), *_metrics(),
                    sa.PrimaryKeyConstraint('span', *(k for k, _ in KEY)))
    op.create_index('ix_task_work_due', 'task', ['due_at'], unique=False, sqlite_where=sa.text("kind = 'work'"),
                    postgresql_where=sa.text("kind = 'work'"))
    op.create_index('ix_instance_confidential', 'instance', ['confidential'], unique=False)
    board_tally.rebuild(conn=op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_instance_confidential', table_name='instance')
    op.drop_index('ix_task_work_due', table_name='task')
    op.drop_table('board_tally')
    op.drop_table('board_share')
