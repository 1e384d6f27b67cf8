#!/usr/bin/env bash
# Install Debian packages for the tests' real parts (PostgreSQL, Redis, Chromium, wrk):
#
#   scripts/apt_install.sh PACKAGE...
#
# As root directly, else through `sudo -n` (no sudo: an error naming the packages). Waits for the
# apt/dpkg locks and retries, since another apt run (a parallel job) may hold them for a while.
# Quiet on success; on failure apt's output tail goes to stderr, exit status 1.
set -euo pipefail

die() {
    echo "apt_install.sh: $*" >&2
    exit 1
}

[[ $# -gt 0 ]] || die "usage: $0 PACKAGE..."
sudo=()
if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "$* not installed and we are not root (no sudo): apt-get install $*"
    sudo=(sudo -n)
fi
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for attempt in 1 2 3 4 5 6; do
    if { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "$@"; } >"$log" 2>&1; then
        exit 0
    fi
    if [[ $attempt -eq 6 ]]; then
        tail -n 30 "$log" >&2
        die "apt-get install $* failed"
    fi
    sleep 10
done
