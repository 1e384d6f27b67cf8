"""What the adapter tests share: scriptable fake upstreams per module (also used by the gateway
tests), turns, and drained streams."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from parley.errors import UpstreamError
from parley.providers.base import StreamEnd, Turn
from parley.wire import input_to_steps
from tests.fakes.script import Upstream
from tests.fakes.server import serve

# The function tool every adapter test declares.
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
}


def fake_fixtures(make_app, name: str = "fake"):
    """(fake, reset): the fake on loopback for the module (its ASGI app at `.app`), with its
    `.upstream` reset before each test. Assign them to module names; the fake's must be `name`."""

    @pytest.fixture(scope="module", name=name)
    def fake():
        upstream = Upstream()
        app = make_app(upstream)
        with serve(app) as server:
            server.upstream, server.app = upstream, app
            yield server

    @pytest.fixture(autouse=True)
    def reset(request):
        request.getfixturevalue(name).upstream.reset()

    return fake, reset


def fakes_fixtures(make_app, letters: str, name: str = "fakes"):
    """(fakes, reset): a fake on loopback per letter of `letters` for the module, as {letter: server},
    each scripted through its `.upstream` and reset before each test. The fixture is `name`."""

    @pytest.fixture(scope="module", name=name)
    def fakes():
        with contextlib.ExitStack() as stack:
            servers = {}
            for letter in letters:
                upstream = Upstream()
                servers[letter] = stack.enter_context(serve(make_app(upstream)))
                servers[letter].upstream = upstream
            yield servers

    @pytest.fixture(autouse=True)
    def reset(request):
        for server in request.getfixturevalue(name).values():
            server.upstream.reset()

    return fakes, reset


def make_turn(request: dict, history: list | None = None, **kw) -> Turn:
    """A turn whose history is the request's own input unless given."""
    return Turn(
        request=request, history=input_to_steps(request.get("input")) if history is None else history, **kw
    )


def as_event(item: dict | StreamEnd) -> dict:
    """A stream item as the tests read it: step events as they are, the stream's `StreamEnd` as the
    `interaction.completed` the engine makes of it (with the upstream id, when there is one)."""
    if not isinstance(item, StreamEnd):
        return item
    final = {"status": item.status, "usage": item.usage}
    if item.upstream_id:
        final["upstream_id"] = item.upstream_id
    return {"event_type": "interaction.completed", "interaction": final}


async def drain(batches: AsyncIterator[list[dict | StreamEnd]]) -> tuple[list[dict], UpstreamError | None]:
    """All events of a stream (its end as `as_event` shows it), and the UpstreamError that ended it.
    An adapter yields its events in batches: non-empty lists, the StreamEnd last of the last."""
    seen: list[dict] = []
    ended = False
    try:
        async for batch in batches:
            assert isinstance(batch, list) and batch and not ended, batch
            ended = isinstance(batch[-1], StreamEnd)
            assert not any(isinstance(event, StreamEnd) for event in batch[:-1]), batch
            seen.extend(as_event(event) for event in batch)
    except UpstreamError as exc:
        return seen, exc
    return seen, None
