"""The embedded `local` provider, against the real SmolLM2-135M model (no mocks)."""

from __future__ import annotations

import asyncio
import copy
import json
import time

import jsonschema
import pytest

from parley.contract import spec
from parley.errors import ApiError, UpstreamError
from parley.providers import local
from parley.providers.base import Deployment, Turn
from parley.providers.local import LocalAdapter
from parley.wire import input_to_steps, output_text
from tests.adapter_kit import as_event

SMOLLM2 = Deployment(model_name="smollm2", provider="local", model="smollm2")
adapter = LocalAdapter()


def turn(prompt: str = "Say hello.", **request) -> Turn:
    config = {"max_output_tokens": 16, "temperature": 0, "seed": 1, **request.pop("generation_config", {})}
    return Turn(
        request={"input": prompt, "generation_config": config, **request}, history=input_to_steps(prompt)
    )


async def collect(t: Turn, deployment: Deployment = SMOLLM2) -> list[dict]:
    return [as_event(event) async for batch in adapter.stream(t, deployment) for event in batch]


def check_usage(usage: dict, max_output: int) -> None:
    spec.validate("Usage", usage)
    assert usage["total_input_tokens"] > 5
    assert 0 < usage["total_output_tokens"] <= max_output
    assert usage["total_tokens"] == usage["total_input_tokens"] + usage["total_output_tokens"]


async def test_create_answers_with_text_and_usage():
    outcome = await adapter.create(
        turn("What is the capital of France?", system_instruction="Answer briefly."), SMOLLM2
    )
    assert [s["type"] for s in outcome.steps] == ["model_output"]
    spec.validate("Step", outcome.steps[0])
    assert output_text(outcome.steps).strip()
    assert outcome.status in ("completed", "incomplete")
    check_usage(outcome.usage, 16)


async def test_stream_yields_real_tokens_as_generated():
    t = turn(generation_config={"max_output_tokens": 24})
    start, events, times = time.monotonic(), [], []
    async for batch in adapter.stream(t, SMOLLM2):
        for event in batch:
            events.append(as_event(event))
            times.append(time.monotonic())
    kinds = [e["event_type"] for e in events]
    assert kinds[0] == "step.start" and kinds[-2:] == ["step.stop", "interaction.completed"]
    assert set(kinds[1:-2]) == {"step.delta"} and len(kinds) - 3 >= 5
    for event in events:
        event = copy.deepcopy(event)
        assert "event_id" not in event
        if event["event_type"] == "interaction.completed":
            event["interaction"]["id"] = "v1_parley"  # the engine owns ids
        spec.validate("InteractionSSEEvent", {**event, "event_id": "evt_1"})
    # Tokens arrive as they are decoded, not in one burst at the end.
    assert times[-3] - times[1] > 0.02
    final = events[-1]["interaction"]
    check_usage(final["usage"], 24)
    streamed = "".join(e["delta"]["text"] for e in events if e["event_type"] == "step.delta")
    outcome = await adapter.create(t, SMOLLM2)
    assert streamed == output_text(outcome.steps)
    assert (outcome.status, outcome.usage) == (final["status"], final["usage"])
    rate = (len(events) - 4) / (times[-3] - times[1])
    print(f"\nlocal: time to first token {times[1] - start:.3f}s, then {rate:.0f} tokens/s")


async def test_max_output_tokens_gives_incomplete():
    outcome = await adapter.create(
        turn("Tell me a long story.", generation_config={"max_output_tokens": 5}), SMOLLM2
    )
    assert outcome.status == "incomplete"
    assert 0 < outcome.usage["total_output_tokens"] <= 5


@pytest.mark.parametrize("temperature", [0, 0.9])
async def test_seeded_answers_are_deterministic(temperature):
    t = turn("Name a fruit.", generation_config={"temperature": temperature, "seed": 42})
    first = output_text((await adapter.create(t, SMOLLM2)).steps)
    await adapter.create(turn("Something else entirely."), SMOLLM2)  # different KV-cache state in between
    assert output_text((await adapter.create(t, SMOLLM2)).steps) == first


async def test_response_schema_gives_valid_json():
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    t = turn(
        "Describe a person as JSON.",
        response_format={"type": "text", "mime_type": "application/json", "schema": schema},
        generation_config={"max_output_tokens": 64},
    )
    outcome = await adapter.create(t, SMOLLM2)
    assert outcome.status == "completed"
    jsonschema.validate(json.loads(output_text(outcome.steps)), schema)


