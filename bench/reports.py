"""Report benchmark: the Open Access and FAIR reports at 10^5 (and 10^6) records, computed
with Elasticsearch aggregations, with the catalogue's SQL, and with the plain SQL ``GROUP BY``
a user would otherwise write, in the same run.  Elasticsearch is timed computing each report
(shard request cache off) and, apart, answering a repeated one from that cache (what a report
viewed again costs until the index changes).

    bash bench/run.sh reports --records 100000 --repeat 7

Writes a table and ``bench/results/reports.json``.  The records are seeded synthetic
registrations (bench/data.py) with their classification and FAIR assessment; the index gets
the report fields of each record (what the reports count) by bulk indexing, so building it
does not dominate the run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import text

from bench import data
from bench.search import settings_from_env
from catalogue.adapters import migrate
from catalogue.app import CatalogueState, create_app
from catalogue.services.reports import (
    build_fair,
    build_open_access,
    fair_cells_sql,
    open_access_rows_sql,
)
from catalogue.services.vocabularies import sync_vocabularies
from search.elastic import ElasticBackend
from search.query import IndexAction
from search.reports import (
    ReportQuery,
    fair_cells_from_aggregations,
    fair_search_body,
    open_access_rows_from_aggregations,
    open_access_search_body,
)

console = Console(stderr=True)

# The plain GROUP BY a user would write for each report (the baseline).
PLAIN_OPEN_ACCESS = """
SELECT r.publication_year, p.oa_status, p.oa_category, count(*)
FROM records r JOIN publications p ON p.id = r.id
WHERE r.status = 'published' AND r.is_latest AND r.resource_type_id = 'JournalArticle'
  AND p.peer_reviewed
GROUP BY 1, 2, 3
"""
PLAIN_FAIR = """
SELECT r.publication_year, count(*), sum(CASE WHEN d.fair_essential_passed THEN 1 ELSE 0 END),
       avg(d.fair_score)
FROM records r JOIN datasets d ON d.id = r.id
WHERE r.status = 'published' AND r.is_latest
GROUP BY 1
"""

_DOCUMENTS = """
SELECT r.id, r.kind, r.publication_year, r.resource_type_id, p.oa_status, p.oa_category,
       p.peer_reviewed, d.fair_essential_passed, d.fair_score10, d.fair_f10, d.fair_a10,
       d.fair_i10, d.fair_r10, d.fair_bucket,
       (SELECT string_agg(theme_id, ' ') FROM record_themes WHERE record_id = r.id),
       (SELECT string_agg(department_id, ' ') FROM record_departments WHERE record_id = r.id),
       (SELECT string_agg(test_id, ' ') FROM fair_gaps WHERE dataset_id = r.id)
FROM records r LEFT JOIN publications p ON p.id = r.id LEFT JOIN datasets d ON d.id = r.id
"""


def report_documents(state: CatalogueState) -> Iterator[IndexAction]:
    """Each record's report fields, streamed from PostgreSQL."""
    with state.db.engine.connect() as connection:
        rows = connection.execution_options(stream_results=True, yield_per=2000).execute(
            text(_DOCUMENTS)
        )
        for row in rows:
            (rid, kind, year, rtype, status, category, reviewed, essential, score10, f10,
             a10, i10, r10, bucket, themes, departments, gaps) = row  # fmt: skip
            document: dict[str, Any] = {
                "id": rid,
                "kind": kind,
                "status": "published",
                "is_latest": True,
                "publication_year": year,
                "resource_type": rtype,
                "themes": (themes or "").split(),
                "departments": (departments or "").split(),
            }
            if kind == "publication":
                document |= {"open_access": status, "oa_category": category}
                document["peer_reviewed"] = reviewed
            else:
                document |= {
                    "fair_essential": essential,
                    "fair_score10": score10,
                    "fair_f10": f10,
                    "fair_a10": a10,
                    "fair_i10": i10,
                    "fair_r10": r10,
                    "fair_bucket": bucket,
                    "fair_gaps": (gaps or "").split(),
                }
            yield IndexAction(id=rid, version=1, document=document)


