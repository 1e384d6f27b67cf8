"""Shared fixtures: fake upstreams and Parley gateways, all real HTTP servers on loopback."""

from __future__ import annotations

import contextlib
import itertools
import json
import time

import pytest

from parley import transport
from parley.config import parse
from parley.server import create_app
from tests.fakes import gemini as gemini_fake
from tests.fakes.script import Upstream
from tests.fakes.server import LiveServer
from tests.pg import pg_url  # noqa: F401  (session fixture: a real PostgreSQL)
from tests.redis_server import redis_server  # noqa: F401  (session fixture: a real Redis)

MASTER_KEY = "sk-parley-test"


def pytest_addoption(parser):
    # The contract suite (tests/contract) runs against any Interactions implementation.
    group = parser.getgroup("contract", "contract suite target")
    group.addoption(
        "--base-url", default=None, help="a running Interactions server; default: Parley in-process"
    )
    group.addoption("--api-key", default=None, help="API key for --base-url")
    group.addoption("--model", default=None, help="model name to use against --base-url")


OTHER_KEY = "sk-parley-other"


@pytest.fixture(scope="session")
def gemini_upstream():
    """A fake Gemini Interactions upstream shared by the session; tests script it via .replies."""
    upstream = Upstream()
    _upstreams.append(upstream)
    server = LiveServer(gemini_fake.make_app(upstream)).start()
    server.upstream = upstream
    yield server
    server.stop()


_upstreams: list[Upstream] = []


@pytest.fixture(autouse=True)
def _reset_fakes():
    """Each test starts with unscripted fakes and empty request logs."""
    yield
    for upstream in _upstreams:
        upstream.reset()


@pytest.fixture(autouse=True)
async def _close_upstream_pool():
    """Each test's event loop ends with it: close the loop's upstream connection pool first."""
    yield
    await transport.close()


_counter = itertools.count()


@pytest.fixture(scope="session")
def gateway_factory(tmp_path_factory):
    """Start a Parley server for a config dict; stopped at the end of the session."""
    started: list[LiveServer] = []

    def start(config: dict, database_url: str | None = None) -> LiveServer:
        config = {**config}
        general = {"validate_responses": True, **config.get("general_settings", {})}
        general.setdefault(
            "database_url",
            database_url or f"sqlite:///{tmp_path_factory.mktemp('db')}/parley-{next(_counter)}.db",
        )
        config["general_settings"] = general
        server = LiveServer(create_app(parse(config))).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop_soon()
    for server in started:
        with contextlib.suppress(Exception):
            server.stop()


def gemini_config(upstream_url: str, **general) -> dict:
    return {
        "model_list": [
            {
                "model_name": "gemini-fake",
                "litellm_params": {
                    "model": "gemini/gemini-3-flash-preview",
                    "api_base": upstream_url,
                    "api_key": "upstream-key",
                },
            },
            {"model_name": "smollm2", "litellm_params": {"model": "local/smollm2"}},
        ],
        "general_settings": {"master_key": MASTER_KEY, "api_keys": [OTHER_KEY], **general},
    }


@pytest.fixture(scope="session")
def gateway(gateway_factory, gemini_upstream):
    """Parley with a fake Gemini upstream (`gemini-fake`) and the local model (`smollm2`)."""
    return gateway_factory(gemini_config(gemini_upstream.url))


def log_lines(text: str, event: str = "request") -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == event:
                lines.append(record)
    return lines


def log_until(capsys, count: int, timeout: float = 10, event: str = "request", out: str = "") -> str:
    """The captured output once `count` lines of `event` are in it: a create's line is written
    after its answer is sent (parley.router.AfterAnswer), so the client can read it first."""
    deadline = time.monotonic() + timeout
    while len(log_lines(out, event)) < count:
        assert time.monotonic() < deadline, f"fewer than {count} log lines in {timeout} s"
        time.sleep(0.02)
        out += capsys.readouterr().out
    return out
