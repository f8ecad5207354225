#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (offline, on the real corpus).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || exit 1
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: treated as a failure." >&2
  exit 1
fi
exit "$status"
