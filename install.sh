#!/usr/bin/env bash
# Creates .venv (Python 3.11+) and installs reportqa into it; `--test` adds the test extras.
# Idempotent and quick when nothing changed: it reinstalls only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")"

py="${PYTHON:-}"
if [ -z "$py" ]; then
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' 2>/dev/null; then
      py="$candidate"; break
    fi
  done
fi
[ -n "$py" ] || { echo "reportqa needs Python 3.11 or newer on PATH (python3.11 not found)." >&2; exit 1; }

[ -x .venv/bin/python ] || "$py" -m venv .venv
extras=""
[ "${1:-}" = "--test" ] && extras="[test]"
hash="$(sha256sum pyproject.toml | cut -c1-16)"
stamp=".venv/.installed${extras}-${hash}"
# An install with the test extras also satisfies a plain one: run.sh after test.sh installs nothing.
if [ ! -f "$stamp" ] && ! { [ -z "$extras" ] && [ -f ".venv/.installed[test]-${hash}" ]; }; then
  echo "Installing reportqa${extras} into .venv (first run takes a few minutes) ..."
  .venv/bin/python -m pip install --quiet --quiet --disable-pip-version-check --upgrade pip
  # -qq: errors only (the machine's pip configuration warns about absent local indexes on every package).
  # One pip command, so torch resolves to the pinned CPU build (torch==2.13.0 in pyproject.toml).
  .venv/bin/python -m pip install --quiet --quiet --disable-pip-version-check -e ".${extras}"
  touch "$stamp"
fi
