"""Provider codecs without a server: request building and answer / stream decoding per provider,
the shared request rules (parley.request) and the transport's framing, errors and labels. The
loopback wire tests stay in test_provider_*.py; the few tests here that need HTTP use one tiny
loopback app that answers the same thing to every provider."""

from __future__ import annotations

import asyncio
import random
import socket
import struct
from typing import Any

import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from parley import errors, transport
from parley.config import parse
from parley.errors import ApiError, UpstreamError
from parley.providers import adapter_for
from parley.providers.base import Deployment, HttpCodec, StreamEnd
from parley.request import OutputFormat, output_format, tool_choice
from parley.router import Router
from tests.adapter_kit import WEATHER, make_turn
from tests.fakes.server import serve

HTTP_PROVIDERS = ["gemini", "openai", "openai_chat", "anthropic", "azure"]


def codec(provider: str) -> HttpCodec:
    adapter = adapter_for(provider)
    assert isinstance(adapter, HttpCodec)
    return adapter


def deployment(provider: str, api_base: str = "https://upstream.example") -> Deployment:
    return Deployment("m", provider, "model-x", api_base=api_base, api_key="sk-test")


# --- request building -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "url", "header"),
    [
        ("gemini", "https://upstream.example/v1beta/interactions", ("x-goog-api-key", "sk-test")),
        ("openai", "https://upstream.example/responses", ("Authorization", "Bearer sk-test")),
        ("openai_chat", "https://upstream.example/chat/completions", ("Authorization", "Bearer sk-test")),
        ("anthropic", "https://upstream.example/v1/messages", ("x-api-key", "sk-test")),
        (
            "azure",
            "https://upstream.example/openai/deployments/model-x/chat/completions",
            ("api-key", "sk-test"),
        ),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_request_target_and_key(provider, url, header, stream):
    request = codec(provider).request(make_turn({"input": "hi"}), deployment(provider), stream=stream)
    assert (request.method, request.url) == ("POST", url)
    assert request.headers[header[0]] == header[1]
    assert bool(request.body.get("stream")) is stream
    assert request.content == b""  # serialised by the transport, right before signing


@pytest.mark.parametrize("provider", HTTP_PROVIDERS)
def test_an_undeclared_allowed_tool_is_a_400_everywhere(provider):
    choice = {"allowed_tools": {"mode": "any", "tools": ["launch_rocket"]}}
    turn = make_turn({"input": "hi", "tools": [WEATHER], "generation_config": {"tool_choice": choice}})
    with pytest.raises(ApiError) as caught:
        codec(provider).request(turn, deployment(provider), stream=False)
    assert caught.value.status == 400 and "launch_rocket" in caught.value.message
    assert isinstance(caught.value, errors.BadRequestError)


@pytest.mark.parametrize("provider", ["openai", "openai_chat", "anthropic", "azure"])
@pytest.mark.parametrize(
    ("fields", "feature"),
    [
        ({"generation_config": {"speech_config": [{"voice": "Kore"}]}}, "generation_config.speech_config"),
        ({"safety_settings": [{"type": "harassment", "threshold": "block_none"}]}, "safety_settings"),
        ({"response_modalities": ["text", "image"]}, "response_modalities other than text"),
        ({"response_format": {"type": "image"}}, "image output"),
        ({"response_format": {"type": "text", "mime_type": "text/x.enum"}}, "mime_type 'text/x.enum'"),
    ],
)
def test_unsupported_reads_the_same_everywhere(provider, fields, feature):
    with pytest.raises(ApiError) as caught:
        codec(provider).request(make_turn({"input": "hi", **fields}), deployment(provider), stream=False)
    assert caught.value.code == "unsupported" and feature in caught.value.message
    assert f"'{provider}'" in caught.value.message


SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}}


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        ({}, OutputFormat()),
        ({"response_format": {"type": "text", "mime_type": "text/plain"}}, OutputFormat()),
        ({"response_mime_type": "application/json"}, OutputFormat(json=True)),
        ({"response_format": [{"type": "text", "mime_type": "application/json"}]}, OutputFormat(json=True)),
        ({"response_format": {"type": "text", "schema": SCHEMA}}, OutputFormat(json=True, schema=SCHEMA)),
        (  # legacy: a bare schema beside response_mime_type
            {"response_mime_type": "application/json", "response_format": SCHEMA},
            OutputFormat(json=True, schema=SCHEMA),
        ),
        (  # a legacy schema whose `type` is a list
            {"response_format": {"type": ["object", "null"]}},
            OutputFormat(json=True, schema={"type": ["object", "null"]}),
        ),
    ],
)
def test_output_format(request_, expected):
    assert output_format("p", request_) == expected


