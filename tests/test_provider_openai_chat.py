"""ChatCompletionsAdapter against the fake Chat Completions server on loopback (real HTTP, no mocks)."""

from __future__ import annotations

import copy

import openai
import orjson
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from parley import wire
from parley.contract import spec
from parley.errors import ApiError, UpstreamError
from parley.providers import adapter_for
from parley.providers.base import Deployment, Turn
from parley.providers.openai_chat import ChatCompletionsAdapter, _outcome, _StreamSteps
from parley.wire import StepAccumulator, input_to_steps, output_text
from tests.adapter_kit import WEATHER, as_event, drain, fake_fixtures, make_turn
from tests.fakes.openai_chat import make_app
from tests.fakes.script import Reply, chunks
from tests.fakes.server import free_port, serve

adapter = ChatCompletionsAdapter()

CHAT_WEATHER = {
    "type": "function",
    "function": {k: WEATHER[k] for k in ("name", "description", "parameters")},
}
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAcCBlCwAAAABJRU5ErkJggg=="


fake, reset = fake_fixtures(make_app)


def deployment(fake, **kw) -> Deployment:
    fields = {
        "model_name": "qwen",
        "provider": "openai_chat",
        "model": "qwen3-8b",
        "api_base": fake.url + "/v1",
        "api_key": "sk-upstream",
        **kw,
    }
    return Deployment(**fields)


def turn(request: dict, history: list | None = None) -> Turn:
    return make_turn({"model": "qwen", **request}, history)


def sent(fake) -> dict:
    return fake.upstream.requests[-1]["body"]


async def collect(t: Turn, dep: Deployment) -> tuple[list[dict], UpstreamError | None]:
    return await drain(adapter.stream(t, dep))


def check_steps(steps: list[dict], usage: dict) -> None:
    for step in steps:
        spec.validate("Step", step)
    spec.validate("Usage", usage)


def check_stream(events: list[dict]) -> list[dict]:
    """The adapter keeps the stream contract, and once the engine adds what it owns (created event,
    ids), the whole stream is spec-valid with well-ordered steps. Returns the accumulated steps."""
    assert [e["event_type"] for e in events].count("interaction.completed") == 1
    assert events[-1]["event_type"] == "interaction.completed"
    assert {e["event_type"] for e in events[:-1]} <= {"step.start", "step.delta", "step.stop"}
    assert set(events[-1]["interaction"]) <= {"status", "usage", "upstream_id"}
    framed = [{"event_type": "interaction.created", "interaction": {"id": "v1_p", "status": "in_progress"}}]
    framed += copy.deepcopy(events)
    framed[-1]["interaction"].pop("upstream_id", None)
    framed[-1]["interaction"]["id"] = "v1_p"
    body = b"".join(wire.sse({**e, "event_id": f"evt_{n}"}) for n, e in enumerate(framed)) + wire.SSE_DONE
    spec.assert_stream_valid(body.decode())
    acc = StepAccumulator()
    for event in events:
        acc.apply(event)
    check_steps(acc.steps, events[-1]["interaction"]["usage"])
    return acc.steps


# --- the fake speaks the real format --------------------------------------------------------------


def test_fake_speaks_chat_completions_to_the_official_sdk(fake):
    client = openai.OpenAI(base_url=fake.url + "/v1", api_key="sk-upstream", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": "hi"}]
    )
    assert ChatCompletion.model_validate(raw.http_response.json()).choices[0].message.content == Reply().text
    fake.upstream.replies.append(Reply(thought="Hmm.", tool_call=("get_weather", {"location": "Oslo"})))
    stream = client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    parsed = [ChatCompletionChunk.model_validate(chunk.to_dict()) for chunk in stream]
    assert parsed[-2].choices[0].finish_reason == "tool_calls" and parsed[-1].usage.prompt_tokens == 11
    fake.upstream.replies.append(Reply(status=429, retry_after=3))
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="m", messages=[])
    assert caught.value.body["code"] == "rate_limit_exceeded"


# --- text -----------------------------------------------------------------------------------------


