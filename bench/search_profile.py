"""Where the app's CPU goes for one search: the search API called in this process, through
the WSGI interface as gunicorn calls it, timed and then profiled.

``python -m bench.search_profile --records 10000`` (services from ``bench/run.sh``, or
``bash bench/run.sh profile``): loads a seeded catalogue if the index holds another size,
answers the benchmark's search ``--requests`` times measuring the CPU this process spends
per search, then once more under cProfile and prints the functions that take the most.
Gunicorn's own share (reading the request, writing the answer) is not in it; the search
benchmark measures the whole server process.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
import urllib.parse
from typing import Any

from bench import data
from bench.search import QUERY, prepared_state, settings_from_env
from catalogue.app import create_app


def call(app: Any, environ_base: dict[str, Any]) -> int:
    status: list[str] = []

    def start_response(line: str, _headers: Any, _exc_info: Any = None) -> None:
        status.append(line)

    body = app(dict(environ_base), start_response)
    for _chunk in body:
        pass
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000, help="catalogue size")
    parser.add_argument("--requests", type=int, default=2000, help="searches to time")
    parser.add_argument("--top", type=int, default=40, help="functions to print")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key")
    args = parser.parse_args()

    settings = settings_from_env()
    state = prepared_state(settings)
    if state.backend.count() != args.records:
        data.empty(state.db.engine)
        state.backend.drop_indices()
        data.load(state.db.engine, args.records)
        state.indexer.render()
        state.indexer.reindex()
    app = create_app(settings)
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(
        path="/api/search", query_string=urllib.parse.urlencode(QUERY)
    ).get_environ()
    environ["REMOTE_ADDR"] = "127.0.0.1"
    for _ in range(200):  # warm-up: connections, caches, the vocabulary labels
        assert call(app, environ) == 200
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        call(app, environ)
    wall = (time.perf_counter() - started) / args.requests * 1000
    spent = (time.process_time() - cpu) / args.requests * 1000
    print(f"{args.records:,} records: {spent:.2f} ms CPU, {wall:.2f} ms wall per search")
    profile = cProfile.Profile(time.process_time)  # CPU, not waiting
    profile.enable()
    for _ in range(args.requests):
        call(app, environ)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
    sys.stdout.write(out.getvalue())


if __name__ == "__main__":
    main()
