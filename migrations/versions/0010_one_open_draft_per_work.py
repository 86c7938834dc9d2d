"""one open draft per work

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Parallel requests for a new version could each open a draft of one work (the second reading
the highest number after the first had committed, so they took 2 and 3). Before the partial
unique index is built, each later draft of a work left by that race becomes a work of its own
(its id as concept, version 1): nothing typed is lost, and its owner may discard it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

records = sa.table(
    "records",
    sa.column("id", sa.String),
    sa.column("concept_id", sa.String),
    sa.column("version_number", sa.Integer),
    sa.column("status", sa.String),
    sa.column("is_latest", sa.Boolean),
    sa.column("created_at", sa.DateTime),
)
DRAFT = records.c.status == "draft"


def upgrade() -> None:
    connection = op.get_bind()
    crowded = connection.scalars(
        sa.select(records.c.concept_id)
        .where(DRAFT)
        .group_by(records.c.concept_id)
        .having(sa.func.count() > 1)
    ).all()
    for concept_id in crowded:
        later = connection.scalars(
            sa.select(records.c.id)
            .where(DRAFT, records.c.concept_id == concept_id)
            .order_by(records.c.created_at, records.c.id)
            .offset(1)
        ).all()
        for record_id in later:
            connection.execute(
                records.update()
                .where(records.c.id == record_id)
                .values(concept_id=record_id, version_number=1, is_latest=True)
            )
    op.create_index(
        "uq_records_open_draft",
        "records",
        ["concept_id"],
        unique=True,
        postgresql_where=sa.text("status = 'draft'"),
        sqlite_where=sa.text("status = 'draft'"),
    )


def downgrade() -> None:
    op.drop_index("uq_records_open_draft", table_name="records")
