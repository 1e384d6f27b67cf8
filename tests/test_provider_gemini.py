"""GeminiAdapter against the fake Interactions API on loopback (real HTTP, no mocks)."""

from __future__ import annotations

import copy

import pytest

from parley.contract import spec
from parley.errors import UpstreamError
from parley.providers.base import Deployment, Turn
from parley.providers.gemini import GeminiAdapter
from parley.wire import StepAccumulator, input_to_steps, output_text
from tests.adapter_kit import WEATHER, drain, fake_fixtures, make_turn
from tests.fakes.gemini import make_app
from tests.fakes.script import Reply, chunks

adapter = GeminiAdapter()


fake, reset = fake_fixtures(make_app)


def deployment(fake, **kw) -> Deployment:
    return Deployment(
        model_name="smart",
        provider="gemini",
        model="gemini-3-flash-preview",
        api_base=fake.url,
        api_key="test-key",
        **kw,
    )


def turn(request: dict, history: list | None = None, previous_upstream_id: str | None = None) -> Turn:
    return make_turn(request, history, previous_upstream_id=previous_upstream_id)


async def collect(t: Turn, dep: Deployment) -> tuple[list[dict], UpstreamError | None]:
    return await drain(adapter.stream(t, dep))


def check_events(events: list[dict]) -> None:
    """Every event is spec-valid once the engine adds what it owns (ids); the contract holds."""
    assert events[-1]["event_type"] == "interaction.completed"
    assert {e["event_type"] for e in events[:-1]} <= {
        "step.start",
        "step.delta",
        "step.stop",
        "interaction.status_update",
    }
    for event in events:
        assert "event_id" not in event and "interaction_id" not in event
        event = copy.deepcopy(event)
        if event["event_type"] == "interaction.status_update":
            event["interaction_id"] = "v1_parley"
        if event["event_type"] == "interaction.completed":
            event["interaction"].pop("upstream_id", None)
            event["interaction"]["id"] = "v1_parley"
        spec.validate("InteractionSSEEvent", {**event, "event_id": "evt_1"})


def accumulate(events: list[dict]) -> list[dict]:
    acc = StepAccumulator()
    for event in events:
        acc.apply(event)
    return acc.steps


async def test_passthrough_body_is_exact(fake):
    request = {
        "model": "smart",
        "input": [{"type": "user_input", "content": [{"type": "text", "text": "Weather in Boston?"}]}],
        "system_instruction": "You are terse.",
        "tools": [
            WEATHER,
            {"type": "google_search", "search_types": ["web_search"]},
            {"type": "code_execution"},
            {"type": "url_context"},
            {"type": "mcp_server", "name": "m", "url": "https://mcp.example/x", "headers": {"a": "b"}},
            {"type": "file_search", "file_search_store_names": ["fileSearchStores/s"], "top_k": 3},
            {"type": "tool_from_the_future", "knob": 1},
        ],
        "generation_config": {"max_output_tokens": 256, "thinking_level": "low", "tool_choice": "auto"},
        "response_format": {"type": "text", "mime_type": "application/json", "schema": {"type": "object"}},
        "safety_settings": [{"type": "harassment", "threshold": "block_none"}],
        "labels": {"team": "a"},
        "service_tier": "flex",
        "store": False,
        "background": True,
        "field_parley_does_not_know": {"nested": [1, 2]},
    }
    outcome = await adapter.create(turn(request), deployment(fake))
    assert outcome.status == "completed"
    sent = fake.upstream.requests[-1]
    expected = {k: v for k, v in request.items() if k != "background"}
    assert sent["body"] == {**expected, "model": "gemini-3-flash-preview"}
    assert sent["path"] == "/v1beta/interactions"
    assert sent["headers"]["x-goog-api-key"] == "test-key"
    assert sent["headers"]["accept"] == "application/json"


