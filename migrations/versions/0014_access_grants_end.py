"""access grants end: the last day a grant gives access, and revocation by a data steward

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

Grants given before have no end; they are given one: a year after the day they were decided
(the default a data steward now gets), so no grant stays open for ever unnoticed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "status IN ('pending', 'approved', 'denied')"
_AFTER = "status IN ('pending', 'approved', 'denied', 'revoked')"


def upgrade() -> None:
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_access_requests_revoked_by_id_users"), "users", ["revoked_by_id"], ["id"]
        )
        batch_op.drop_constraint(batch_op.f("ck_access_requests_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_access_requests_status"), _AFTER)
    requests = sa.table(
        "access_requests",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("decided_at", sa.DateTime(timezone=True)),
        sa.column("valid_until", sa.Date()),
    )
    connection = op.get_bind()
    granted = connection.execute(
        sa.select(requests.c.id, requests.c.decided_at).where(requests.c.status == "approved")
    ).all()
    for request_id, decided_at in granted:
        connection.execute(
            sa.update(requests)
            .where(requests.c.id == request_id)
            .values(valid_until=(decided_at + timedelta(days=365)).date())
        )


def downgrade() -> None:
    op.execute("UPDATE access_requests SET status = 'denied' WHERE status = 'revoked'")
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_access_requests_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_access_requests_status"), _BEFORE)
        batch_op.drop_constraint(
            batch_op.f("fk_access_requests_revoked_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("revoked_by_id")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("valid_until")
