"""AzureAdapter against the fake's Azure route on loopback (real HTTP, no mocks). The translation is
the chat adapter's (tested in test_provider_openai_chat.py); here: URL, api-version, api-key, the
token-limit name, Azure's stream framing and error details, end to end."""

from __future__ import annotations

import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from parley.errors import ApiError, UpstreamError
from parley.providers import adapter_for
from parley.providers.azure import DEFAULT_API_VERSION, AzureAdapter
from parley.providers.base import Deployment, Turn
from parley.wire import input_to_steps, output_text
from tests.adapter_kit import drain, fake_fixtures, make_turn
from tests.fakes.openai_chat import make_app
from tests.fakes.script import Reply, chunks
from tests.test_provider_openai_chat import WEATHER, check_steps, check_stream

adapter = AzureAdapter()


fake, reset = fake_fixtures(make_app)


def deployment(fake, **kw) -> Deployment:
    fields = {
        "model_name": "gpt",
        "provider": "azure",
        "model": "gpt-4o-prod",
        "api_base": fake.url + "/",
        "api_key": "azure-key",
        **kw,
    }
    return Deployment(**fields)


def turn(request: dict, history: list | None = None) -> Turn:
    return make_turn({"model": "gpt", **request}, history)


async def collect(t: Turn, dep: Deployment) -> tuple[list[dict], UpstreamError | None]:
    return await drain(adapter.stream(t, dep))


def test_fake_speaks_azure_to_the_official_sdk(fake):
    client = openai.AzureOpenAI(
        azure_endpoint=fake.url, api_key="azure-key", api_version="2024-10-21", max_retries=0
    )
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-prod", messages=[{"role": "user", "content": "hi"}]
    )
    assert ChatCompletion.model_validate(raw.http_response.json()).choices[0].message.content == Reply().text
    request = fake.upstream.requests[-1]
    assert request["path"] == "/openai/deployments/gpt-4o-prod/chat/completions"
    assert request["query"] == {"api-version": "2024-10-21"}
    stream = client.chat.completions.create(
        model="gpt-4o-prod",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    parsed = [chunk for chunk in stream if chunk.object]  # the opening prompt-filter chunk has no object
    assert [ChatCompletionChunk.model_validate(c.to_dict()) for c in parsed][-1].usage.total_tokens == 18
    fake.upstream.replies.append(Reply(status=429, retry_after=2))
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-4o-prod", messages=[])
    assert caught.value.body == {"code": "429", "message": "fake upstream error"}


async def test_create(fake):
    config = {"max_output_tokens": 100, "temperature": 0.5}
    outcome = await adapter.create(
        turn({"input": "hello", "system_instruction": "Be kind.", "generation_config": config}),
        deployment(fake),
    )
    request = fake.upstream.requests[-1]
    assert request["path"] == "/openai/deployments/gpt-4o-prod/chat/completions"
    assert request["query"] == {"api-version": DEFAULT_API_VERSION}
    assert request["headers"]["api-key"] == "azure-key" and "authorization" not in request["headers"]
    assert request["body"] == {
        "model": "gpt-4o-prod",
        "messages": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "hello"}],
        "max_completion_tokens": 100,
        "temperature": 0.5,
    }
    assert output_text(outcome.steps) == Reply().text and outcome.status == "completed"
    assert outcome.usage == {
        "total_input_tokens": 11,
        "total_output_tokens": 7,
        "total_thought_tokens": 0,
        "total_cached_tokens": 5,
        "total_tokens": 18,
    }
    check_steps(outcome.steps, outcome.usage)


async def test_reasoning_is_not_replayed(fake):
    history = [
        *input_to_steps("Weather?"),
        {"type": "thought", "summary": [{"type": "text", "text": "hm"}]},
        {"type": "function_call", "id": "c", "name": "get_weather", "arguments": {}},
        {"type": "function_result", "call_id": "c", "result": "cold"},
    ]
    await adapter.create(turn({"tools": [WEATHER]}, history), deployment(fake))
    assert fake.upstream.requests[-1]["body"]["messages"][1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
        ],
    }


