"""The index follows the database and loses nothing: against the real PostgreSQL and node."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from catalogue.adapters.indexing import Indexer
from catalogue.app import CatalogueState, create_app
from catalogue.models import OutboxEntry
from catalogue.services.accounts import ensure_user, identity_of
from catalogue.services.permissions import Identity
from catalogue.services.records import datasets
from schemas.records import DatasetSchema
from search.elastic import MAPPING_VERSION, ElasticBackend, load_mapping
from search.query import Action, BulkReport, IndexAction
from tests.integration.conftest import (
    as_user,
    indexed_by_workers,
    make_settings,
    minimal_dataset,
)


def state_of(app: Flask) -> CatalogueState:
    state: CatalogueState = app.extensions["catalogue"]
    return state


def index_versions(state: CatalogueState) -> dict[str, int]:
    assert state.backend is not None
    state.backend.refresh()
    return dict(state.backend.versions())


def database_versions(state: CatalogueState) -> dict[str, int]:
    with state.db.reader() as session:
        return dict(session.execute(text("SELECT id, revision FROM records")).all())  # type: ignore[arg-type]


def pending(state: CatalogueState) -> int:
    return state.indexer.status().backlog if state.indexer else -1


def register(state: CatalogueState, n: int, owner: Identity, publish: bool = True) -> list[str]:
    """Register ``n`` datasets through the service in one transaction, and leave them to the
    workers."""
    schema = DatasetSchema()
    ids = []
    with indexed_by_workers(state), state.db.unit_of_work() as session:
        for i in range(n):
            record = datasets.create(session, owner, schema.load(minimal_dataset(title=f"D {i}")))
            if publish:
                datasets.publish(session, owner, record.id, record.revision)
            ids.append(record.id)
    return ids


@pytest.fixture()
def researcher(app: Flask) -> Identity:
    with state_of(app).db.unit_of_work() as session:
        return identity_of(session, ensure_user(session, "test|anna", "anna", ["researcher"]))


def test_a_change_is_indexed_at_its_revision_before_the_answer(
    app: Flask, client: FlaskClient
) -> None:
    created = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    edited = client.put(
        f"/api/datasets/{created['id']}",
        json=minimal_dataset(title="Edited"),
        headers={**as_user("anna"), "If-Match": '"1"'},
    ).json

    state = state_of(app)
    assert index_versions(state) == {created["id"]: edited["revision"]}
    assert pending(state) == 0
    document = state.search.client.get(index=state.backend.alias, id=created["id"])  # type: ignore[union-attr]
    assert document["_source"]["title"] == "Edited"
    assert json.loads(document["_source"]["record"])["revision"] == 2


def test_discarded_draft_leaves_the_index(app: Flask, client: FlaskClient) -> None:
    created = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    assert index_versions(state_of(app)) == {created["id"]: 1}  # it was there
    mine = client.get("/api/search?status=draft&owner=me", headers=as_user("anna")).json
    assert [hit["id"] for hit in mine["hits"]] == [created["id"]]

    discarded = client.delete(
        f"/api/datasets/{created['id']}", headers={**as_user("anna"), "If-Match": '"1"'}
    )

    assert discarded.status_code == 204
    assert index_versions(state_of(app)) == {}
    mine = client.get("/api/search?status=draft&owner=me", headers=as_user("anna")).json
    assert mine["total"] == 0


def test_workers_share_the_backlog_without_taking_the_same_rows(
    app: Flask, researcher: Identity
) -> None:
    state = state_of(app)
    register(state, 6, researcher, publish=False)
    assert pending(state) == 6
    other = Indexer(state.db, state.backend)  # type: ignore[arg-type]

    # A first worker holds two rows in its open transaction ...
    with state.db.unit_of_work() as session:
        held = session.scalars(
            select(OutboxEntry).order_by(OutboxEntry.id).limit(2).with_for_update(skip_locked=True)
        ).all()
        # ... and a second worker takes the rest without waiting for it.
        outcome = other.process_batch()
        assert outcome.claimed == 4
        assert {row.record_id for row in held}.isdisjoint(set(index_versions(state)))
    assert pending(state) == 2
    assert other.drain().claimed == 2
    assert index_versions(state) == database_versions(state)


class DiesHalfway:
    """A backend that writes half a batch and then dies, like a worker killed mid-batch."""

    def __init__(self, real: ElasticBackend) -> None:
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def write(self, actions: Iterable[Action], **options: Any) -> BulkReport:
        batch = list(actions)
        self.real.write(batch[: len(batch) // 2], **options)
        raise KeyboardInterrupt("killed")


def test_a_worker_killed_mid_batch_leaves_the_rest_to_the_next(
    app: Flask, researcher: Identity
) -> None:
    state = state_of(app)
    assert state.backend is not None
    register(state, 10, researcher)
    doomed = Indexer(state.db, DiesHalfway(state.backend))  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        doomed.process_batch()
    assert 0 < len(index_versions(state)) < 10
    # Its transaction died with it: every row is still there (one per record: a record
    # created and published in one transaction is queued once).
    assert pending(state) == 10

    Indexer(state.db, state.backend).drain()

    assert index_versions(state) == database_versions(state)
    assert pending(state) == 0


def test_an_older_version_never_overwrites_a_newer_one(app: Flask, researcher: Identity) -> None:
    state = state_of(app)
    assert state.backend is not None and state.indexer is not None
    [record_id] = register(state, 1, researcher)
    state.indexer.drain()
    current = index_versions(state)[record_id]

    report = state.backend.write([IndexAction(record_id, current - 1, {"id": record_id})])

    assert report.stale == 1 and report.written == 0
    assert index_versions(state)[record_id] == current


class TcpProxy:
    """A port that forwards to the node and can be cut off and restored: an outage we control."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.listener.close()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._open: list[socket.socket] = []

    def start(self) -> None:
        self._stop.clear()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(64)
        self.listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.listener.close()
        for conn in self._open:
            conn.close()
        self._open.clear()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@contextmanager
