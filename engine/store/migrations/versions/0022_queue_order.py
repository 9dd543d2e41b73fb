"""queue order: each task carries its item's urgency rank (`urgency`, engine.core.queue_order.urgency_rank), and
(holder, state, urgency, due_at, id) indexes let 我的待办's open queue be read in its order a page at a time
instead of sorting a unit head's whole queue by a key computed from each item's subject JSON. The rank is
backfilled from every item's subject by the same pure function.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 09:50:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from engine.core.queue_order import urgency_rank

revision: str = '0022'
down_revision: Union[str, None] = '0021'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

HOLDERS = ("person", "unit", "role")
BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgency', sa.Integer(), nullable=False, server_default='0'))
    conn = op.get_bind()
    item = sa.table('instance', sa.column('id', sa.Integer), sa.column('subject', sa.JSON))
    task = sa.table('task', sa.column('instance_id', sa.Integer), sa.column('urgency', sa.Integer))
    ranked: dict[int, list[int]] = {}
    for iid, subject in conn.execute(sa.select(item.c.id, item.c.subject)):
        r = urgency_rank(subject if isinstance(subject, dict) else None)
        if r:
            ranked.setdefault(r, []).append(iid)
    for r, ids in ranked.items():
        for n in range(0, len(ids), BATCH):
            conn.execute(task.update().where(task.c.instance_id.in_(ids[n:n + BATCH])).values(urgency=r))
    with op.batch_alter_table('task', schema=None) as batch_op:
        for h in HOLDERS:
            batch_op.create_index(f'ix_task_{h}_queue', [h, 'state', 'urgency', 'due_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        for h in HOLDERS:
            batch_op.drop_index(f'ix_task_{h}_queue')
        batch_op.drop_column('urgency')
