#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (offline, on the real corpus, browser tests
# in Debian's headless Chromium, which this installs when it is missing).
set -uo pipefail
cd "$(dirname "$0")"
bash install.sh --test || exit 1
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests ..."
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null \
    || { echo "could not install chromium (apt-get install chromium): the browser tests need it" >&2; exit 1; }
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: treated as a failure." >&2
  exit 1
fi
exit "$status"
