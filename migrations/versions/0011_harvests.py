"""harvests: other identifiers of a work, what each source said, harvest and import jobs,
journals fully Open Access by another source's word, the people register, and each
record's title-year-first-author fingerprint (filled in for the records there are)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from catalogue.domain.matching import work_key

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_identifiers",
        sa.Column("scheme", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("record_id", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_record_identifiers_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scheme", "value", name=op.f("pk_record_identifiers")),
    )
    with op.batch_alter_table("record_identifiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_identifiers_record_id"), ["record_id"], unique=False
        )
    op.create_table(
        "record_sources",
        sa.Column("record_id", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_record_sources_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "source", name=op.f("pk_record_sources")),
    )
    op.create_table(
        "harvest_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("unmatched", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("page", sa.JSON(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("upload", sa.Text(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_harvest_jobs_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_jobs")),
    )
    with op.batch_alter_table("harvest_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_jobs_status"), ["status"], unique=False)
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("orcid", sa.String(length=19), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("department_id", sa.String(length=64), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("until_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_people_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_orcid"), ["orcid"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_email"), ["email"], unique=False)
    op.create_table(
        "theme_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("theme_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_theme_rules_theme_id_themes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_rules")),
        sa.UniqueConstraint("kind", "value", "theme_id", name="uq_theme_rules_rule"),
    )
    op.create_table(
        "theme_suggestions",
        sa.Column("record_id", sa.String(length=16), nullable=False),
        sa.Column("theme_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
            name=op.f("fk_theme_suggestions_record_id_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_theme_suggestions_theme_id_themes")
        ),
        sa.PrimaryKeyConstraint("record_id", "theme_id", name=op.f("pk_theme_suggestions")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_key", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_records_match_key"), ["match_key"], unique=False)
    _fill_match_keys()
    with op.batch_alter_table("journals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fully_oa", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("fully_oa_source", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("fully_oa_as_of", sa.Date(), nullable=True))


def _fill_match_keys() -> None:
    """Every record's title, year and first author, fingerprinted (a batch at a time)."""
    records = sa.table(
        "records",
        sa.column("id", sa.String),
        sa.column("title", sa.Text),
        sa.column("publication_year", sa.Integer),
        sa.column("match_key", sa.String),
    )
    creators = sa.table(
        "record_creators",
        sa.column("record_id", sa.String),
        sa.column("role", sa.String),
        sa.column("position", sa.Integer),
        sa.column("name", sa.String),
    )
    first = sa.and_(
        creators.c.record_id == records.c.id,
        creators.c.role == "creator",
        creators.c.position == 0,
    )
    connection = op.get_bind()
    query = (
        sa.select(records.c.id, records.c.title, records.c.publication_year, creators.c.name)
        .select_from(records.outerjoin(creators, first))
        .order_by(records.c.id)
    )
    batch: list[dict[str, object]] = []
    for record_id, title, year, name in connection.execute(query).all():
        key = work_key(title or "", year, name)
        if key is not None:
            batch.append({"record_id": record_id, "key": key})
        if len(batch) >= 1000:
            _store_keys(connection, records, batch)
            batch = []
    if batch:
        _store_keys(connection, records, batch)


def _store_keys(
    connection: sa.Connection, records: sa.TableClause, batch: list[dict[str, object]]
) -> None:
    connection.execute(
        records.update()
        .where(records.c.id == sa.bindparam("record_id"))
        .values(match_key=sa.bindparam("key")),
        batch,
    )


def downgrade() -> None:
    op.drop_table("theme_suggestions")
    op.drop_table("theme_rules")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_records_match_key"))
        batch_op.drop_column("match_key")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_email"))
        batch_op.drop_index(batch_op.f("ix_people_orcid"))
    op.drop_table("people")
    with op.batch_alter_table("journals", schema=None) as batch_op:
        batch_op.drop_column("fully_oa_as_of")
        batch_op.drop_column("fully_oa_source")
        batch_op.drop_column("fully_oa")
    with op.batch_alter_table("harvest_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_jobs_status"))
    op.drop_table("harvest_jobs")
    op.drop_table("record_sources")
    with op.batch_alter_table("record_identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_identifiers_record_id"))
    op.drop_table("record_identifiers")
