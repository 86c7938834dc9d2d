"""Embedded search benchmark: every query shape of the search contract, on the embedded backend
(SQLite FTS5 + bitmaps) and on Elasticsearch, over the same records, in one run.

For each catalogue size the same synthetic records (seeded) are loaded into PostgreSQL, their
search documents rendered once, and both backends filled from them by the catalogue's own
``reindex``.  Then each query shape runs ``--repeat`` times, one client, at the backend's
contract (``search``/``suggest``, what the API calls), first on Elasticsearch and then on the
embedded backend in a child process, so the child's peak memory (max RSS) is the embedded
backend's own: Python, the catalogue's search code, SQLite's cache and the bitmaps.

Run it with ``bash bench/run.sh embedded`` (starts PostgreSQL and Elasticsearch like the tests
do), or ``python -m bench.embedded --help`` against services of your own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import data
from bench.search import percentile, prepared_state, processes, settings_from_env
from catalogue.adapters.indexing import Indexer
from search.embedded import EmbeddedBackend
from search.query import SearchBackend, SearchRequest, Visibility

console = Console(stderr=True)
BAR_P95_MS = {10_000: 50.0, 100_000: 250.0}


def shapes(facet_values: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The query shapes of the search contract, as anonymous callers ask them.

    ``facet_values`` holds a frequent value of each facet (read from the data), so each filter
    alone selects a realistic share of the catalogue.
    """
    found: dict[str, dict[str, Any]] = {
        "free text (one word)": {"text": "cohort"},
        "free text (two words, phrase, exclusion)": {"text": 'heart "cohort study" -mouse'},
        "free text + two filters": {
            "text": "cohort",
            "filters": {"theme": ("neuroscience",), "access_right": ("open",)},
        },
        "listing: everything, newest first": {"sort": "newest"},
        "listing: datasets": {"filters": {"kind": ("dataset",)}, "sort": "newest"},
        "listing: publications": {"filters": {"kind": ("publication",)}, "sort": "newest"},
        "listing: by title": {"sort": "title"},
    }
    for facet, value in facet_values.items():
        found[f"filter alone: {facet}"] = {"filters": {facet: (value,)}}
    found["two filters + all facets"] = {
        "filters": {"theme": (facet_values["theme"],), "year": (facet_values["year"],)}
    }
    found["deep paging (after 5,000)"] = {"sort": "newest", "deep": 5000, "facets": False}
    found["deep paging (page 50 of 20)"] = {"sort": "oldest", "page": 50}
    found["suggest 'mig'"] = {"suggest": "mig"}
    found["suggest 'jans'"] = {"suggest": "jans"}
    return found


def run_shape(backend: SearchBackend, shape: dict[str, Any]) -> int:
    if "suggest" in shape:
        return len(backend.suggest(shape["suggest"], Visibility()))
    return backend.search(SearchRequest(**shape)).total


def resolve(backend: SearchBackend, shape: dict[str, Any]) -> dict[str, Any]:
    """A deep-paging shape walks to its depth with ``after`` tokens first: the timed request
    is the next page, as a harvester walking the whole result list asks it."""
    if "deep" not in shape:
        return shape
    depth, walked = shape["deep"], {k: v for k, v in shape.items() if k != "deep"}
    after = None
    for _ in range(depth // 1000):
        after = backend.search(SearchRequest(**walked, size=1000, after=after)).next_after
    return {**walked, "after": after}


def time_shapes(
    backend: SearchBackend, queries: dict[str, dict[str, Any]], repeat: int
) -> dict[str, dict[str, float]]:
    timings: dict[str, dict[str, float]] = {}
    for name, asked in queries.items():
        shape = resolve(backend, asked)
        for _ in range(2):  # warm caches, as a running service has them
            run_shape(backend, shape)
        latencies = []
        for _ in range(repeat):
            started = time.perf_counter()
            total = run_shape(backend, shape)
            latencies.append(time.perf_counter() - started)
        timings[name] = {
            "p50_ms": percentile(latencies, 0.5) * 1000,
            "p95_ms": percentile(latencies, 0.95) * 1000,
            "total": total,
        }
    return timings


def child(path: str, queries_json: str, repeat: int) -> None:
    """Time the shapes on the embedded backend in this (fresh) process; print JSON."""
    queries = json.loads(queries_json)
    for shape in queries.values():
        if "filters" in shape:  # JSON has no tuples
            shape["filters"] = {facet: tuple(values) for facet, values in shape["filters"].items()}
    started = time.perf_counter()
    backend = EmbeddedBackend(path, "bench")
    run_shape(backend, {"sort": "newest"})  # the first search reads the bitmaps
    first = time.perf_counter() - started
    timings = time_shapes(backend, queries, repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"timings": timings, "peak_rss_mb": peak, "first_search_s": first}))


