"""AnthropicAdapter against the fake Messages API on loopback (real HTTP, no mocks)."""

from __future__ import annotations

import base64
import copy

import anthropic
import pytest

from parley.contract import spec
from parley.errors import ApiError, UpstreamError
from parley.providers import adapter_for
from parley.providers.anthropic import REDACTED, AnthropicAdapter
from parley.providers.base import Deployment, Turn
from parley.request import with_max_tokens
from parley.wire import StepAccumulator, input_to_steps, output_text
from tests.adapter_kit import WEATHER, drain, fake_fixtures, make_turn
from tests.fakes.anthropic import AnthropicReply, make_app, signature
from tests.fakes.script import Reply
from tests.fakes.server import free_port

adapter = AnthropicAdapter()

CLOCK = {"type": "function", "name": "get_time", "description": "Current time."}
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n fake").decode()
PDF = base64.b64encode(b"%PDF-1.7 fake").decode()


fake, reset = fake_fixtures(make_app)


def deployment(fake, **kw) -> Deployment:
    return Deployment(
        model_name="claude",
        provider="anthropic",
        model="claude-sonnet-4-5",
        api_base=fake.url,
        api_key="sk-ant-test",
        **kw,
    )


def turn(request: dict, history: list | None = None) -> Turn:
    return make_turn({"model": "claude", **request}, history)


def sent(fake) -> dict:
    return fake.upstream.requests[-1]["body"]


async def create(fake, request: dict, history: list | None = None, **kw):
    outcome = await adapter.create(turn(request, history), deployment(fake, **kw))
    for step in outcome.steps:
        spec.validate("Step", step)
    spec.validate("Usage", outcome.usage)
    return outcome


async def collect(fake, request: dict, history: list | None = None, **kw):
    """All events of a stream, and the UpstreamError that ended it, if any."""
    return await drain(adapter.stream(turn(request, history), deployment(fake, **kw)))


def check_events(events: list[dict]) -> list[dict]:
    """The stream contract holds and every event is spec-valid once the engine adds its ids;
    returns the accumulated steps."""
    assert [e["event_type"] for e in events].count("interaction.completed") == 1
    assert events[-1]["event_type"] == "interaction.completed"
    acc = StepAccumulator()
    for event in events:
        event = copy.deepcopy(event)
        if event["event_type"] == "interaction.completed":
            event["interaction"].pop("upstream_id")
            event["interaction"]["id"] = "v1_parley"
            spec.validate("Usage", event["interaction"]["usage"])
        spec.validate("InteractionSSEEvent", {**event, "event_id": "evt_1"})
        acc.apply(event)
    for step in acc.steps:
        spec.validate("Step", step)
    return acc.steps


# --- text ---------------------------------------------------------------------------------------


async def test_plain_text(fake):
    fake.upstream.replies.append(Reply(text="Hi there.", usage=(14, 5)))
    outcome = await create(fake, {"input": "hello"})
    assert outcome.status == "completed"
    assert outcome.steps == [{"type": "model_output", "content": [{"type": "text", "text": "Hi there."}]}]
    assert outcome.upstream_id.startswith("msg_")
    request = fake.upstream.requests[-1]
    assert request["path"] == "/v1/messages"
    assert request["headers"]["x-api-key"] == "sk-ant-test"
    assert request["headers"]["anthropic-version"] == "2023-06-01"
    assert request["body"] == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hello"}]}],
    }


async def test_registry_and_api_base_with_v1(fake):
    assert isinstance(adapter_for("anthropic"), AnthropicAdapter)
    await create(fake, {"input": "hi"}, api_version="2026-10-21")
    assert fake.upstream.requests[-1]["headers"]["anthropic-version"] == "2026-10-21"
    dep = Deployment("claude", "anthropic", "claude-x", api_base=fake.url + "/v1/", api_key="k")
    await adapter.create(turn({"input": "hi"}), dep)
    assert fake.upstream.requests[-1]["path"] == "/v1/messages"


