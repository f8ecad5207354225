#!/usr/bin/env bash
# Sets everything up and runs reportqa: install, then list the passages of the corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/reportqa chunks "$@"