async def test_plain_create(fake):
    fake.upstream.replies.append(Reply(text="Hi there.", usage=(14, 13)))
    outcome = await adapter.create(turn({"input": "hello"}), deployment(fake))
    request = fake.upstream.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer sk-upstream"
    assert request["body"] == {"model": "qwen3-8b", "messages": [{"role": "user", "content": "hello"}]}
    assert outcome.steps == [{"type": "model_output", "content": [{"type": "text", "text": "Hi there."}]}]
    assert outcome.status == "completed"
    assert outcome.upstream_id == "chatcmpl-1"
    assert outcome.usage == {
        "total_input_tokens": 14,
        "total_output_tokens": 13,
        "total_thought_tokens": 0,
        "total_cached_tokens": 7,
        "total_tokens": 27,
    }
    check_steps(outcome.steps, outcome.usage)


async def test_stream_text(fake):
    text = "I'd tell you a UDP joke, but you might not get it."
    fake.upstream.replies.append(Reply(text=text, chunk_size=6, usage=(14, 13)))
    events, error = await collect(turn({"input": "joke"}), deployment(fake))
    assert error is None
    request = fake.upstream.requests[-1]
    assert request["body"]["stream"] is True and request["body"]["stream_options"] == {"include_usage": True}
    assert request["headers"]["accept"] == "text/event-stream"
    assert events[0] == {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}}
    assert [e["delta"]["text"] for e in events if e["event_type"] == "step.delta"] == chunks(text, 6)
    assert events[-2:] == [
        {"event_type": "step.stop", "index": 0},
        {
            "event_type": "interaction.completed",
            "interaction": {
                "status": "completed",
                "usage": {
                    "total_input_tokens": 14,
                    "total_output_tokens": 13,
                    "total_thought_tokens": 0,
                    "total_cached_tokens": 7,
                    "total_tokens": 27,
                },
                "upstream_id": "chatcmpl-1",
            },
        },
    ]
    assert output_text(check_stream(events)) == text


@pytest.mark.parametrize(("finish", "status"), [("length", "incomplete"), ("content_filter", "incomplete")])
def test_cut_short_is_incomplete(finish, status):
    message = {"role": "assistant", "content": "Once upon"}
    assert (
        _outcome({"choices": [{"index": 0, "message": message, "finish_reason": finish}]}, True).status
        == status
    )
    steps = _StreamSteps(summaries=True)
    events = [
        *steps.feed({"choices": [{"index": 0, "delta": {"content": "Once upon"}, "finish_reason": finish}]})
    ]
    events.append(as_event(steps.end()))
    assert check_stream(events) and events[-1]["interaction"]["status"] == status


# --- conversation -----------------------------------------------------------------------------------


async def test_system_instruction_and_conversation(fake):
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Hi, I'm Ada."}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Hello Ada!"}]},
        {
            "type": "user_input",
            "content": [{"type": "text", "text": "Two"}, {"type": "text", "text": "parts"}],
        },
        {
            "type": "model_output",
            "content": [{"type": "text", "text": "Got "}, {"type": "text", "text": "both."}],
        },
        {"type": "user_input", "content": [{"type": "text", "text": "What's my name?"}]},
    ]
    await adapter.create(turn({"system_instruction": "Be brief."}, history), deployment(fake))
    assert sent(fake)["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi, I'm Ada."},
        {"role": "assistant", "content": "Hello Ada!"},
        {"role": "user", "content": [{"type": "text", "text": "Two"}, {"type": "text", "text": "parts"}]},
        {"role": "assistant", "content": "Got both."},
        {"role": "user", "content": "What's my name?"},
    ]


async def test_generation_config(fake):
    config = {
        "temperature": 0.2,
        "top_p": 0.9,
        "seed": 7,
        "stop_sequences": ["\n\n"],
        "max_output_tokens": 64,
        "thinking_level": "low",
        "thinking_summaries": "auto",
    }
    await adapter.create(
        turn({"input": "hi", "generation_config": config, "service_tier": "flex"}), deployment(fake)
    )
    body = sent(fake)
    assert {k: v for k, v in body.items() if k not in ("model", "messages")} == {
        "temperature": 0.2,
        "top_p": 0.9,
        "seed": 7,
        "stop": ["\n\n"],
        "max_tokens": 64,
        "reasoning_effort": "low",
        "service_tier": "flex",
    }


