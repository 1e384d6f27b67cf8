"""OpenAIResponsesAdapter against the fake Responses API on loopback (real HTTP, no mocks)."""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass

import httpx
import openai
import orjson
import pydantic
import pytest
from openai.types.responses import Response, ResponseStreamEvent

from parley.contract.spec import validate
from parley.errors import ApiError, UpstreamError
from parley.providers import adapter_for
from parley.providers.base import Deployment, Turn
from parley.providers.openai_responses import OpenAIResponsesAdapter, StreamTranslator
from parley.wire import StepAccumulator, input_to_steps, output_text
from tests.adapter_kit import WEATHER, drain, fake_fixtures, make_turn
from tests.fakes.openai_responses import make_app
from tests.fakes.script import Reply, chunks

adapter = OpenAIResponsesAdapter()
STREAM_EVENT = pydantic.TypeAdapter(ResponseStreamEvent)

PIXEL = base64.b64encode(b"\x89PNG\r\n\x1a\n fake png").decode()


@dataclass
class CachedReply(Reply):
    cached_tokens: int = 0


fake, reset = fake_fixtures(make_app)


def deployment(fake, model: str = "gpt-5", **kw) -> Deployment:
    return Deployment(
        model_name="smart",
        provider="openai",
        model=model,
        api_base=fake.url + "/v1",
        api_key="sk-upstream",
        **kw,
    )


def turn(request: dict, history: list | None = None) -> Turn:
    return make_turn(request, history)


def sent(fake) -> dict:
    return fake.upstream.requests[-1]["body"]


def check_steps(steps: list[dict]) -> None:
    for step in steps:
        validate("Step", step)


def check_usage(usage: dict) -> None:
    validate("Usage", usage)
    assert (
        usage["total_tokens"]
        == usage["total_input_tokens"] + usage["total_output_tokens"] + usage["total_thought_tokens"]
    )


async def create(fake, request: dict, history: list | None = None, **dep):
    outcome = await adapter.create(turn(request, history), deployment(fake, **dep))
    check_steps(outcome.steps)
    check_usage(outcome.usage)
    return outcome


async def collect(
    fake, request: dict, history: list | None = None, **dep
) -> tuple[list[dict], UpstreamError | None]:
    """The adapter's events, each checked against the spec once the engine adds what it owns."""
    events, error = await drain(adapter.stream(turn(request, history), deployment(fake, **dep)))
    if error:
        return events, error
    for event in events:
        assert "event_id" not in event
        event = copy.deepcopy(event)
        if event["event_type"] == "interaction.completed":
            event["interaction"].pop("upstream_id")
            event["interaction"]["id"] = "v1_parley"
            check_usage(event["interaction"]["usage"])
        validate("InteractionSSEEvent", {**event, "event_id": "evt_1"})
    assert [e["event_type"] for e in events].count("interaction.completed") == 1
    assert events[-1]["event_type"] == "interaction.completed"
    return events, None


def accumulate(events: list[dict]) -> list[dict]:
    acc = StepAccumulator()
    for event in events:
        acc.apply(event)
    check_steps(acc.steps)
    return acc.steps


def kinds(events: list[dict]) -> list[tuple]:
    return [
        (e["event_type"], e.get("index"), (e.get("delta") or e.get("step") or {}).get("type")) for e in events
    ]


# -- the fake speaks OpenAI's format ----------------------------------------------------------------


def test_fake_is_understood_by_the_official_sdk(fake):
    """The official client parses the fake's JSON and stream, and the strict SDK types accept them."""
    fake.upstream.default = Reply(
        thought="Weighing the options.", tool_call=("get_weather", {"location": "Oslo"})
    )
    client = openai.OpenAI(base_url=fake.url + "/v1", api_key="sk-test", max_retries=0)
    kwargs = dict(
        model="gpt-5",
        input="Weather?",
        store=False,
        include=["reasoning.encrypted_content"],
        reasoning={"effort": "low", "summary": "auto"},
        tools=[{**WEATHER, "strict": False}],
    )
    response = client.responses.create(**kwargs)
    assert response.output_text == "Hello from the fake upstream."
    assert [item.type for item in response.output] == ["reasoning", "message", "function_call"]
    with client.responses.stream(**kwargs) as stream:
        final = stream.get_final_response()
    assert final.output[2].arguments == '{"location":"Oslo"}'
    assert final.output[0].summary[0].text == "Weighing the options."

    raw = httpx.post(
        fake.url + "/v1/responses", json={**kwargs, "input": "x"}, headers={"Authorization": "Bearer k"}
    )
    Response.model_validate(raw.json())
    with httpx.stream(
        "POST",
        fake.url + "/v1/responses",
        json={**kwargs, "stream": True},
        headers={"Authorization": "Bearer k"},
    ) as streamed:
        lines = [line for line in streamed.iter_lines() if line.startswith("data: ")]
    for line in lines:
        STREAM_EVENT.validate_python(orjson.loads(line[6:]))

    with pytest.raises(openai.RateLimitError):
        fake.upstream.replies.append(Reply(status=429, retry_after=2))
        client.responses.create(model="gpt-5", input="hi")


