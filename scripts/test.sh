#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs everything it needs (pinned), then runs
# ruff, mypy --strict and pytest. Extra arguments go to pytest, e.g. scripts/test.sh -k golden.
#
# Heavier runs (see README "Testing"):
#   CIFORGE_HYPOTHESIS=thorough scripts/test.sh     many more Hypothesis examples
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
echo "== installing ciforge and test dependencies (pinned by constraints.txt)"
PIP_DISABLE_PIP_VERSION_CHECK=1 .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test]" 2> >(grep -v "WARNING: Location" >&2)

echo "== installing the external validators and runners (scripts/install-oracles.sh)"
scripts/install-oracles.sh

echo "== ruff"
.venv/bin/ruff check ciforge tests
.venv/bin/ruff format --check ciforge tests
echo "== mypy --strict"
.venv/bin/mypy
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