async def test_stream_text(fake):
    text = "Streaming, one small piece at a time."
    fake.upstream.replies.append(Reply(text=text, chunk_size=5, usage=(9, 12)))
    events, error = await collect(fake, {"input": "go"})
    assert error is None
    assert sent(fake)["stream"] is True
    assert events[0] == {
        "event_type": "step.start",
        "index": 0,
        "step": {"type": "model_output", "content": []},
    }
    deltas = events[1:-2]
    assert len(deltas) == 8 and all(e["event_type"] == "step.delta" and e["index"] == 0 for e in deltas)
    assert deltas[0]["delta"] == {"type": "text", "text": "Strea"}
    assert events[-2] == {"event_type": "step.stop", "index": 0}
    completed = events[-1]["interaction"]
    assert completed["status"] == "completed"
    assert completed["upstream_id"].startswith("msg_")
    assert completed["usage"] == {
        "total_input_tokens": 9,
        "total_output_tokens": 12,
        "total_thought_tokens": 0,
        "total_cached_tokens": 0,
        "total_tokens": 21,
    }
    assert output_text(check_events(events)) == text


# --- tools --------------------------------------------------------------------------------------


async def test_function_call_round_trip(fake):
    fake.upstream.replies.append(Reply(text="", tool_call=("get_weather", {"location": "Boston, MA"})))
    request = {
        "input": "Weather in Boston?",
        "tools": [WEATHER],
        "generation_config": {"tool_choice": "auto"},
    }
    outcome = await create(fake, request)
    assert sent(fake)["tools"] == [
        {"name": "get_weather", "input_schema": WEATHER["parameters"], "description": WEATHER["description"]}
    ]
    assert sent(fake)["tool_choice"] == {"type": "auto"}
    assert outcome.status == "requires_action"
    [call] = outcome.steps
    assert call["type"] == "function_call" and call["id"].startswith("toolu_")
    assert call["name"] == "get_weather" and call["arguments"] == {"location": "Boston, MA"}

    result = {
        "type": "function_result",
        "call_id": call["id"],
        "name": "get_weather",
        "result": {"temp_c": 7},
    }
    history = [*input_to_steps("Weather in Boston?"), call, result]
    fake.upstream.replies.append(Reply(text="7°C in Boston."))
    outcome = await create(fake, {"input": [result], "tools": [WEATHER]}, history)
    assert outcome.status == "completed" and output_text(outcome.steps) == "7°C in Boston."
    assert sent(fake)["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Boston?"}]},
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": call["id"],
                    "name": "get_weather",
                    "input": {"location": "Boston, MA"},
                }
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": '{"temp_c":7}'}],
        },
    ]


async def test_stream_function_call(fake):
    fake.upstream.replies.append(
        Reply(text="Let me check.", tool_call=("get_weather", {"location": "Boston, MA"}), chunk_size=6)
    )
    events, error = await collect(fake, {"input": "Weather?", "tools": [WEATHER]})
    assert error is None
    starts = [e for e in events if e["event_type"] == "step.start"]
    assert [s["index"] for s in starts] == [0, 1]
    call_start = starts[1]["step"]
    assert call_start["type"] == "function_call" and call_start["arguments"] == {}
    fragments = [
        e["delta"]["arguments"] for e in events if e.get("delta", {}).get("type") == "arguments_delta"
    ]
    assert len(fragments) > 1 and "".join(fragments) == '{"location":"Boston, MA"}'
    assert events[-1]["interaction"]["status"] == "requires_action"
    text, call = check_events(events)
    assert text["content"] == [{"type": "text", "text": "Let me check."}]
    assert call == {**call_start, "arguments": {"location": "Boston, MA"}}


async def test_function_result_forms(fake):
    call = {"type": "function_call", "id": "toolu_01", "name": "get_weather", "arguments": {}}
    call2 = {**call, "id": "toolu_02"}
    history = [
        *input_to_steps("Weather?"),
        call,
        call2,
        {"type": "function_result", "call_id": "toolu_01", "result": "sunny"},
        {
            "type": "function_result",
            "call_id": "toolu_02",
            "is_error": True,
            "result": [
                {"type": "text", "text": "radar:"},
                {"type": "image", "data": PNG, "mime_type": "image/png"},
            ],
        },
        {"type": "user_input", "content": [{"type": "text", "text": "and?"}]},
    ]
    await create(fake, {"tools": [WEATHER]}, history)
    assert sent(fake)["messages"][2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_01", "content": "sunny"},
            {
                "type": "tool_result",
                "tool_use_id": "toolu_02",
                "is_error": True,
                "content": [
                    {"type": "text", "text": "radar:"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                ],
            },
            {"type": "text", "text": "and?"},
        ],
    }