def timed(run: Callable[[], Any], repeat: int) -> dict[str, float]:
    """Median and best of ``repeat`` runs, in milliseconds (after one warm-up run)."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "best_ms": round(min(times), 1)}


def measure(size: int, repeat: int) -> dict[str, Any]:
    settings = settings_from_env(index_prefix="bench-reports")
    app = create_app(settings)
    state: CatalogueState = app.extensions["catalogue"]
    backend = state.backend
    assert isinstance(backend, ElasticBackend)
    migrate.upgrade(state.db.engine)
    with state.db.unit_of_work() as session:
        sync_vocabularies(session)
    data.empty(state.db.engine)
    backend.drop_indices()
    with _progress() as progress:
        task = progress.add_task(f"generating {size:,} records", total=size)
        data.load(state.db.engine, size, progress=lambda n: progress.advance(task, n))
        task = progress.add_task("indexing their report fields", total=size)
        index = backend.ensure_index()
        backend.write(report_documents(state), index=index, chunk_size=2000)
        backend.refresh()
        progress.advance(task, size)
    with state.db.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    results: dict[str, Any] = {"records": size}
    queries = {
        "open_access": ReportQuery(),
        "open_access_by_theme": ReportQuery(group_by="theme"),
        "fair": ReportQuery(scope="all"),
        "fair_by_theme": ReportQuery(scope="all", group_by="theme"),
    }
    for name, query in queries.items():
        ways = _ways(state, backend, name, query)
        assert ways["elasticsearch"]() == ways["catalogue_sql"](), f"{name}: ES and SQL disagree"
        results[name] = {label: timed(way, repeat) for label, way in ways.items()}
    state.db.dispose()
    return results


Way = Callable[[], Any]


def _ways(
    state: CatalogueState, backend: ElasticBackend, name: str, query: ReportQuery
) -> dict[str, Way]:
    """The report counted by Elasticsearch (computed each time, and as the shard request cache
    answers a repeated one until the index changes), by the catalogue's SQL, and the plain
    GROUP BY."""
    open_access = name.startswith("open_access")

    def by_elasticsearch(cache: bool) -> Way:
        def aggregate(body: dict[str, Any]) -> dict[str, Any]:
            response = backend.client.search(index=backend.alias, request_cache=cache, **body)
            aggregations: dict[str, Any] = response.body["aggregations"]
            return aggregations

        def report() -> dict[str, Any]:
            if open_access:
                rows = open_access_rows_from_aggregations(aggregate(open_access_search_body(query)))
                return build_open_access(rows, query)
            cells = fair_cells_from_aggregations(aggregate(fair_search_body(query)))
            return build_fair(cells, query)

        return report

    def catalogue_sql() -> dict[str, Any]:
        with state.db.reader() as session:
            if open_access:
                return build_open_access(open_access_rows_sql(session, query), query)
            return build_fair(fair_cells_sql(session, query), query)

    def plain_group_by() -> list[Any]:
        with state.db.engine.connect() as connection:
            statement = PLAIN_OPEN_ACCESS if open_access else PLAIN_FAIR
            return list(connection.execute(text(statement)))

    return {
        "elasticsearch": by_elasticsearch(cache=False),
        "elasticsearch_cached": by_elasticsearch(cache=True),
        "catalogue_sql": catalogue_sql,
        "plain_group_by": plain_group_by,
    }


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def print_table(results: list[dict[str, Any]]) -> None:
    table = Table(title="Report time (median of the repeats, ms)")
    for column in (
        "records",
        "report",
        "Elasticsearch",
        "ES, request cache",
        "catalogue SQL",
        "plain GROUP BY",
        "ES / plain",
    ):
        table.add_column(column, justify="right")
    for result in results:
        for name in ("open_access", "open_access_by_theme", "fair", "fair_by_theme"):
            figures = result[name]
            es = figures["elasticsearch"]["median_ms"]
            plain = figures["plain_group_by"]["median_ms"]
            table.add_row(
                f"{result['records']:,}",
                name,
                f"{es:.1f}",
                f"{figures['elasticsearch_cached']['median_ms']:.1f}",
                f"{figures['catalogue_sql']['median_ms']:.1f}",
                f"{plain:.1f}",
                f"{es / plain:.2f}x" if plain else "-",
            )
    Console(width=120).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per figure")
    parser.add_argument("--out", type=Path, default=Path("bench/results/reports.json"))
    args = parser.parse_args()
    results = [measure(size, args.repeat) for size in args.records]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"runs": results}, indent=2) + "\n")
    print_table(results)
    console.print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
