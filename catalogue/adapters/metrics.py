"""What Prometheus scrapes: request latencies, the indexer's work, and the catalogue's state.

Two kinds of figures:

- **Counted by this process** (prometheus-client's metrics): request durations per endpoint,
  the changes this process's indexer wrote or failed.  Under gunicorn, set
  ``PROMETHEUS_MULTIPROC_DIR`` (an empty folder, the same for every worker process) and any
  process's ``/metrics`` answers for all of them.  A ``catalogue worker`` serves its own with
  ``--metrics-port``.
- **Read from the database at each scrape** (:class:`StateCollector`): the outbox backlog and
  the age of its oldest change, changes failing, changes indexed in the last five minutes
  (whoever indexed them), jobs per state and their progress, whether the database and the
  search engine answer.  The same from every process, so a scrape of any one is enough.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from catalogue.models import EnrichmentJob, HarvestJob, OutboxEntry, utcnow

if TYPE_CHECKING:
    from catalogue.adapters.indexing import BatchOutcome, Indexer

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUEST_SECONDS = Histogram(
    "catalogue_http_request_duration_seconds",
    "Time to answer a request, per endpoint (the URL rule, not the path), method and status.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
INDEXED = Counter(
    "catalogue_index_changes",
    "Changes this process's indexer took from the outbox: written, stale (the index held a "
    "newer version) or failed (retried later).",
    ["outcome"],
)
INDEX_BATCH_SECONDS = Histogram(
    "catalogue_index_batch_duration_seconds",
    "Time to index one batch of changes from the outbox.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
RECENT = timedelta(minutes=5)


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(endpoint, method, str(status)).observe(seconds)


def observe_batch(outcome: BatchOutcome, seconds: float) -> None:
    if not outcome.claimed:
        return
    INDEXED.labels("written").inc(outcome.written)
    INDEXED.labels("stale").inc(outcome.stale)
    INDEXED.labels("failed").inc(outcome.failed)
    INDEX_BATCH_SECONDS.observe(seconds)


class StateCollector(Collector):
    """The catalogue's state as gauges, read from the database and the engine at each scrape."""

    def __init__(self, indexer: Indexer) -> None:
        self.indexer = indexer

    def collect(self) -> Iterator[Metric]:
        database_up = GaugeMetricFamily(
            "catalogue_database_up", "1 when the database answers a query, else 0."
        )
        search_up = GaugeMetricFamily(
            "catalogue_search_up", "1 when the search engine answers, else 0."
        )
        reachable, _ = self.indexer.backend.ping()
        search_up.add_metric([], 1.0 if reachable else 0.0)
        try:
            families = list(self._from_database())
        except Exception:  # the database is away: say so, and nothing else
            database_up.add_metric([], 0.0)
            yield from (database_up, search_up)
            return
        database_up.add_metric([], 1.0)
        yield from (database_up, search_up, *families)

    def _from_database(self) -> Iterator[Metric]:
        status = self.indexer.status()
        now = utcnow()
        yield _gauge(
            "catalogue_index_backlog",
            "Changes waiting for the search index (the outbox).",
            status.backlog,
        )
        age = (now - status.oldest_pending).total_seconds() if status.oldest_pending else 0.0
        yield _gauge(
            "catalogue_index_oldest_change_age_seconds",
            "How long the oldest change has waited for the index (0 when none waits).",
            max(age, 0.0),
        )
        yield _gauge(
            "catalogue_index_failing",
            "Changes waiting after at least one failed attempt (retried with back-off).",
            status.failing,
        )
        yield _gauge(
            "catalogue_index_older_format_documents",
            "Stored search documents of an older format: run `catalogue search reindex`.",
            status.older_format,
        )
        yield _gauge("catalogue_records", "Records in the database.", status.records)
        with self.indexer.db.reader() as session:
            session.execute(text("SELECT 1"))
            indexed = session.scalar(
                select(func.count()).where(OutboxEntry.processed_at >= now - RECENT)
            )
            yield _gauge(
                "catalogue_index_changes_recent",
                "Changes indexed in the last five minutes, by any worker.",
                indexed or 0,
            )
            jobs = GaugeMetricFamily(
                "catalogue_jobs", "Jobs per kind and state.", labels=["kind", "state"]
            )
            progress = GaugeMetricFamily(
                "catalogue_jobs_running_processed",
                "Items processed so far by the running jobs, per kind.",
                labels=["kind"],
            )
            for kind, model in (("enrichment", EnrichmentJob), ("harvest", HarvestJob)):
                counts = session.execute(
                    select(model.status, func.count()).group_by(model.status)
                ).all()
                for state, count in counts:
                    jobs.add_metric([kind, str(state)], float(count))
                running = session.scalar(
                    select(func.coalesce(func.sum(model.processed), 0)).where(
                        model.status == "running"
                    )
                )
                progress.add_metric([kind], float(running or 0))
            yield jobs
            yield progress


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value))


def exposition(indexer: Indexer | None) -> bytes:
    """The text Prometheus reads: this process's (or all processes') metrics, then the state."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    text_ = generate_latest(counted)
    if indexer is not None:
        state = CollectorRegistry(auto_describe=False)
        state.register(StateCollector(indexer))
        text_ += generate_latest(state)
    return text_


def serve(port: int, host: str, indexer: Indexer | None = None) -> ThreadingHTTPServer:
    """Serve the exposition on ``host:port`` in a thread of its own (``catalogue worker``)."""

    class Scrape(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = exposition(indexer)
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Scrapes are not worth a log line each."""

    server = ThreadingHTTPServer((host, port), Scrape)
    threading.Thread(target=server.serve_forever, daemon=True, name="metrics").start()
    return server