async def test_plain_create(fake):
    fake.upstream.replies.append(Reply(text="Hi there.", usage=(14, 13)))
    outcome = await adapter.create(
        turn({"model": "smart", "input": "hello"}), deployment(fake, api_version="v1")
    )
    assert fake.upstream.requests[-1]["path"] == "/v1/interactions"
    assert fake.upstream.requests[-1]["body"] == {"model": "gemini-3-flash-preview", "input": "hello"}
    assert outcome.steps == [{"type": "model_output", "content": [{"type": "text", "text": "Hi there."}]}]
    assert outcome.status == "completed"
    assert outcome.usage == {"total_input_tokens": 14, "total_output_tokens": 13, "total_tokens": 27}
    assert outcome.upstream_id in fake.app.state.interactions
    for step in outcome.steps:
        spec.validate("Step", step)
    spec.validate("Usage", outcome.usage)


async def test_stream_relay(fake):
    text = "I'd tell you a UDP joke, but you might not get it."
    fake.upstream.replies.append(
        Reply(text=text, thought="Pun on status codes.", chunk_size=6, usage=(14, 13))
    )
    events, error = await collect(
        turn({"model": "smart", "input": "joke", "stream": False}), deployment(fake)
    )
    assert error is None
    sent = fake.upstream.requests[-1]
    assert sent["body"]["stream"] is True and sent["headers"]["accept"] == "text/event-stream"
    kinds = [e["event_type"] for e in events]
    assert kinds[0] == "interaction.status_update" and kinds[-1] == "interaction.completed"
    assert kinds.count("interaction.completed") == 1 and "interaction.created" not in kinds
    assert kinds[1:4] == ["step.start", "step.delta", "step.delta"]  # the thought: summary, signature
    deltas = [
        e["delta"]["text"] for e in events if e["event_type"] == "step.delta" and e["delta"]["type"] == "text"
    ]
    assert deltas == chunks(text, 6)
    final = events[-1]["interaction"]
    upstream_steps = fake.app.state.interactions[final["upstream_id"]]["steps"]
    assert accumulate(events) == upstream_steps[1:]  # the upstream's own steps, minus the user_input
    assert output_text(accumulate(events)) == text
    assert final == {
        "status": "completed",
        "usage": {"total_input_tokens": 14, "total_output_tokens": 13, "total_tokens": 27},
        "upstream_id": final["upstream_id"],
    }
    check_events(events)


async def test_function_call_round_trip(fake):
    dep = deployment(fake)
    first = {"model": "smart", "input": "Weather in Boston?", "tools": [WEATHER]}
    fake.upstream.replies.append(
        Reply(text="", tool_call=("get_weather", {"location": "Boston, MA"}), chunk_size=5)
    )
    events, error = await collect(turn(first), dep)
    assert error is None
    check_events(events)
    steps = accumulate(events)
    call = steps[-1]
    assert call == {
        "type": "function_call",
        "id": call["id"],
        "name": "get_weather",
        "arguments": {"location": "Boston, MA"},
    }
    assert events[-2] == {"event_type": "interaction.status_update", "status": "requires_action"}
    assert events[-1]["interaction"]["status"] == "requires_action"
    upstream_id = events[-1]["interaction"]["upstream_id"]

    result = [
        {"type": "function_result", "call_id": call["id"], "name": "get_weather", "result": '{"temp_c": 7}'}
    ]
    second = {
        "model": "smart",
        "previous_interaction_id": "v1_parley_turn1",
        "input": result,
        "tools": [WEATHER],
    }
    history = input_to_steps("Weather in Boston?") + steps + result
    fake.upstream.replies.append(Reply(text="7°C and rain."))
    outcome = await adapter.create(turn(second, history, previous_upstream_id=upstream_id), dep)
    assert fake.upstream.requests[-1]["body"] == {
        "model": "gemini-3-flash-preview",
        "previous_interaction_id": upstream_id,
        "input": result,
        "tools": [WEATHER],
    }
    assert outcome.status == "completed" and output_text(outcome.steps) == "7°C and rain."


