"""parley.client over real HTTP: against Parley on loopback (create, stream, get, resume, delete,
cancel, errors as exceptions, both ways of sending the key), and against a tiny loopback server that
answers with types newer than the spec (kept as raw dicts) and records the exact requests."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

import parley
from parley import errors
from parley.client import AsyncClient, Client
from parley.generated import models
from tests.conftest import MASTER_KEY
from tests.fakes.script import Reply
from tests.fakes.server import serve

FAKE_TEXT = "Hello from the fake upstream."
SAMPLES = Path(__file__).resolve().parent / "contract" / "samples"


def sample(name: str):
    text = (SAMPLES / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


def text_of(events) -> str:
    return "".join(
        e.delta.text
        for e in events
        if isinstance(e, models.StepDelta) and isinstance(e.delta, models.TextDelta)
    )


@pytest.fixture
def client(gateway):
    with Client(gateway.url, api_key=MASTER_KEY) as client:
        yield client


# ------------------------------------------------------------------ against Parley


def test_exported_from_parley():
    assert parley.Client is Client and parley.AsyncClient is AsyncClient


def test_create(client):
    interaction = client.interactions.create(model="gemini-fake", input="Hi")
    assert isinstance(interaction, models.Interaction)
    assert interaction.status == models.InteractionStatus.completed
    assert parley.output_text(interaction) == FAKE_TEXT


def test_create_stream_yields_typed_events(client):
    with client.interactions.create(model="gemini-fake", input="Hi", stream=True) as stream:
        events = list(stream)
    assert isinstance(events[0], models.InteractionCreatedEvent)
    assert isinstance(events[-1], models.InteractionCompletedEvent)
    assert all(isinstance(e, models.BaseModel) for e in events)  # nothing left as a raw dict
    assert text_of(events) == FAKE_TEXT


def test_get_and_resume_a_stream(client):
    events = list(client.interactions.create(model="gemini-fake", input="Hi", stream=True))
    interaction_id = events[0].interaction.id
    got = client.interactions.get(interaction_id)
    assert got.id == interaction_id and [type(s).__name__ for s in got.steps][0] == "UserInputStep"
    middle = events[len(events) // 2]
    resumed = list(client.interactions.get(interaction_id, stream=True, last_event_id=middle.event_id))
    assert [e.event_id for e in resumed] == [e.event_id for e in events[events.index(middle) + 1 :]]
    replay = list(client.interactions.get(interaction_id, stream=True))
    assert [e.event_id for e in replay] == [e.event_id for e in events]


def test_delete(client):
    interaction = client.interactions.create(model="gemini-fake", input="Hi")
    assert client.interactions.delete(interaction.id) is None
    with pytest.raises(errors.NotFoundError) as info:
        client.interactions.get(interaction.id)
    assert (info.value.status, info.value.code) == (404, "not_found")


def test_cancel_a_background_run(client, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(delay=5))
    started = client.interactions.create(model="gemini-fake", input="Hi", background=True)
    assert started.status in (models.InteractionStatus.queued, models.InteractionStatus.in_progress)
    cancelled = client.interactions.cancel(started.id)
    assert cancelled.status == models.InteractionStatus.cancelled
    finished = client.interactions.create(model="gemini-fake", input="Hi")
    with pytest.raises(errors.ApiError) as info:  # a finished one cannot be cancelled
        client.interactions.cancel(finished.id)
    assert 400 <= info.value.status < 500


def test_errors_raise_the_status_subclass(gateway, client):
    with pytest.raises(errors.NotFoundError, match="v1_does_not_exist") as info:
        client.interactions.get("v1_does_not_exist")
    assert (info.value.status, info.value.code) == (404, "not_found")
    with pytest.raises(errors.BadRequestError) as info:
        client.interactions.create(model="gemini-fake", input=[{"type": "bogus"}])
    assert info.value.status == 400 and "bogus" in info.value.message
    with pytest.raises(errors.NotFoundError, match="no-such-model") as info:  # never another model's answer
        client.interactions.create(model="no-such-model", input="Hi", stream=True)
    assert info.value.status == 404
    with Client(gateway.url, api_key="sk-wrong") as wrong, pytest.raises(errors.AuthenticationError) as info:
        wrong.interactions.create(model="gemini-fake", input="Hi")
    assert info.value.status == 401 and isinstance(info.value, parley.ApiError)


def test_bearer_auth(gateway):
    with Client(gateway.url, api_key=MASTER_KEY, auth="bearer") as client:
        assert client.interactions.create(model="gemini-fake", input="Hi").status == "completed"
    with Client(gateway.url, api_key="sk-wrong", auth="bearer") as client:
        with pytest.raises(errors.AuthenticationError) as info:
            client.interactions.create(model="gemini-fake", input="Hi")
        assert (info.value.status, info.value.code) == (401, "unauthenticated")
    with pytest.raises(ValueError, match="auth must be"):
        Client(gateway.url, api_key=MASTER_KEY, auth="basic")  # type: ignore[arg-type]


async def test_async_client(gateway, gemini_upstream):
    async with AsyncClient(gateway.url, api_key=MASTER_KEY, api_version="v1") as client:
        created = await client.interactions.create(model="gemini-fake", input="Hi")
        assert parley.output_text(created) == FAKE_TEXT
        stream = await client.interactions.create(model="gemini-fake", input="Hi", stream=True)
        events = [e async for e in stream]
        assert text_of(events) == FAKE_TEXT
        interaction_id = events[0].interaction.id
        resumed = await client.interactions.get(
            interaction_id, stream=True, last_event_id=events[-3].event_id
        )
        assert [e.event_id async for e in resumed] == [e.event_id for e in events[-2:]]
        await client.interactions.delete(interaction_id)
        with pytest.raises(errors.NotFoundError) as info:
            await client.interactions.get(interaction_id)
        assert info.value.status == 404
        gemini_upstream.upstream.replies.append(Reply(delay=5))
        started = await client.interactions.create(model="gemini-fake", input="Hi", background=True)
        assert (await client.interactions.cancel(started.id)).status == "cancelled"


# ------------------------------------------------------------------ against a tiny loopback server

UNKNOWN_STEP = {"type": "hologram_call", "id": "h1", "arguments": {"angle": 3}}
UNKNOWN_CONTENT = {"type": "smell", "data": "roses"}


def _newer_interaction() -> dict:
    """A §9 sample as a newer server might send it: a step type and a content type this spec lacks."""
    body = sample("interaction_text_get.json")
    body["steps"].insert(1, UNKNOWN_STEP)
    body["steps"][-1]["content"].append(UNKNOWN_CONTENT)
    return body


NEWER_STREAM = [
    {
        "event_type": "interaction.created",
        "event_id": "e1",
        "interaction": {"id": "v1_new", "status": "in_progress"},
    },
    {"event_type": "interaction.heartbeat", "event_id": "e2"},
    {"event_type": "step.start", "event_id": "e3", "index": 0, "step": {"type": "hologram_call", "id": "h1"}},
    {
        "event_type": "step.delta",
        "event_id": "e4",
        "index": 0,
        "delta": {"type": "hologram_delta", "angle": 1},
    },
    {"event_type": "step.stop", "event_id": "e5", "index": 0},
    {"event_type": "step.start", "event_id": "e6", "index": 1, "step": {"type": "model_output"}},
    {"event_type": "step.delta", "event_id": "e7", "index": 1, "delta": {"type": "text", "text": "ok"}},
    {"event_type": "step.stop", "event_id": "e8", "index": 1},
    {"event_type": "interaction.completed", "event_id": "e9", "interaction": _newer_interaction()},
]


class FakeInteractions:
    """Answers with the §9 samples (or newer types for ids starting `v1_new`), records every request."""

    def __init__(self):
        self.requests: list[dict] = []
        self.first_event_seen = threading.Event()
        self.streamed_incrementally: bool | None = None
        self.app = Starlette(
            routes=[
                Route("/{version}/interactions", self.create, methods=["POST"]),
                Route("/{version}/interactions/{id}", self.get, methods=["GET"]),
                Route("/{version}/interactions/{id}", self.delete, methods=["DELETE"]),
                Route("/{version}/interactions/{id}/cancel", self.cancel, methods=["POST"]),
            ]
        )

    async def _record(self, request: Request) -> dict:
        body = await request.body()
        entry = {
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "headers": dict(request.headers),
            "body": json.loads(body) if body else None,
        }
        self.requests.append(entry)
        return entry

    async def _sse(self, text: str, wait_for_client: bool = False):
        blocks = [b + "\n\n" for b in text.split("\n\n") if b.strip()]
        for number, block in enumerate(blocks):
            yield block.encode()
            if number == 0 and wait_for_client:  # the client must see event 1 before we send event 2
                for _ in range(500):
                    if self.first_event_seen.is_set():
                        break
                    await asyncio.sleep(0.01)
                self.streamed_incrementally = self.first_event_seen.is_set()

    def _stream(self, text: str, wait: bool = False) -> StreamingResponse:
        return StreamingResponse(self._sse(text, wait), media_type="text/event-stream")

    async def create(self, request: Request):
        entry = await self._record(request)
        model = entry["body"].get("model")
        if model == "not-sse":
            return Response("<html>hello</html>", media_type="text/html")
        if model == "broken":  # a known type without its required fields: malformed, not newer
            return JSONResponse({"id": "x", "steps": [{"type": "function_call"}]})
        if model == "proxy-error":
            return Response("upstream connect error", status_code=503, media_type="text/plain")
        if entry["body"].get("stream"):
            if model == "newer":
                return self._stream(
                    "".join(f"data: {json.dumps(e)}\n\n" for e in NEWER_STREAM) + "data: [DONE]\n\n"
                )
            return self._stream(sample("stream_text.sse"), wait=model == "wait")
        return JSONResponse(sample("interaction_text.json"))

    async def get(self, request: Request):
        entry = await self._record(request)
        ident = request.path_params["id"]
        if ident == "v1_missing":
            return JSONResponse(sample("error_not_found.json"), status_code=404)
        if ident == "v1_new":
            return JSONResponse(_newer_interaction())
        if entry["query"].get("stream") == "true":
            resumed = entry["query"].get("last_event_id") == "evt_7"
            return self._stream(sample("stream_text_resumed.sse" if resumed else "stream_text.sse"))
        return JSONResponse(sample("interaction_text_get.json"))

    async def delete(self, request: Request):
        await self._record(request)
        return JSONResponse({})

    async def cancel(self, request: Request):
        await self._record(request)
        if request.path_params["id"] == "v1_limited":
            return JSONResponse(
                {"error": {"code": "rate_limited", "message": "slow down"}},
                status_code=429,
                headers={"retry-after": "7"},
            )
        return JSONResponse(sample("interaction_cancelled.json"))


@pytest.fixture(scope="module")
def fake():
    fake = FakeInteractions()
    with serve(fake.app) as server:
        fake.url = server.url
        yield fake


BODY = sample("create_text.json")


def test_requests_are_the_spec_s(fake):
    fake.requests.clear()
    with Client(fake.url, api_key="test-key", api_version="v1") as client:
        created = client.interactions.create(**BODY)
        assert created.id == "v1_int_text_0001" and created.usage.total_tokens == 48
        client.interactions.get(created.id)
        assert client.interactions.cancel("v1_int_bg_0001").status == models.InteractionStatus.cancelled
        assert client.interactions.delete("v1_int_bg_0001") is None
        events = list(client.interactions.create(**BODY, stream=True))
        assert text_of(events) == "I'd tell you a UDP joke, but you might not get it."
        resumed = list(client.interactions.get("v1_int_text_0002", stream=True, last_event_id="evt_7"))
        assert [e.event_id for e in resumed] == ["evt_8", "evt_9", "evt_10", "evt_11"]
    seen = [(r["method"], r["path"], r["query"]) for r in fake.requests]
    assert seen == [
        ("POST", "/v1/interactions", {}),
        ("GET", "/v1/interactions/v1_int_text_0001", {"stream": "false"}),
        ("POST", "/v1/interactions/v1_int_bg_0001/cancel", {}),
        ("DELETE", "/v1/interactions/v1_int_bg_0001", {}),
        ("POST", "/v1/interactions", {}),
        ("GET", "/v1/interactions/v1_int_text_0002", {"stream": "true", "last_event_id": "evt_7"}),
    ]
    assert all(r["headers"]["x-goog-api-key"] == "test-key" for r in fake.requests)
    assert all("authorization" not in r["headers"] for r in fake.requests)
    assert fake.requests[0]["body"] == BODY and fake.requests[4]["body"] == {**BODY, "stream": True}
    assert fake.requests[4]["headers"]["accept"] == "text/event-stream"


def test_bearer_header(fake):
    fake.requests.clear()
    with Client(fake.url, api_key="test-key", auth="bearer") as client:
        client.interactions.get("v1_int_text_0001")
    assert fake.requests[0]["headers"]["authorization"] == "Bearer test-key"
    assert "x-goog-api-key" not in fake.requests[0]["headers"]


def test_stream_is_incremental(fake):
    fake.first_event_seen.clear()
    with Client(fake.url, api_key="k") as client:
        for number, _ in enumerate(client.interactions.create(model="wait", input="hi", stream=True)):
            if number == 0:
                fake.first_event_seen.set()
    assert fake.streamed_incrementally is True


def test_unknown_step_and_content_types_stay_raw_dicts(fake):
    with Client(fake.url, api_key="k") as client:
        interaction = client.interactions.get("v1_new")
    assert isinstance(interaction, models.Interaction)
    assert [type(s).__name__ for s in interaction.steps] == [
        "UserInputStep",
        "dict",
        "ThoughtStep",
        "ModelOutputStep",
    ]
    assert interaction.steps[1] == UNKNOWN_STEP
    content = interaction.steps[-1].content
    assert isinstance(content[0], models.TextContent) and content[-1] == UNKNOWN_CONTENT


def test_unknown_event_types_stay_raw_dicts(fake):
    with Client(fake.url, api_key="k") as client:
        events = list(client.interactions.create(model="newer", input="hi", stream=True))
    assert [type(e).__name__ for e in events] == [
        "InteractionCreatedEvent",
        "dict",  # an unknown event_type
        "dict",  # step.start of an unknown step type
        "dict",  # step.delta of an unknown delta type
        "StepStop",
        "StepStart",
        "StepDelta",
        "StepStop",
        "InteractionCompletedEvent",
    ]
    assert events[1] == NEWER_STREAM[1] and events[2] == NEWER_STREAM[2] and events[3] == NEWER_STREAM[3]
    assert events[-1].interaction.steps[1] == UNKNOWN_STEP  # typed event, unknown step kept inside


async def test_async_unknown_types_and_errors(fake):
    async with AsyncClient(fake.url, api_key="k") as client:
        stream = await client.interactions.create(model="newer", input="hi", stream=True)
        events = [e async for e in stream]
        assert sum(isinstance(e, dict) for e in events) == 3
        assert (await client.interactions.get("v1_new")).steps[1] == UNKNOWN_STEP
        with pytest.raises(errors.NotFoundError, match="v1_missing was not found"):
            await client.interactions.get("v1_missing")


def test_errors_are_raised_never_returned(fake):
    with Client(fake.url, api_key="k") as client:
        with pytest.raises(errors.NotFoundError) as info:
            client.interactions.get("v1_missing")
        assert (info.value.status, info.value.code) == (404, "not_found")
        assert "v1_missing was not found" in info.value.message
        with pytest.raises(errors.RateLimitError) as info:
            client.interactions.cancel("v1_limited")
        assert (info.value.status, info.value.code, info.value.message) == (429, "rate_limited", "slow down")
        assert info.value.headers["retry-after"] == "7"
        with pytest.raises(errors.InternalServerError) as info:  # not the API's error shape: text kept
            client.interactions.create(model="proxy-error", input="hi")
        assert info.value.status == 503 and "upstream connect error" in info.value.message
        with pytest.raises(errors.ApiError, match="invalid_response|not an Interaction") as info:
            client.interactions.create(model="broken", input="hi")
        assert info.value.code == "invalid_response"
        with pytest.raises(errors.ApiError) as info:  # stream=True but the answer is not SSE
            list(client.interactions.create(model="not-sse", input="hi", stream=True))
        assert info.value.code == "invalid_response"
        with pytest.raises(ValueError, match="last_event_id needs stream=True"):
            client.interactions.get("v1_int_text_0001", last_event_id="evt_1")
