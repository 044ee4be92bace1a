#!/usr/bin/env bash
# Set up a virtual environment and run the whole test suite: the README's test command.
# PostgreSQL tests run when OPENATT_TEST_DATABASE_URL is set (.ci/run starts a server and
# sets it); browser tests use Debian's chromium at /usr/bin/chromium when it is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# (this machine's pip configuration warns about absent local mirrors; keep the log readable)
.venv/bin/pip install --quiet --upgrade pip 2> >(grep -v '^WARNING: Location' >&2)
.venv/bin/pip install --quiet -e '.[dev,spark]' 2> >(grep -v '^WARNING: Location' >&2)
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy src
.venv/bin/lint-imports
.venv/bin/pytest "$@"
