"""OpenTelemetry traces: one span per create, a child span per upstream attempt, GenAI attribute
names, the client's traceparent honoured and the attempt's passed upstream; spans captured by an
in-memory exporter (and exported over OTLP/HTTP to a collector on loopback)."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from parley.config import ConfigError, parse
from parley.server import create_app
from parley.tracing import output_messages
from tests.adapter_kit import fake_fixtures
from tests.conftest import MASTER_KEY
from tests.fakes import gemini as gemini_fake
from tests.fakes.script import Reply
from tests.fakes.server import LiveServer

PROMPT = "PROMPT-CANARY-2291 about tides"
ANSWER = "ANSWER-CANARY-8843 the moon pulls the sea"
CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"


upstream, _reset_upstream = fake_fixtures(gemini_fake.make_app, "upstream")


@pytest.fixture(scope="module")
def collector():
    """An OTLP/HTTP endpoint on loopback that keeps what it is sent."""
    received: list[bytes] = []

    async def traces(request):
        received.append(await request.body())
        return Response(b"", media_type="application/x-protobuf")

    server = LiveServer(Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])).start()
    server.received = received
    yield server
    server.stop()


def traced_gateway(upstream, collector, tmp_path, **general):
    config = {
        "model_list": [
            {
                "model_name": "m",
                "litellm_params": {
                    "model": "gemini/gemini-3-flash-preview",
                    "api_base": upstream.url,
                    "api_key": "upstream-key",
                },
            }
        ],
        "router_settings": {"num_retries": 1},
        "litellm_settings": {"callbacks": ["otel"]},
        "general_settings": {
            "master_key": MASTER_KEY,
            "database_url": f"sqlite:///{tmp_path}/parley.db",
            "otel_endpoint": collector.url,
            **general,
        },
    }
    app = create_app(parse(config))
    exporter = InMemorySpanExporter()
    app.observability.tracing.provider.add_span_processor(SimpleSpanProcessor(exporter))
    return LiveServer(app).start(), exporter


def spans_when(exporter, count: int):
    deadline = time.monotonic() + 10
    while len(exporter.get_finished_spans()) < count:
        assert time.monotonic() < deadline, [s.name for s in exporter.get_finished_spans()]
        time.sleep(0.02)
    return exporter.get_finished_spans()


def test_a_retried_create_is_one_span_with_an_attempt_span_each(upstream, collector, tmp_path):
    gw, exporter = traced_gateway(upstream, collector, tmp_path)
    try:
        upstream.upstream.replies += [Reply(status=500), Reply(text=ANSWER)]
        r = httpx.post(
            f"{gw.url}/v1/interactions",
            json={"model": "m", "input": PROMPT},
            headers={"x-goog-api-key": MASTER_KEY, "traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"},
        )
        assert r.status_code == 200, r.text
        spans = spans_when(exporter, 3)
    finally:
        gw.stop()
    (request,) = [s for s in spans if s.kind.name == "SERVER"]
    attempts = sorted((s for s in spans if s.kind.name == "CLIENT"), key=lambda s: s.start_time)
    assert len(attempts) == 2
    # The client's trace is continued; the attempts are children of the request.
    assert format(request.context.trace_id, "032x") == CLIENT_TRACE
    assert format(request.parent.span_id, "016x") == CLIENT_SPAN
    assert all(a.parent.span_id == request.context.span_id for a in attempts)
    assert request.name == "chat m"
    a = request.attributes
    assert a["gen_ai.operation.name"] == "chat"
    assert a["gen_ai.provider.name"] == "gcp.gemini"
    assert a["gen_ai.request.model"] == "m"
    assert a["gen_ai.response.model"] == "gemini-3-flash-preview"
    assert a["gen_ai.usage.input_tokens"] == 11 and a["gen_ai.usage.output_tokens"] == 7
    # Neither prompts nor answers are recorded unless log_prompts, on any span.
    assert all("gen_ai.input.messages" not in s.attributes for s in spans)
    assert all("gen_ai.output.messages" not in s.attributes for s in spans)
    failed, ok = attempts
    assert failed.attributes["error.type"] == "500" and failed.status.status_code.name == "ERROR"
    assert ok.attributes["gen_ai.request.model"] == "gemini-3-flash-preview"
    assert ok.attributes["gen_ai.usage.output_tokens"] == 7
    # Each upstream call carried its own attempt's traceparent.
    sent = [req["headers"].get("traceparent") for req in upstream.upstream.requests]
    assert sent == [f"00-{CLIENT_TRACE}-{format(s.context.span_id, '016x')}-01" for s in attempts]
    assert all(PROMPT not in str(s.attributes) and ANSWER not in str(s.attributes) for s in spans)
    # The same spans went out over OTLP/HTTP (the batch is flushed at shutdown).
    assert collector.received and any(b"gen_ai.usage.input_tokens" in body for body in collector.received)
    assert not any(ANSWER.encode() in body or PROMPT.encode() in body for body in collector.received)


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_prompts_and_answers_when_log_prompts_is_on(upstream, collector, tmp_path, stream):
    gw, exporter = traced_gateway(upstream, collector, tmp_path, log_prompts=True)
    try:
        upstream.upstream.replies.append(Reply(text=ANSWER, chunk_size=5))
        r = httpx.post(
            f"{gw.url}/v1/interactions",
            json={"model": "m", "input": PROMPT, "stream": stream},
            headers={"x-goog-api-key": MASTER_KEY},
        )
        assert r.status_code == 200
        spans = spans_when(exporter, 2)
    finally:
        gw.stop()
    (request,) = [s for s in spans if s.kind.name == "SERVER"]
    assert request.attributes["gen_ai.usage.output_tokens"] == 7
    assert PROMPT in request.attributes["gen_ai.input.messages"]
    # The answer as the GenAI conventions shape it (a streamed one put back together).
    assert orjson.loads(request.attributes["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": ANSWER}], "finish_reason": "stop"}
    ]


def test_output_messages_keep_reasoning_and_tool_calls_in_order():
    steps = [
        {"type": "thought", "summary": [{"type": "text", "text": "think"}], "signature": "sig"},
        {"type": "model_output", "content": [{"type": "text", "text": "calling"}]},
        {"type": "function_call", "id": "c1", "name": "lookup", "arguments": {"q": "tides"}},
        {"type": "model_output", "content": [{"type": "image", "mime_type": "image/png", "data": "AAAA"}]},
    ]
    assert output_messages(steps, "requires_action") == [
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "content": "think"},
                {"type": "text", "content": "calling"},
                {"type": "tool_call", "id": "c1", "name": "lookup", "arguments": {"q": "tides"}},
                {"type": "image", "mime_type": "image/png"},  # what it is, never its bytes
            ],
            "finish_reason": "tool_call",
        }
    ]


def test_unknown_litellm_callbacks_are_refused(upstream):
    config = {
        "model_list": [
            {"model_name": "m", "litellm_params": {"model": "gemini/x", "api_base": upstream.url}}
        ],
        "litellm_settings": {"callbacks": ["otel", "langfuse"]},
    }
    with pytest.raises(ConfigError, match=r"litellm_settings.callbacks\[1\]"):
        create_app(parse(config))
