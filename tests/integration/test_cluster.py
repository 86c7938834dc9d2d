"""Elasticsearch as a cluster: three real nodes, indices with one replica, and a node lost in
the middle of a burst of writes and searches.  Nothing acknowledged is lost, searches keep
answering, and once the node is back the index equals the database with no manual step."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import text

from catalogue.app import create_app
from catalogue.cli import main as cli
from catalogue.services.accounts import ensure_user, identity_of
from catalogue.services.records import datasets
from schemas.records import DatasetSchema
from search.elastic import ElasticBackend
from search.query import SearchRequest
from tests.es_cluster import Cluster
from tests.integration.conftest import indexed_by_workers, make_settings, minimal_dataset

WRITES = 240


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    es_home = os.environ.get("CATALOGUE_TEST_ES_HOME")
    java_home = os.environ.get("CATALOGUE_TEST_ES_JAVA_HOME")
    if not (es_home and java_home):
        pytest.fail("CATALOGUE_TEST_ES_HOME is not set: run scripts/test.sh")
    started = Cluster(es_home, java_home, runas=os.environ.get("CATALOGUE_TEST_PG_RUNAS", ""))
    try:
        started.start_all()
        yield started
    finally:
        started.shutdown()


@pytest.fixture()
def cluster_app(app: Flask, cluster: Cluster, index_prefix: str) -> Iterator[Flask]:
    """The catalogue on the test database, searching the three nodes (all named: the client
    spreads requests over them and retries another when one is away)."""
    settings = make_settings(
        app.extensions["catalogue"].settings.database_url,
        elasticsearch_url=",".join(cluster.urls),
        elasticsearch_username="",
        index_prefix=f"{index_prefix}-cluster",
        index_replicas="1",
    )
    application = create_app(settings)
    try:
        yield application
    finally:
        backend = application.extensions["catalogue"].backend
        backend.drop_indices()
        application.extensions["catalogue"].db.dispose()


def _index_versions(backend: ElasticBackend) -> dict[str, int]:
    backend.refresh()
    return dict(backend.versions())


def test_a_node_lost_in_a_burst_loses_nothing_and_the_index_heals(
    app: Flask, cluster_app: Flask, cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = cluster_app.extensions["catalogue"]
    backend: ElasticBackend = state.backend
    index = backend.ensure_index()
    settings = backend.client.indices.get_settings(index=index)[index]["settings"]["index"]
    assert settings["number_of_replicas"] == "1"
    cluster.wait_for("green", 3)
    with state.db.unit_of_work() as session:
        owner = identity_of(session, ensure_user(session, "test|anna", "anna", ["researcher"]))

    stop = threading.Event()
    searches: list[tuple[float, bool]] = []  # (when, answered)
    written: list[str] = []

    def search_all_the_time() -> None:
        request = SearchRequest(text="cohort")
        while not stop.is_set():
            try:
                backend.search(request)
                searches.append((time.monotonic(), True))
            except Exception:
                searches.append((time.monotonic(), False))
            time.sleep(0.02)

    def keep_writing() -> None:
        schema = DatasetSchema()
        for number in range(WRITES):
            with indexed_by_workers(state), state.db.unit_of_work() as session:
                body = schema.load(minimal_dataset(title=f"Cohort {number}"))
                record = datasets.create(session, owner, body)
                datasets.publish(session, owner, record.id, record.revision)
                written.append(record.id)

    worker = threading.Thread(target=state.indexer.run, args=(stop, 0.2), daemon=True)
    searcher = threading.Thread(target=search_all_the_time, daemon=True)
    writer = threading.Thread(target=keep_writing, daemon=True)
    for thread in (worker, searcher, writer):
        thread.start()

    # Lose the node that holds the index's primary shard, a third of the way through.
    while len(written) < WRITES // 3:
        time.sleep(0.05)
    shards = backend.client.cat.shards(index=index, format="json")
    primary = next(s["node"] for s in shards if s["prirep"] == "p")
    lost = next(node for node in cluster.nodes if node.name == primary)
    lost_at = time.monotonic()
    cluster.stop(lost)
    health = cluster.wait_for("yellow", 2)
    assert health["unassigned_shards"] >= 1  # the replica that was lost, until it comes back

    for name, value in (
        make_settings(
            state.settings.database_url,
            elasticsearch_url=",".join(n.url for n in cluster.running()),
            elasticsearch_username="",
            index_prefix=state.settings.index_prefix,
        )
        .to_environ()
        .items()
    ):
        monkeypatch.setenv(name, value)
    status = CliRunner().invoke(cli, ["search", "status"])
    assert status.exit_code == 0, status.output
    assert "yellow, 2 nodes" in status.output and "unassigned shards" in status.output

    writer.join(timeout=300)
    assert len(written) == WRITES
    cluster.start(lost)
    cluster.wait_for("green", 3)
    deadline = time.monotonic() + 60
    while state.indexer.status().backlog and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    worker.join(timeout=30)
    searcher.join(timeout=30)

    # Every acknowledged write is in the index at its version: no manual step.
    with state.db.reader() as session:
        versions: dict[str, Any] = dict(
            session.execute(text("SELECT id, revision FROM records")).all()  # type: ignore[arg-type]
        )
    assert set(written) <= set(versions)
    assert _index_versions(backend) == versions
    assert state.indexer.verify(repair=False).ok
    assert state.indexer.status().backlog == 0

    # Searches kept answering: after the loss too, never silent for long.
    answered = [when for when, ok in searches if ok]
    assert any(when > lost_at for when in answered)
    gaps = [later - earlier for earlier, later in itertools.pairwise(answered)]
    assert max(gaps) < 10.0, max(gaps)
    failed = sum(1 for _, ok in searches if not ok)
    print(f"searches: {len(searches)}, failed: {failed}, longest gap: {max(gaps):.2f} s")
