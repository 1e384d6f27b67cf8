#!/usr/bin/env bash
# Regenerate everything derived from the hand-written spec openapi/interactions.yaml:
#   generated/interactions.3.0.yaml       3.0.3 copy for Connexion           (scripts/down_convert.py)
#   generated/interactions.openapi.json   the 3.1 spec as JSON               (scripts/down_convert.py)
#   generated/models.py                   pydantic v2 models                 (datamodel-codegen, [tool.datamodel-codegen])
#   generated/interactions_client/        httpx client package               (openapi-python-client, openapi-python-client.yaml)
# Deterministic: running it twice gives byte-identical output. Never edit generated/ by hand.
# Usage: bash scripts/generate.sh     (PYTHON=/path/to/python to use another interpreter)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
# The tools and ruff (used by openapi-python-client's post hooks) live next to the interpreter.
BIN="$("$PYTHON" -c 'import os, sys; print(os.path.dirname(sys.executable))')"
export PATH="$BIN:$PATH"
SPEC=openapi/interactions.yaml

echo "generate: 3.0 + JSON copies of $SPEC"
"$PYTHON" scripts/down_convert.py "$SPEC" generated

echo "generate: generated/models.py (datamodel-codegen)"
"$PYTHON" -m datamodel_code_generator   # configured in pyproject.toml [tool.datamodel-codegen]

echo "generate: generated/interactions_client (openapi-python-client)"
"$PYTHON" -m openapi_python_client generate --path "$SPEC" --config openapi-python-client.yaml \
    --meta none --output-path generated/interactions_client --overwrite --fail-on-warning

cat > generated/__init__.py <<'PY'
"""Generated code only (scripts/generate.sh from openapi/interactions.yaml); never edit by hand."""
PY
find generated -name .ruff_cache -type d -prune -exec rm -rf {} +
echo "generate: done"
