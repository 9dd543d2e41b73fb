"""attachments (附件): files of an item, their bytes in the file store keyed by sha256

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 02:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

from engine.store.tables import UTCDateTime


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('uploaded_at', UTCDateTime(), nullable=False),
        sa.Column('removed_at', UTCDateTime(), nullable=True),
        sa.Column('removed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('removed_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['instance_id'], ['instance.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_attachment_instance_id', 'attachment', ['instance_id'])
    op.create_index('ix_attachment_sha256', 'attachment', ['sha256'])
    op.create_index('ix_attachment_entry_id', 'attachment', ['entry_id'])


def downgrade() -> None:
    op.drop_index('ix_attachment_entry_id', 'attachment')
    op.drop_index('ix_attachment_sha256', 'attachment')
    op.drop_index('ix_attachment_instance_id', 'attachment')
    op.drop_table('attachment')
