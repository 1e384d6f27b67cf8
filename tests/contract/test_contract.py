"""The Interactions API contract: every response and every SSE event is checked against the spec.

Runs against any implementation (see conftest.py). Each test is one endpoint or feature, so a run
against another server reads as a feature table."""

from __future__ import annotations

import pytest

from tests.contract.spec import assert_stream_valid, validate
from tests.fakes.script import Reply


def create(api, target, **body):
    return api.post("/v1beta/interactions", json={"model": target.model, "input": "Say hi.", **body})


def ok_json(response, component="Interaction") -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    body = response.json()
    validate(component, body)
    return body


def error_json(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    body = response.json()
    validate("ErrorResponse", body)
    return body


def ok_stream(response, resumed: bool = False) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream"), response.headers["content-type"]
    return assert_stream_valid(response.text, resumed=resumed)


# -- create --------------------------------------------------------------------------------------
def test_create_json(api, target):
    body = ok_json(create(api, target))
    assert body["id"] and body["status"] in ("completed", "incomplete")
    assert any(s["type"] == "model_output" for s in body["steps"])


@pytest.mark.parametrize("version", ["v1", "v1beta"])
def test_create_on_both_api_versions(api, target, version):
    ok_json(api.post(f"/{version}/interactions", json={"model": target.model, "input": "hi"}))


@pytest.mark.parametrize(
    "input_form",
    [
        "Tell me a joke.",
        {"type": "text", "text": "Tell me a joke."},
        [{"type": "text", "text": "Tell me a joke."}],
        [{"type": "user_input", "content": [{"type": "text", "text": "Tell me a joke."}]}],
    ],
    ids=["string", "content", "content-list", "steps"],
)
def test_create_accepts_the_four_input_forms(api, target, input_form):
    ok_json(create(api, target, input=input_form))


def test_create_with_system_instruction_and_generation_config(api, target):
    ok_json(
        create(
            api,
            target,
            system_instruction="Be terse.",
            generation_config={"max_output_tokens": 64, "temperature": 0.2, "stop_sequences": ["\n\n"]},
        )
    )


def test_create_stream(api, target):
    events = ok_stream(create(api, target, stream=True))
    assert events[0]["event_type"] == "interaction.created"
    assert events[-1]["event_type"] == "interaction.completed"
    assert any(e["event_type"] == "step.delta" for e in events)


def test_function_calling_round_trip(api, target):
    tools = [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        }
    ]
    if target.upstream:  # Parley in-process: make the fake upstream call the tool
        target.upstream.replies.append(Reply(text="", tool_call=("get_weather", {"city": "Boston"})))
    first = ok_json(
        create(
            api,
            target,
            input="Weather in Boston? Use the tool.",
            tools=tools,
            generation_config={"tool_choice": "any"},
        )
    )
    calls = [s for s in first["steps"] if s["type"] == "function_call"]
    assert calls and first["status"] == "requires_action"
    result = {
        "type": "function_result",
        "call_id": calls[0]["id"],
        "name": "get_weather",
        "result": "7C and rain",
    }
    second = ok_json(create(api, target, input=[result], tools=tools, previous_interaction_id=first["id"]))
    assert second["status"] in ("completed", "incomplete", "requires_action")


def test_conversation_with_previous_interaction_id(api, target):
    first = ok_json(create(api, target, input="My name is Ada."))
    second = ok_json(create(api, target, input="What is my name?", previous_interaction_id=first["id"]))
    timeline = ok_json(api.get(f"/v1beta/interactions/{second['id']}"))["steps"]
    assert [s["type"] for s in timeline].count("user_input") == 2


# -- get -----------------------------------------------------------------------------------------
def test_get_returns_the_timeline(api, target):
    created = ok_json(create(api, target))
    got = ok_json(api.get(f"/v1beta/interactions/{created['id']}", params={"stream": "false"}))
    assert got["id"] == created["id"] and got["steps"][0]["type"] == "user_input"


def test_get_stream_replays(api, target):
    created = ok_json(create(api, target))
    events = ok_stream(api.get(f"/v1beta/interactions/{created['id']}", params={"stream": "true"}))
    assert events[-1]["event_type"] == "interaction.completed"


def test_get_stream_resumes_after_last_event_id(api, target):
    events = ok_stream(create(api, target, stream=True))
    middle = events[len(events) // 2]
    resumed = ok_stream(
        api.get(
            f"/v1beta/interactions/{events[0]['interaction']['id']}",
            params={"stream": "true", "last_event_id": middle["event_id"]},
        ),
        resumed=True,
    )
    assert [e["event_id"] for e in resumed] == [e["event_id"] for e in events[events.index(middle) + 1 :]]


# -- delete / cancel -----------------------------------------------------------------------------
def test_delete(api, target):
    created = ok_json(create(api, target))
    response = api.delete(f"/v1beta/interactions/{created['id']}")
    assert response.status_code == 200, response.text
    error_json(api.get(f"/v1beta/interactions/{created['id']}"), 404)


def test_cancel_background(api, target):
    if target.upstream:  # keep the run going long enough to cancel it
        target.upstream.replies.append(Reply(delay=3))
    # "[slow]" makes scripts/fake_upstream.py stall, so a live target's run is still going.
    started = ok_json(create(api, target, background=True, input="[slow] Take your time."))
    assert started["status"] in ("queued", "in_progress", "completed")
    cancelled = ok_json(api.post(f"/v1beta/interactions/{started['id']}/cancel"))
    assert cancelled["status"] == "cancelled"


def test_cancel_finished_is_an_error(api, target):
    created = ok_json(create(api, target))
    response = api.post(f"/v1beta/interactions/{created['id']}/cancel")
    assert 400 <= response.status_code < 500
    error_json(response, response.status_code)


# -- errors --------------------------------------------------------------------------------------
def test_error_unknown_id(api):
    error_json(api.get("/v1beta/interactions/v1_does_not_exist"), 404)


def test_error_malformed_json(api):
    error_json(
        api.post("/v1beta/interactions", content=b"{nope", headers={"content-type": "application/json"}), 400
    )


def test_error_schema_violation(api, target):
    error_json(
        api.post("/v1beta/interactions", json={"model": target.model, "input": [{"type": "bogus"}]}), 400
    )


def test_error_missing_model(api):
    error_json(api.post("/v1beta/interactions", json={"input": "hi"}), 400)


def test_error_wrong_key(target):
    with target.client(key="sk-certainly-wrong") as client:
        response = client.post("/v1beta/interactions", json={"model": target.model, "input": "hi"})
    assert response.status_code in (401, 403), response.text
    error_json(response, response.status_code)
