"""The contract suite's target: Parley on loopback by default (with a fake Gemini upstream the checks
can script), or any running Interactions implementation given `--base-url URL --api-key KEY --model NAME`."""

from __future__ import annotations

import os

import pytest

from parley.contract.checks import Target
from tests.conftest import MASTER_KEY
from tests.fakes.script import Reply

# What the checks ask of an in-process fake upstream (a live one decides from the request).
SCRIPTED = {
    "tool_call": lambda: Reply(text="", tool_call=("get_weather", {"city": "Boston"})),
    "slow": lambda: Reply(delay=3),  # keeps the run going long enough to cancel it
}


@pytest.fixture(scope="session")
def target(request) -> Target:
    url = request.config.getoption("--base-url") or os.environ.get("CONTRACT_BASE_URL")
    if url:
        return Target(
            url.rstrip("/"),
            request.config.getoption("--api-key") or os.environ.get("CONTRACT_API_KEY"),
            request.config.getoption("--model") or os.environ.get("CONTRACT_MODEL") or "gemini-fake",
        )
    gateway = request.getfixturevalue("gateway")
    upstream = request.getfixturevalue("gemini_upstream").upstream
    return Target(
        gateway.url, MASTER_KEY, "gemini-fake", script=lambda kind: upstream.replies.append(SCRIPTED[kind]())
    )
