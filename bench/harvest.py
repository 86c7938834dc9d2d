"""What harvesters get, how fast: a full OAI-PMH harvest (``oai_datacite``, following the
resumption tokens) beside reading the same rows straight from the database (the limit), and
the DCAT-AP dump of the whole catalogue with its peak memory at a tenth and at all of it.

    catalogue demo --no-serve && python -m bench.harvest
    bash bench/run.sh harvest --load 100000     # PostgreSQL + Elasticsearch, 10^5 records

In-process (Flask's test client: no network), one run, so the ratios compare like with like.
"""

from __future__ import annotations

import argparse
import re
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from bench import data
from bench.search import prepared_state, settings_from_env
from catalogue.app import CatalogueState, create_app
from catalogue.config import Settings
from catalogue.models import Record
from catalogue.services.exports import Site, dcat, harvest
from catalogue.services.exports.public import as_anyone_sees

TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


def read_rows(state: CatalogueState) -> tuple[int, float]:
    """Every harvestable row, straight from the records table (no related rows)."""
    started = time.perf_counter()
    count = 0
    with state.db.reader() as session:
        query = select(Record.__table__).where(Record.status.in_(("published", "withdrawn")))
        for _row in session.execute(query.execution_options(yield_per=2000)):
            count += 1
    return count, time.perf_counter() - started


def read_records(state: CatalogueState, size: int = 200) -> tuple[int, float]:
    """The same records as OAI-PMH loads them (with what their metadata shows), unrendered."""
    started = time.perf_counter()
    count, after = 0, None
    chosen = harvest.Selection(with_withdrawn=True)
    while True:
        with state.db.reader() as session:
            page = harvest.page(session, chosen, after, size)
            if not page:
                break
            count, after = count + len(page), page[-1].id
    return count, time.perf_counter() - started


def oai_harvest(settings: Settings, prefix: str) -> tuple[int, float]:
    client = create_app(settings).test_client()
    started = time.perf_counter()
    count = 0
    answer = client.get(f"/oai?verb=ListRecords&metadataPrefix={prefix}").data
    while True:
        count += answer.count(b"<record>")
        found = TOKEN.search(answer)
        if not found:
            break
        answer = client.get(f"/oai?verb=ListRecords&resumptionToken={found.group(1).decode()}").data
    return count, time.perf_counter() - started


def dcat_dump(state: CatalogueState, limit: int | None) -> tuple[int, float, int]:
    """The DCAT-AP dump (as ``catalogue export dcat`` writes it, to nowhere): records, seconds
    and the peak of Python memory allocated while writing."""
    site = Site.of(state.settings)
    written = 0

    def pages() -> Iterator[list[dict[str, Any]]]:
        nonlocal written
        after = None
        while limit is None or written < limit:
            with state.db.reader() as session:
                records = harvest.page(session, harvest.Selection(), after, 1000)
                if not records:
                    return
                after = records[-1].id
                shown = [as_anyone_sees(record) for record in records]
            written += len(shown)
            yield shown

    tracemalloc.start()
    started = time.perf_counter()
    for _chunk in dcat.stream_turtle(pages(), site, {}):
        pass
    spent = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return written, spent, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--load", type=int, metavar="N", help="load N synthetic records first")
    args = parser.parse_args()
    settings = Settings.from_env()
    if args.load:
        settings = settings_from_env()
        state = prepared_state(settings)
        data.replace_all(state, args.load)
        print(f"{args.load:,} records on PostgreSQL\n")
    state = create_app(settings).extensions["catalogue"]
    rows, rows_s = read_rows(state)
    loaded, loaded_s = read_records(state)
    harvested, harvest_s = oai_harvest(settings, "oai_datacite")
    print(
        "| what | records | seconds | records/s | vs reading the rows |\n|---|---:|---:|---:|---:|"
    )
    base = rows / rows_s
    for what, n, s in (
        ("rows straight from the records table", rows, rows_s),
        ("records as OAI-PMH loads them (related rows, unrendered)", loaded, loaded_s),
        ("OAI-PMH harvest, oai_datacite, all pages", harvested, harvest_s),
    ):
        print(f"| {what} | {n:,} | {s:.1f} | {n / s:,.0f} | {(n / s) / base:.2f}x |")
    tenth, tenth_s, tenth_peak = dcat_dump(state, rows // 10)
    whole, whole_s, whole_peak = dcat_dump(state, None)
    print("\n| DCAT-AP dump | records | seconds | records/s | peak Python memory |")
    print("|---|---:|---:|---:|---:|")
    for what, n, s, peak in (
        ("a tenth", tenth, tenth_s, tenth_peak),
        ("everything", whole, whole_s, whole_peak),
    ):
        print(f"| {what} | {n:,} | {s:.1f} | {n / s:,.0f} | {peak / 2**20:.1f} MiB |")
    print(
        "\n(the dump runs under tracemalloc, which slows Python: `catalogue export dcat` is faster)"
    )


if __name__ == "__main__":
    main()