def frequent_values(backend: SearchBackend) -> dict[str, str]:
    facets = backend.search(SearchRequest(size=0)).facets
    chosen = {facet: values[0].key for facet, values in facets.items() if values}
    chosen["year"] = "2024"
    return chosen


def node_peak_rss_mb() -> float | None:
    for pid in processes(command="org.elasticsearch.bootstrap"):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def run(sizes: list[int], repeat: int, out: Path) -> dict[str, Any]:
    settings = settings_from_env()
    state = prepared_state(settings)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "repeat": repeat,
        "sizes": {},
    }
    for size in sizes:
        console.print(f"[bold]{size:,} records[/]: generating")
        data.empty(state.db.engine)
        state.backend.drop_indices()
        data.load(state.db.engine, size)
        state.indexer.render()
        started = time.perf_counter()
        state.indexer.reindex()
        elastic_fill = size / (time.perf_counter() - started)
        path = Path(tempfile.mkdtemp(prefix="catalogue-bench-embedded-")) / "search.sqlite"
        embedded = EmbeddedBackend(path, "bench")
        started = time.perf_counter()
        Indexer(state.db, embedded).reindex()
        embedded_fill = size / (time.perf_counter() - started)
        embedded.close()
        console.print(
            f"  filled: Elasticsearch {elastic_fill:.0f}, embedded {embedded_fill:.0f} records/s"
        )
        queries = shapes(frequent_values(state.backend))
        console.print("  Elasticsearch")
        elastic = time_shapes(state.backend, queries, repeat)
        console.print("  embedded")
        command = [sys.executable, "-m", "bench.embedded", "--repeat", str(repeat)]
        out_child = subprocess.run(
            [*command, "--child", str(path), json.dumps(queries)],
            check=True,
            capture_output=True,
            text=True,
        )
        measured = json.loads(out_child.stdout.strip().splitlines()[-1])
        results["sizes"][str(size)] = {
            "queries": queries,
            "elasticsearch": elastic,
            "embedded": measured["timings"],
            "embedded_peak_rss_mb": measured["peak_rss_mb"],
            "embedded_first_search_s": measured["first_search_s"],
            "elasticsearch_node_peak_rss_mb": node_peak_rss_mb(),
            "fill_records_per_s": {"elasticsearch": elastic_fill, "embedded": embedded_fill},
            "embedded_file_mb": path.stat().st_size / 2**20,
        }
        path.unlink()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print_table(results)
    return results


def print_table(results: dict[str, Any]) -> None:
    for size, result in results["sizes"].items():
        bar = BAR_P95_MS.get(int(size))
        table = Table(title=f"{int(size):,} records, one client, {results['repeat']} runs each")
        for column in ("query shape", "hits", "embedded p50 / p95 ms", "Elasticsearch p50 / p95"):
            table.add_column(column, justify="left" if column == "query shape" else "right")
        table.add_column("embedded / ES p50", justify="right")
        for name, mine in result["embedded"].items():
            theirs = result["elasticsearch"][name]
            over = bar is not None and mine["p95_ms"] >= bar
            table.add_row(
                name,
                f"{mine['total']:,}"
                + ("" if mine["total"] == theirs["total"] else f" (ES: {theirs['total']:,})"),
                ("[red]" if over else "") + f"{mine['p50_ms']:.1f} / {mine['p95_ms']:.1f}",
                f"{theirs['p50_ms']:.1f} / {theirs['p95_ms']:.1f}",
                f"{mine['p50_ms'] / theirs['p50_ms']:.2f}x",
            )
        console.print(table)
        console.print(
            f"  embedded: peak RSS {result['embedded_peak_rss_mb']:.0f} MB, first search "
            f"{result['embedded_first_search_s']:.2f} s, file "
            f"{result['embedded_file_mb']:.0f} MB; Elasticsearch node peak RSS "
            f"{result['elasticsearch_node_peak_rss_mb'] or 0:.0f} MB; filled at "
            f"{result['fill_records_per_s']['embedded']:.0f} (embedded) and "
            f"{result['fill_records_per_s']['elasticsearch']:.0f} (ES) records/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--records", type=int, nargs="+", default=[10_000, 100_000], help="catalogue sizes"
    )
    parser.add_argument("--repeat", type=int, default=40, help="runs of each query shape")
    parser.add_argument("--out", type=Path, default=Path("bench/results/embedded.json"))
    parser.add_argument("--child", nargs=2, metavar=("PATH", "QUERIES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.repeat)
    else:
        run(args.records, args.repeat, args.out)


if __name__ == "__main__":
    main()
