"""schemathesis over openapi/interactions.yaml against a live Parley (with the fake Gemini upstream):
examples, coverage, fuzzing (positive and negative) and stateful phases, with every check (no 500s,
status codes and content types the spec declares, bodies and SSE events that match it, negative data
rejected, schema-valid data accepted, ...).

Runs the `st` CLI as subprocesses, so its workers and event loop do not share the gateway's thread:
one run per phase, each with its own time budget (about 80 s in all on 2 cores). On failure the
report (with curl reproductions) is in the assertion message. Tune with ST_MAX_EXAMPLES / ST_SEED /
ST_TIME_SCALE (multiplies every budget).

Schema-valid requests Parley refuses by design are kept out of generation by the `filter_body` hook
below, and out of the coverage phase's positive cases by `filter_case` (loaded in the `st` process
through SCHEMATHESIS_HOOKS):
* `agent` interactions (Parley serves models only: 400 `unsupported`);
* `background: true` with `store: false` (a background run must be stored to be read back: 400);
* no `input` (400; the spec does not require it, since continuation hops omit it, though a turn
  without input cannot run).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi" / "interactions.yaml"
ST = Path(sys.executable).with_name("st")
MAX_EXAMPLES = os.environ.get("ST_MAX_EXAMPLES", "40")
SEED = os.environ.get("ST_SEED", "1")
SCALE = float(os.environ.get("ST_TIME_SCALE", "1"))
# (phases, mode, seconds, checks excluded). The examples phase builds bodies from the spec's
# `examples`, hooks do not filter them, and one is an `agent` request, which the spec itself says a
# gateway without agents answers with 400; so that phase skips positive_data_acceptance.
RUNS = [
    ("examples", "all", 10, "positive_data_acceptance"),
    ("coverage", "all", 20, ""),
    ("fuzzing", "all", 30, ""),
    ("stateful", "positive", 20, ""),
]

if os.environ.get("SCHEMATHESIS_HOOKS") == __name__:  # inside the `st` process only
    from datetime import datetime

    import schemathesis

    @schemathesis.hook("filter_body")
    def _served_by_parley(ctx, body) -> bool:
        if not isinstance(body, dict):
            return True
        if "agent" in body or not body.get("model") or "input" not in body:
            return False
        if isinstance(body["model"], str) and not body["model"].isprintable():
            return False  # refused by design (control characters in a model name): a 400, not a bug
        return not (body.get("background") is True and body.get("store") is False)

    @schemathesis.hook("filter_query")
    def _real_dates(ctx, query) -> bool:
        # /spend/logs' dates match the spec's pattern, which cannot say that 2026-02-31 is no
        # day: such a date is a 400 by design, not schema-valid data refused.
        for name in ("start_date", "end_date"):
            value = (query or {}).get(name)
            if isinstance(value, str):
                try:
                    datetime.fromisoformat(value)
                except ValueError:
                    return False
        return True

    @schemathesis.hook("filter_case")
    def _served_case(ctx, case) -> bool:
        # The coverage phase runs filter_case hooks, not filter_body ones: it once sent the spec's
        # `agent` example as a schema-valid create and failed on Parley's 400 (not every run).
        operation = case.operation
        meta = case.meta
        if meta is not None and meta.generation.mode != "positive":
            return True  # negative data is meant to be refused
        if operation.path == "/spend/logs":
            return _real_dates(ctx, case.query)
        if operation.method.upper() != "POST" or not operation.path.endswith("/interactions"):
            return True
        return _served_by_parley(ctx, case.body)

else:
    import pytest

    from tests.conftest import MASTER_KEY, gemini_config

    @pytest.fixture(scope="module")
    def fuzz_gateway(gateway_factory, gemini_upstream):
        """Parley with only the fake Gemini model: fuzzed model names never reach the slow local one."""
        config = gemini_config(gemini_upstream.url)
        config["model_list"] = [m for m in config["model_list"] if m["model_name"] == "gemini-fake"]
        return gateway_factory(config)

    @pytest.mark.parametrize("phases, mode, seconds, excluded", RUNS, ids=[r[0] for r in RUNS])
    def test_schemathesis(fuzz_gateway, phases, mode, seconds, excluded):
        budget = max(1, round(seconds * SCALE))
        command = [
            str(ST),
            "run",
            str(SPEC),
            "--url",
            fuzz_gateway.url,
            "-H",
            f"x-goog-api-key: {MASTER_KEY}",
            "--checks",
            "all",
            "--mode",
            mode,
            "--phases",
            phases,
            "--max-examples",
            MAX_EXAMPLES,
            "--max-time",
            str(budget),
            "--seed",
            SEED,
            "--workers",
            "1",
            "--request-timeout",
            "20",
            "--suppress-health-check",
            "all",
            "--no-color",
            *(["--exclude-checks", excluded] if excluded else []),
        ]
        env = {**os.environ, "SCHEMATHESIS_HOOKS": __name__, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=budget + 120
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"schemathesis ({phases}) found problems:\n{output[-12000:]}"
