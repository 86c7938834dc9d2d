"""The migrations build the schema from nothing, tear it down again, and match the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from catalogue.adapters import migrate
from catalogue.domain.matching import work_key
from catalogue.models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path, pg_url: str) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
        yield engine
        engine.dispose()
        return
    # A database of its own, so the shared test database is not touched.
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS catalogue_migrations"))
        connection.execute(text("CREATE DATABASE catalogue_migrations"))
    engine = create_engine(make_url(pg_url).set(database="catalogue_migrations"))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS catalogue_migrations"))
    admin.dispose()


def _drift(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_builds_every_table_and_matches_the_models(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)

    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert migrate.current(empty_engine) is not None
    assert _drift(empty_engine) == []


def test_downgrade_removes_everything_and_upgrade_works_again(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")

    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    assert migrate.current(empty_engine) is None
    migrate.upgrade(empty_engine)
    assert _drift(empty_engine) == []


def test_the_title_year_author_fingerprint_is_filled_in_for_the_records_there_are(
    empty_engine: Engine,
) -> None:
    migrate.upgrade(empty_engine, "0010")
    with empty_engine.begin() as connection:
        connection.execute(
            text("INSERT INTO resource_types (id, label, kind) VALUES ('Book', 'Book', 'p')")
        )
        for record_id, year in (("aaaaa-00001", 2024), ("aaaaa-00002", None)):
            connection.execute(
                text(
                    "INSERT INTO records (id, kind, concept_id, version_number, is_latest, "
                    "status, revision, title, publication_year, resource_type_id, keywords, "
                    "subjects, dates, created_at, updated_at) VALUES (:id, 'publication', :id, "
                    "1, true, 'published', 1, 'Outcomes: a Cohort', :year, 'Book', '[]', '[]', "
                    "'[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": record_id, "year": year},
            )
            connection.execute(
                text(
                    "INSERT INTO record_creators (record_id, role, position, name, affiliations)"
                    " VALUES (:id, 'creator', 0, 'Jansen, Anna', '[]')"
                ),
                {"id": record_id},
            )
    migrate.upgrade(empty_engine)

    with empty_engine.connect() as connection:
        keys = dict(connection.execute(text("SELECT id, match_key FROM records")).all())
    assert keys["aaaaa-00001"] == work_key("outcomes a cohort", 2024, "Anna Jansen")
    assert keys["aaaaa-00002"] is None  # no year: nothing to match on
