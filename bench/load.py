"""Load test: the catalogue as deployed (gunicorn, two indexing workers and a jobs worker, on
PostgreSQL, Redis and a three-node Elasticsearch cluster with one replica) under a realistic
mix of requests from locust, for a fixed number of requests; then the same while a search
node is lost and comes back, and while PostgreSQL restarts.  Every acknowledged write is
checked afterwards against the database and the index.

    bash bench/run.sh load --records 100000 --requests 6000

The mix and the requests are in bench/locustfile.py; the figures and how to read them in
docs/benchmarks.md ("Load test").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import text

from bench import data
from bench.search import percentile, prepared_state, settings_from_env
from catalogue.app import CatalogueState
from catalogue.cli.demo import DemoGenerator
from catalogue.config import Settings
from catalogue.models.base import utcnow
from catalogue.services.accounts import ensure_user, identity_of, issue_token
from tests.es_cluster import Cluster, free_port

console = Console(stderr=True)
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
WRITE_BODIES = 3000


# -- the deployment ------------------------------------------------------------------------


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    return {**os.environ, **settings.to_environ(), **extra}


@contextmanager
def deployed(settings: Settings, app_workers: int, folder: Path) -> Iterator[str]:
    """gunicorn as the image runs it (sync workers), two indexing workers and a worker for
    jobs, as docker-compose.yml has them; the app's base URL once it answers."""
    port = free_port()
    catalogue = str(Path(sys.executable).with_name("catalogue"))  # the installed command
    logs = (folder / "processes.log").open("ab")
    commands = [
        [sys.executable, "-m", "gunicorn", "--workers", str(app_workers), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "catalogue.app:create_app()"],
        [catalogue, "worker", "--no-enrichment"],
        [catalogue, "worker", "--no-enrichment"],
        [catalogue, "worker", "--no-indexing"],
    ]  # fmt: skip
    started = [
        subprocess.Popen(command, env=child_env(settings), stdout=logs, stderr=logs)
        for command in commands
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass  # still importing
            if time.monotonic() > deadline or any(p.poll() is not None for p in started):
                raise RuntimeError(f"the catalogue did not start: see {folder}/processes.log")
            time.sleep(0.2)
        yield base
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=60)
        logs.close()


