"""The app's CPU time per request for the README's first requests, on whatever catalogue the
settings point at (by default the embedded demo in ./var): what a newcomer's requests cost.

    catalogue demo --no-serve && python -m bench.first_requests --repeat 20
"""

from __future__ import annotations

import argparse
import statistics
import time

from catalogue.app import create_app
from catalogue.config import Settings

REQUESTS = (
    "/api/datasets?theme=genetics&year=2024&size=5",
    "/api/datasets?size=5",
    "/api/publications?size=5",
    "/api/search?kind=dataset&size=5",
    "/api/search?theme=genetics",
    "/api/search?year=2024",
    "/api/search?size=5",
    "/api/search?q=migraine",
    "/api/search/suggest?q=mig",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed calls of each request")
    args = parser.parse_args()
    client = create_app(Settings.from_env()).test_client()
    print("| request (anonymous) | app CPU per call, median |\n|---|---:|")
    for url in REQUESTS:
        assert client.get(url).status_code == 200, url  # warm-up, and a check
        spent = []
        for _ in range(args.repeat):
            started = time.thread_time()
            client.get(url)
            spent.append(time.thread_time() - started)
        print(f"| `GET {url}` | {statistics.median(spent) * 1000:.2f} ms |")


if __name__ == "__main__":
    main()
