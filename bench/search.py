"""Search benchmarks: indexing, search latency, write-to-searchable delay, reindex memory.

Every figure is measured next to its natural baseline in the same run (these machines are
noisy, so ratios matter more than absolute times):

- full reindex from PostgreSQL (records/s) next to the node's raw ``_bulk`` rate for the same
  documents, pre-serialised;
- search API p50/p95 and throughput with concurrent clients next to the same query sent
  straight to Elasticsearch, with the CPU time the app and the node spend per request, and
  once more with the node and the app on separate CPUs (as on separate machines);
- delay from a committed write to the record being found by a search, with a real
  ``catalogue worker`` process indexing;
- peak memory (max RSS) of a reindex process, per record count.

Run it with ``bash bench/run.sh`` (starts PostgreSQL and Elasticsearch like the tests do), or
``python -m bench.search --help`` against services of your own.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from bench import data
from catalogue.app import CatalogueState, create_app
from catalogue.config import Settings
from catalogue.models import SearchDocument
from catalogue.services.permissions import Identity
from catalogue.services.records import datasets
from schemas.records import DatasetSchema
from search.elastic import ElasticBackend, build_searches, msearch_body
from search.query import SearchRequest

console = Console(stderr=True)
QUERY = {"q": "cohort", "theme": "neuroscience", "access_right": "open"}


def settings_from_env(**overrides: Any) -> Settings:
    values = {
        "database_url": os.environ["CATALOGUE_TEST_DATABASE_URL"],
        "elasticsearch_url": os.environ["CATALOGUE_TEST_ELASTICSEARCH_URL"],
        "elasticsearch_username": os.environ.get("CATALOGUE_TEST_ELASTICSEARCH_USERNAME", ""),
        "elasticsearch_password": os.environ.get("CATALOGUE_TEST_ELASTICSEARCH_PASSWORD", ""),
        "index_prefix": "bench",
        "index_after_commit": False,
        # Anonymous callers are rate-limited; the limiter still runs (its cost is measured)
        # but with a limit the load generator never reaches.
        "anonymous_rate_limit": "10000000 per minute",
        "data_dir": tempfile.mkdtemp(prefix="catalogue-bench-"),
        **overrides,
    }
    return Settings(**values).validated()


def prepared_state(settings: Settings) -> CatalogueState:
    """The catalogue's parts on a migrated database with its vocabularies."""
    from catalogue.adapters import migrate
    from catalogue.services.vocabularies import sync_vocabularies

    state: CatalogueState = create_app(settings).extensions["catalogue"]
    migrate.upgrade(state.db.engine)
    with state.db.unit_of_work() as session:
        sync_vocabularies(session)
    return state


def child_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings.to_environ()}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# -- indexing ------------------------------------------------------------------------------


def reindex_in_child(settings: Settings) -> dict[str, float]:
    """A reindex in its own process, so its peak memory is its own."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.reindex_probe"],
        env=child_env(settings),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def raw_bulk_rate(state: CatalogueState, chunk: int = 1000) -> float:
    """The node's own rate for the same documents, serialised beforehand: the physical limit."""
    backend = state.backend
    assert isinstance(backend, ElasticBackend)
    with tempfile.TemporaryFile() as spool:  # streamed from disk: flat memory at any size
        count = 0
        with state.db.reader() as session:
            rows = session.execute(
                select(
                    SearchDocument.record_id, SearchDocument.revision, SearchDocument.document
                ).execution_options(yield_per=chunk)
            )
            for record_id, revision, document in rows:
                meta = {"index": {"_id": record_id, "version": revision}}
                meta["index"]["version_type"] = "external_gte"
                spool.write(json.dumps(meta).encode() + b"\n")
                spool.write(json.dumps(document).encode() + b"\n")
                count += 1
        spool.seek(0)
        index = backend.create_index()
        backend.prepare_for_bulk_load(index)
        started = time.perf_counter()
        while True:
            lines = [spool.readline() for _ in range(chunk * 2)]
            body = b"".join(line for line in lines if line)
            if not body:
                break
            response = backend.client.bulk(index=index, operations=body)  # type: ignore[arg-type]
            assert not response["errors"]
        backend.finish_bulk_load(index)
        elapsed = time.perf_counter() - started
    backend.client.indices.delete(index=index)
    return count / elapsed


