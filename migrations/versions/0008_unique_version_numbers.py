"""one version number per work

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Parallel requests for a new version could each make "version 2" of one work (issue 13).
Before the unique index is built, duplicates left by that race are renumbered: the first
made keeps its number, later copies move past the work's highest version.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

records = sa.table(
    "records",
    sa.column("id", sa.String),
    sa.column("concept_id", sa.String),
    sa.column("version_number", sa.Integer),
    sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    connection = op.get_bind()
    duplicated = connection.execute(
        sa.select(records.c.concept_id, records.c.version_number)
        .group_by(records.c.concept_id, records.c.version_number)
        .having(sa.func.count() > 1)
    ).all()
    for concept_id, number in duplicated:
        same_work = records.c.concept_id == concept_id
        later_copies = connection.scalars(
            sa.select(records.c.id)
            .where(same_work, records.c.version_number == number)
            .order_by(records.c.created_at, records.c.id)
            .offset(1)
        ).all()
        highest = connection.scalar(
            sa.select(sa.func.max(records.c.version_number)).where(same_work)
        )
        for offset, record_id in enumerate(later_copies, start=1):
            connection.execute(
                records.update()
                .where(records.c.id == record_id)
                .values(version_number=highest + offset)
            )
    op.create_index(
        "uq_records_concept_version", "records", ["concept_id", "version_number"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_records_concept_version", table_name="records")
