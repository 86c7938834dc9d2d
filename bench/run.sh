#!/usr/bin/env bash
# Run the benchmarks against a real PostgreSQL and Elasticsearch, started (and stopped) the
# same way as for the tests.  Arguments go to `python -m bench.search` (or, after `reports`,
# to `python -m bench.reports`):
#
#   bash bench/run.sh                          # search: 10^4 and 10^5 records
#   bash bench/run.sh --records 10000 100000 1000000 --seconds 20
#   bash bench/run.sh reports --records 100000 --repeat 7
#   bash bench/run.sh embedded                 # embedded backend beside Elasticsearch
#   bash bench/run.sh pages --load 100000      # web pages beside their API requests
#   bash bench/run.sh harvest --load 100000    # OAI-PMH harvest and the DCAT dump
#   bash bench/run.sh freshness --writes 40    # write to searchable, worker as deployed
#   bash bench/run.sh intake --works 10000     # harvest of the institution's works (OpenAlex)
#   bash bench/run.sh load --records 100000    # locust on gunicorn + a 3-node cluster, faults
set -euo pipefail
# The load test starts a cluster of its own: the single node only needs to be there.
if [ "${1:-}" = load ]; then ES_HEAP="${ES_HEAP:-256m}"; else ES_HEAP="${ES_HEAP:-2g}"; fi
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/services.sh"
say "Benchmarks"
case "${1:-}" in
  reports) shift; .venv/bin/python -m bench.reports "$@" ;;
  embedded) shift; .venv/bin/python -m bench.embedded "$@" ;;
  pages) shift; .venv/bin/python -m bench.pages "$@" ;;
  harvest) shift; .venv/bin/python -m bench.harvest "$@" ;;
  freshness) shift; .venv/bin/python -m bench.freshness "$@" ;;
  intake) shift; .venv/bin/python -m bench.intake "$@" ;;
  load)
    shift
    if [ ! -x .venv-load/bin/locust ]; then
      say "Installing locust into .venv-load (bench/load-requirements.txt)"
      .venv/bin/python -m venv .venv-load  # the same Python as the app
      .venv-load/bin/pip install --quiet -r bench/load-requirements.txt
    fi
    .venv/bin/python -m bench.load "$@" ;;
  *) .venv/bin/python -m bench.search "$@" ;;
esac