async def test_pinned_api_version(fake):
    await adapter.create(turn({"input": "hi"}), deployment(fake, api_version="2024-10-21"))
    assert fake.upstream.requests[-1]["query"] == {"api-version": "2024-10-21"}


async def test_stream_skips_the_prompt_filter_chunk(fake):
    fake.upstream.replies.append(Reply(text="Streaming from Azure.", chunk_size=5))
    events, error = await collect(turn({"input": "hi"}), deployment(fake))
    assert error is None and fake.upstream.requests[-1]["body"]["stream"] is True
    assert [e["delta"]["text"] for e in events if e["event_type"] == "step.delta"] == chunks(
        "Streaming from Azure.", 5
    )
    assert output_text(check_stream(events)) == "Streaming from Azure."
    assert events[-1]["interaction"]["usage"]["total_tokens"] == 18


async def test_function_call_round_trip(fake):
    fake.upstream.replies.append(Reply(text="", tool_call=("get_weather", {"location": "Oslo"})))
    events, _ = await collect(turn({"input": "Weather?", "tools": [WEATHER]}), deployment(fake))
    steps = check_stream(events)
    assert steps == [
        {"type": "function_call", "id": "call_1", "name": "get_weather", "arguments": {"location": "Oslo"}}
    ]
    assert events[-1]["interaction"]["status"] == "requires_action"
    history = [
        *input_to_steps("Weather?"),
        *steps,
        {"type": "function_result", "call_id": "call_1", "result": "-3°C"},
    ]
    outcome = await adapter.create(turn({"tools": [WEATHER]}, history), deployment(fake))
    assert fake.upstream.requests[-1]["body"]["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "-3°C",
    }
    assert outcome.status == "completed"


async def test_rate_limit_uses_retry_after_ms(fake):
    fake.upstream.replies.append(Reply(status=429, retry_after=2.5, error_message="Rate limit is exceeded."))
    with pytest.raises(UpstreamError) as caught:
        await adapter.create(turn({"input": "hi"}), deployment(fake))
    assert caught.value.status == 429 and caught.value.retry_after == 2.5  # retry-after alone says 2
    assert "Rate limit is exceeded." in caught.value.message


@pytest.mark.parametrize("status", [400, 500])
async def test_upstream_errors(fake, status):
    fake.upstream.replies.append(Reply(status=status, error_message="nope"))
    events, error = await collect(turn({"input": "hi"}), deployment(fake))
    assert events == [] and error.status == status and "nope" in error.message


async def test_missing_key_is_azures_401(fake):
    with pytest.raises(UpstreamError) as caught:
        await adapter.create(turn({"input": "hi"}), deployment(fake, api_key=None))
    assert caught.value.status == 401 and "Access denied" in caught.value.message


async def test_stream_cut_midway(fake):
    fake.upstream.replies.append(Reply(text="never finished", chunk_size=3, cut_after=4))
    events, error = await collect(turn({"input": "hi"}), deployment(fake))
    assert error is not None and error.status == 0
    assert "interaction.completed" not in [e["event_type"] for e in events]


async def test_unsupported_names_azure(fake):
    with pytest.raises(ApiError) as caught:
        await adapter.create(turn({"input": "hi", "tools": [{"type": "code_execution"}]}), deployment(fake))
    assert caught.value.status == 400 and "'azure'" in caught.value.message
    assert fake.upstream.requests == []


async def test_api_base_is_required(fake):
    with pytest.raises(ApiError) as caught:
        await adapter.create(turn({"input": "hi"}), deployment(fake, api_base=None))
    assert "api_base" in caught.value.message


def test_registered():
    assert isinstance(adapter_for("azure"), AzureAdapter)
