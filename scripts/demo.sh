#!/usr/bin/env bash
# Install the catalogue in .venv and run it on its embedded default: SQLite, no services,
# demo data of realistic size, served on http://127.0.0.1:5000/.  Extra arguments go to
# `catalogue demo` (see `catalogue demo --help`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q -c constraints.txt -e .
exec .venv/bin/catalogue demo "$@"
