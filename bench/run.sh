#!/usr/bin/env bash
# Run the search benchmarks against a real PostgreSQL and Elasticsearch, started (and
# stopped) the same way as for the tests.  Arguments go to `python -m bench.search`:
#
#   bash bench/run.sh                          # 10^4 and 10^5 records
#   bash bench/run.sh --records 10000 100000 1000000 --seconds 20
set -euo pipefail
ES_HEAP="${ES_HEAP:-2g}"
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/services.sh"
say "Benchmarks"
.venv/bin/python -m bench.search "$@"
