"""Server time per web page, each beside the API request that answers the same question,
measured in one run on whatever catalogue the settings point at (by default the embedded demo
in ./var), and the weight of what a page loads.

    catalogue demo --no-serve && python -m bench.pages --repeat 30
    bash bench/run.sh pages --load 100000     # PostgreSQL + Elasticsearch, 10^5 records

Wall time inside the app (Flask's test client: no network, no browser), so on the embedded
backend it includes the search itself. The ratio to the API request shows what rendering HTML
adds; the bars of the web interface issue are p50 under 30 ms (record), 60 ms (search with
all facets) and 150 ms (dashboard).
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from pathlib import Path

from flask.testing import FlaskClient

from bench import data
from bench.search import percentile, prepared_state, settings_from_env
from catalogue.app import create_app
from catalogue.config import Settings

PAGE = {"Accept": "text/html"}
STATIC = Path(__file__).resolve().parents[1] / "catalogue" / "web" / "static"


def timed(client: FlaskClient, url: str, repeat: int, headers: dict[str, str]) -> list[float]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)  # warm-up, and a check
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url, headers=headers)
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def pairs(client: FlaskClient) -> list[tuple[str, str, str]]:
    """(what, page, the API request answering the same question), with real record ids."""
    newest: dict[str, str] = {}
    for kind in ("datasets", "publications"):
        answer = client.get(f"/api/{kind}?size=1&sort=newest").get_json()
        newest[kind] = answer["hits"][0]["id"]
    dataset, publication = newest["datasets"], newest["publications"]
    return [
        ("home", "/", "/api/search?sort=newest&size=6"),
        ("search: one word, all facets", "/search?q=cohort", "/api/search?q=cohort"),
        (
            "search: word + two filters",
            "/search?q=cohort&kind=dataset&theme=neuroscience",
            "/api/search?q=cohort&kind=dataset&theme=neuroscience",
        ),
        ("search: listing, newest", "/search?sort=newest", "/api/search?sort=newest"),
        ("record: dataset", f"/records/{dataset}", f"/api/datasets/{dataset}"),
        ("record: publication", f"/records/{publication}", f"/api/publications/{publication}"),
        ("dashboard: Open Access", "/open-access", "/api/reports/open-access"),
        ("dashboard: FAIR", "/fair", "/api/reports/fair"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed calls of each request")
    parser.add_argument(
        "--load",
        type=int,
        metavar="N",
        help="first load N synthetic records into the test services (CATALOGUE_TEST_*: "
        "PostgreSQL and Elasticsearch, as bench/run.sh starts them) and measure there",
    )
    args = parser.parse_args()
    settings = Settings.from_env()
    if args.load:
        settings = settings_from_env()
        state = prepared_state(settings)
        data.replace_all(state, args.load)
        state.indexer.render()
        state.indexer.reindex()
        print(f"{args.load:,} records on PostgreSQL and Elasticsearch\n")
    client = create_app(settings).test_client()
    print("| page | p50 | p95 | API request, p50 | page / API |\n|---|---:|---:|---:|---:|")
    for what, page, api in pairs(client):
        page_ms = timed(client, page, args.repeat, PAGE)
        api_ms = timed(client, api, args.repeat, {})
        p50, api_p50 = statistics.median(page_ms), statistics.median(api_ms)
        print(
            f"| {what} (`{page}`) | {p50:.1f} ms | {percentile(page_ms, 0.95):.1f} ms "
            f"| {api_p50:.1f} ms | {p50 / api_p50:.2f}x |"
        )
    css = (STATIC / "catalogue.css").read_bytes()
    scripts = sorted(STATIC.glob("*.js"))
    js = b"".join(path.read_bytes() for path in scripts)
    print(
        f"\nWhat a page loads: CSS {len(css) / 1024:.1f} KB ({len(gzip.compress(css)) / 1024:.1f}"
        f" KB compressed), JavaScript {len(js) / 1024:.1f} KB "
        f"({len(gzip.compress(js)) / 1024:.1f} KB compressed, {len(scripts)} files)."
    )


if __name__ == "__main__":
    main()
