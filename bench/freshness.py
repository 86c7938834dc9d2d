"""Write to searchable: seconds from a committed publish until a search finds it, with
``catalogue worker`` running as deployed (its default polling interval), on PostgreSQL and
Elasticsearch (CATALOGUE_TEST_*, as bench/run.sh starts them).

    bash bench/run.sh freshness --writes 40
"""

from __future__ import annotations

import argparse

from bench.search import prepared_state, settings_from_env, write_to_searchable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=40, help="publishes to time")
    args = parser.parse_args()
    settings = settings_from_env()
    state = prepared_state(settings)
    state.backend.ensure_index()
    found = write_to_searchable(settings, state, args.writes, poll=None)
    print(
        f"write to searchable over {args.writes} publishes: p50 {found['p50_s']:.3f} s, "
        f"p95 {found['p95_s']:.3f} s, max {found['max_s']:.3f} s"
    )


if __name__ == "__main__":
    main()