async def test_system_instruction_and_history_reach_the_prompt():
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "My name is Zorblax."}]},
        {"type": "thought", "signature": "c2ln"},
        {"type": "model_output", "content": [{"type": "text", "text": "Nice to meet you, Zorblax."}]},
        {"type": "user_input", "content": "What is my name?"},
    ]
    t = Turn(request={"system_instruction": "Be brief."}, history=history)
    assert local._messages(t) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "My name is Zorblax."},
        {"role": "assistant", "content": "Nice to meet you, Zorblax."},
        {"role": "user", "content": "What is my name?"},
    ]
    outcome = await adapter.create(
        Turn(request={"generation_config": {"max_output_tokens": 12}}, history=history), SMOLLM2
    )
    assert output_text(outcome.steps).strip()


@pytest.mark.parametrize(
    "request_, history",
    [
        ({"tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}]}, None),
        ({"tools": [{"type": "google_search"}]}, None),
        ({"response_format": {"type": "image"}}, None),
        ({}, [{"type": "user_input", "content": [{"type": "image", "uri": "gs://b/cat.png"}]}]),
        ({}, [{"type": "function_call", "id": "c1", "name": "f", "arguments": {}}]),
    ],
)
async def test_unsupported_features_are_400(request_, history):
    t = Turn(request=request_, history=history or input_to_steps("hi"))
    with pytest.raises(ApiError) as err:
        await adapter.create(t, SMOLLM2)
    assert (err.value.status, err.value.code) == (400, "unsupported")
    with pytest.raises(ApiError):
        await collect(t)


async def test_missing_model_file_is_a_clear_error():
    deployment = Deployment("m", "local", "smollm2", params={"model_path": "/nonexistent/model.gguf"})
    with pytest.raises(ApiError, match="GGUF file not found: /nonexistent/model.gguf"):
        await adapter.create(turn(), deployment)
    with pytest.raises(ApiError, match="unknown") as unknown:
        await adapter.create(turn(), Deployment("m", "local", "llama-70b"))
    assert unknown.value.status == 404  # a wrong name (local/* takes any), not an outage to retry


async def generation_ended() -> int:
    """Tokens the cancelled generation produced, once the model's single worker thread is free
    again (a no-op queued behind it runs only then); it must be free within seconds, not minutes."""
    model = local._model_for(SMOLLM2)
    await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(model.worker, lambda: None), timeout=5)
    return model.llm.output_tokens


async def test_closing_the_stream_stops_generation():
    stream = adapter.stream(
        turn("Write a very long essay about the sea.", generation_config={"max_output_tokens": 1500}), SMOLLM2
    )
    deltas = 0
    async for batch in stream:
        deltas += sum(as_event(event)["event_type"] == "step.delta" for event in batch)
        if deltas == 3:
            break
    await stream.aclose()
    assert await generation_ended() < 60  # the worker broke out, not 1500 tokens later
    start = time.monotonic()
    outcome = await adapter.create(turn(generation_config={"max_output_tokens": 4}), SMOLLM2)
    assert output_text(outcome.steps) and time.monotonic() - start < 5


async def test_cancelling_the_consumer_stops_generation():
    t = turn("Write a very long essay about mountains.", generation_config={"max_output_tokens": 1500})
    task = asyncio.create_task(adapter.create(t, SMOLLM2))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await generation_ended() < 200


async def test_concurrent_requests_are_serialised_without_blocking_the_loop():
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    expected = output_text((await adapter.create(turn("Count to five."), SMOLLM2)).steps)
    task = asyncio.create_task(ticker())
    start = time.monotonic()
    outcomes = await asyncio.gather(*(adapter.create(turn("Count to five."), SMOLLM2) for _ in range(3)))
    elapsed = time.monotonic() - start
    task.cancel()
    assert [output_text(o.steps) for o in outcomes] == [expected] * 3
    assert ticks > elapsed / 0.01 / 3  # the event loop kept running while the model worked


async def test_model_loads_once_per_path():
    deployment = Deployment("s", "local", "smollm2", params={"n_ctx": 1024})
    start = time.monotonic()
    await adapter.create(turn(generation_config={"max_output_tokens": 1}), deployment)
    load = time.monotonic() - start
    model = local._model_for(deployment)
    assert model is local._model_for(deployment) and model.llm is not None and model.llm.n_ctx() == 1024
    print(f"\nlocal: model load + 1 token {load:.2f}s")


async def test_prompt_over_the_context_window_is_400():
    deployment = Deployment("s", "local", "smollm2", params={"n_ctx": 1024})
    with pytest.raises(ApiError, match="exceed context window") as err:
        await adapter.create(turn("word " * 1200), deployment)
    assert err.value.status == 400


async def test_unloadable_model_file_is_a_503(tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf")
    with pytest.raises(UpstreamError, match="could not load") as err:
        await adapter.create(turn(), Deployment("m", "local", "x", params={"model_path": str(bad)}))
    assert err.value.status == 503
