#!/usr/bin/env bash
# Sets everything up and runs reportqa: install, build the index if missing, serve the chat page.
# HOST and PORT (default 127.0.0.1:8000) choose where it listens.
set -euo pipefail
cd "$(dirname "$0")"
bash install.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/reportqa index --if-missing
exec .venv/bin/reportqa serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
