#!/usr/bin/env bash
# Set up a virtual environment and run the whole test suite: the README's test command.
# It says what it is doing as it goes. PostgreSQL tests run when OPENATT_TEST_DATABASE_URL is
# set, or when PostgreSQL's server binaries are installed and this runs as root (it then starts
# a throwaway cluster with .ci/postgres.sh); browser tests use Debian's chromium at
# /usr/bin/chromium when it is installed. The last lines say what was skipped and why.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
step() { printf '\n== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }

step "virtualenv .venv with openatt[dev,spark] at the versions in requirements.lock"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# (this machine's pip configuration warns about absent local mirrors; keep the log readable)
.venv/bin/pip install --quiet --upgrade pip 2> >(grep -v '^WARNING: Location' >&2)
.venv/bin/pip install --quiet -c requirements.lock -e '.[dev,spark]' 2> >(grep -v '^WARNING: Location' >&2)

step "ruff check"
.venv/bin/ruff check src tests benchmarks scripts
step "ruff format --check"
.venv/bin/ruff format --check src tests benchmarks scripts
step "mypy --strict"
.venv/bin/mypy src
step "import contracts (lint-imports)"
.venv/bin/lint-imports

if [ -z "${OPENATT_TEST_DATABASE_URL:-}" ]; then
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    step "starting a throwaway PostgreSQL (.ci/postgres.sh)"
    OPENATT_TEST_DATABASE_URL=$(bash .ci/postgres.sh)
    export OPENATT_TEST_DATABASE_URL
  else
    echo "(PostgreSQL's server is not installed or this is not root: its tests will be skipped)"
  fi
fi
[ -d ../shared/data ] || echo "(../shared/data is not beside this checkout: the tests on real data will be skipped; see README)"

step "pytest ($(nproc) cores; dots are tests, the last lines list what was skipped and why)"
.venv/bin/pytest "$@"