async def test_function_call_create(fake):
    fake.upstream.replies.append(Reply(text="", tool_call=("get_weather", {"location": "Boston, MA"})))
    outcome = await adapter.create(
        turn({"model": "smart", "input": "w", "tools": [WEATHER]}), deployment(fake)
    )
    assert outcome.status == "requires_action"
    assert [s["type"] for s in outcome.steps] == ["function_call"]
    assert outcome.steps[0]["arguments"] == {"location": "Boston, MA"}
    spec.validate("Step", outcome.steps[0])


async def test_continuation_without_upstream_state(fake):
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "Hi, I'm Ada."}]},
        {
            "type": "thought",
            "signature": "c2lnLWZyb20tYW5vdGhlci10dXJu",
            "summary": [{"type": "text", "text": "greet"}],
        },
        {"type": "model_output", "content": [{"type": "text", "text": "Hello Ada."}]},
        {"type": "user_input", "content": [{"type": "text", "text": "What's my name?"}]},
    ]
    request = {
        "model": "smart",
        "previous_interaction_id": "v1_parley_only",
        "input": "What's my name?",
        "store": True,
    }
    fake.upstream.replies.append(Reply(text="Ada."))
    events, error = await collect(turn(request, history), deployment(fake))
    assert error is None
    body = fake.upstream.requests[-1]["body"]
    assert "previous_interaction_id" not in body
    assert body == {"model": "gemini-3-flash-preview", "input": history, "store": True, "stream": True}
    assert output_text(accumulate(events)) == "Ada."


async def test_thought_signatures_preserved(fake):
    fake.upstream.replies.append(Reply(text="Done.", thought="Think first."))
    outcome = await adapter.create(turn({"model": "smart", "input": "q"}), deployment(fake))
    thought = outcome.steps[0]
    assert thought == fake.app.state.interactions[outcome.upstream_id]["steps"][1]
    assert thought["signature"] and thought["summary"] == [{"type": "text", "text": "Think first."}]
    spec.validate("Step", thought)

    fake.upstream.replies.append(Reply(text="Done.", thought="Think first."))
    events, _ = await collect(turn({"model": "smart", "input": "q"}), deployment(fake))
    streamed = accumulate(events)[0]
    assert streamed == fake.app.state.interactions[events[-1]["interaction"]["upstream_id"]]["steps"][1]


async def test_usage(fake):
    expected = {"total_input_tokens": 123, "total_output_tokens": 45, "total_tokens": 168}
    fake.upstream.replies += [Reply(usage=(123, 45)), Reply(usage=(123, 45))]
    outcome = await adapter.create(turn({"model": "smart", "input": "q"}), deployment(fake))
    events, _ = await collect(turn({"model": "smart", "input": "q"}), deployment(fake))
    assert outcome.usage == expected == events[-1]["interaction"]["usage"]
    spec.validate("Usage", outcome.usage)


@pytest.mark.parametrize("streaming", [False, True])
@pytest.mark.parametrize(
    ("status", "retry_after"),
    [(400, None), (429, 2.0), (500, None)],  # 4xx: spec error shape, 5xx: classic Google shape
)
async def test_upstream_http_errors(fake, streaming, status, retry_after):
    fake.upstream.replies.append(
        Reply(status=status, error_message="nope, says upstream", retry_after=retry_after)
    )
    t = turn({"model": "smart", "input": "q"})
    if streaming:
        events, error = await collect(t, deployment(fake))
        assert events == []
    else:
        with pytest.raises(UpstreamError) as info:
            await adapter.create(t, deployment(fake))
        error = info.value
    assert error.status == status
    assert "nope, says upstream" in error.message
    assert error.retry_after == retry_after
    assert error.retryable == (status != 400)


@pytest.mark.parametrize("streaming", [False, True])
async def test_expired_upstream_state_falls_back_to_history(fake, streaming):
    """The upstream 404s an interaction it no longer keeps: the turn is resent once with the history."""
    history = input_to_steps("first") + [
        {"type": "model_output", "content": [{"type": "text", "text": "ok"}]}
    ]
    history += input_to_steps("second")
    request = {"model": "smart", "previous_interaction_id": "v1_parley", "input": "second"}
    t = turn(request, history, previous_upstream_id="v1_expired")
    fake.upstream.replies.append(Reply(text="Answered from history."))
    if streaming:
        events, error = await collect(t, deployment(fake))
        assert error is None
        steps = accumulate(events)
    else:
        steps = (await adapter.create(t, deployment(fake))).steps
    assert output_text(steps) == "Answered from history."
    first, second = (r["body"] for r in fake.upstream.requests)
    assert first["previous_interaction_id"] == "v1_expired" and first["input"] == "second"
    assert "previous_interaction_id" not in second and second["input"] == history