# -- search latency ------------------------------------------------------------------------


@dataclass
class Load:
    """Latencies of one kind of request, gathered over several rounds, and the CPU time the
    app's processes and the search node spent meanwhile."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    app_cpu: float = 0.0
    engine_cpu: float = 0.0

    def figures(self) -> dict[str, float]:
        requests = len(self.latencies)
        return {
            "p50_ms": percentile(self.latencies, 0.5) * 1000,
            "p95_ms": percentile(self.latencies, 0.95) * 1000,
            "requests_per_s": requests / self.seconds,
            "requests": requests,
            "app_cpu_ms_per_request": self.app_cpu * 1000 / requests,
            "engine_cpu_ms_per_request": self.engine_cpu * 1000 / requests,
        }


def cpu_seconds(pids: tuple[int, ...]) -> float:
    """User and system CPU time of ``pids`` so far (Linux ``/proc``; 0 elsewhere)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone, or no /proc
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def pin(pids: tuple[int, ...], cpus: set[int]) -> None:
    """Keep every thread of ``pids`` on ``cpus`` (threads started later inherit it)."""
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                os.sched_setaffinity(int(task.name), cpus)
            except OSError:
                continue  # the thread ended


def processes(parent: int | None = None, command: str | None = None) -> list[int]:
    """Ids of the processes whose parent is ``parent`` or whose command line holds ``command``."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if parent is not None:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == parent:
                    found.append(int(entry.name))
            elif command is not None and command.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def hammer(
    host: str,
    port: int,
    make_request: Any,
    clients: int,
    seconds: float,
    into: Load,
    app: tuple[int, ...] = (),
    engine: tuple[int, ...] = (),
) -> None:
    """``clients`` threads, each with a keep-alive connection, for ``seconds``; the CPU time
    of the ``app`` and ``engine`` processes meanwhile goes into ``into`` too."""
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        mine: list[float] = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status = make_request(connection)
            mine.append(time.perf_counter() - started)
            assert status == 200, status
        with lock:
            into.latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    app_cpu, engine_cpu = cpu_seconds(app), cpu_seconds(engine)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    into.seconds += time.perf_counter() - started
    into.app_cpu += cpu_seconds(app) - app_cpu
    into.engine_cpu += cpu_seconds(engine) - engine_cpu


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def search_latency(
    settings: Settings, state: CatalogueState, clients: int, seconds: float, rounds: int = 5
) -> dict[str, dict[str, float]]:
    """The search API and the same searches sent straight to Elasticsearch, side by side.

    The two alternate in ``rounds`` short rounds, so a slow spell of this shared machine
    falls on both rather than on whichever ran second.  Measured with ``clients`` concurrent
    clients (the CPUs are shared by the load, the app and the node), with one client (the
    API's own overhead, without contention), and with ``clients`` again but the node on one
    half of the CPUs and the app and load on the other, as on separate machines.
    """
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(clients),
            # Threaded workers keep connections alive, as behind any proxy in production;
            # sync workers would open a new connection for every request.
            "--worker-class",
            "gthread",
            "--threads",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "catalogue.app:create_app()",
        ],
        env=child_env(settings),
    )
    path = "/api/search?" + urllib.parse.urlencode(QUERY)

    def api(connection: http.client.HTTPConnection) -> int:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status

    backend = state.backend
    assert isinstance(backend, ElasticBackend)
    request = SearchRequest(
        text=QUERY["q"],
        filters={"theme": (QUERY["theme"],), "access_right": (QUERY["access_right"],)},
    )
    # The very searches the API sends, as one _msearch: the ratio is the API's own overhead.
    body = msearch_body(build_searches(request))
    es = urllib.parse.urlsplit(settings.elasticsearch_url)
    es_host, es_port = es.hostname or "127.0.0.1", es.port or 9200
    auth = base64.b64encode(
        f"{settings.elasticsearch_username}:{settings.elasticsearch_password}".encode()
    ).decode()

    def direct(connection: http.client.HTTPConnection) -> int:
        connection.request(
            "POST",
            f"/{backend.alias}/_msearch",
            body=body,
            headers={"Content-Type": "application/x-ndjson", "Authorization": f"Basic {auth}"},
        )
        response = connection.getresponse()
        response.read()
        return response.status

    figures: dict[str, dict[str, float]] = {}
    cpus = sorted(os.sched_getaffinity(0))
    halves = (set(cpus[: len(cpus) // 2]), set(cpus[len(cpus) // 2 :]))
    try:
        for _ in range(200):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request(
                    "GET", "/api/health"
                )
                break
            except OSError:
                time.sleep(0.1)
        hammer("127.0.0.1", port, api, clients, 2, Load())  # warm-up
        hammer(es_host, es_port, direct, clients, 2, Load())
        # Where the CPU goes: the app's processes (gunicorn and its workers) and the node's.
        app = (server.pid, *processes(parent=server.pid))
        engine = tuple(processes(command="org.elasticsearch.bootstrap.Elasticsearch"))
        runs = [("", clients), ("_single", 1)]
        if len(cpus) > 1:
            runs.append(("_separate", clients))
        for label, concurrency in runs:
            if label == "_separate":
                pin(engine, halves[0])
                pin((*app, os.getpid()), halves[1])
            api_load, direct_load = Load(), Load()
            for _ in range(rounds):
                hammer("127.0.0.1", port, api, concurrency, seconds / rounds, api_load, app, engine)
                hammer(
                    es_host,
                    es_port,
                    direct,
                    concurrency,
                    seconds / rounds,
                    direct_load,
                    app,
                    engine,
                )
            figures[f"api{label}"] = api_load.figures()
            figures[f"direct{label}"] = direct_load.figures()
    finally:
        pin(
            (*processes(command="org.elasticsearch.bootstrap.Elasticsearch"), os.getpid()),
            set(cpus),
        )
        server.terminate()
        server.wait(timeout=30)
    return figures


# -- write to searchable -------------------------------------------------------------------


def write_to_searchable(
    settings: Settings, state: CatalogueState, writes: int, poll: float | None = 0.05
) -> dict[str, float]:
    """Seconds from a committed publish until a search finds it, with ``catalogue worker``
    running as deployed (``poll=None``: its default polling interval)."""
    command = [str(Path(sys.executable).parent / "catalogue"), "worker"]
    if poll is not None:
        command += ["--poll", str(poll)]
    worker = subprocess.Popen(
        command,
        env=child_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    backend = state.backend
    assert isinstance(backend, ElasticBackend)
    schema = DatasetSchema()
    owner = Identity(user_id=None, name="bench")
    delays: list[float] = []
    try:
        time.sleep(2)  # the worker starts
        with state.db.unit_of_work() as session:
            from catalogue.services.accounts import ensure_user, identity_of

            owner = identity_of(session, ensure_user(session, "bench", "bench", ["researcher"]))
        body = {
            "title": "Latency probe",
            "themes": ["genetics"],
            "description": "probe",
            "creators": [{"name": "Probe, Bench"}],
            "license": "CC0-1.0",
            "distributions": [{"access_url": "https://example.org/d"}],
        }
        for _ in range(writes):
            with state.db.unit_of_work() as session:
                record = datasets.create(session, owner, schema.load(body))
                datasets.publish(session, owner, record.id, record.revision)
                record_id = record.id
            committed = time.perf_counter()
            while time.perf_counter() - committed < 60:
                found = backend.client.search(
                    index=backend.alias, query={"term": {"id": record_id}}, size=0
                )["hits"]["total"]["value"]
                if found:
                    break
                time.sleep(0.01)
            delays.append(time.perf_counter() - committed)
            time.sleep(0.05)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return {
        "p50_s": percentile(delays, 0.5),
        "p95_s": percentile(delays, 0.95),
        "max_s": max(delays),
        "writes": float(writes),
    }


# -- driver --------------------------------------------------------------------------------


def search_only(sizes: list[int], clients: int, seconds: float, out: Path) -> dict[str, Any]:
    """The search latency alone, on the catalogue the bench index already holds when it has
    the size asked for (loaded and indexed otherwise): for comparing two versions of the app
    on the same data, one after the other in one session."""
    settings = settings_from_env()
    state = prepared_state(settings)
    results: dict[str, Any] = {"query": QUERY, "clients": clients, "sizes": {}}
    for size in sizes:
        if state.backend.count() != size:
            console.print(f"[bold]{size:,} records[/]: loading and indexing")
            data.empty(state.db.engine)
            state.backend.drop_indices()
            data.load(state.db.engine, size)
            state.indexer.render()
            state.indexer.reindex()
        console.print(f"[bold]{size:,} records[/]: search latency")
        latency = search_latency(settings, state, clients, seconds)
        results["sizes"][str(size)] = latency
        for label in ("", "_single", "_separate"):
            if f"api{label}" not in latency:
                continue
            api, direct = latency[f"api{label}"], latency[f"direct{label}"]
            console.print(
                f"  {label.strip('_') or 'shared'}: API p50/p95 {api['p50_ms']:.1f}/"
                f"{api['p95_ms']:.1f} ms, direct {direct['p50_ms']:.1f}/{direct['p95_ms']:.1f}"
                f" ms ({api['p50_ms'] / direct['p50_ms']:.2f}x); app CPU"
                f" {api['app_cpu_ms_per_request']:.2f} ms per search"
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    return results


def run(
    sizes: list[int], clients: int, seconds: float, writes: int, rounds: int, out: Path
) -> dict[str, Any]:
    settings = settings_from_env()
    state = prepared_state(settings)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "query": QUERY,
        "clients": clients,
        "sizes": {},
    }
    for size in sizes:
        console.print(f"[bold]{size:,} records[/]: generating")
        data.empty(state.db.engine)
        state.backend.drop_indices()
        started = time.perf_counter()
        data.load(state.db.engine, size)
        console.print(f"  loaded in {time.perf_counter() - started:.0f} s; rendering documents")
        started = time.perf_counter()
        state.indexer.render()
        render_rate = size / (time.perf_counter() - started)
        console.print(f"  rendered {render_rate:.0f} documents/s; reindexing")
        # Alternate the raw rate and the reindex, raw first (so neither meets a cold node),
        # and keep each one's median: a slow spell of the machine does not decide the ratio.
        raws, reindexes = [], []
        for _ in range(rounds):
            raws.append(raw_bulk_rate(state))
            reindexes.append(reindex_in_child(settings))
            console.print(
                f"  raw _bulk {raws[-1]:.0f} docs/s, "
                f"reindex {reindexes[-1]['records_per_s']:.0f} records/s"
            )
        raw = statistics.median(raws)
        reindex = {
            "records_per_s": statistics.median(r["records_per_s"] for r in reindexes),
            "seconds": statistics.median(r["seconds"] for r in reindexes),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in reindexes),
        }
        console.print("  search latency")
        latency = search_latency(settings, state, clients, seconds)
        console.print("  write-to-searchable delay")
        delay = write_to_searchable(settings, state, writes)
        results["sizes"][str(size)] = {
            "render_documents_per_s": render_rate,
            "reindex_records_per_s": reindex["records_per_s"],
            "reindex_seconds": reindex["seconds"],
            "reindex_peak_rss_mb": reindex["peak_rss_mb"],
            "raw_bulk_docs_per_s": raw,
            "reindex_share_of_raw": reindex["records_per_s"] / raw,
            "reindex_runs_records_per_s": [r["records_per_s"] for r in reindexes],
            "raw_bulk_runs_docs_per_s": raws,
            "search": latency,
            "api_p50_over_direct": latency["api"]["p50_ms"] / latency["direct"]["p50_ms"],
            "api_p50_over_direct_single": (
                latency["api_single"]["p50_ms"] / latency["direct_single"]["p50_ms"]
            ),
            "api_p50_over_direct_separate": (
                latency["api_separate"]["p50_ms"] / latency["direct_separate"]["p50_ms"]
                if "api_separate" in latency
                else None
            ),
            "write_to_searchable": delay,
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print_table(results)
    return results


def print_table(results: dict[str, Any]) -> None:
    table = Table(title=f"Search benchmarks ({results['clients']} concurrent clients)")
    table.add_column("records", justify="right")
    for name in (
        "reindex rec/s",
        "raw _bulk doc/s",
        "reindex/raw",
        "reindex peak RSS MB",
        "API p50/p95 ms",
        "direct p50/p95 ms",
        "API p50/direct",
        "1 client: API / direct p50 ms",
        "API req/s",
        "CPU ms/request: API app + node / direct node",
        "node and app on separate CPUs: API / direct p50 ms",
        "write→searchable p50/p95 s",
    ):
        table.add_column(name, justify="right")
    for size, r in results["sizes"].items():
        api, direct, delay = r["search"]["api"], r["search"]["direct"], r["write_to_searchable"]
        single, single_direct = r["search"]["api_single"], r["search"]["direct_single"]
        table.add_row(
            f"{int(size):,}",
            f"{r['reindex_records_per_s']:.0f}",
            f"{r['raw_bulk_docs_per_s']:.0f}",
            f"{r['reindex_share_of_raw']:.0%}",
            f"{r['reindex_peak_rss_mb']:.0f}",
            f"{api['p50_ms']:.1f} / {api['p95_ms']:.1f}",
            f"{direct['p50_ms']:.1f} / {direct['p95_ms']:.1f}",
            f"{r['api_p50_over_direct']:.2f}x",
            f"{single['p50_ms']:.1f} / {single_direct['p50_ms']:.1f}"
            f" ({r['api_p50_over_direct_single']:.2f}x)",
            f"{api['requests_per_s']:.0f}",
            f"{api['app_cpu_ms_per_request']:.1f} + {api['engine_cpu_ms_per_request']:.1f}"
            f" / {direct['engine_cpu_ms_per_request']:.1f}",
            separate_cores(r),
            f"{delay['p50_s']:.2f} / {delay['p95_s']:.2f}",
        )
    Console(width=240).print(table)  # a table this wide is read from a log


def separate_cores(result: dict[str, Any]) -> str:
    if result.get("api_p50_over_direct_separate") is None:
        return "-"
    api, direct = result["search"]["api_separate"], result["search"]["direct_separate"]
    return (
        f"{api['p50_ms']:.1f} / {direct['p50_ms']:.1f}"
        f" ({result['api_p50_over_direct_separate']:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--records",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="catalogue sizes to measure (default: 10000 100000)",
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent search clients")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of search load")
    parser.add_argument("--writes", type=int, default=50, help="writes for the delay figure")
    parser.add_argument(
        "--rounds", type=int, default=3, help="reindex and raw _bulk runs per size (median)"
    )
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="only the search latency, on the catalogue already indexed if it has the size",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/search.json"))
    args = parser.parse_args()
    if args.search_only:
        search_only(args.records, args.clients, args.seconds, args.out)
        return
    run(args.records, args.clients, args.seconds, args.writes, args.rounds, args.out)


if __name__ == "__main__":
    main()
