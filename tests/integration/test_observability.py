"""What the people who run the catalogue watch: ``/metrics`` as Prometheus reads it (parsed by
prometheus-client's own parser), and request ids from the API to the indexing worker's log."""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from catalogue.adapters import metrics
from catalogue.adapters.logs import JsonFormatter
from tests.es_cluster import free_port
from tests.integration.conftest import as_user, indexed_by_workers, minimal_dataset


def scrape(client: FlaskClient, **headers: str) -> dict[str, list[Any]]:
    """Each metric family's samples, by family name."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    families = text_string_to_metric_families(response.get_data(as_text=True))
    return {family.name: family.samples for family in families}


def value(samples: list[Any], name: str, **labels: str) -> float:
    """The sample called ``name`` whose labels include ``labels`` (0 when there is none)."""
    return sum(
        sample.value
        for sample in samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def test_requests_are_timed_per_endpoint_not_per_path(client: FlaskClient) -> None:
    before = scrape(client)["catalogue_http_request_duration_seconds"]
    rule = "/api/datasets/<record_id>"
    for _ in range(3):
        client.get("/api/search?q=migraine")
    client.get("/api/datasets/aaaaa-aaaaa")  # 404: counted under its rule, not its path
    client.get("/no/such/page")

    after = scrape(client)["catalogue_http_request_duration_seconds"]
    name = "catalogue_http_request_duration_seconds_count"
    searches = {"endpoint": "/api/search", "method": "GET", "status": "200"}
    assert value(after, name, **searches) - value(before, name, **searches) == 3
    assert (
        value(after, name, endpoint=rule, status="404")
        - value(before, name, endpoint=rule, status="404")
        == 1
    )
    assert value(after, name, endpoint="unmatched", status="404") >= 1
    assert not any("aaaaa" in str(sample.labels) for sample in after)
    assert value(after, "catalogue_http_request_duration_seconds_sum", **searches) > 0


def test_the_backlog_its_age_the_indexer_jobs_and_health_are_scraped(
    app: Flask, client: FlaskClient
) -> None:
    state = app.extensions["catalogue"]
    state.indexer.drain()
    quiet = scrape(client)
    assert value(quiet["catalogue_index_backlog"], "catalogue_index_backlog") == 0
    assert value(quiet["catalogue_database_up"], "catalogue_database_up") == 1
    assert value(quiet["catalogue_search_up"], "catalogue_search_up") == 1
    written = value(
        quiet["catalogue_index_changes"], "catalogue_index_changes_total", outcome="written"
    )

    with indexed_by_workers(state):  # as in production: the changes wait for a worker
        for n in range(2):
            created = client.post(
                "/api/datasets", json=minimal_dataset(title=f"Waiting {n}"), headers=as_user("anna")
            )
            assert created.status_code == 201
    waiting = scrape(client)
    assert value(waiting["catalogue_index_backlog"], "catalogue_index_backlog") == 2
    age = waiting["catalogue_index_oldest_change_age_seconds"]
    assert value(age, "catalogue_index_oldest_change_age_seconds") >= 0

    state.indexer.drain()
    done = scrape(client)
    assert value(done["catalogue_index_backlog"], "catalogue_index_backlog") == 0
    assert (
        value(
            done["catalogue_index_oldest_change_age_seconds"],
            "catalogue_index_oldest_change_age_seconds",
        )
        == 0
    )
    assert (
        value(done["catalogue_index_changes"], "catalogue_index_changes_total", outcome="written")
        == written + 2
    )
    assert value(done["catalogue_index_changes_recent"], "catalogue_index_changes_recent") >= 2
    assert value(done["catalogue_records"], "catalogue_records") >= 2

    before = value(scrape(client)["catalogue_jobs"], "catalogue_jobs", kind="enrichment")
    queued = client.post(
        "/api/enrichment/jobs", json={"kind": "publication"}, headers=as_user("lotte", "librarian")
    )
    assert queued.status_code == 202, queued.json
    jobs = scrape(client)["catalogue_jobs"]
    assert value(jobs, "catalogue_jobs", kind="enrichment", state="queued") >= 1
    assert value(jobs, "catalogue_jobs", kind="enrichment") == before + 1


def test_a_metrics_token_keeps_the_figures_to_whoever_holds_it(
    app: Flask, client: FlaskClient
) -> None:
    settings = app.extensions["catalogue"].settings
    object.__setattr__(settings, "metrics_token", "scrape-secret")
    try:
        refused = client.get("/metrics")
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith(
            "Bearer"
        )
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert "catalogue_index_backlog" in scrape(client, Authorization="Bearer scrape-secret")
    finally:
        object.__setattr__(settings, "metrics_token", "")


def test_a_worker_serves_its_own_metrics_on_a_port(app: Flask, client: FlaskClient) -> None:
    """`catalogue worker --metrics-port`: the indexer's counts of the worker process."""
    state = app.extensions["catalogue"]
    port = free_port()
    server = metrics.serve(port, "127.0.0.1", state.indexer)
    try:
        with indexed_by_workers(state):
            client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna"))
        state.indexer.drain()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            assert answer.headers["Content-Type"].startswith("text/plain")
            text = answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    families = {f.name: f.samples for f in text_string_to_metric_families(text)}
    assert value(families["catalogue_index_changes"], "catalogue_index_changes_total") >= 1
    assert (
        value(
            families["catalogue_index_batch_duration_seconds"],
            "catalogue_index_batch_duration_seconds_count",
        )
        >= 1
    )
    assert value(families["catalogue_index_backlog"], "catalogue_index_backlog") == 0


def test_a_request_id_follows_a_change_into_the_workers_log(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    state = app.extensions["catalogue"]
    with indexed_by_workers(state):
        created = client.post(
            "/api/datasets",
            json=minimal_dataset(),
            headers={**as_user("anna"), "X-Request-Id": "lb-7f3a9c"},
        )
    assert created.status_code == 201 and created.headers["X-Request-Id"] == "lb-7f3a9c"
    unsafe = client.get("/api/search", headers={"X-Request-Id": "two words and more"})
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe.headers["X-Request-Id"])  # a new one instead

    with caplog.at_level(logging.INFO, logger="catalogue.adapters.indexing"):
        state.indexer.drain()
    lines = [r for r in caplog.records if "lb-7f3a9c" in getattr(r, "request_ids", [])]
    assert len(lines) == 1 and "lb-7f3a9c" in lines[0].getMessage()
    as_json = json.loads(JsonFormatter().format(lines[0]))
    assert as_json["request_ids"] == ["lb-7f3a9c"] and as_json["written"] == 1
    assert as_json["logger"] == "catalogue.adapters.indexing" and as_json["level"] == "INFO"


def test_lines_written_while_serving_a_request_carry_its_id(client: FlaskClient) -> None:
    formatter, seen = JsonFormatter(), []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(json.loads(formatter.format(record)))

    keep = Keep()
    logger = logging.getLogger("catalogue.adapters.indexing")
    logger.addHandler(keep)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        # Outside production a change is indexed before the answer (logged at DEBUG), in the
        # request.
        created = client.post(
            "/api/datasets",
            json=minimal_dataset(),
            headers={**as_user("anna"), "X-Request-Id": "req-5"},
        )
        assert created.status_code == 201
    finally:
        logger.removeHandler(keep)
        logger.setLevel(level)
    assert seen and all(line["request_id"] == "req-5" for line in seen)
    assert any(line["request_ids"] == ["req-5"] for line in seen)