@pytest.mark.parametrize(
    ("choice", "tools", "expected"),
    [
        ("none", [WEATHER, CLOCK], {"type": "none"}),
        ("any", [WEATHER, CLOCK], {"type": "any"}),
        ("any", [WEATHER], {"type": "tool", "name": "get_weather"}),
        (
            {"allowed_tools": {"mode": "any", "tools": ["get_time"]}},
            [WEATHER, CLOCK],
            {"type": "tool", "name": "get_time"},
        ),
        ({"allowed_tools": {"mode": "auto", "tools": ["get_time"]}}, [WEATHER, CLOCK], {"type": "auto"}),
    ],
)
async def test_tool_choice(fake, choice, tools, expected):
    await create(fake, {"input": "hi", "tools": tools, "generation_config": {"tool_choice": choice}})
    assert sent(fake)["tool_choice"] == expected
    allowed = choice["allowed_tools"]["tools"] if isinstance(choice, dict) else [t["name"] for t in tools]
    assert [t["name"] for t in sent(fake)["tools"]] == allowed


async def test_tool_choice_validated_is_strict(fake):
    await create(
        fake, {"input": "hi", "tools": [WEATHER, CLOCK], "generation_config": {"tool_choice": "validated"}}
    )
    assert sent(fake)["tool_choice"] == {"type": "auto"}
    assert [t["strict"] for t in sent(fake)["tools"]] == [True, True]
    assert sent(fake)["tools"][1]["input_schema"] == {"type": "object", "properties": {}}


# --- conversation and config ----------------------------------------------------------------------


async def test_conversation_and_system_instruction(fake):
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Hi, I'm Ada."}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Hello Ada."}]},
        {"type": "model_output", "content": [{"type": "text", "text": "How can I help?"}]},
        {"type": "user_input", "content": [{"type": "text", "text": "My name?"}]},
        {
            "type": "user_input",
            "content": [{"type": "text", "text": ""}, {"type": "text", "text": "Be brief."}],
        },
    ]
    fake.upstream.replies.append(Reply(text="Ada."))
    outcome = await create(fake, {"system_instruction": "You are terse."}, history)
    assert output_text(outcome.steps) == "Ada."
    assert sent(fake)["system"] == "You are terse."
    assert sent(fake)["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Hi, I'm Ada."}]},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "Hello Ada."}, {"type": "text", "text": "How can I help?"}],
        },
        {
            "role": "user",
            "content": [{"type": "text", "text": "My name?"}, {"type": "text", "text": "Be brief."}],
        },
    ]


async def test_generation_config(fake):
    fake.upstream.replies.append(Reply(text="one, two, STOP three"))
    config = {"temperature": 0.2, "top_p": 0.9, "max_output_tokens": 300, "stop_sequences": ["STOP"]}
    outcome = await create(fake, {"input": "count", "generation_config": config, "service_tier": "standard"})
    body = sent(fake)
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.2, 0.9, 300)
    assert body["stop_sequences"] == ["STOP"] and body["service_tier"] == "standard_only"
    assert outcome.status == "completed" and output_text(outcome.steps) == "one, two, "


async def test_default_max_tokens_from_deployment(fake):
    # The engine gives every provider's request the deployment's max_tokens (its make_turn).
    await create(fake, with_max_tokens({"input": "hi"}, 1000), params={"max_tokens": 1000})
    assert sent(fake)["max_tokens"] == 1000


async def test_max_tokens_is_incomplete(fake):
    fake.upstream.replies.append(Reply(usage=(5, 50)))
    outcome = await create(fake, {"input": "long story", "generation_config": {"max_output_tokens": 20}})
    assert outcome.status == "incomplete"
    assert outcome.usage["total_output_tokens"] == 20
    fake.upstream.replies.append(Reply(usage=(5, 50)))
    events, _ = await collect(fake, {"input": "long story", "generation_config": {"max_output_tokens": 20}})
    assert events[-1]["interaction"]["status"] == "incomplete"


async def test_refusal_is_incomplete(fake):
    fake.upstream.replies.append(AnthropicReply(text="I can't", stop_reason="refusal"))
    outcome = await create(fake, {"input": "something bad"})
    assert outcome.status == "incomplete" and output_text(outcome.steps) == "I can't"


