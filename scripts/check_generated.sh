#!/usr/bin/env bash
# CI guard: regenerate and fail if anything under openapi/ or generated/ differs from what is committed
# (newly created files count too, hence `git add -N`). Fix by running scripts/generate.sh and committing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/generate.sh
# Only the generated paths are marked intent-to-add, so other untracked work in the tree is left alone.
git add -N -- openapi generated
if ! git diff --exit-code --stat -- openapi generated; then
    echo >&2
    echo "ERROR: these files differ from the committed ones (stale generated output, or an uncommitted spec edit):" >&2
    git diff --name-only -- openapi generated | sed 's/^/  /' >&2
    echo "Run 'bash scripts/generate.sh' and commit openapi/ and generated/ together." >&2
    exit 1
fi
echo "check_generated: generated files are up to date"
