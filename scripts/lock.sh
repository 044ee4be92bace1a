#!/usr/bin/env bash
# Write requirements.lock: the exact version of every package a full install resolves to
# (pyproject.toml holds version ranges; CI and scripts/test.sh install with this file as
# constraints, so every run tests the same versions). Run it after changing a dependency.
#   bash scripts/lock.sh            resolve afresh in a throwaway virtualenv
#   bash scripts/lock.sh .venv      freeze an existing virtualenv instead
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
venv=${1:-}
if [ -z "$venv" ]; then
  venv=$(mktemp -d)/venv
  "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install --quiet -e '.[all,spark,dev]'
fi
{
  echo "# Exact versions tested by CI for openatt[all,spark,dev]; written by scripts/lock.sh."
  echo "# Install with: pip install -c requirements.lock -e '.[dev,spark]'"
  "$venv/bin/pip" list --format=freeze --exclude-editable 2>/dev/null | grep -v -E "^(pip|setuptools|wheel)==" | sort -f
} > requirements.lock
echo "requirements.lock: $(grep -c '==' requirements.lock) packages"