def proxied_app(pg_url: str, es_url: str, index_prefix: str) -> Iterator[tuple[Flask, TcpProxy]]:
    proxy = TcpProxy(int(es_url.rsplit(":", 1)[1]))
    proxy.start()
    app = create_app(
        make_settings(
            pg_url, elasticsearch_url=f"http://127.0.0.1:{proxy.port}", index_prefix=index_prefix
        )
    )
    try:
        yield app, proxy
    finally:
        proxy.stop()
        state_of(app).db.dispose()


def test_search_outage_in_a_burst_of_writes_loses_nothing(
    app: Flask, pg_url: str, es_url: str, index_prefix: str
) -> None:
    with proxied_app(pg_url, es_url, index_prefix) as (cut_app, proxy):
        client = cut_app.test_client()
        state = state_of(cut_app)
        statuses = []
        for i in range(30):
            if i == 10:
                proxy.stop()  # the node vanishes in the middle of the burst
            response = client.post(
                "/api/datasets", json=minimal_dataset(title=f"B {i}"), headers=as_user("anna")
            )
            statuses.append(response.status_code)
        assert statuses == [201] * 30
        assert pending(state) >= 20
        assert state.indexer.status().failing > 0  # type: ignore[union-attr]
        assert "ConnectionError" in state.indexer.status().recent_errors[0]  # type: ignore[union-attr]

        proxy.start()  # the node is back; a worker picks up with no manual step
        stop = threading.Event()
        worker = threading.Thread(target=state.indexer.run, args=(stop, 0.2), daemon=True)  # type: ignore[union-attr]
        worker.start()
        deadline = time.monotonic() + 60
        while pending(state) and time.monotonic() < deadline:
            time.sleep(0.5)
        stop.set()
        worker.join(timeout=10)

        assert pending(state) == 0
        assert index_versions(state_of(app)) == database_versions(state)


def test_reindex_while_writes_continue(
    app: Flask, client: FlaskClient, researcher: Identity
) -> None:
    state = state_of(app)
    assert state.indexer is not None and state.backend is not None
    register(state, 150, researcher)
    state.indexer.drain()
    state.backend.refresh()
    first_index = state.backend.current_index()
    failures: list[str] = []
    counts: list[int] = []
    done = threading.Event()

    def search_all_the_time() -> None:
        searcher = app.test_client()
        while not done.is_set():
            response = searcher.get("/api/search?q=D")
            if response.status_code != 200:
                failures.append(f"{response.status_code}")
            else:
                counts.append(response.json["total"])

    def keep_writing() -> None:
        while not done.is_set():
            register(state, 3, researcher)
            state.indexer.drain()  # type: ignore[union-attr]

    threads = [threading.Thread(target=search_all_the_time), threading.Thread(target=keep_writing)]
    for thread in threads:
        thread.start()
    try:
        new_index = state.indexer.reindex()
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=30)

    assert new_index != first_index
    assert state.backend.current_index() == new_index
    assert state.backend.owned_indices() == [new_index]  # the old one is gone
    assert not failures
    assert counts and min(counts) >= 150  # never empty, never missing what was there
    state.indexer.drain()
    assert index_versions(state) == database_versions(state)
    assert state.indexer.verify(repair=False).ok


