#!/usr/bin/env bash
# The interpreter `make install` builds .venv from: the first of these that is Python 3.11 or newer
# and can make a venv with pip.
#
#   1. /usr/bin/python3, the distribution's build. Debian's (and Ubuntu's) CPython is built with
#      profile-guided optimisation and link-time optimisation and links libpython statically, as
#      the official python:3.x Docker images are built too. A build made without them (pyenv's
#      default: --enable-shared, no --enable-optimizations) runs Parley's request path 10-15%
#      slower, and plain Python code 25-30% (docs/benchmarks.md, "Interpreter").
#   2. python3 on PATH.
#
# PYTHON=/path/to/python make install chooses another.
set -euo pipefail

usable() {
    "$1" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

for candidate in /usr/bin/python3 python3; do
    if command -v "$candidate" >/dev/null && usable "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done
echo "python3"  # none fits: `python3 -m venv` will say why