def restart_postgresql() -> None:
    """A fast restart (open connections are cut, as in a failover or an upgrade)."""
    runas = os.environ.get("CATALOGUE_TEST_PG_RUNAS", "")
    prefix = ["runuser", "-u", runas, "--"] if runas else []
    data_dir = Path(os.environ["CATALOGUE_TEST_PG_DATA"])
    # The server's output goes to its log (as scripts/services.sh starts it): a server left
    # holding a pipe of ours would keep this call waiting for ever.
    subprocess.run(
        [*prefix, f"{os.environ['CATALOGUE_TEST_PG_BIN']}/pg_ctl", "-D", str(data_dir),
         "-l", str(data_dir.parent / "pg.log"), "-m", "fast", "-w", "restart"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


# -- the catalogue's content ---------------------------------------------------------------


def loaded(state: CatalogueState, records: int) -> None:
    """``records`` published records in the database (kept from an earlier run with the few
    hundred it wrote, rather than loaded again) and the cluster's index."""
    with state.db.reader() as session:
        present = session.scalar(text("SELECT count(*) FROM records")) or 0
    if not records <= present <= records * 1.02:
        data.empty(state.db.engine)
        with Progress(console=console, transient=True) as progress:
            bar = progress.add_task(f"loading {records:,} records", total=records)
            data.load(state.db.engine, records, progress=lambda n: progress.advance(bar, n))
        console.print(f"  {records:,} records loaded; rendering their documents")
        state.indexer.render()
    console.print("  indexing them into the cluster")
    state.backend.drop_indices()
    state.indexer.reindex()


def write_inputs(state: CatalogueState, folder: Path) -> dict[str, str]:
    """The locustfile's inputs: record ids to visit, datasets to write, a researcher's token."""
    with state.db.reader() as session:
        ids = session.scalars(
            text("SELECT id FROM records WHERE status = 'published' ORDER BY random() LIMIT 5000")
        ).all()
    (folder / "ids.txt").write_text("\n".join(ids))
    generator = DemoGenerator(2026)
    with (folder / "bodies.jsonl").open("w") as bodies:
        for _ in range(WRITE_BODIES):
            body = generator.dataset()
            body.pop("doi", None)  # the loaded records have the demo's DOIs: no conflicts
            bodies.write(json.dumps(body) + "\n")
    with state.db.unit_of_work() as session:
        person = ensure_user(session, "load|researcher", "Load Tester", ["researcher"])
        _, secret = issue_token(
            session, identity_of(session, person), "load test", ["write"],
            utcnow() + timedelta(days=1),
        )  # fmt: skip
    return {
        "LOAD_IDS": str(folder / "ids.txt"),
        "LOAD_BODIES": str(folder / "bodies.jsonl"),
        "LOAD_TOKEN": secret,
    }


# -- the phases ----------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    fault: Callable[[Cluster, dict[str, float]], None] | None = None
    events: dict[str, float] = field(default_factory=dict)  # what happened when (time.time())


def lose_a_search_node(down: float) -> Callable[[Cluster, dict[str, float]], None]:
    def fault(cluster: Cluster, events: dict[str, float]) -> None:
        node = cluster.nodes[-1]  # never the first: some node must keep the cluster's URL
        events["fault"] = time.time()
        cluster.stop(node)
        time.sleep(down)
        events["back"] = time.time()
        cluster.start(node)
        cluster.wait_for("green", cluster.size, seconds=600)
        events["healthy"] = time.time()

    return fault


def restart_the_database(cluster: Cluster, events: dict[str, float]) -> None:
    events["fault"] = time.time()
    restart_postgresql()
    events["back"] = events["healthy"] = time.time()


def lines(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def run_phase(
    phase: Phase,
    cluster: Cluster,
    base: str,
    inputs: dict[str, str],
    count: int,
    users: int,
    locust: str,
    folder: Path,
) -> dict[str, Any]:
    log = folder / f"{phase.name.replace(' ', '-')}.jsonl"
    environment = {**os.environ, **inputs, "LOAD_REQUESTS": str(count), "LOAD_LOG": str(log)}
    fault: threading.Thread | None = None
    with (
        (folder / "locust.log").open("ab") as errors,
        Progress(console=console, transient=True) as progress,
    ):
        runner = subprocess.Popen(
            [locust, "-f", str(LOCUSTFILE), "--headless", "--users", str(users),
             "--spawn-rate", str(users), "--host", base, "--only-summary", "--loglevel",
             "ERROR", "--exit-code-on-error", "0", "--run-time", "60m"],
            env=environment, stdout=subprocess.DEVNULL, stderr=errors,
        )  # fmt: skip
        bar = progress.add_task(f"{phase.name}: {count:,} requests", total=count)
        while runner.poll() is None:
            # Counted without parsing: every request's line names it.
            done = log.read_bytes().count(b'"name"') if log.exists() else 0
            progress.update(bar, completed=done)
            if phase.fault and fault is None and done >= count // 5:
                fault = threading.Thread(target=phase.fault, args=(cluster, phase.events))
                fault.start()
            time.sleep(0.5)
    if runner.returncode != 0:
        raise RuntimeError(f"locust stopped with {runner.returncode}: see {folder}/locust.log")
    if fault is not None:
        fault.join()
    return summary(phase, lines(log))


def summary(phase: Phase, logged: list[dict[str, Any]]) -> dict[str, Any]:
    done = [line for line in logged if "name" in line]
    first = min(line["at"] for line in done)
    last = max(line["at"] + line["ms"] / 1000 for line in done)
    endpoints: dict[str, dict[str, Any]] = {}
    for name in sorted({line["name"] for line in done}):
        mine = [line for line in done if line["name"] == name]
        times = [line["ms"] for line in mine]
        endpoints[name] = {
            "requests": len(mine),
            "errors": sum(1 for line in mine if not line["ok"]),
            "p50_ms": percentile(times, 0.5),
            "p95_ms": percentile(times, 0.95),
            "p99_ms": percentile(times, 0.99),
        }
    failed = [line for line in done if not line["ok"]]
    examples = {f"{line['name']}: {line.get('error', '')}" for line in failed}
    result: dict[str, Any] = {
        "requests": len(done),
        "seconds": last - first,
        "requests_per_s": len(done) / (last - first),
        "errors": len(failed),
        "endpoints": endpoints,
        "acknowledged": [
            (line["acknowledged"], line["revision"]) for line in logged if "acknowledged" in line
        ],
        "error_examples": sorted(examples)[:8],
    }
    if "fault" in phase.events:
        fault = phase.events["fault"]
        result["fault"] = {
            name: round(when - fault, 2) for name, when in phase.events.items() if name != "fault"
        }
        # Recovery: from the fault until the end of the last request that failed (0: none did).
        ends = [line["at"] + line["ms"] / 1000 - fault for line in failed]
        result["fault"]["recovered_after_s"] = round(max(ends, default=0.0), 2)
        starts = [line["at"] - fault for line in failed]
        result["fault"]["first_error_s"] = round(min(starts), 2) if starts else None
    return result


# -- nothing lost --------------------------------------------------------------------------


def check_acknowledged(
    state: CatalogueState, acknowledged: list[tuple[str, int]]
) -> dict[str, int]:
    """Every acknowledged write in the database at its revision or later, and the index
    equal to the database (ids and versions) once the workers have caught up."""
    deadline = time.monotonic() + 300
    while state.indexer.status().backlog and time.monotonic() < deadline:
        time.sleep(1)
    state.backend.refresh()
    with state.db.reader() as session:
        rows = session.execute(text("SELECT id, revision FROM records")).all()
        revisions: dict[str, int] = {str(record): int(revision) for record, revision in rows}
    indexed = dict(state.backend.versions())
    return {
        "acknowledged": len(acknowledged),
        "missing_in_database": len(
            [record for record, revision in acknowledged if revisions.get(record, -1) < revision]
        ),
        "missing_in_index": len(
            [record for record, _ in acknowledged if indexed.get(record) != revisions.get(record)]
        ),
        "index_differs_from_database": int(not state.indexer.verify(repair=False).ok),
        "backlog": state.indexer.status().backlog,
    }


# -- the report ----------------------------------------------------------------------------


def show(results: dict[str, Any]) -> None:
    for name, phase in results["phases"].items():
        table = Table(title=f"{name}: {phase['requests']:,} requests in {phase['seconds']:.0f} s,"
                      f" {phase['requests_per_s']:.1f}/s, {phase['errors']} errors")  # fmt: skip
        for column in ("endpoint", "requests", "errors", "p50 ms", "p95 ms", "p99 ms"):
            table.add_column(column, justify="left" if column == "endpoint" else "right")
        for endpoint, figures in phase["endpoints"].items():
            table.add_row(
                endpoint, str(figures["requests"]), str(figures["errors"]),
                f"{figures['p50_ms']:.0f}", f"{figures['p95_ms']:.0f}", f"{figures['p99_ms']:.0f}",
            )  # fmt: skip
        console.print(table)
        if "fault" in phase:
            console.print(f"  fault timeline (s after it): {phase['fault']}")
        for example in phase["error_examples"]:
            console.print(f"  error: {example}")
    console.print(f"writes: {results['writes']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="catalogue size")
    parser.add_argument("--requests", type=int, default=6000, help="requests per phase")
    parser.add_argument(
        "--warm-up", type=int, default=2000, help="requests before the phases, not reported"
    )
    parser.add_argument("--users", type=int, default=8, help="locust users (closed loop)")
    parser.add_argument("--app-workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--down", type=float, default=20, help="seconds a lost node stays down")
    parser.add_argument("--heap", default="512m", help="each search node's heap")
    parser.add_argument(
        "--phases", nargs="+", default=["steady", "search-node", "database"],
        choices=["steady", "search-node", "database"], help="which runs, in order",
    )  # fmt: skip
    parser.add_argument("--locust", default=".venv-load/bin/locust", help="locust's command")
    parser.add_argument("--out", type=Path, default=Path("bench/results/load.json"))
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="catalogue-load-"))
    phases = {
        "steady": Phase("steady"),
        "search-node": Phase("search node lost", lose_a_search_node(args.down)),
        "database": Phase("database restart", restart_the_database),
    }
    with ExitStack() as stack:
        cluster = Cluster(
            os.environ["CATALOGUE_TEST_ES_HOME"], os.environ["CATALOGUE_TEST_ES_JAVA_HOME"],
            runas=os.environ.get("CATALOGUE_TEST_PG_RUNAS", ""), heap=args.heap,
        )  # fmt: skip
        stack.callback(cluster.shutdown)
        console.print(f"[bold]Starting a {cluster.size}-node search cluster[/]")
        cluster.start_all()
        settings = settings_from_env(
            elasticsearch_url=",".join(cluster.urls),
            elasticsearch_username="",
            elasticsearch_password="",
            index_prefix="load",
            index_replicas="1",
            rate_limit_storage=os.environ["CATALOGUE_TEST_REDIS_URL"],
        )
        state = prepared_state(settings)
        console.print(f"[bold]{args.records:,} records[/]")
        loaded(state, args.records)
        inputs = write_inputs(state, folder)
        base = stack.enter_context(deployed(settings, args.app_workers, folder))
        results: dict[str, Any] = {
            "records": args.records, "users": args.users, "app_workers": args.app_workers,
            "cpus": os.cpu_count(), "phases": {},
        }  # fmt: skip
        # Warm-up, not reported: the first minute after a reindex is slower (caches, the JIT),
        # which would flatter the fault runs that follow.
        warm_up = run_phase(
            Phase("warm-up"), cluster, base, inputs, args.warm_up, args.users, args.locust, folder
        )
        acknowledged: list[tuple[str, int]] = warm_up.pop("acknowledged")
        for key in args.phases:
            phase = phases[key]
            cluster.wait_for("green", cluster.size, seconds=600)
            outcome = run_phase(
                phase, cluster, base, inputs, args.requests, args.users, args.locust, folder
            )
            acknowledged += outcome.pop("acknowledged")
            results["phases"][phase.name] = outcome
        results["writes"] = check_acknowledged(state, acknowledged)
        state.backend.drop_indices()
    show(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    console.print(f"written to {args.out}; logs in {folder}")


if __name__ == "__main__":
    main()