async def test_response_format_json_schema(fake):
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}, "additionalProperties": False}
    fake.upstream.replies.append(Reply(text='{"x": 1}'))
    rf = {"type": "text", "mime_type": "application/json", "schema": schema}
    outcome = await create(fake, {"input": "x?", "response_format": rf})
    assert sent(fake)["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    assert output_text(outcome.steps) == '{"x": 1}'
    await create(fake, {"input": "x?", "response_format": [rf]})
    assert sent(fake)["output_config"]["format"]["schema"] == schema
    await create(fake, {"input": "x?", "response_mime_type": "application/json", "response_format": schema})
    assert sent(fake)["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    await create(fake, {"input": "x?", "response_format": {"type": "text", "mime_type": "text/plain"}})
    assert "output_config" not in sent(fake)


# --- thinking -----------------------------------------------------------------------------------


async def test_thinking_out_and_replayed_before_tool_use(fake):
    fake.upstream.replies.append(
        AnthropicReply(
            text="",
            thought="Need the weather tool.",
            tool_call=("get_weather", {"location": "Oslo"}),
            thinking_tokens=9,
        )
    )
    request = {"input": "Oslo weather?", "tools": [WEATHER], "generation_config": {"thinking_level": "low"}}
    outcome = await create(fake, request)
    assert sent(fake)["thinking"] == {"type": "enabled", "budget_tokens": 4096}
    assert sent(fake)["max_tokens"] == 8192 + 4096
    thought, call = outcome.steps
    assert thought == {
        "type": "thought",
        "signature": signature("Need the weather tool."),
        "summary": [{"type": "text", "text": "Need the weather tool."}],
    }
    assert outcome.status == "requires_action"
    assert outcome.usage["total_thought_tokens"] == 9 and outcome.usage["total_output_tokens"] == 7

    result = {"type": "function_result", "call_id": call["id"], "result": "rain"}
    history = [*input_to_steps("Oslo weather?"), thought, call, result]
    fake.upstream.replies.append(Reply(text="Rain in Oslo."))
    outcome = await create(fake, {**request, "input": [result]}, history)
    assert outcome.status == "completed"  # the fake verified the replayed signature
    assert sent(fake)["messages"][1]["content"][0] == {
        "type": "thinking",
        "thinking": "Need the weather tool.",
        "signature": thought["signature"],
    }


async def test_thinking_budget_limits(fake):
    await create(
        fake, {"input": "hi", "generation_config": {"thinking_level": "xhigh", "max_output_tokens": 4000}}
    )
    assert sent(fake)["thinking"] == {"type": "enabled", "budget_tokens": 3999}
    config = {"thinking_level": "minimal", "thinking_summaries": "none"}
    await create(fake, {"input": "hi", "generation_config": config})
    assert sent(fake)["thinking"] == {"type": "enabled", "budget_tokens": 1024, "display": "omitted"}
    with pytest.raises(ApiError) as info:
        await create(
            fake, {"input": "hi", "generation_config": {"thinking_level": "low", "max_output_tokens": 1000}}
        )
    assert info.value.status == 400


async def test_stream_thinking(fake):
    fake.upstream.replies.append(AnthropicReply(text="42.", thought="Six times seven.", chunk_size=4))
    events, error = await collect(fake, {"input": "6*7?", "generation_config": {"thinking_level": "medium"}})
    assert error is None
    assert events[0] == {"event_type": "step.start", "index": 0, "step": {"type": "thought"}}
    kinds = [e["delta"]["type"] for e in events if e["event_type"] == "step.delta" and e["index"] == 0]
    assert kinds == ["thought_summary"] * 4 + ["thought_signature"]
    thought, answer = check_events(events)
    assert "".join(part["text"] for part in thought["summary"]) == "Six times seven."
    assert thought["signature"] == signature("Six times seven.")
    assert answer == {"type": "model_output", "content": [{"type": "text", "text": "42."}]}
    # The summary arrived in pieces; replayed, it is the signed text again (the fake verifies it).
    await create(
        fake, {"generation_config": {"thinking_level": "medium"}}, [*input_to_steps("6*7?"), thought, answer]
    )
    assert sent(fake)["messages"][1]["content"][0]["thinking"] == "Six times seven."


async def test_redacted_thinking_round_trip(fake):
    fake.upstream.replies.append(AnthropicReply(text="Done.", thought="secret", redacted=True))
    outcome = await create(fake, {"input": "hi", "generation_config": {"thinking_level": "low"}})
    thought = outcome.steps[0]
    assert thought["signature"].startswith(REDACTED) and "summary" not in thought
    fake.upstream.replies.append(AnthropicReply(text="Done.", thought="secret", redacted=True))
    events, _ = await collect(fake, {"input": "hi", "generation_config": {"thinking_level": "low"}})
    assert check_events(events)[0]["signature"].startswith(REDACTED)
    history = [*input_to_steps("hi"), *outcome.steps, *input_to_steps("again")]
    await create(fake, {}, history)
    data = thought["signature"].removeprefix(REDACTED)
    assert sent(fake)["messages"][1]["content"][0] == {"type": "redacted_thinking", "data": data}


async def test_unsigned_thoughts_are_not_replayed(fake):
    history = [
        *input_to_steps("hi"),
        {"type": "thought", "summary": [{"type": "text", "text": "another provider's musing"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Hello."}]},
        *input_to_steps("again"),
    ]
    await create(fake, {}, history)
    assert sent(fake)["messages"][1] == {"role": "assistant", "content": [{"type": "text", "text": "Hello."}]}


# --- media --------------------------------------------------------------------------------------


async def test_image_and_document_input(fake):
    text_doc = base64.b64encode(b"plain notes").decode()
    content = [
        {"type": "text", "text": "Compare these."},
        {"type": "image", "data": PNG, "mime_type": "image/png"},
        {"type": "image", "uri": "https://example.com/cat.jpg", "mime_type": "image/jpeg"},
        {"type": "document", "data": PDF, "mime_type": "application/pdf"},
        {"type": "document", "uri": "https://example.com/paper.pdf"},
        {"type": "document", "data": text_doc, "mime_type": "text/plain"},
    ]
    await create(fake, {"input": content})
    assert sent(fake)["messages"][0]["content"][1:] == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": PDF}},
        {"type": "document", "source": {"type": "url", "url": "https://example.com/paper.pdf"}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain notes"}},
    ]


async def test_usage_with_cache(fake):
    fake.upstream.replies.append(
        AnthropicReply(usage=(10, 20), cache_read=100, cache_creation=30, thinking_tokens=5)
    )
    outcome = await create(fake, {"input": "hi"})
    assert outcome.usage == {
        "total_input_tokens": 140,
        "total_output_tokens": 20,
        "total_thought_tokens": 5,
        "total_cached_tokens": 100,
        "total_tokens": 165,
    }
    fake.upstream.replies.append(
        AnthropicReply(usage=(10, 20), cache_read=100, cache_creation=30, thinking_tokens=5)
    )
    events, _ = await collect(fake, {"input": "hi"})
    assert events[-1]["interaction"]["usage"] == outcome.usage


# --- failures -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "retry_after"), [(400, None), (429, 7.0), (500, None), (529, None)])
async def test_upstream_errors(fake, status, retry_after):
    for stream in (False, True):
        fake.upstream.replies.append(
            Reply(status=status, error_message=f"boom {status}", retry_after=retry_after)
        )
        if stream:
            events, error = await collect(fake, {"input": "hi"})
            assert events == []
        else:
            with pytest.raises(UpstreamError) as info:
                await create(fake, {"input": "hi"})
            error = info.value
        assert error.status == status and f"boom {status}" in error.message
        assert error.retry_after == retry_after
        assert error.retryable == (status != 400)


async def test_invalid_request_surfaces_upstream_message(fake):
    call = {"type": "function_call", "id": "toolu_9", "name": "get_weather", "arguments": {}}
    with pytest.raises(UpstreamError) as info:
        await create(fake, {"tools": [WEATHER]}, [*input_to_steps("hi"), call, *input_to_steps("no result")])
    assert info.value.status == 400 and "without `tool_result` blocks" in info.value.message


async def test_stream_cut_mid_way(fake):
    fake.upstream.replies.append(
        Reply(text="This answer never finishes properly.", chunk_size=4, cut_after=5)
    )
    events, error = await collect(fake, {"input": "hi"})
    assert error is not None and error.retryable
    assert events and all(e["event_type"] != "interaction.completed" for e in events)


async def test_stream_error_event(fake):
    fake.upstream.replies.append(AnthropicReply(text="partial answer", chunk_size=3, error_event_after=4))
    events, error = await collect(fake, {"input": "hi"})
    assert error.status == 529 and "Overloaded" in error.message
    assert all(e["event_type"] != "interaction.completed" for e in events)


async def test_timeout_and_connection_refused(fake):
    fake.upstream.replies.append(Reply(delay=1.0))
    with pytest.raises(UpstreamError) as info:
        await create(fake, {"input": "hi"}, timeout=0.2)
    assert info.value.timeout
    dead = Deployment(
        "claude", "anthropic", "claude-x", api_base=f"http://127.0.0.1:{free_port()}", api_key="k"
    )
    with pytest.raises(UpstreamError) as info:
        await adapter.create(turn({"input": "hi"}), dead)
    assert info.value.status == 0
    with pytest.raises(UpstreamError):
        async for _ in adapter.stream(turn({"input": "hi"}), dead):
            pass


@pytest.mark.parametrize(
    "request_",
    [
        {"generation_config": {"seed": 7}},
        {"tools": [{"type": "google_search"}]},
        {"tools": [WEATHER, {"type": "code_execution"}]},
        {"input": [{"type": "audio", "data": "AAAA", "mime_type": "audio/wav"}]},
        {"input": [{"type": "video", "uri": "https://example.com/v.mp4"}]},
        {"input": [{"type": "image", "data": PNG, "mime_type": "image/heic"}]},
        {"input": [{"type": "image", "data": PNG, "mime_type": "image/png", "resolution": "high"}]},
        {"input": [{"type": "document", "data": PDF, "mime_type": "text/csv"}]},
        {"response_modalities": ["text", "image"]},
        {"response_format": {"type": "image"}},
        {"response_format": {"type": "text", "mime_type": "application/json"}},
        {"safety_settings": [{"type": "harassment", "threshold": "block_none"}]},
        {"service_tier": "flex"},
        {"generation_config": {"speech_config": [{"voice": "Kore"}]}},
    ],
)
async def test_unsupported_features_are_400(fake, request_):
    request = {"input": "hi", **request_}
    with pytest.raises(ApiError) as info:
        await adapter.create(turn(request), deployment(fake))
    assert info.value.status == 400 and info.value.code == "unsupported"
    with pytest.raises(ApiError):
        async for _ in adapter.stream(turn(request), deployment(fake)):
            pass
    assert fake.upstream.requests == []


async def test_unsupported_history_steps(fake):
    history = [
        *input_to_steps("hi"),
        {"type": "google_search_call", "id": "g1", "arguments": {"queries": ["x"]}},
    ]
    with pytest.raises(ApiError) as info:
        await adapter.create(turn({}, history), deployment(fake))
    assert info.value.code == "unsupported"


# --- the fake speaks the real format --------------------------------------------------------------


def test_fake_parses_with_official_sdk(fake):
    client = anthropic.Anthropic(base_url=fake.url, api_key="sk-ant-test", max_retries=0)
    fake.upstream.replies.append(AnthropicReply(text="Hi.", thought="Greet.", thinking_tokens=3))
    message = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=2048,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "hello"}],
    )
    assert [block.type for block in message.content] == ["thinking", "text"]
    assert message.stop_reason == "end_turn" and message.usage.output_tokens_details.thinking_tokens == 3

    fake.upstream.replies.append(Reply(text="Let me look.", tool_call=("get_weather", {"location": "Oslo"})))
    with client.messages.stream(
        model="claude-sonnet-4-5",
        max_tokens=256,
        messages=[{"role": "user", "content": "Oslo?"}],
        tools=[{"name": "get_weather", "input_schema": WEATHER["parameters"]}],
    ) as stream:
        kinds = {event.type for event in stream}
        final = stream.get_final_message()
    assert {"message_start", "content_block_start", "content_block_delta", "message_delta"} <= kinds
    assert final.content[0].text == "Let me look." and final.content[1].input == {"location": "Oslo"}
    assert final.stop_reason == "tool_use"

    fake.upstream.replies.append(Reply(status=429, error_message="slow down", retry_after=3))
    with pytest.raises(anthropic.RateLimitError) as info:
        client.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert info.value.body["error"] == {"type": "rate_limit_error", "message": "slow down"}
    assert info.value.response.headers["retry-after"] == "3"