def test_openai_itself_gets_max_completion_tokens_and_no_reasoning():
    history = [
        *input_to_steps("Weather?"),
        {"type": "thought", "summary": [{"type": "text", "text": "hm"}]},
        {"type": "function_call", "id": "c", "name": "get_weather", "arguments": {}},
        {"type": "function_result", "call_id": "c", "result": "cold"},
    ]
    openai_dep = Deployment(model_name="g", provider="openai_chat", model="gpt-4.1")
    body = adapter.body(turn({"generation_config": {"max_output_tokens": 9}}, history), openai_dep)
    assert adapter.url(openai_dep) == "https://api.openai.com/v1/chat/completions"
    assert body["max_completion_tokens"] == 9 and "max_tokens" not in body
    assert "reasoning_content" not in body["messages"][1]


# --- tools ----------------------------------------------------------------------------------------


async def test_function_call_round_trip(fake):
    dep = deployment(fake)
    first = {"input": "Weather in Boston?", "tools": [WEATHER], "generation_config": {"tool_choice": "auto"}}
    fake.upstream.replies.append(
        Reply(text="", tool_call=("get_weather", {"location": "Boston, MA"}), chunk_size=5)
    )
    events, error = await collect(turn(first), dep)
    assert error is None
    assert sent(fake)["tools"] == [CHAT_WEATHER] and sent(fake)["tool_choice"] == "auto"
    steps = check_stream(events)
    call = {
        "type": "function_call",
        "id": "call_1",
        "name": "get_weather",
        "arguments": {"location": "Boston, MA"},
    }
    assert steps == [call]
    assert events[0]["step"] == {**call, "arguments": {}}
    assert [e["delta"]["arguments"] for e in events if e["event_type"] == "step.delta"] == chunks(
        '{"location":"Boston, MA"}', 5
    )
    assert events[-1]["interaction"]["status"] == "requires_action"

    result = {"type": "function_result", "call_id": "call_1", "name": "get_weather", "result": {"temp_c": 7}}
    history = [*input_to_steps("Weather in Boston?"), call, result]
    fake.upstream.replies.append(Reply(text="7°C in Boston."))
    outcome = await adapter.create(turn({"tools": [WEATHER]}, history), dep)
    assert sent(fake)["messages"][1:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"location":"Boston, MA"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c":7}'},
    ]
    assert outcome.status == "completed" and output_text(outcome.steps) == "7°C in Boston."


async def test_create_function_call(fake):
    fake.upstream.replies.append(Reply(text="Let me check.", tool_call=("get_weather", {"location": "Oslo"})))
    outcome = await adapter.create(turn({"input": "Weather?", "tools": [WEATHER]}), deployment(fake))
    assert outcome.status == "requires_action"
    assert outcome.steps == [
        {"type": "model_output", "content": [{"type": "text", "text": "Let me check."}]},
        {"type": "function_call", "id": "call_1", "name": "get_weather", "arguments": {"location": "Oslo"}},
    ]
    check_steps(outcome.steps, outcome.usage)


@pytest.mark.parametrize(
    ("result", "is_error", "content"),
    [
        ("sunny", False, "sunny"),
        ({"temp_c": 7}, False, '{"temp_c":7}'),
        ([{"type": "text", "text": "line 1"}, {"type": "text", "text": "line 2"}], False, "line 1\nline 2"),
        ("city not found", True, '{"error":"city not found"}'),
    ],
)
async def test_function_result_forms(fake, result, is_error, content):
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Weather?"}]},
        {"type": "function_call", "id": "c1", "name": "get_weather", "arguments": {}},
        {"type": "function_result", "call_id": "c1", "result": result, "is_error": is_error},
    ]
    await adapter.create(turn({"tools": [WEATHER]}, history), deployment(fake))
    assert sent(fake)["messages"][-1] == {"role": "tool", "tool_call_id": "c1", "content": content}


