"""one pending access request per person and dataset

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Two requests sent at the same moment could both pass the service's "already pending" check.
Before the partial unique index is built, a duplicate pending request left by that race is
closed as denied with a note naming the request it duplicates (the oldest stays pending),
so the steward's queue shows each person once and nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

requests = sa.table(
    "access_requests",
    sa.column("id", sa.Integer),
    sa.column("concept_id", sa.String),
    sa.column("requester_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("decision_note", sa.Text),
)
PENDING = requests.c.status == "pending"


def upgrade() -> None:
    connection = op.get_bind()
    duplicated = connection.execute(
        sa.select(requests.c.concept_id, requests.c.requester_id)
        .where(PENDING)
        .group_by(requests.c.concept_id, requests.c.requester_id)
        .having(sa.func.count() > 1)
    ).all()
    for concept_id, requester_id in duplicated:
        ids = connection.scalars(
            sa.select(requests.c.id)
            .where(
                PENDING,
                requests.c.concept_id == concept_id,
                requests.c.requester_id == requester_id,
            )
            .order_by(requests.c.id)
        ).all()
        connection.execute(
            requests.update()
            .where(requests.c.id.in_(ids[1:]))
            .values(status="denied", decision_note=f"Duplicate of request {ids[0]}.")
        )
    op.create_index(
        "uq_access_requests_pending",
        "access_requests",
        ["concept_id", "requester_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("uq_access_requests_pending", table_name="access_requests")
