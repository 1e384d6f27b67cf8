"""The contract suite's target: Parley on loopback by default (with a fake Gemini upstream), or any
running Interactions implementation given `--base-url URL --api-key KEY --model NAME`."""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import MASTER_KEY
from tests.fakes.script import Upstream


@dataclass
class Target:
    url: str
    key: str | None
    model: str
    upstream: Upstream | None = None  # Parley in-process: the fake upstream behind it, scriptable

    def client(self, key: str | None = None) -> httpx.Client:
        key = key if key is not None else self.key
        return httpx.Client(base_url=self.url, headers={"x-goog-api-key": key} if key else {}, timeout=120)


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
    return Target(gateway.url, MASTER_KEY, "gemini-fake", request.getfixturevalue("gemini_upstream").upstream)


@pytest.fixture
def api(target) -> httpx.Client:
    with target.client() as client:
        yield client