# -- plain text, JSON and streamed -----------------------------------------------------------------


async def test_create_plain_text(fake):
    outcome = await create(fake, {"model": "smart", "input": "Hi there"})
    assert outcome.status == "completed"
    assert outcome.steps == [
        {"type": "model_output", "content": [{"type": "text", "text": "Hello from the fake upstream."}]}
    ]
    assert outcome.upstream_id.startswith("resp_")
    request = fake.upstream.requests[-1]
    assert request["path"] == "/v1/responses"
    assert request["headers"]["authorization"] == "Bearer sk-upstream"
    assert request["body"] == {
        "model": "gpt-5",
        "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi there"}]}
        ],
        "store": False,
        "include": ["reasoning.encrypted_content"],
    }


async def test_adapter_is_registered_for_the_openai_prefix():
    assert isinstance(adapter_for("openai"), OpenAIResponsesAdapter)


async def test_stream_text(fake):
    fake.upstream.default = Reply(text="Streaming works, one chunk at a time.", chunk_size=5)
    events, error = await collect(fake, {"model": "smart", "input": "Hi"})
    assert error is None
    pieces = chunks("Streaming works, one chunk at a time.", 5)
    assert kinds(events) == [
        ("step.start", 0, "model_output"),
        *[("step.delta", 0, "text")] * len(pieces),
        ("step.stop", 0, None),
        ("interaction.completed", None, None),
    ]
    assert [e["delta"]["text"] for e in events if e["event_type"] == "step.delta"] == pieces
    assert output_text(accumulate(events)) == "Streaming works, one chunk at a time."
    final = events[-1]["interaction"]
    assert final["status"] == "completed"
    assert final["usage"] == {
        "total_input_tokens": 11,
        "total_output_tokens": 7,
        "total_thought_tokens": 0,
        "total_cached_tokens": 0,
        "total_tokens": 18,
    }
    assert final["upstream_id"].startswith("resp_")
    assert sent(fake)["stream"] is True


# -- function calling ------------------------------------------------------------------------------


async def test_function_call_round_trip(fake):
    fake.upstream.default = Reply(text="", tool_call=("get_weather", {"location": "Boston, MA"}))
    request = {
        "model": "smart",
        "input": "Weather in Boston?",
        "tools": [WEATHER],
        "generation_config": {"tool_choice": "auto"},
    }
    outcome = await create(fake, request)
    assert outcome.status == "requires_action"
    [call] = outcome.steps
    assert call["type"] == "function_call" and call["name"] == "get_weather"
    assert call["arguments"] == {"location": "Boston, MA"}
    assert call["id"].startswith("call_")
    assert sent(fake)["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "parameters": WEATHER["parameters"],
            "strict": False,
            "description": WEATHER["description"],
        }
    ]
    assert sent(fake)["tool_choice"] == "auto"

    fake.upstream.default = Reply(text="It is 7°C and raining.")
    result = {
        "type": "function_result",
        "call_id": call["id"],
        "name": "get_weather",
        "result": {"temp_c": 7, "sky": "rain"},
    }
    history = input_to_steps(request["input"]) + outcome.steps + [result]
    answer = await create(fake, {**request, "input": [result]}, history)
    assert answer.status == "completed"
    assert sent(fake)["input"][1:] == [
        {
            "type": "function_call",
            "call_id": call["id"],
            "name": "get_weather",
            "arguments": '{"location":"Boston, MA"}',
        },
        {"type": "function_call_output", "call_id": call["id"], "output": '{"temp_c":7,"sky":"rain"}'},
    ]