async def test_parallel_calls_and_text_in_one_assistant_message(fake):
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Oslo and Rome?"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Checking both."}]},
        {"type": "function_call", "id": "a", "name": "get_weather", "arguments": {"location": "Oslo"}},
        {"type": "function_call", "id": "b", "name": "get_weather", "arguments": {"location": "Rome"}},
        {"type": "function_result", "call_id": "a", "result": "cold"},
        {"type": "function_result", "call_id": "b", "result": "warm"},
    ]
    await adapter.create(turn({"tools": [WEATHER]}, history), deployment(fake))
    messages = sent(fake)["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "tool"]
    assert messages[1]["content"] == "Checking both."
    assert [c["id"] for c in messages[1]["tool_calls"]] == ["a", "b"]


def test_interleaved_stream_tool_calls_become_separate_steps():
    """Parallel calls stream as indexed fragments, possibly interleaved; each is its own step."""

    def call(index, **fields):
        return {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": index, **fields}]}}]}

    steps = _StreamSteps(summaries=True)
    events = []
    for chunk in [
        {"choices": [{"index": 0, "delta": {"content": "Both."}}]},
        call(0, id="a", type="function", function={"name": "f", "arguments": '{"x":'}),
        call(1, id="b", type="function", function={"name": "g", "arguments": ""}),
        call(0, function={"arguments": "1}"}),
        call(1, function={"arguments": "{}"}),
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]:
        events += steps.feed(chunk)
    events.append(as_event(steps.end()))
    accumulated = check_stream(events)
    assert accumulated == [
        {"type": "model_output", "content": [{"type": "text", "text": "Both."}]},
        {"type": "function_call", "id": "a", "name": "f", "arguments": {"x": 1}},
        {"type": "function_call", "id": "b", "name": "g", "arguments": {}},
    ]
    assert events[-1]["interaction"]["status"] == "requires_action"


@pytest.mark.parametrize(
    ("choice", "expected", "offered"),
    [
        ("auto", "auto", ["get_weather", "get_time"]),
        ("none", "none", ["get_weather", "get_time"]),
        ("any", "required", ["get_weather", "get_time"]),
        (
            {"allowed_tools": {"mode": "any", "tools": ["get_time"]}},
            {"type": "function", "function": {"name": "get_time"}},
            ["get_time"],
        ),
        ({"allowed_tools": {"mode": "auto", "tools": ["get_time"]}}, "auto", ["get_time"]),
    ],
)
async def test_tool_choice(fake, choice, expected, offered):
    tools = [WEATHER, {"type": "function", "name": "get_time", "parameters": {"type": "object"}}]
    await adapter.create(
        turn({"input": "hi", "tools": tools, "generation_config": {"tool_choice": choice}}), deployment(fake)
    )
    assert sent(fake)["tool_choice"] == expected
    assert [t["function"]["name"] for t in sent(fake)["tools"]] == offered


async def test_validated_tool_choice_is_auto_with_strict_schemas(fake):
    await adapter.create(
        turn({"input": "hi", "tools": [WEATHER], "generation_config": {"tool_choice": "validated"}}),
        deployment(fake),
    )
    assert sent(fake)["tool_choice"] == "auto"
    assert sent(fake)["tools"][0]["function"]["strict"] is True


async def test_allowed_tools_must_be_declared(fake):
    choice = {"allowed_tools": {"mode": "any", "tools": ["launch_rocket"]}}
    with pytest.raises(ApiError) as caught:
        await adapter.create(
            turn({"input": "hi", "tools": [WEATHER], "generation_config": {"tool_choice": choice}}),
            deployment(fake),
        )
    assert caught.value.status == 400 and "launch_rocket" in caught.value.message


# --- structured output ------------------------------------------------------------------------------

SCHEMA = {"title": "Recipe list", "type": "object", "properties": {"names": {"type": "array"}}}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"response_format": {"type": "text", "mime_type": "application/json", "schema": SCHEMA}},
            {
                "type": "json_schema",
                "json_schema": {"name": "Recipe_list", "schema": SCHEMA, "strict": False},
            },
        ),
        (
            {"response_mime_type": "application/json", "response_format": SCHEMA},
            {
                "type": "json_schema",
                "json_schema": {"name": "Recipe_list", "schema": SCHEMA, "strict": False},
            },
        ),
        ({"response_format": [{"type": "text", "mime_type": "application/json"}]}, {"type": "json_object"}),
        ({"response_mime_type": "application/json"}, {"type": "json_object"}),
        ({"response_format": {"type": "text", "mime_type": "text/plain"}}, None),
    ],
)
async def test_response_format(fake, fields, expected):
    await adapter.create(turn({"input": "hi", **fields}), deployment(fake))
    assert sent(fake).get("response_format") == expected


# --- reasoning --------------------------------------------------------------------------------------


