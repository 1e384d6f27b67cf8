"""The Interactions API contract as plain checks: one per endpoint or feature, each a function that
talks to a `Target` over HTTP and raises `Mismatch` (what was expected, what came back) when the
answer is wrong. Every JSON answer and SSE event is validated against the spec shipped in the package.

`parley contract` runs them as a table (parley.contract.runner); tests/contract/test_contract.py runs
the same list under pytest against Parley on loopback.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from parley.contract.spec import assert_stream_valid, errors_for

__all__ = ["CHECKS", "Check", "Mismatch", "Target"]

Auth = Literal["x-goog-api-key", "bearer"]
# An in-process test hook: ask the upstream behind the target for "tool_call" (call the declared tool)
# or "slow" (take a few seconds). A live target's upstream reacts to the request itself instead
# (scripts/fake_upstream.py: tool_choice "any", "[slow]" in the input).
Script = Callable[[Literal["tool_call", "slow"]], None]
# Sees every exchange (request, fully read response) and may replace the response (--drop-nulls).
Observer = Callable[[httpx.Request, httpx.Response], httpx.Response]


class Mismatch(AssertionError):
    """The answer differs from the contract."""

    def __init__(self, expected: str, got: str):
        super().__init__(f"expected {expected}; got {got}")
        self.expected = expected
        self.got = got


def _snippet(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Observed(httpx.BaseTransport):
    """Reads each response whole and shows it to the observer (the runner's table, --drop-nulls)."""

    def __init__(self, observer: Observer):
        self._inner = httpx.HTTPTransport()
        self._observer = observer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        response.read()
        return self._observer(request, response)

    def close(self) -> None:
        self._inner.close()


@dataclass
class Target:
    """An Interactions server to grade: its URL, key (sent as `auth` says) and a model it serves."""

    base_url: str
    api_key: str | None
    model: str
    auth: Auth = "x-goog-api-key"
    script: Script | None = None
    observer: Observer | None = None
    timeout: float = 120.0

    def headers(self, key: str | None) -> dict[str, str]:
        if not key:
            return {}
        return {"Authorization": f"Bearer {key}"} if self.auth == "bearer" else {"x-goog-api-key": key}

    def http(self, key: str | None = None) -> httpx.Client:
        """An HTTP client for the target, with its key (or `key`, e.g. a wrong one)."""
        return httpx.Client(
            base_url=self.base_url.rstrip("/"),
            headers=self.headers(self.api_key if key is None else key),
            timeout=self.timeout,
            transport=_Observed(self.observer) if self.observer else None,
        )


@dataclass(frozen=True)
class Check:
    id: str  # unique, e.g. "create_on_both_api_versions[v1]"
    endpoint: str
    feature: str
    run: Callable[[Target], None] = field(repr=False)


CHECKS: list[Check] = []
CREATE = "POST /{v}/interactions"
GET = "GET /{v}/interactions/{id}"
DELETE = "DELETE /{v}/interactions/{id}"
CANCEL = "POST /{v}/interactions/{id}/cancel"
ERRORS = "errors"


def _with_param(func: Callable[[Target, Any], None], value: Any, target: Target) -> None:
    func(target, value)


def check(endpoint: str, feature: str, params: dict[str, Any] | None = None) -> Callable[[Any], Any]:
    """Register a check; with `params` ({id: value}), one check per value, passed as the 2nd argument."""

    def register(func: Callable[..., None]) -> Callable[..., None]:
        name = func.__name__
        if params is None:
            CHECKS.append(Check(name, endpoint, feature, func))
        for param_id, value in (params or {}).items():
            run: Callable[[Target], None] = functools.partial(_with_param, func, value)
            CHECKS.append(Check(f"{name}[{param_id}]", endpoint, feature.format(param=param_id), run))
        return func

    return register


# -- expectations --------------------------------------------------------------------------------
def expect(condition: object, expected: str, got: object) -> None:
    if not condition:
        raise Mismatch(expected, got if isinstance(got, str) else _snippet(json.dumps(got, default=str)))


Statuses = int | tuple[int, ...] | range


def _status(response: httpx.Response, expected: Statuses, content_type: str) -> None:
    statuses = (expected,) if isinstance(expected, int) else expected
    if isinstance(statuses, range):
        wanted = f"HTTP {statuses.start}-{statuses.stop - 1}"
    else:
        wanted = " or ".join(f"HTTP {s}" for s in statuses)
    if response.status_code not in statuses:
        raise Mismatch(wanted, f"HTTP {response.status_code}: {_snippet(response.text) or '(empty body)'}")
    actual = response.headers.get("content-type", "")
    if not actual.startswith(content_type):
        raise Mismatch(f"{wanted} with Content-Type {content_type}", f"Content-Type {actual or '(none)'}")


def _json(response: httpx.Response, component: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise Mismatch(f"a JSON {component}", f"unparseable JSON: {_snippet(response.text)}") from None
    problems = errors_for(component, body)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise Mismatch(f"a valid {component}", problems[0] + more)
    if not isinstance(body, dict):
        raise Mismatch(f"a JSON object ({component})", _snippet(response.text))
    return body


def ok_json(response: httpx.Response, component: str = "Interaction") -> dict[str, Any]:
    _status(response, 200, "application/json")
    return _json(response, component)


def error_json(response: httpx.Response, status: Statuses) -> dict[str, Any]:
    _status(response, status, "application/json")
    return _json(response, "ErrorResponse")


def ok_stream(response: httpx.Response, resumed: bool = False) -> list[dict[str, Any]]:
    _status(response, 200, "text/event-stream")
    try:
        return assert_stream_valid(response.text, resumed=resumed)
    except Mismatch:
        raise
    except AssertionError as exc:
        problem = str(exc).split("\n")
        raise Mismatch("a valid event stream", " ".join(line.strip() for line in problem[:2])) from None


def _types(items: list[dict[str, Any]], key: str = "type") -> list[Any]:
    return [item.get(key) for item in items]


def create(api: httpx.Client, target: Target, **body: Any) -> httpx.Response:
    return api.post("/v1beta/interactions", json={"model": target.model, "input": "Say hi.", **body})


def created(api: httpx.Client, target: Target, **body: Any) -> dict[str, Any]:
    return ok_json(create(api, target, **body))


# -- create --------------------------------------------------------------------------------------
@check(CREATE, "JSON answer")
def create_json(target: Target) -> None:
    with target.http() as api:
        body = created(api, target)
    expect(body.get("id"), "an id", body.get("id"))
    expect(body["status"] in ("completed", "incomplete"), "status completed or incomplete", body["status"])
    steps = _types(body["steps"])
    expect("model_output" in steps, "a model_output step", f"steps {steps}")


@check(CREATE, "API version {param}", {"v1": "v1", "v1beta": "v1beta"})
def create_on_both_api_versions(target: Target, version: str) -> None:
    with target.http() as api:
        ok_json(api.post(f"/{version}/interactions", json={"model": target.model, "input": "hi"}))


INPUT_FORMS: dict[str, Any] = {
    "string": "Tell me a joke.",
    "content": {"type": "text", "text": "Tell me a joke."},
    "content-list": [{"type": "text", "text": "Tell me a joke."}],
    "steps": [{"type": "user_input", "content": [{"type": "text", "text": "Tell me a joke."}]}],
}


@check(CREATE, "input as {param}", INPUT_FORMS)
def create_accepts_the_four_input_forms(target: Target, input_form: Any) -> None:
    with target.http() as api:
        created(api, target, input=input_form)


@check(CREATE, "system_instruction + generation_config")
def create_with_system_instruction_and_generation_config(target: Target) -> None:
    config = {"max_output_tokens": 64, "temperature": 0.2, "stop_sequences": ["\n\n"]}
    with target.http() as api:
        created(api, target, system_instruction="Be terse.", generation_config=config)


@check(CREATE, "stream: true (SSE)")
def create_stream(target: Target) -> None:
    with target.http() as api:
        events = ok_stream(create(api, target, stream=True))
    kinds = _types(events, "event_type")
    expect(kinds[0] == "interaction.created", "interaction.created first", kinds[0])
    expect(kinds[-1] == "interaction.completed", "interaction.completed last", kinds[-1])
    expect("step.delta" in kinds, "at least one step.delta", f"events {kinds}")


WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@check(CREATE, "function calling round trip")
def function_calling_round_trip(target: Target) -> None:
    if target.script:
        target.script("tool_call")
    with target.http() as api:
        first = created(
            api,
            target,
            input="Weather in Boston? Use the tool.",
            tools=[WEATHER_TOOL],
            generation_config={"tool_choice": "any"},
        )
        calls = [s for s in first["steps"] if s["type"] == "function_call"]
        expect(calls, "a function_call step", f"steps {_types(first['steps'])}")
        expect(first["status"] == "requires_action", "status requires_action", first["status"])
        result = {
            "type": "function_result",
            "call_id": calls[0]["id"],
            "name": "get_weather",
            "result": "7C and rain",
        }
        second = created(
            api, target, input=[result], tools=[WEATHER_TOOL], previous_interaction_id=first["id"]
        )
    status = second["status"]
    expect(status in ("completed", "incomplete", "requires_action"), "a finished turn", f"status {status}")


@check(CREATE, "previous_interaction_id")
def conversation_with_previous_interaction_id(target: Target) -> None:
    with target.http() as api:
        first = created(api, target, input="My name is Ada.")
        second = created(api, target, input="What is my name?", previous_interaction_id=first["id"])
        timeline = _types(ok_json(api.get(f"/v1beta/interactions/{second['id']}"))["steps"])
    expect(timeline.count("user_input") == 2, "both turns' user_input in the timeline", f"steps {timeline}")


# -- get -----------------------------------------------------------------------------------------
@check(GET, "full timeline")
def get_returns_the_timeline(target: Target) -> None:
    with target.http() as api:
        first = created(api, target)
        got = ok_json(api.get(f"/v1beta/interactions/{first['id']}", params={"stream": "false"}))
    expect(got["id"] == first["id"], f"id {first['id']}", got["id"])
    steps = _types(got["steps"])
    expect(steps[:1] == ["user_input"], "the timeline to start with user_input", f"steps {steps}")


@check(GET, "stream=true replay")
def get_stream_replays(target: Target) -> None:
    with target.http() as api:
        first = created(api, target)
        events = ok_stream(api.get(f"/v1beta/interactions/{first['id']}", params={"stream": "true"}))
    last = events[-1]["event_type"]
    expect(last == "interaction.completed", "interaction.completed last", last)


@check(GET, "resume after last_event_id")
def get_stream_resumes_after_last_event_id(target: Target) -> None:
    with target.http() as api:
        events = ok_stream(create(api, target, stream=True))
        middle = events[len(events) // 2]
        expect(middle.get("event_id"), "event_id on every event", middle)
        resumed = ok_stream(
            api.get(
                f"/v1beta/interactions/{events[0]['interaction']['id']}",
                params={"stream": "true", "last_event_id": middle["event_id"]},
            ),
            resumed=True,
        )
    wanted = [e.get("event_id") for e in events[events.index(middle) + 1 :]]
    got = [e.get("event_id") for e in resumed]
    expect(got == wanted, f"the events after {middle['event_id']}: {wanted}", got)


# -- delete / cancel -----------------------------------------------------------------------------
@check(DELETE, "delete, then 404")
def delete(target: Target) -> None:
    with target.http() as api:
        first = created(api, target)
        response = api.delete(f"/v1beta/interactions/{first['id']}")
        expect(
            response.status_code == 200, "HTTP 200", f"HTTP {response.status_code}: {_snippet(response.text)}"
        )
        error_json(api.get(f"/v1beta/interactions/{first['id']}"), 404)


@check(CANCEL, "cancel a background run")
def cancel_background(target: Target) -> None:
    if target.script:
        target.script("slow")
    with target.http() as api:
        # "[slow]" makes scripts/fake_upstream.py stall, so a live target's run is still going.
        started = created(api, target, background=True, input="[slow] Take your time.")
        status = started["status"]
        expect(status in ("queued", "in_progress", "completed"), "status queued or in_progress", status)
        cancelled = ok_json(api.post(f"/v1beta/interactions/{started['id']}/cancel"))
    expect(cancelled["status"] == "cancelled", "status cancelled", cancelled["status"])


@check(CANCEL, "cancel a finished one: 4xx")
def cancel_finished_is_an_error(target: Target) -> None:
    with target.http() as api:
        first = created(api, target)
        error_json(api.post(f"/v1beta/interactions/{first['id']}/cancel"), range(400, 500))


# -- errors --------------------------------------------------------------------------------------
@check(ERRORS, "unknown id: 404")
def error_unknown_id(target: Target) -> None:
    with target.http() as api:
        error_json(api.get("/v1beta/interactions/v1_does_not_exist"), 404)


@check(ERRORS, "malformed JSON: 400")
def error_malformed_json(target: Target) -> None:
    with target.http() as api:
        response = api.post(
            "/v1beta/interactions", content=b"{nope", headers={"content-type": "application/json"}
        )
        error_json(response, 400)


@check(ERRORS, "unknown content block type: 400")
def error_schema_violation(target: Target) -> None:
    with target.http() as api:
        body = {"model": target.model, "input": [{"type": "bogus"}]}
        error_json(api.post("/v1beta/interactions", json=body), 400)


@check(ERRORS, "missing model: 400")
def error_missing_model(target: Target) -> None:
    with target.http() as api:
        error_json(api.post("/v1beta/interactions", json={"input": "hi"}), 400)


@check(ERRORS, "wrong API key: 401/403")
def error_wrong_key(target: Target) -> None:
    with target.http(key="sk-certainly-wrong") as api:
        error_json(api.post("/v1beta/interactions", json={"model": target.model, "input": "hi"}), (401, 403))
