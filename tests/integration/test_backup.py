"""The backup and restore drill: a catalogue with a history is backed up while it runs,
restored into an empty database, and its index rebuilt; the restored catalogue equals the
original table by table, and its searches answer the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from catalogue.app import create_app
from catalogue.cli import main as cli
from catalogue.config import Settings
from catalogue.models import Base
from tests.integration.conftest import as_user, make_settings, minimal_dataset, minimal_publication

RESTORED = "catalogue_restored"
# Searches in a fixed order.  (Relevance depends on the index's history as well as its
# documents: an index rebuilt in one go scores ties apart differently from one that took
# edits, so a relevance-ranked search is compared by what it finds.)
SEARCHES = [
    "/api/search?sort=title",
    "/api/search?q=migraine&sort=title",
    "/api/search?theme=neuroscience&sort=newest",
    "/api/search?kind=publication&sort=oldest",
    "/api/search?q=migraine",
]


def history(client: FlaskClient) -> None:
    """Records with a past: published, edited, a second version, one withdrawn, a draft."""
    anna = as_user("anna")
    ids = []
    works = [("datasets", minimal_dataset(title=f"Migraine cohort {n}")) for n in range(3)]
    works += [
        ("publications", minimal_publication(doi=f"10.1234/backup.{n}", title=f"Paper {n}"))
        for n in range(2)
    ]
    for kind, body in works:
        created = client.post(f"/api/{kind}", json=body, headers=anna)
        assert created.status_code == 201, created.json
        url = f"/api/{kind}/{created.json['id']}"
        done = client.post(f"{url}/publish", headers={**anna, "If-Match": '"1"'})
        assert done.status_code == 200, done.json
        ids.append((url, done.json))
    url, record = ids[0]
    edited = client.put(
        url,
        json={**minimal_dataset(), "title": "Migraine cohort, corrected"},
        headers={**anna, "If-Match": f'"{record["revision"]}"'},
    )
    assert edited.status_code == 200, edited.json
    assert client.post(f"{url}/versions", headers=anna).status_code == 201
    url, record = ids[1]
    withdrawn = client.post(
        f"{url}/withdraw",
        json={"reason": "Consent withdrawn by participants."},
        headers={**as_user("ada", "administrator"), "If-Match": f'"{record["revision"]}"'},
    )
    assert withdrawn.status_code == 200, withdrawn.json
    client.post("/api/datasets", json=minimal_dataset(title="Unfinished"), headers=anna)


def every_row(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in primary-key order (the whole catalogue, as data)."""
    rows = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            order = ", ".join(column.name for column in table.primary_key.columns) or "1"
            found = connection.execute(text(f"SELECT * FROM {table.name} ORDER BY {order}"))
            rows[table.name] = [tuple(row) for row in found]
    return rows


def answers(client: FlaskClient) -> list[list[str]]:
    """What the searches find, in order, for a visitor and for Anna (her drafts too)."""
    found = []
    for headers in ({}, as_user("anna")):
        for url in SEARCHES:
            response = client.get(url, headers=headers)
            assert response.status_code == 200, response.json
            ids = [hit["id"] for hit in response.json["hits"]]
            found.append(ids if "sort=" in url else sorted(ids))
    return found


def use(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """What `catalogue` reads: these settings."""
    for name, value in settings.to_environ().items():
        monkeypatch.setenv(name, value)


@pytest.fixture()
def empty_database(pg_url: str) -> Iterator[str]:
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {RESTORED}"))
        connection.execute(text(f"CREATE DATABASE {RESTORED}"))
    yield make_url(pg_url).set(database=RESTORED).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {RESTORED} WITH (FORCE)"))
    admin.dispose()


def test_a_backup_restored_into_an_empty_database_is_the_same_catalogue(
    app: Flask,
    client: FlaskClient,
    empty_database: str,
    es_url: str,
    index_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history(client)
    original = app.extensions["catalogue"]
    file = tmp_path / "catalogue.backup"
    runner = CliRunner()
    use(monkeypatch, original.settings)
    made = runner.invoke(cli, ["backup", "create", str(file)])
    assert made.exit_code == 0, made.output
    again = runner.invoke(cli, ["backup", "create", str(file)])
    assert again.exit_code == 1 and "exists already" in again.output  # never overwritten

    settings = make_settings(
        empty_database, elasticsearch_url=es_url, index_prefix=f"{index_prefix}-restored"
    )
    use(monkeypatch, settings)
    restored = runner.invoke(cli, ["backup", "restore", str(file)])
    assert restored.exit_code == 0, restored.output
    assert "Search index rebuilt" in restored.output

    copy = create_app(settings)
    state = copy.extensions["catalogue"]
    try:
        assert every_row(state.db.engine) == every_row(original.db.engine)
        assert state.indexer.verify(repair=False).ok  # ids and versions in the new index
        assert answers(copy.test_client()) == answers(client)
        assert sum(map(len, answers(client))) > 10

        # A second restore would mix two catalogues: refused, the database left as it is.
        twice = runner.invoke(cli, ["backup", "restore", str(file)])
        assert twice.exit_code == 1 and "not empty" in twice.output
        assert every_row(state.db.engine) == every_row(original.db.engine)
    finally:
        if state.backend is not None and hasattr(state.backend, "drop_indices"):
            state.backend.drop_indices()
        state.db.dispose()


def test_the_embedded_catalogue_is_backed_up_and_restored_too(
    sqlite_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sqlite_app.test_client()
    history(client)
    original = sqlite_app.extensions["catalogue"]
    file = tmp_path / "catalogue.sqlite.backup"
    runner = CliRunner()
    use(monkeypatch, original.settings)
    assert runner.invoke(cli, ["backup", "create", str(file)]).exit_code == 0

    settings = make_settings(f"sqlite:///{tmp_path / 'restored.sqlite'}")
    use(monkeypatch, settings)
    restored = runner.invoke(cli, ["backup", "restore", str(file)])
    assert restored.exit_code == 0, restored.output
    copy = create_app(settings)
    try:
        assert every_row(copy.extensions["catalogue"].db.engine) == every_row(original.db.engine)
        assert answers(copy.test_client()) == answers(client)
    finally:
        copy.extensions["catalogue"].backend.close()
        copy.extensions["catalogue"].db.dispose()

    broken = tmp_path / "not-a-backup"
    broken.write_text("hello")
    use(monkeypatch, make_settings(f"sqlite:///{tmp_path / 'other.sqlite'}"))
    refused = runner.invoke(cli, ["backup", "restore", str(broken)])
    assert refused.exit_code == 1 and "not a SQLite database" in refused.output
