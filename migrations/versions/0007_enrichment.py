"""enrichment answers and jobs

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrichment_answers",
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("doi", sa.String(length=255), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "doi", name=op.f("pk_enrichment_answers")),
    )
    op.create_table(
        "enrichment_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_ids", sa.JSON(), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("refresh", sa.Boolean(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(length=16), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_enrichment_jobs_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrichment_jobs")),
    )
    with op.batch_alter_table("enrichment_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrichment_jobs_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enrichment_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrichment_jobs_status"))
    op.drop_table("enrichment_jobs")
    op.drop_table("enrichment_answers")