@pytest.mark.parametrize(
    ("result", "is_error", "output"),
    [
        ("18 degrees", False, "18 degrees"),
        ("city not found", True, "Error: city not found"),
        (
            [
                {"type": "text", "text": "see chart"},
                {"type": "image", "data": PIXEL, "mime_type": "image/png"},
            ],
            False,
            [
                {"type": "input_text", "text": "see chart"},
                {"type": "input_image", "image_url": f"data:image/png;base64,{PIXEL}", "detail": "auto"},
            ],
        ),
    ],
)
async def test_function_result_forms(fake, result, is_error, output):
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Weather?"}]},
        {"type": "function_call", "id": "call_1", "name": "get_weather", "arguments": {"location": "Oslo"}},
        {"type": "function_result", "call_id": "call_1", "result": result, "is_error": is_error},
    ]
    await create(fake, {"model": "smart", "tools": [WEATHER]}, history)
    assert sent(fake)["input"][-1] == {"type": "function_call_output", "call_id": "call_1", "output": output}


async def test_stream_function_call(fake):
    fake.upstream.default = Reply(
        text="", tool_call=("get_weather", {"location": "Boston, MA"}), chunk_size=6
    )
    events, error = await collect(fake, {"model": "smart", "input": "Weather?", "tools": [WEATHER]})
    assert error is None
    start = events[0]
    assert start["event_type"] == "step.start" and start["index"] == 0
    assert start["step"]["type"] == "function_call" and start["step"]["name"] == "get_weather"
    assert start["step"]["arguments"] == {} and start["step"]["id"].startswith("call_")
    fragments = [e["delta"]["arguments"] for e in events if e["event_type"] == "step.delta"]
    assert len(fragments) > 1 and "".join(fragments) == '{"location":"Boston, MA"}'
    assert accumulate(events)[0]["arguments"] == {"location": "Boston, MA"}
    assert events[-1]["interaction"]["status"] == "requires_action"


async def test_text_then_function_call_streams_as_two_steps(fake):
    fake.upstream.default = Reply(text="Let me check.", tool_call=("get_weather", {"location": "Oslo"}))
    events, _ = await collect(fake, {"model": "smart", "input": "Weather?", "tools": [WEATHER]})
    steps = accumulate(events)
    assert [s["type"] for s in steps] == ["model_output", "function_call"]
    assert events[-1]["interaction"]["status"] == "requires_action"


@pytest.mark.parametrize(
    ("choice", "upstream"),
    [
        ("auto", "auto"),
        ("any", "required"),
        ("none", "none"),
        (
            {"allowed_tools": {"mode": "any", "tools": ["get_weather"]}},
            {"type": "function", "name": "get_weather"},
        ),
        (
            {"allowed_tools": {"mode": "auto", "tools": ["get_weather", "get_time"]}},
            {
                "type": "allowed_tools",
                "mode": "auto",
                "tools": [
                    {"type": "function", "name": "get_weather"},
                    {"type": "function", "name": "get_time"},
                ],
            },
        ),
        (
            {"allowed_tools": {"mode": "any", "tools": ["get_weather", "get_time"]}},
            {
                "type": "allowed_tools",
                "mode": "required",
                "tools": [
                    {"type": "function", "name": "get_weather"},
                    {"type": "function", "name": "get_time"},
                ],
            },
        ),
    ],
)
async def test_tool_choice(fake, choice, upstream):
    tools = [WEATHER, {"type": "function", "name": "get_time"}]
    await create(
        fake, {"model": "smart", "input": "Hi", "tools": tools, "generation_config": {"tool_choice": choice}}
    )
    assert sent(fake)["tool_choice"] == upstream
    assert sent(fake)["tools"][1] == {
        "type": "function",
        "name": "get_time",
        "strict": False,
        "parameters": {"type": "object", "properties": {}},
    }


# -- conversation, instructions, config ------------------------------------------------------------


async def test_conversation_history_becomes_input_items(fake):
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "My name is Ada."}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Nice to meet you, Ada."}]},
        {"type": "user_input", "content": [{"type": "text", "text": "What is my name?"}]},
    ]
    await create(fake, {"model": "smart", "system_instruction": "You are terse."}, history)
    body = sent(fake)
    assert body["instructions"] == "You are terse."
    assert body["input"] == [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "My name is Ada."}]},
        {"type": "message", "role": "assistant", "content": "Nice to meet you, Ada."},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "What is my name?"}]},
    ]