def test_tool_choice_modes_and_allowed_tools():
    clock = {**WEATHER, "name": "get_time"}
    assert tool_choice({}).mode is None
    assert tool_choice({"generation_config": {"tool_choice": "any"}}).mode == "any"
    choice = tool_choice(
        {
            "tools": [WEATHER, clock],
            "generation_config": {"tool_choice": {"allowed_tools": {"tools": ["get_time"]}}},
        }
    )
    assert (choice.mode, choice.allowed) == ("auto", ("get_time",))
    assert choice.offered(["get_weather", "get_time"]) == ["get_time"]
    # An MCP server's tools are not listed in the request: their names cannot be checked.
    mcp = {"type": "mcp_server", "name": "s", "url": "https://mcp.example"}
    choice = tool_choice(
        {"tools": [mcp], "generation_config": {"tool_choice": {"allowed_tools": {"tools": ["remote_tool"]}}}}
    )
    assert choice.allowed == ("remote_tool",)


# --- answer decoding ------------------------------------------------------------------------------


ANSWERS = {
    "gemini": {"id": "v1_1", "status": "completed", "steps": [{"type": "model_output", "content": []}]},
    "openai": {
        "id": "resp_1",
        "status": "completed",
        "output": [{"type": "message", "content": [{"type": "output_text", "text": "Hi."}]}],
        "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
    },
    "openai_chat": {
        "id": "chatcmpl-1",
        "choices": [{"index": 0, "message": {"content": "Hi."}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    },
    "anthropic": {
        "id": "msg_1",
        "content": [{"type": "text", "text": "Hi."}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 3, "output_tokens": 2},
    },
}


@pytest.mark.parametrize("provider", list(ANSWERS))
def test_json_answer_decodes_to_an_outcome(provider):
    outcome = codec(provider).outcome(ANSWERS[provider], make_turn({"input": "hi"}))
    assert outcome.status == "completed" and outcome.upstream_id == ANSWERS[provider]["id"]
    assert [s["type"] for s in outcome.steps] == ["model_output"]


STREAMS = {
    "gemini": [
        {"event_type": "interaction.created", "interaction": {"id": "v1_1"}},
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}, "event_id": "e1"},
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "Hi."}},
        {"event_type": "step.stop", "index": 0},
        {"event_type": "interaction.completed", "interaction": {"id": "v1_1", "status": "completed"}},
    ],
    "openai": [
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": "message"}},
        {"type": "response.output_text.delta", "output_index": 0, "delta": "Hi."},
        {"type": "response.output_item.done", "output_index": 0, "item": {"type": "message"}},
        {"type": "response.completed", "response": {"id": "v1_1", "status": "completed"}},
    ],
    "openai_chat": [
        {"id": "v1_1", "choices": [{"index": 0, "delta": {"content": "Hi."}}]},
        {"id": "v1_1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ],
    "anthropic": [
        {"type": "message_start", "message": {"id": "v1_1", "usage": {"input_tokens": 3}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi."}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}},
        {"type": "message_stop"},
    ],
}


@pytest.mark.parametrize("provider", list(STREAMS))
def test_stream_decodes_to_step_events_and_an_internal_end(provider):
    decoder = codec(provider).decoder(make_turn({"input": "hi"}))
    events = [event for upstream in STREAMS[provider] for event in decoder.feed(upstream)]
    assert [e["event_type"] for e in events] == ["step.start", "step.delta", "step.stop"]
    assert all("event_id" not in e for e in events)
    assert events[1]["delta"] == {"type": "text", "text": "Hi."}
    end = decoder.end()
    assert isinstance(end, StreamEnd) and (end.status, end.upstream_id) == ("completed", "v1_1")


@pytest.mark.parametrize("provider", list(STREAMS))
def test_a_stream_cut_short_is_an_upstream_error(provider):
    decoder = codec(provider).decoder(make_turn({"input": "hi"}))
    for upstream in STREAMS[provider][:-1]:
        list(decoder.feed(upstream))
    if provider == "openai_chat":  # Chat's last chunk carries the finish_reason
        decoder = codec(provider).decoder(make_turn({"input": "hi"}))
        list(decoder.feed(STREAMS[provider][0]))
    with pytest.raises(UpstreamError):
        decoder.end()


# --- framing ---------------------------------------------------------------------------------------


def test_sse_framing_splits_joins_and_ends_at_done():
    framing = transport.SSEFraming()
    raw = b'event: x\ndata: {"a":\ndata: 1}\n\n: comment\n\ndata: {"b": 2}\r\n\r\ndata: [DONE]\n\n'
    events = [e for i in range(0, len(raw), 5) for e in framing.feed(raw[i : i + 5])]
    assert events == [b'{"a":\n1}', b'{"b": 2}', transport.DONE]  # as they came: decoded one by one
    assert [framing.decode(e) for e in events[:2]] == [{"a": 1}, {"b": 2}]
    framing = transport.SSEFraming()
    assert framing.feed(b'data: {"c": 3}') == [] and framing.end() == [b'{"c": 3}']  # no final blank line
    (bad,) = transport.SSEFraming().feed(b"data: {nope\n\n")
    with pytest.raises(UpstreamError) as caught:
        transport.SSEFraming.decode(bad)
    assert caught.value.status == 502 and "invalid JSON" in caught.value.message


def test_retry_after_forms():
    assert transport.retry_after({"retry-after-ms": "1500"}) == 1.5
    assert transport.retry_after({"retry-after": "3"}) == 3.0
    assert 0 <= transport.retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert transport.retry_after({}) is None


@pytest.mark.parametrize("reset", [False, True], ids=["hang-up", "reset"])
async def test_a_kept_alive_connection_the_upstream_closed_is_replaced_not_failed(reset):
    """An upstream that drops an idle keep-alive connection just as a request reuses it (here: it
    reads the second request on a connection and hangs up, or resets it) costs a new connection,
    not a 502."""
    connections = 0
    answer = b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 8\r\n\r\n{"n": 1}'

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        for turn in range(2):
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break  # the client closed the connection
            length = next(
                int(v)
                for k, _, v in (h.partition(b":") for h in head.split(b"\r\n"))
                if k.lower() == b"content-length"
            )
            await reader.readexactly(length)
            if turn == 1:
                if reset:  # RST instead of FIN
                    writer.get_extra_info("socket").setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                break  # the close crosses the request
            writer.write(answer)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1/x"
    try:
        for _ in range(3):
            answer_json = await transport.send_json(transport.UpstreamRequest("POST", url, body={"q": 1}))
            assert answer_json == {"n": 1}
        # Each connection's second request met the hang-up and was sent again, once, on a new one.
        assert connections == 3
    finally:
        await transport.close()
        server.close()
        await server.wait_closed()


# --- the same answer reads the same in every provider (loopback) -----------------------------------


@pytest.fixture(scope="module")
def answering():
    """An upstream that answers every path with `state["reply"]`: (status, JSON body)."""
    state: dict = {"reply": (200, {})}

    async def any_path(request: Request) -> Response:
        status, body = state["reply"]
        return JSONResponse(body, status_code=status, headers={"retry-after": "2"})

    app = Starlette(routes=[Route("/{path:path}", any_path, methods=["POST"])])
    with serve(app) as server:
        server.state = state
        yield server


@pytest.mark.parametrize("provider", HTTP_PROVIDERS)
async def test_a_200_that_is_not_a_stream_is_a_502(answering, provider):
    answering.state["reply"] = (200, {"not": "a stream"})
    with pytest.raises(UpstreamError) as caught:
        async for _ in codec(provider).stream(
            make_turn({"input": "hi"}), deployment(provider, answering.url)
        ):
            pass
    assert caught.value.status == 502 and "not a stream" in caught.value.message


@pytest.mark.parametrize("provider", HTTP_PROVIDERS)
async def test_an_upstream_400_reads_the_same_on_create_and_stream(answering, provider):
    answering.state["reply"] = (400, {"error": {"message": "max_tokens is too large"}})
    dep, turn = deployment(provider, answering.url), make_turn({"input": "hi"})
    with pytest.raises(UpstreamError) as created:
        await codec(provider).create(turn, dep)
    with pytest.raises(UpstreamError) as streamed:
        async for _ in codec(provider).stream(turn, dep):
            pass
    assert created.value.message == streamed.value.message == "HTTP 400: max_tokens is too large"
    assert created.value.retry_after == streamed.value.retry_after == 2.0
    created.value.provider = provider  # what the router stamps
    api = created.value.to_api_error()
    assert api.status == 400 and api.message == f"provider '{provider}': HTTP 400: max_tokens is too large"


# --- errors and retries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (422, errors.UnprocessableEntityError),
        (429, errors.RateLimitError),
        (500, errors.InternalServerError),
        (502, errors.InternalServerError),
        (418, ApiError),
    ],
)
def test_an_api_error_is_its_status_subclass(status, cls):
    error = ApiError(status, "m", headers={"Retry-After": "1"})
    assert type(error) is cls and isinstance(error, ApiError)
    assert (error.status, error.message, error.headers) == (status, "m", {"Retry-After": "1"})
    assert error.body() == errors.error_body(status, "m")


def test_backoff_has_jitter_and_honours_retry_after():
    config = {
        "model_list": [{"model_name": "m", "litellm_params": {"model": "gemini/g", "api_key": "k"}}],
        "router_settings": {"retry_after": 1.0},
    }
    router = Router(parse(config))
    random.seed(7)
    waits = {router._backoff(1, UpstreamError(503, "x"), same=True) for _ in range(20)}
    assert len(waits) > 1 and all(2.0 <= w <= 3.0 for w in waits)
    assert router._backoff(1, UpstreamError(429, "x", retry_after=5.0), same=True) == 5.0


def _sse_reference(raw: bytes) -> list[Any]:
    """The SSE rules SSEFraming follows, written plainly: lines end at LF (a CR before it dropped),
    `data:` lines (one leading space dropped) join with LF, a blank line ends the event, an event
    whose data is blank is skipped, every other line is ignored."""
    events, data = [], []
    for line in (raw + b"\n\n").split(b"\n")[:-1]:
        line = line.removesuffix(b"\r")
        if line.startswith(b"data:"):
            value = line[5:]
            data.append(value[1:] if value.startswith(b" ") else value)
        elif not line and data:
            joined, data = b"\n".join(data), []
            if joined.strip():
                events.append(transport.DONE if joined.strip() == b"[DONE]" else orjson.loads(joined))
    return events


def test_sse_framing_matches_the_rules_however_the_bytes_are_cut():
    """Random streams (one or several data lines, event/id lines before or after, comments, extra
    blank lines, LF or CRLF) cut at random points parse as the plain rules say."""
    rng = random.Random(7)
    parts = [
        lambda i: b'data: {"n": %d}\n\n' % i,
        lambda i: b'event: step.delta\ndata: {"n": %d}\n\n' % i,
        lambda i: b'data:{"n": %d}\nid: %d\n\n' % (i, i),
        lambda i: b'event: x\ndata: {"n":\ndata: %d}\n\n' % i,
        lambda i: b": keep-alive\n\n",
        lambda i: b"\n",
        lambda i: b'data: {"n": %d}\r\n\r\n' % i,
        lambda i: b"event: ping\n\n",
        lambda i: b"data: \n\n",
    ]
    for _ in range(300):
        raw = b"".join(rng.choice(parts)(i) for i in range(rng.randint(1, 12))) + b"data: [DONE]\n\n"
        framing = transport.SSEFraming()
        events, at = [], 0
        while at < len(raw):
            step = rng.randint(1, 40)
            events += framing.feed(raw[at : at + step])
            at += step
        events += framing.end()
        assert [e if e is transport.DONE else framing.decode(e) for e in events] == _sse_reference(raw), raw