async def test_store_false_has_no_upstream_id(fake):
    request = {"model": "smart", "input": "q", "store": False}
    kept = len(fake.app.state.interactions)
    outcome = await adapter.create(turn(request), deployment(fake))
    events, _ = await collect(turn(request), deployment(fake))
    assert outcome.upstream_id is None and "upstream_id" not in events[-1]["interaction"]
    assert len(fake.app.state.interactions) == kept  # the upstream kept nothing to chain on


async def test_error_event_mid_stream(fake):
    fake.upstream.replies.append(
        Reply(text="partial answer here", status=500, error_message="Model stream aborted.", cut_after=5)
    )
    events, error = await collect(turn({"model": "smart", "input": "q"}), deployment(fake))
    assert error is not None and error.status == 500 and "Model stream aborted." in error.message
    assert events and all(e["event_type"] != "interaction.completed" for e in events)


async def test_cut_stream(fake):
    fake.upstream.replies.append(Reply(text="a long answer that never finishes", chunk_size=3, cut_after=6))
    events, error = await collect(turn({"model": "smart", "input": "q"}), deployment(fake))
    assert error is not None and error.retryable
    assert events and all(e["event_type"] != "interaction.completed" for e in events)


async def test_timeout(fake):
    fake.upstream.replies.append(Reply(delay=1.0))
    with pytest.raises(UpstreamError) as info:
        await adapter.create(turn({"model": "smart", "input": "q"}), deployment(fake, timeout=0.2))
    assert info.value.timeout


def test_fake_speaks_the_real_format(fake):
    """The google-genai SDK itself parses the fake's JSON, SSE and GET answers."""
    from google import genai

    client = genai.Client(api_key="k", http_options={"base_url": fake.url, "retry_options": {"attempts": 1}})
    fake.upstream.replies += [Reply(text="Hi there.", thought="t"), Reply(text="", tool_call=("f", {"a": 1}))]
    created = client.interactions.create(model="gemini-3-flash-preview", input="hello")
    assert created.status == "completed" and created.output_text == "Hi there."
    assert [s.type for s in client.interactions.get(created.id).steps] == [
        "user_input",
        "thought",
        "model_output",
    ]
    events = list(
        client.interactions.create(model="m", input="x", stream=True, previous_interaction_id=created.id)
    )
    names = [type(e).__name__ for e in events]
    assert "UnknownInteractionSSEEvent" not in names and names[0] == "InteractionCreatedEvent"
    assert names[-1] == "InteractionCompletedEvent" and events[-1].interaction.status == "requires_action"
    assert fake.upstream.requests[-1]["body"]["previous_interaction_id"] == created.id


def test_fake_output_is_spec_valid(fake):
    """The fake's raw JSON and SSE bodies are valid per the spec (framing, events, ordering)."""
    import httpx

    fake.upstream.replies += [
        Reply(text="Hello.", thought="t"),
        Reply(
            text="Let me check.", thought="t", tool_call=("get_weather", {"location": "Oslo"}), chunk_size=4
        ),
    ]
    url, headers = f"{fake.url}/v1beta/interactions", {"x-goog-api-key": "k"}
    interaction = httpx.post(url, json={"model": "m", "input": "hi"}, headers=headers).json()
    spec.validate("Interaction", interaction)
    spec.validate("Interaction", httpx.get(f"{url}/{interaction['id']}", headers=headers).json())
    body = httpx.post(url, json={"model": "m", "input": "hi", "stream": True}, headers=headers).text
    events = spec.assert_stream_valid(body)
    assert events[-1]["interaction"]["status"] == "requires_action"