async def test_generation_config(fake):
    config = {
        "temperature": 0.2,
        "top_p": 0.9,
        "max_output_tokens": 500,
        "thinking_level": "high",
        "thinking_summaries": "auto",
    }
    await create(fake, {"model": "smart", "input": "Hi", "generation_config": config, "service_tier": "flex"})
    body = sent(fake)
    assert {k: body[k] for k in ("temperature", "top_p", "max_output_tokens", "service_tier")} == {
        "temperature": 0.2,
        "top_p": 0.9,
        "max_output_tokens": 500,
        "service_tier": "flex",
    }
    assert body["reasoning"] == {"effort": "high", "summary": "auto"}
    assert body["include"] == ["reasoning.encrypted_content"]


async def test_non_reasoning_models_are_not_asked_for_encrypted_reasoning(fake):
    await create(fake, {"model": "smart", "input": "Hi"}, model="gpt-4.1")
    assert "include" not in sent(fake) and "reasoning" not in sent(fake)
    await create(
        fake, {"model": "smart", "input": "Hi"}, model="my-finetune", params={"supports_reasoning": True}
    )
    assert sent(fake)["include"] == ["reasoning.encrypted_content"]


async def test_max_output_tokens_means_incomplete(fake):
    fake.upstream.default = Reply(text="A long answer that will not fit.", usage=(11, 40))
    request = {"model": "smart", "input": "Hi", "generation_config": {"max_output_tokens": 4}}
    outcome = await create(fake, request)
    assert outcome.status == "incomplete"
    assert outcome.steps[0]["content"][0]["text"] == "A lo"
    events, _ = await collect(fake, request)
    assert events[-1]["interaction"]["status"] == "incomplete"
    assert output_text(accumulate(events)) == "A lo"


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        (
            {
                "response_format": {
                    "type": "text",
                    "mime_type": "application/json",
                    "schema": {"type": "object"},
                }
            },
            {"format": {"type": "json_schema", "name": "response", "schema": {"type": "object"}}},
        ),
        (
            {"response_format": [{"type": "text", "schema": {"type": "object"}}]},
            {"format": {"type": "json_schema", "name": "response", "schema": {"type": "object"}}},
        ),
        (
            {"response_mime_type": "application/json", "response_format": {"type": "object"}},
            {"format": {"type": "json_schema", "name": "response", "schema": {"type": "object"}}},
        ),
        (
            {"response_format": {"type": "text", "mime_type": "application/json"}},
            {"format": {"type": "json_object"}},
        ),
        ({"response_mime_type": "application/json"}, {"format": {"type": "json_object"}}),
        ({"response_format": {"type": "text", "mime_type": "text/plain"}}, None),
    ],
)
async def test_response_format(fake, fields, text):
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    fields = orjson.loads(orjson.dumps(fields).replace(b'{"type":"object"}', orjson.dumps(schema)))
    text = text and orjson.loads(orjson.dumps(text).replace(b'{"type":"object"}', orjson.dumps(schema)))
    fake.upstream.default = Reply(text='{"answer": "42"}')
    outcome = await create(fake, {"model": "smart", "input": "Answer in JSON", **fields})
    assert sent(fake).get("text") == text
    assert orjson.loads(outcome.steps[0]["content"][0]["text"]) == {"answer": "42"}


# -- reasoning -------------------------------------------------------------------------------------


async def test_thought_out_and_replayed(fake):
    fake.upstream.default = Reply(thought="The user wants a greeting.", text="Hello!")
    request = {
        "model": "smart",
        "input": "Greet me",
        "generation_config": {"thinking_level": "low", "thinking_summaries": "auto"},
    }
    outcome = await create(fake, request)
    thought, answer = outcome.steps
    assert thought["type"] == "thought"
    assert thought["summary"] == [{"type": "text", "text": "The user wants a greeting."}]
    reasoning_id, encrypted = base64.b64decode(thought["signature"]).decode().split(":", 1)
    assert reasoning_id.startswith("rs_") and encrypted.startswith("gAAAAA")
    assert outcome.usage["total_thought_tokens"] == 5

    # The next turn replays the thought; the fake verifies the encrypted content it issued.
    history = input_to_steps("Greet me") + outcome.steps + input_to_steps("Again")
    await create(fake, request, history)
    assert sent(fake)["input"][1] == {
        "type": "reasoning",
        "id": reasoning_id,
        "encrypted_content": encrypted,
        "summary": [{"type": "summary_text", "text": "The user wants a greeting."}],
    }
    assert sent(fake)["input"][2]["role"] == "assistant"


