#!/usr/bin/env bash
# Debian's chromium for the browser tests (tests/test_browser.py), installed when missing, the
# way scripts/postgres.sh installs PostgreSQL. Playwright drives it; it never downloads a browser.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
    exit 0
fi
SUDO=""
if [[ "$(id -u)" != 0 ]]; then
    SUDO=sudo
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
test -x /usr/bin/chromium || { echo "chromium.sh: /usr/bin/chromium missing after install" >&2; exit 1; }
