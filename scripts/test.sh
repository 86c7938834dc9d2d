#!/usr/bin/env bash
# Install what the tests need, start a real PostgreSQL and a real single-node Elasticsearch,
# run lint, type checks and the whole pytest suite against them, and stop what was started.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh -k publish      # extra arguments go to pytest
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

# --- Lint, types, tests ---------------------------------------------------------------------
say "ruff"
.venv/bin/ruff check catalogue schemas search migrations tests bench
.venv/bin/ruff format --check catalogue schemas search migrations tests bench
say "mypy"
.venv/bin/mypy
say "layer rules (import-linter, see pyproject.toml)"
.venv/bin/lint-imports --no-cache
say "pytest"
.venv/bin/python -m pytest "$@"
