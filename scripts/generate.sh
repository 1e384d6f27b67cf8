#!/usr/bin/env bash
# Regenerate everything derived from the hand-written spec openapi/interactions.yaml:
#   generated/interactions.3.0.yaml       3.0.3 copy for Connexion           (scripts/down_convert.py)
#   generated/interactions.openapi.json   the 3.1 spec as JSON               (scripts/down_convert.py)
#   generated/models.py                   pydantic v2 models                 (datamodel-codegen, [tool.datamodel-codegen])
# Deterministic: running it twice gives byte-identical output. Never edit generated/ by hand.
# No generated HTTP client: parley.client is a hand-written httpx layer over these models (README,
# "Generated code" says why openapi-python-client's output did not serve).
# Usage: bash scripts/generate.sh     (PYTHON=/path/to/python to use another interpreter)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
SPEC=openapi/interactions.yaml

echo "generate: 3.0 + JSON copies of $SPEC"
"$PYTHON" scripts/down_convert.py "$SPEC" generated

echo "generate: generated/models.py (datamodel-codegen)"
"$PYTHON" -m datamodel_code_generator   # configured in pyproject.toml [tool.datamodel-codegen]

cat > generated/__init__.py <<'PY'
"""Generated code only (scripts/generate.sh from openapi/interactions.yaml); never edit by hand."""
PY
echo "generate: done"
