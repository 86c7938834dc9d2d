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