def test_verify_finds_and_repairs_differences(app: Flask, researcher: Identity) -> None:
    state = state_of(app)
    assert state.indexer is not None and state.backend is not None
    ids = register(state, 5, researcher)
    state.indexer.drain()
    client = state.search.client  # type: ignore[union-attr]
    # Lost from the index (deleted with our own versioning, as a stray delete would be) ...
    client.delete(
        index=state.backend.alias, id=ids[0], refresh=True, version=2, version_type="external_gte"
    )
    # ... and a document the database does not know.
    client.index(
        index=state.backend.alias,
        id="zzzzz-zzzzz",
        refresh=True,
        document={"id": "zzzzz-zzzzz", "kind": "dataset", "status": "published"},
    )

    found = state.indexer.verify(repair=True)

    assert found.missing == [ids[0]]
    assert [record_id for record_id, _ in found.extra] == ["zzzzz-zzzzz"]
    assert found.repaired
    assert index_versions(state) == database_versions(state)
    assert state.indexer.verify(repair=False).ok


def test_documents_missing_or_out_of_date_are_rendered_again(
    app: Flask, researcher: Identity
) -> None:
    state = state_of(app)
    ids = register(state, 3, researcher)
    with state.db.unit_of_work() as session:
        # As after a bulk import that bypassed the service, or data older than stored documents.
        session.execute(text("DELETE FROM search_documents WHERE record_id = :id"), {"id": ids[0]})
        session.execute(
            text("UPDATE search_documents SET revision = 1, document = '{}' WHERE record_id = :id"),
            {"id": ids[1]},
        )

    assert state.indexer.render() == 2
    state.indexer.reindex()

    assert index_versions(state) == database_versions(state)
    hit = state.search.client.get(index=state.backend.alias, id=ids[1])  # type: ignore[union-attr]
    assert hit["_source"]["title"] == "D 1"


def test_an_index_of_an_older_mapping_takes_new_documents_and_a_reindex_renders_old_ones(
    app: Flask, researcher: Identity
) -> None:
    """An upgrade: the index was built with mapping 2 and the stored documents have no format.
    Writes go on at once (strict mappings would refuse the new fields), and the next reindex
    renders the older documents again and builds an index of the current mapping."""
    state = state_of(app)
    backend = state.backend
    assert isinstance(backend, ElasticBackend)
    older = register(state, 2, researcher)
    state.indexer.drain()
    backend.drop_indices()
    old_mapping = load_mapping(2)
    old_index = f"{backend.alias}-v2-20250101000000000000"
    backend.client.indices.create(
        index=old_index, settings=old_mapping["settings"], mappings=old_mapping["mappings"]
    )
    backend.client.indices.update_aliases(
        actions=[{"add": {"index": old_index, "alias": backend.alias}}]
    )
    with state.db.unit_of_work() as session:
        session.execute(text("UPDATE search_documents SET format = 0"))

    upgraded = ElasticBackend(backend.engine)  # as the upgraded app starts
    assert upgraded.ensure_index() == old_index
    fields = backend.client.indices.get_mapping(index=old_index)[old_index]["mappings"]
    assert "all_themes" in fields["properties"]
    newer = register(state, 1, researcher)  # rendered with all_themes: accepted
    state.indexer.drain()
    assert index_versions(state) == {newer[0]: 2}
    assert pending(state) == 0

    assert state.indexer.status().older_format == 2  # `catalogue search status` says so
    assert state.indexer.render() == 2  # the two of format 0, not the new one
    index = state.indexer.reindex()
    assert index.startswith(f"{backend.alias}-v{MAPPING_VERSION}-")
    assert set(index_versions(state)) == {*older, *newer}
    assert state.indexer.verify(repair=False).ok
    assert state.indexer.status().older_format == 0


def test_the_worker_wakes_when_a_change_commits_not_at_its_next_poll(
    app: Flask, researcher: Identity
) -> None:
    """PostgreSQL LISTEN/NOTIFY: with a poll of a minute, a committed change is searchable
    within seconds, and the worker still stops promptly."""
    state = state_of(app)
    stop = threading.Event()
    worker = threading.Thread(target=state.indexer.run, args=(stop, 60.0), daemon=True)
    worker.start()
    try:
        time.sleep(1.0)  # the worker drained what was there and now waits (listening)
        started = time.monotonic()
        [record_id] = register(state, 1, researcher)
        while index_versions(state).get(record_id) is None:
            assert time.monotonic() - started < 10, "not woken by the commit"
            time.sleep(0.05)
        assert pending(state) == 0
    finally:
        stop.set()
        worker.join(timeout=5)
    assert not worker.is_alive()
