"""One reindex in a process of its own; prints its rate and peak memory as JSON."""

from __future__ import annotations

import json
import resource
import time

from catalogue.app import create_app


def main() -> None:
    app = create_app()
    state = app.extensions["catalogue"]
    records = state.indexer.status().records
    started = time.perf_counter()
    state.indexer.reindex()
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "records": records,
                "seconds": seconds,
                "records_per_s": records / seconds,
                "peak_rss_mb": peak_kb / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