async def test_stream_thought(fake):
    fake.upstream.default = Reply(thought="Think, then answer.", text="Done.", chunk_size=6)
    request = {"model": "smart", "input": "Hi", "generation_config": {"thinking_summaries": "auto"}}
    events, _ = await collect(fake, request)
    assert kinds(events)[:1] == [("step.start", 0, "thought")]
    thought_deltas = [e["delta"] for e in events if e.get("index") == 0 and e["event_type"] == "step.delta"]
    assert [d["type"] for d in thought_deltas] == ["thought_summary"] * 4 + ["thought_signature"]
    assert "".join(d["content"]["text"] for d in thought_deltas[:-1]) == "Think, then answer."
    assert ("step.stop", 0, None) in kinds(events) and ("step.start", 1, "model_output") in kinds(events)
    thought, answer = accumulate(events)
    assert base64.b64decode(thought["signature"]).decode().startswith("rs_")
    assert output_text([thought, answer]) == "Done."
    await create(fake, request, input_to_steps("Hi") + [thought, answer] + input_to_steps("More"))
    assert sent(fake)["input"][1]["type"] == "reasoning"


async def test_foreign_or_unsigned_thoughts_are_not_replayed(fake):
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Hi"}]},
        {"type": "thought", "signature": base64.b64encode(b"gemini-signature-bytes").decode()},
        {"type": "thought", "summary": [{"type": "text", "text": "no signature"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Hello"}]},
        {"type": "user_input", "content": [{"type": "text", "text": "Again"}]},
    ]
    await create(fake, {"model": "smart"}, history)
    assert [item.get("role") for item in sent(fake)["input"]] == ["user", "assistant", "user"]


# -- media input -----------------------------------------------------------------------------------


async def test_image_and_document_input(fake):
    content = [
        {"type": "text", "text": "What is in these?"},
        {"type": "image", "data": PIXEL, "mime_type": "image/png", "resolution": "high"},
        {"type": "image", "uri": "https://example.com/cat.jpg", "mime_type": "image/jpeg"},
        {"type": "document", "data": "JVBERi0=", "mime_type": "application/pdf"},
        {"type": "document", "uri": "https://example.com/report.pdf"},
    ]
    await create(fake, {"model": "smart", "input": content})
    assert sent(fake)["input"][0]["content"] == [
        {"type": "input_text", "text": "What is in these?"},
        {"type": "input_image", "image_url": f"data:image/png;base64,{PIXEL}", "detail": "high"},
        {"type": "input_image", "image_url": "https://example.com/cat.jpg", "detail": "auto"},
        {
            "type": "input_file",
            "filename": "document.pdf",
            "file_data": "data:application/pdf;base64,JVBERi0=",
        },
        {"type": "input_file", "file_url": "https://example.com/report.pdf"},
    ]


# -- usage -----------------------------------------------------------------------------------------


async def test_usage_mapping(fake):
    """OpenAI's output_tokens include reasoning; Interactions counts thoughts apart, same total."""
    fake.upstream.default = CachedReply(thought="one two three four", usage=(100, 20), cached_tokens=64)
    outcome = await create(fake, {"model": "smart", "input": "Hi"})
    assert outcome.usage == {
        "total_input_tokens": 100,
        "total_output_tokens": 20,
        "total_thought_tokens": 4,
        "total_cached_tokens": 64,
        "total_tokens": 124,
    }
    events, _ = await collect(fake, {"model": "smart", "input": "Hi"})
    assert events[-1]["interaction"]["usage"] == outcome.usage


# -- failures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("status", "retry_after"), [(400, None), (429, 7.0), (500, None)])
async def test_upstream_errors(fake, stream, status, retry_after):
    fake.upstream.replies.append(
        Reply(status=status, error_message=f"upstream says {status}", retry_after=retry_after)
    )
    request = {"model": "smart", "input": "Hi"}
    if stream:
        events, error = await collect(fake, request)
        assert events == []
    else:
        with pytest.raises(UpstreamError) as caught:
            await adapter.create(turn(request), deployment(fake))
        error = caught.value
    assert error.status == status
    assert f"upstream says {status}" in error.message
    assert error.retry_after == retry_after
    assert error.retryable == (status != 400)


async def test_stream_cut_in_the_middle(fake):
    fake.upstream.default = Reply(text="This answer is going to be cut off.", chunk_size=3, cut_after=6)
    events, error = await collect(fake, {"model": "smart", "input": "Hi"})
    assert error is not None and error.retryable
    assert events and all(e["event_type"] != "interaction.completed" for e in events)


@pytest.mark.parametrize(("status", "expected"), [(500, 500), (429, 429), (400, 400)])
async def test_stream_error_event(fake, status, expected):
    fake.upstream.default = Reply(
        text="Partial answer here.", status=status, error_message="model crashed", cut_after=5
    )
    events, error = await collect(fake, {"model": "smart", "input": "Hi"})
    assert error.status == expected and "model crashed" in error.message
    assert all(e["event_type"] != "interaction.completed" for e in events)


async def test_connection_refused_and_timeout(fake):
    gone = Deployment(
        model_name="smart", provider="openai", model="gpt-5", api_base="http://127.0.0.1:9/v1", api_key="k"
    )
    with pytest.raises(UpstreamError) as caught:
        await adapter.create(turn({"model": "smart", "input": "Hi"}), gone)
    assert caught.value.status == 0 and caught.value.retryable
    fake.upstream.default = Reply(delay=1.0)
    with pytest.raises(UpstreamError) as caught:
        await adapter.create(turn({"model": "smart", "input": "Hi"}), deployment(fake, timeout=0.2))
    assert caught.value.timeout


@pytest.mark.parametrize(
    ("request_fields", "feature"),
    [
        ({"generation_config": {"stop_sequences": ["\n"]}}, "generation_config.stop_sequences"),
        ({"generation_config": {"seed": 7}}, "generation_config.seed"),
        ({"generation_config": {"tool_choice": "validated"}}, "tool_choice mode 'validated'"),
        ({"generation_config": {"speech_config": [{"voice": "Kore"}]}}, "generation_config.speech_config"),
        ({"tools": [{"type": "google_search"}]}, "the google_search tool"),
        ({"tools": [{"type": "code_execution"}]}, "the code_execution tool"),
        ({"input": [{"type": "audio", "data": "AAAA", "mime_type": "audio/wav"}]}, "audio input"),
        ({"input": [{"type": "video", "uri": "https://example.com/v.mp4"}]}, "video input"),
        ({"response_modalities": ["text", "image"]}, "response_modalities other than text"),
        ({"response_format": {"type": "audio"}}, "audio output"),
        ({"safety_settings": [{"type": "harassment", "threshold": "block_none"}]}, "safety_settings"),
        ({"service_tier": "deferred"}, "service_tier 'deferred'"),
        (
            {"input": [{"type": "google_search_call", "id": "s1", "arguments": {"queries": ["q"]}}]},
            "google_search_call steps",
        ),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
async def test_unsupported_features_are_a_clear_400(fake, request_fields, feature, stream):
    request = {"model": "smart", "input": "Hi", **request_fields}
    with pytest.raises(ApiError) as caught:
        if stream:
            await collect(fake, request)
        else:
            await adapter.create(turn(request), deployment(fake))
    assert caught.value.status == 400 and caught.value.code == "unsupported"
    assert feature in caught.value.message and "openai" in caught.value.message
    assert fake.upstream.requests == []


def test_translator_edge_events():
    """Events the fake never sends: arguments only in output_item.done, a refusal, response.failed."""
    call = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "f",
        "arguments": "",
        "status": "in_progress",
    }
    message = {"type": "message", "id": "msg_1", "role": "assistant", "status": "in_progress", "content": []}
    failed = {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "model": "gpt-5",
        "output": [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "status": "failed",
        "error": {"code": "server_error", "message": "The model crashed."},
    }
    upstream = [
        {"type": "response.output_item.added", "output_index": 0, "item": call},
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {**call, "arguments": '{"a":1}', "status": "completed"},
        },
        {"type": "response.output_item.added", "output_index": 1, "item": message},
        {
            "type": "response.refusal.delta",
            "output_index": 1,
            "item_id": "msg_1",
            "content_index": 0,
            "delta": "I can't.",
        },
        {"type": "response.failed", "response": failed},
    ]
    translator, events = StreamTranslator(), []
    with pytest.raises(UpstreamError) as caught:
        for number, event in enumerate(upstream):
            STREAM_EVENT.validate_python({**event, "sequence_number": number})
            events.extend(translator.feed(event))
    assert caught.value.status == 500 and "The model crashed." in caught.value.message
    assert accumulate(events) == [
        {"type": "function_call", "id": "call_1", "name": "f", "arguments": {"a": 1}},
        {"type": "model_output", "content": [{"type": "text", "text": "I can't."}]},
    ]
