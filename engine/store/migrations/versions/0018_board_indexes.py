"""board indexes: what the board (督办看板) counts in the database reads by — items by the day they were issued
(a period), by state and day closed (the weekly series), by state and card (carded items); work by state and due
time (overdue now, due soon, late in the weeks shown). Only indexes: nothing to backfill.

Revision ID: 0018
Revises: 0016
Create Date: 2026-11-30 05:00:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0018'
down_revision: Union[str, None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = [
    ("ix_instance_created", "instance", ["created_at"]),
    ("ix_instance_state_closed", "instance", ["state", "closed_at"]),
    ("ix_instance_state_card", "instance", ["state", "card"]),
]
# (no (state, due_at) index on task: SQLite's planner took it for 我的待办 over the holder indexes of 0019, which
# read a holder's queue only; the board's open-task counts read the holder indexes or the table)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
