"""search: the search documents of items (search_doc), their token index (FTS5 on SQLite; a GIN token array and
pg_trgm on PostgreSQL), an index for serial numbers typed without prefix or year; the index is built here from
what the store holds (items and entries), so an upgraded site can search at once

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 02:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from engine.store import search_index as search_store
from engine.store.tables import UTCDateTime


revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        'search_doc',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('ref_id', sa.Integer(), nullable=True),
        sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('norm', sa.Text(), nullable=False),
        sa.Column('tokens', sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"), nullable=True),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['instance.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_search_doc_instance_id', 'search_doc', ['instance_id'])
    op.create_index('ix_search_doc_ref', 'search_doc', ['source', 'ref_id'])
    op.create_index('ix_instance_serial_no', 'instance', ['serial_no', 'serial_year'])
    if pg:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX {search_store.PG_TOKENS_INDEX} ON search_doc USING gin (tokens)")
        op.execute(f"CREATE INDEX {search_store.PG_TRGM_INDEX} ON search_doc USING gin (norm gin_trgm_ops)")
    else:
        for create in search_store.FTS_CREATE:
            op.execute(create)
    search_store.reindex(conn=op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for table in search_store.FTS_TABLES.values():
            op.execute(f"DROP TABLE IF EXISTS {table}")
    op.drop_index('ix_instance_serial_no', table_name='instance')
    op.drop_table('search_doc')
