"""search documents name the format they were rendered in; what a harvest's source said
beyond the record's fields is kept (its topics, for the theme rules); the outbox names the
request that made each change (for the worker's log lines)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

The documents stored before are marked 0 (older than every numbered format): the next
``catalogue search reindex`` renders them again, with the fields the reports now count
(``all_themes``: a record's themes and the themes suggested for it).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_search_documents_format"), ["format"], unique=False)
    with op.batch_alter_table("record_sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facts", sa.JSON(), nullable=True))
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search_outbox", schema=None) as batch_op:
        batch_op.drop_column("request_id")
    with op.batch_alter_table("record_sources", schema=None) as batch_op:
        batch_op.drop_column("facts")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_documents_format"))
        batch_op.drop_column("format")