async def test_thought_out_create_and_stream(fake):
    reply = Reply(text="42.", thought="Six times seven is forty-two.", chunk_size=10, usage=(20, 3))
    usage = {
        "total_input_tokens": 20,
        "total_output_tokens": 3,
        "total_thought_tokens": 5,
        "total_cached_tokens": 10,
        "total_tokens": 28,
    }
    fake.upstream.replies.append(reply)
    outcome = await adapter.create(turn({"input": "6*7?"}), deployment(fake))
    thought = {"type": "thought", "summary": [{"type": "text", "text": "Six times seven is forty-two."}]}
    assert outcome.steps == [thought, {"type": "model_output", "content": [{"type": "text", "text": "42."}]}]
    assert outcome.usage == usage

    fake.upstream.replies.append(reply)
    events, _ = await collect(turn({"input": "6*7?"}), deployment(fake))
    steps = check_stream(events)
    assert events[0] == {"event_type": "step.start", "index": 0, "step": {"type": "thought"}}
    assert events[1]["delta"] == {
        "type": "thought_summary",
        "content": {"type": "text", "text": "Six times "},
    }
    assert "".join(b["text"] for b in steps[0]["summary"]) == "Six times seven is forty-two."
    assert steps[1] == outcome.steps[1] and events[-1]["interaction"]["usage"] == usage


async def test_thinking_summaries_none_hides_reasoning(fake):
    request = {"input": "6*7?", "generation_config": {"thinking_summaries": "none"}}
    fake.upstream.replies.append(Reply(text="42.", thought="Six times seven."))
    outcome = await adapter.create(turn(request), deployment(fake))
    assert [s["type"] for s in outcome.steps] == ["model_output"]
    assert outcome.usage["total_thought_tokens"] == 3  # still counted: the upstream spent them
    fake.upstream.replies.append(Reply(text="42.", thought="Six times seven."))
    events, _ = await collect(turn(request), deployment(fake))
    assert [s["type"] for s in check_stream(events)] == ["model_output"]


async def test_thought_replayed_within_the_current_turn_only(fake):
    def thought(text):
        return {"type": "thought", "signature": "b3BhcXVl", "summary": [{"type": "text", "text": text}]}

    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Hi"}]},
        thought("old reasoning"),
        {"type": "model_output", "content": [{"type": "text", "text": "Hello."}]},
        {"type": "user_input", "content": [{"type": "text", "text": "Weather?"}]},
        thought("need the tool"),
        {"type": "function_call", "id": "c1", "name": "get_weather", "arguments": {"location": "Oslo"}},
        {"type": "function_result", "call_id": "c1", "result": "cold"},
    ]
    await adapter.create(turn({"tools": [WEATHER]}, history), deployment(fake))
    assistants = [m for m in sent(fake)["messages"] if m["role"] == "assistant"]
    assert assistants[0] == {"role": "assistant", "content": "Hello."}
    assert assistants[1]["reasoning_content"] == "need the tool"


# --- media ------------------------------------------------------------------------------------------


async def test_media_input(fake):
    content = [
        {"type": "text", "text": "Compare these."},
        {"type": "image", "data": PNG, "mime_type": "image/png", "resolution": "low"},
        {"type": "image", "uri": "https://example.com/cat.jpg", "mime_type": "image/jpeg"},
        {"type": "audio", "data": "UklGRg==", "mime_type": "audio/wav"},
        {"type": "document", "data": "JVBERi0=", "mime_type": "application/pdf"},
    ]
    await adapter.create(turn({"input": content}), deployment(fake))
    assert sent(fake)["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Compare these."},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "low"}},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                {
                    "type": "file",
                    "file": {"filename": "document.pdf", "file_data": "data:application/pdf;base64,JVBERi0="},
                },
            ],
        }
    ]


# --- unsupported --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "feature"),
    [
        ({"tools": [{"type": "google_search"}]}, "'google_search' tools"),
        ({"input": [{"type": "video", "uri": "gs://b/v.mp4", "mime_type": "video/mp4"}]}, "video input"),
        ({"input": [{"type": "audio", "uri": "gs://b/a.ogg", "mime_type": "audio/ogg"}]}, "audio input"),
        ({"response_modalities": ["image"]}, "response_modalities"),
        ({"response_format": {"type": "image"}}, "image output"),
        ({"response_format": {"type": "text", "mime_type": "text/x.enum"}}, "mime_type 'text/x.enum'"),
        ({"generation_config": {"speech_config": [{"voice": "Kore"}]}}, "generation_config.speech_config"),
        ({"safety_settings": [{"type": "harassment", "threshold": "block_none"}]}, "safety_settings"),
        ({"service_tier": "deferred"}, "deferred"),
        (
            {"input": [{"type": "google_search_call", "id": "s", "arguments": {}}]},
            "'google_search_call' steps",
        ),
        (
            {
                "input": [
                    {"type": "function_result", "call_id": "c", "result": [{"type": "image", "data": PNG}]}
                ]
            },
            "image content in function results",
        ),
        (
            {"input": [{"type": "model_output", "content": [{"type": "image", "data": PNG}]}]},
            "image content in model turns",
        ),
    ],
)
async def test_unsupported_is_a_clear_400(fake, fields, feature):
    with pytest.raises(ApiError) as caught:
        await adapter.create(turn({"input": "hi", **fields}), deployment(fake))
    assert caught.value.status == 400 and caught.value.code == "unsupported"
    assert feature in caught.value.message and "openai_chat" in caught.value.message
    with pytest.raises(ApiError):
        await anext(adapter.stream(turn({"input": "hi", **fields}), deployment(fake)))
    assert fake.upstream.requests == []


