"""audit chain: each event's seq, prev_hash and hash, the chain's head (audit_head), and the running servers'
leases (server_lease, which `duban restore` checks). Existing events are chained in id order, so an upgraded site
verifies.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30 01:45:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import engine.store.tables
from engine.core import auditchain


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = 1000


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('server_lease',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('host', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('started_at', engine.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', engine.store.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    seq, last = _chain_existing(op.get_bind())
    op.get_bind().execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :seq, :hash)"),
                          {"seq": seq, "hash": last})
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
        batch_op.create_index('ix_event_seq', ['seq'], unique=True)
        batch_op.create_index('ix_event_calendar_file', ['seq'], unique=False,
                              sqlite_where=sa.text("kind = 'calendar_file'"),
                              postgresql_where=sa.text("kind = 'calendar_file'"))


def _chain_existing(conn: sa.engine.Connection) -> tuple[int, str]:
    """Chain the events already stored, in id order, a batch at a time; returns the head (last seq, last hash)."""
    e = sa.table('event', sa.column('id', sa.Integer()), sa.column('instance_id', sa.Integer()),
                 sa.column('task_id', sa.Integer()), sa.column('at', engine.store.tables.UTCDateTime(timezone=True)),
                 sa.column('actor', sa.String()), sa.column('kind', sa.String()), sa.column('message_zh', sa.Text()),
                 sa.column('message_en', sa.Text()), sa.column('data', sa.JSON()), sa.column('seq', sa.BigInteger()),
                 sa.column('prev_hash', sa.String()), sa.column('hash', sa.String()))
    seq, last, after = 0, auditchain.GENESIS, 0
    while True:
        rows = [r._asdict() for r in conn.execute(
            sa.select(e.c.id, *(e.c[k] for k in auditchain.CONTENT)).where(e.c.id > after).order_by(e.c.id).limit(BATCH))]
        if not rows:
            return seq, last
        chained = auditchain.chain(seq, last, rows)
        conn.execute(e.update().where(e.c.id == sa.bindparam('b_id')).values(
            seq=sa.bindparam('b_seq'), prev_hash=sa.bindparam('b_prev'), hash=sa.bindparam('b_hash')),
            [{"b_id": r["id"], "b_seq": r["seq"], "b_prev": r["prev_hash"], "b_hash": r["hash"]} for r in chained])
        seq, last, after = chained[-1]["seq"], chained[-1]["hash"], chained[-1]["id"]


def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_calendar_file')
        batch_op.drop_index('ix_event_seq')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
    op.drop_table('server_lease')
    op.drop_table('audit_head')