# --- failures -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "retry_after"), [(400, None), (429, 7.0), (500, None)])
async def test_upstream_errors(fake, status, retry_after):
    reply = Reply(status=status, error_message=f"boom {status}", retry_after=retry_after)
    fake.upstream.replies.append(reply)
    with pytest.raises(UpstreamError) as caught:
        await adapter.create(turn({"input": "hi"}), deployment(fake))
    assert (caught.value.status, caught.value.retry_after) == (status, retry_after)
    assert f"boom {status}" in caught.value.message
    fake.upstream.replies.append(reply)
    events, error = await collect(turn({"input": "hi"}), deployment(fake))
    assert events == [] and (error.status, error.retry_after) == (status, retry_after)


async def test_missing_key_is_the_upstreams_401(fake):
    with pytest.raises(UpstreamError) as caught:
        await adapter.create(turn({"input": "hi"}), deployment(fake, api_key=None))
    assert caught.value.status == 401 and "API key" in caught.value.message
    assert "authorization" not in fake.upstream.requests[-1]["headers"]


async def test_stream_cut_midway(fake):
    fake.upstream.replies.append(Reply(text="a long answer that never finishes", chunk_size=4, cut_after=4))
    events, error = await collect(turn({"input": "hi"}), deployment(fake))
    assert error is not None and error.status == 0
    assert [e["delta"]["text"] for e in events if e["event_type"] == "step.delta"] == ["a lo", "ng a", "nswe"]
    assert "interaction.completed" not in [e["event_type"] for e in events]


async def test_stream_error_event(fake):
    fake.upstream.replies.append(Reply(status=500, error_message="model crashed", cut_after=3))
    events, error = await collect(turn({"input": "hi"}), deployment(fake))
    assert error.status == 500 and "model crashed" in error.message
    assert "interaction.completed" not in [e["event_type"] for e in events]


async def test_stream_truncated_json():
    async def broken(request):
        async def body():
            yield b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"ind\n\n'

        return StreamingResponse(body(), media_type="text/event-stream")

    with serve(Starlette(routes=[Route("/v1/chat/completions", broken, methods=["POST"])])) as server:
        events, error = await collect(turn({"input": "hi"}), deployment(server))
    assert events == [] and error.status == 502 and "invalid JSON" in error.message


async def test_stream_ending_without_finish_is_truncated():
    async def short(request):
        async def body():
            chunk = {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": "Hel"}, "finish_reason": None}],
            }
            yield b"data: " + orjson.dumps(chunk) + b"\n\n"

        return StreamingResponse(body(), media_type="text/event-stream")

    with serve(Starlette(routes=[Route("/v1/chat/completions", short, methods=["POST"])])) as server:
        events, error = await collect(turn({"input": "hi"}), deployment(server))
    assert error.status == 502 and "interaction.completed" not in [e["event_type"] for e in events]


async def test_connection_refused_and_timeout(fake):
    with pytest.raises(UpstreamError) as caught:
        await adapter.create(
            turn({"input": "hi"}), deployment(fake, api_base=f"http://127.0.0.1:{free_port()}/v1")
        )
    assert caught.value.status == 0 and caught.value.retryable
    fake.upstream.replies.append(Reply(delay=2.0))
    with pytest.raises(UpstreamError) as caught:
        await adapter.create(turn({"input": "hi"}), deployment(fake, timeout=0.3))
    assert caught.value.timeout


def test_registered_under_its_prefixes():
    assert isinstance(adapter_for("openai_chat"), ChatCompletionsAdapter)
