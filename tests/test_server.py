"""The gateway end to end: the unmodified google-genai SDK and raw HTTP against a real server."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from google import genai
from google.genai import _interactions as genai_errors

from handlers.interactions import SSEResponse
from parley.contract.spec import assert_stream_valid, validate
from parley.wire import SSE_DONE
from tests.conftest import MASTER_KEY, OTHER_KEY, gemini_config
from tests.fakes.script import Reply


@pytest.fixture(scope="module", params=[True, False], ids=["connexion", "direct"])
def gateway(request, gateway_factory, gemini_upstream):
    """conftest's gateway, and one without response validation: there a well-formed create takes
    its direct route (parley.lane), past Connexion and the ASGI layers."""
    return gateway_factory(gemini_config(gemini_upstream.url, validate_responses=request.param))


def sdk(gateway, key=MASTER_KEY, **http_options) -> genai.Client:
    # One attempt: the SDK would otherwise retry our 5xx answers with backoff.
    return genai.Client(
        api_key=key, http_options={"base_url": gateway.url, "retry_options": {"attempts": 1}, **http_options}
    )


def http(gateway, key=MASTER_KEY) -> httpx.Client:
    return httpx.Client(base_url=gateway.url, headers={"x-goog-api-key": key} if key else {}, timeout=60)


# -- the google-genai SDK, unmodified ------------------------------------------------------------
def test_sdk_create_get_and_output_text(gateway, gemini_upstream):
    client = sdk(gateway)
    interaction = client.interactions.create(model="gemini-fake", input="Tell me a joke.")
    assert interaction.status == "completed"
    assert interaction.output_text == "Hello from the fake upstream."
    assert [s.type for s in interaction.steps] == ["model_output"]  # POST: this turn's steps only
    assert interaction.usage.total_tokens == 18
    # The upstream got the upstream model id and key, never ours.
    sent = gemini_upstream.upstream.requests[-1]
    assert sent["body"]["model"] == "gemini-3-flash-preview"
    assert sent["headers"]["x-goog-api-key"] == "upstream-key"

    fetched = client.interactions.get(interaction.id)
    assert [s.type for s in fetched.steps] == ["user_input", "model_output"]  # GET: the timeline
    assert fetched.output_text == "Hello from the fake upstream."


def test_sdk_v1beta_path(gateway):
    client = sdk(gateway, api_version="v1beta")
    assert client.interactions.create(model="gemini-fake", input="hi").status == "completed"


def test_sdk_streams_events(gateway, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(text="streamed words arrive in pieces", chunk_size=5))
    client = sdk(gateway)
    events = list(client.interactions.create(model="gemini-fake", input="hi", stream=True))
    kinds = [e.event_type for e in events]
    assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"
    text = "".join(e.delta.text for e in events if e.event_type == "step.delta" and e.delta.type == "text")
    assert text == "streamed words arrive in pieces"
    assert sum(k == "step.delta" for k in kinds) == 7
    interaction_id = events[0].interaction.id
    assert client.interactions.get(interaction_id).output_text == text


def test_sdk_function_call_round_trip(gateway, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(tool_call=("get_weather", {"location": "Boston"})))
    client = sdk(gateway)
    tools = [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Weather for a city.",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
        }
    ]
    first = client.interactions.create(model="gemini-fake", input="Weather in Boston?", tools=tools)
    assert first.status == "requires_action"
    call = next(s for s in first.steps if s.type == "function_call")
    assert call.name == "get_weather" and call.arguments == {"location": "Boston"}

    second = client.interactions.create(
        model="gemini-fake",
        previous_interaction_id=first.id,
        tools=tools,
        input=[{"type": "function_result", "call_id": call.id, "name": "get_weather", "result": "7C, rain"}],
    )
    assert second.status == "completed"
    timeline = client.interactions.get(second.id).steps
    types = [s.type for s in timeline]
    assert types[0] == "user_input" and types[-1] == "model_output"
    assert types.index("function_call") + 1 == types.index("function_result")


def test_sdk_previous_interaction_id_rebuilds_history_for_a_stateless_upstream(gateway):
    """The local model keeps no state: Parley replays the stored conversation to it."""
    client = sdk(gateway)
    first = client.interactions.create(
        model="smollm2", input="Say hello.", generation_config={"max_output_tokens": 8, "temperature": 0}
    )
    second = client.interactions.create(
        model="smollm2",
        input="And again.",
        previous_interaction_id=first.id,
        generation_config={"max_output_tokens": 8, "temperature": 0},
    )
    assert second.output_text
    steps = client.interactions.get(second.id).steps
    assert [s.type for s in steps] == ["user_input", "model_output", "user_input", "model_output"]
    assert steps[0].content[0].text == "Say hello." and steps[2].content[0].text == "And again."


def test_sdk_background_cancel_and_delete(gateway, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(delay=5))  # the upstream stalls; we cancel meanwhile
    client = sdk(gateway)
    started = client.interactions.create(model="gemini-fake", input="Take your time.", background=True)
    assert started.status == "in_progress"
    cancelled = client.interactions.cancel(started.id)
    assert cancelled.status == "cancelled"
    assert client.interactions.get(started.id).status == "cancelled"
    assert client.interactions.cancel(started.id).status == "cancelled"  # idempotent
    done = client.interactions.create(model="gemini-fake", input="hi")
    with pytest.raises(genai_errors.BadRequestError):
        client.interactions.cancel(done.id)  # a finished interaction cannot be cancelled
    assert client.interactions.delete(started.id) is None
    with pytest.raises(genai_errors.NotFoundError):
        client.interactions.get(started.id)


def test_sdk_background_completes_and_is_pollable(gateway):
    client = sdk(gateway)
    started = client.interactions.create(model="gemini-fake", input="hi", background=True)
    deadline = time.monotonic() + 10
    while (got := client.interactions.get(started.id)).status in ("queued", "in_progress"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert got.status == "completed" and got.output_text == "Hello from the fake upstream."


def test_sdk_stream_resume_with_last_event_id(gateway, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(text="abcdefghij", chunk_size=2))
    client = sdk(gateway)
    events = list(client.interactions.create(model="gemini-fake", input="hi", stream=True))
    cut = next(e for e in events if e.event_type == "step.delta")
    resumed = list(client.interactions.get(events[0].interaction.id, stream=True, last_event_id=cut.event_id))
    assert [e.event_id for e in resumed] == [e.event_id for e in events[events.index(cut) + 1 :]]


def test_sdk_resumes_the_stream_of_an_interaction_created_without_one(gateway):
    """A JSON create stores no events: its stream is synthesised, and resumes like any other."""
    client = sdk(gateway)
    created = client.interactions.create(model="gemini-fake", input="hi")
    whole = list(client.interactions.get(created.id, stream=True))
    assert [e.event_id for e in whole] == [f"evt_{n}" for n in range(1, len(whole) + 1)] and len(whole) >= 3
    for cut in range(1, len(whole) + 1):
        resumed = list(client.interactions.get(created.id, stream=True, last_event_id=f"evt_{cut}"))
        assert [e.event_id for e in resumed] == [e.event_id for e in whole[cut:]]


def test_sdk_errors_map_to_exceptions(gateway, gemini_upstream):
    client = sdk(gateway)
    with pytest.raises(genai_errors.NotFoundError):
        client.interactions.get("v1_missing")
    with pytest.raises(genai_errors.NotFoundError):
        client.interactions.create(model="no-such-model", input="hi")
    stranger = sdk(gateway, key="sk-wrong")  # keep a reference: the SDK closes its transport when collected
    with pytest.raises(genai_errors.AuthenticationError):
        stranger.interactions.create(model="gemini-fake", input="hi")
    gemini_upstream.upstream.replies.append(Reply(status=429, retry_after=1, error_message="slow down"))
    with pytest.raises(genai_errors.RateLimitError) as caught:
        client.interactions.create(model="gemini-fake", input="hi")
    assert "slow down" in str(caught.value)


# -- ownership ------------------------------------------------------------------------------------
def test_an_interaction_is_visible_only_to_its_key(gateway):
    owner, theirs = sdk(gateway), sdk(gateway, key=OTHER_KEY)
    mine = owner.interactions.create(model="gemini-fake", input="secret")
    with pytest.raises(genai_errors.NotFoundError):
        theirs.interactions.get(mine.id)
    with pytest.raises(genai_errors.NotFoundError):
        theirs.interactions.delete(mine.id)
    with pytest.raises(genai_errors.NotFoundError):
        theirs.interactions.create(model="gemini-fake", input="more", previous_interaction_id=mine.id)
    assert owner.interactions.get(mine.id).status == "completed"  # still there for its owner


@pytest.mark.parametrize(
    "auth",
    [
        {"headers": {"x-goog-api-key": MASTER_KEY}},
        {"headers": {"Authorization": f"Bearer {MASTER_KEY}"}},
        {"params": {"key": MASTER_KEY}},
    ],
)
def test_the_three_ways_to_send_a_key(gateway, auth):
    r = httpx.post(f"{gateway.url}/v1/interactions", json={"model": "gemini-fake", "input": "hi"}, **auth)
    assert r.status_code == 200, r.text
    validate("Interaction", r.json())
    # The same key reads it back whichever way it is sent.
    assert (
        httpx.get(f"{gateway.url}/v1/interactions/{r.json()['id']}", params={"key": MASTER_KEY}).status_code
        == 200
    )


# -- raw HTTP: shapes, errors ---------------------------------------------------------------------
def test_json_response_is_spec_valid_and_has_legacy_outputs(gateway):
    body = http(gateway).post("/v1beta/interactions", json={"model": "gemini-fake", "input": "hi"}).json()
    validate("Interaction", body)
    assert body["object"] == "interaction" and body["role"] == "model"
    assert body["outputs"][-1]["text"] == "Hello from the fake upstream."


def test_stream_is_spec_valid(gateway, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(tool_call=("f", {"a": 1}), thought="Thinking."))
    r = http(gateway).post("/v1/interactions", json={"model": "gemini-fake", "input": "hi", "stream": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = assert_stream_valid(r.text)
    assert events[-1]["interaction"]["status"] == "requires_action"


def test_store_false_is_not_retrievable(gateway):
    c = http(gateway)
    body = c.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi", "store": False}).json()
    assert body["status"] == "completed"
    assert c.get(f"/v1/interactions/{body['id']}").status_code == 404


def test_upstream_failure_mid_stream_ends_with_error_and_failed(gateway, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(text="x" * 80, chunk_size=4, cut_after=5))
    c = http(gateway)
    r = c.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi", "stream": True})
    events = assert_stream_valid(r.text)
    kinds = [e["event_type"] for e in events]
    assert kinds[-1] == "error" and "interaction.completed" not in kinds
    assert c.get(f"/v1/interactions/{events[0]['interaction']['id']}").json()["status"] == "failed"


@pytest.mark.parametrize(
    "request_kwargs, status, needle",
    [
        ({"content": b"{not json"}, 400, "not valid JSON"),
        ({"content": b'{"model": "gemini-fake", "input": "\xff"}'}, 400, "UTF-8"),
        ({"json": {"input": "hi"}}, 400, "'model' is a required property"),
        ({"json": {"model": "gemini-fake", "input": [{"type": "function_call", "id": "a"}]}}, 400, "'name'"),
        ({"json": {"model": "gemini-fake", "input": "hi", "stream": "yes"}}, 400, "/stream"),
        ({"json": {"model": "gemini-fake", "input": [{"type": "bogus"}]}}, 400, "'bogus' is not one of"),
        (
            {"json": {"model": "gemini-fake", "input": 5}},
            400,
            "5 is not of type array, object, string (at /input)",
        ),
        (
            {"json": {"model": "gemini-fake", "input": "x", "tools": [{"type": "function"}]}},
            400,
            "'name' is a required property (at /tools/0)",
        ),
        ({"json": []}, 400, "[] is not of type 'object'"),
        ({"json": {"model": "gemini-fake"}}, 400, "`input` is required"),
        ({"json": {"model": "no-such-model", "input": "hi"}}, 404, "no-such-model"),
        (
            {"json": {"model": "gemini-fake", "input": "hi", "previous_interaction_id": "v1_nope"}},
            404,
            "v1_nope",
        ),
        ({"json": {"model": "gemini-fake", "input": "hi", "background": True, "store": False}}, 400, "store"),
        ({"json": {"agent": "deep-research-pro-preview-12-2025", "input": "hi"}}, 400, "Agents"),
    ],
)
def test_bad_requests_get_clear_errors(gateway, request_kwargs, status, needle):
    r = http(gateway).post("/v1/interactions", headers={"content-type": "application/json"}, **request_kwargs)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    validate("ErrorResponse", r.json())
    assert needle in r.json()["error"]["message"]
    assert len(r.json()["error"]["message"]) < 400  # a sentence, never a schema dump


def test_unknown_create_fields_are_a_400_naming_them(gateway, gemini_upstream):
    """As Google's API answers: the spec's create request is closed (unevaluatedProperties: false)."""
    body = {"model": "gemini-fake", "input": "hi", "frobnicate": 1}
    r = http(gateway).post("/v1beta/interactions", json=body)
    assert r.status_code == 400, r.text
    validate("ErrorResponse", r.json())
    assert r.json()["error"]["message"] == (
        'Invalid JSON payload received. Unknown name "frobnicate": Cannot find field.'
    )
    r = http(gateway).post("/v1beta/interactions", json={**body, "stream": True, "agent_config": {}})
    assert r.status_code == 400 and r.json()["error"]["message"].splitlines() == [
        'Invalid JSON payload received. Unknown name "frobnicate": Cannot find field.',
        'Invalid JSON payload received. Unknown name "agent_config": Cannot find field.',
    ]
    assert not gemini_upstream.upstream.requests  # refused before anything ran


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (
            {"generation_config": {"max_output_tokens": 5, "temprature": 0.5}},
            "Unknown name \"temprature\" at 'generation_config'",
        ),
        (
            {"tools": [{"type": "function", "name": "f", "strict": True}]},
            "Unknown name \"strict\" at 'tools[0]'",
        ),
        (
            {"input": [{"type": "user_input", "content": [{"type": "text", "text": "hi", "lang": "en"}]}]},
            "Unknown name \"lang\" at 'input[0].content[0]'",
        ),
        (
            {"response_format": {"type": "text", "mime_type": "application/json", "strict": True}},
            "Unknown name \"strict\" at 'response_format'",
        ),
        (
            {"generation_config": {"tool_choice": {"allowed_tools": {"mode": "auto", "tool": ["f"]}}}},
            "Unknown name \"tool\" at 'generation_config.tool_choice.allowed_tools'",
        ),
    ],
    ids=["generation_config", "tool", "step content", "response_format", "tool_choice"],
)
def test_unknown_nested_fields_are_a_400_naming_them_and_their_path(gateway, gemini_upstream, body, line):
    """Inside generation_config, tools, content blocks, response_format, tool_choice, ... as at the
    top level (each object a request carries has a closed `…Strict` view in the spec)."""
    before = len(gemini_upstream.upstream.requests)
    r = http(gateway).post("/v1beta/interactions", json={"model": "gemini-fake", "input": "hi", **body})
    assert r.status_code == 400, r.text
    validate("ErrorResponse", r.json())
    assert r.json()["error"]["message"] == f"Invalid JSON payload received. {line}: Cannot find field."
    assert len(gemini_upstream.upstream.requests) == before


@pytest.mark.parametrize(
    "body",
    [
        {"generation_config": {"seed": 10**23}},
        {"generation_config": {"seed": -(2**31) - 1}},
        {"generation_config": {"max_output_tokens": 2**31}},
        {"previous_interaction_id": ""},
    ],
    ids=str,
)
def test_settings_out_of_range_are_a_400_naming_them(gateway, gemini_upstream, body):
    """int32 settings beyond int32 (the local model's runtime failed on them), an empty id."""
    before = len(gemini_upstream.upstream.requests)
    r = http(gateway).post("/v1beta/interactions", json={"model": "gemini-fake", "input": "hi", **body})
    assert r.status_code == 400, r.text
    validate("ErrorResponse", r.json())
    setting = next(iter(body["generation_config"])) if "generation_config" in body else next(iter(body))
    assert setting in r.json()["error"]["message"]
    assert len(gemini_upstream.upstream.requests) == before


def test_auth_errors(gateway):
    assert http(gateway, key=None).get("/v1/interactions/x").status_code == 401
    r = http(gateway, key="sk-wrong").get("/v1/interactions/x")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def test_unknown_routes_and_methods(gateway):
    c = http(gateway)
    assert c.get("/v1/nothing-here").json()["error"]["code"] == "not_found"
    r = c.put("/v1/interactions")
    assert r.status_code == 405 and "POST" in r.headers["allow"]
    assert c.get("/v1/interactions/x", params={"stream": "maybe"}).status_code == 400


def test_upstream_errors_pass_through_with_status(gateway, gemini_upstream):
    c = http(gateway)
    for status, expected in [(400, 400), (500, 502), (401, 502)]:
        gemini_upstream.upstream.replies.append(Reply(status=status, error_message=f"upstream said {status}"))
        r = c.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi"})
        assert r.status_code == expected
        assert f"upstream said {status}" in r.json()["error"]["message"]


def test_health_spec_and_docs(gateway):
    c = http(gateway, key=None)
    assert c.get("/health/liveliness").json() == {"status": "ok"}
    assert c.get("/health/readiness").json()["status"] == "ok"
    spec = c.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1") and "/{api_version}/interactions" in spec["paths"]
    assert c.get("/docs/").status_code == 200


def test_a_cancelled_run_replays_as_a_well_formed_stream(gateway, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(delay=5))
    c = http(gateway)
    started = c.post(
        "/v1/interactions", json={"model": "gemini-fake", "input": "slow", "background": True}
    ).json()
    assert c.post(f"/v1/interactions/{started['id']}/cancel").json()["status"] == "cancelled"
    events = assert_stream_valid(c.get(f"/v1/interactions/{started['id']}", params={"stream": "true"}).text)
    assert [e["event_type"] for e in events] == [
        "interaction.created",
        "interaction.status_update",
        "interaction.completed",
    ]
    assert events[-1]["interaction"]["status"] == "cancelled"


def test_a_run_cancelled_mid_step_stops_the_step_before_it_ends(gateway, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(text="x" * 400, chunk_size=4, event_delay=0.05))
    c = http(gateway)
    started = c.post(
        "/v1/interactions", json={"model": "gemini-fake", "input": "slow", "background": True}
    ).json()
    time.sleep(0.5)  # a few deltas in
    assert c.post(f"/v1/interactions/{started['id']}/cancel").json()["status"] == "cancelled"
    events = assert_stream_valid(c.get(f"/v1/interactions/{started['id']}", params={"stream": "true"}).text)
    assert [e["event_type"] for e in events[-4:]] == [
        "step.delta",
        "step.stop",
        "interaction.status_update",
        "interaction.completed",
    ]


def test_unknown_api_version_is_404_and_401_says_how_to_send_a_key(gateway):
    r = http(gateway).get("/v2/interactions/abc")
    assert r.status_code == 404 and "/v1 and /v1beta" in r.json()["error"]["message"]
    r = http(gateway, key=None).get("/v1/interactions/abc")
    assert r.status_code == 401 and "x-goog-api-key" in r.json()["error"]["message"]


def test_a_client_that_leaves_a_stream_stops_it(gateway, gemini_upstream):
    """The stream waits on a stalled upstream when its client leaves: the run ends cancelled at
    once (its upstream call stopped), not when the upstream would have finished."""
    gemini_upstream.upstream.replies.append(Reply(stall_after=3, stall_seconds=30))
    c = http(gateway)
    body = {"model": "gemini-fake", "input": "hi", "stream": True}
    with c.stream("POST", "/v1/interactions", json=body) as r:
        assert r.status_code == 200
        ident = r.headers["x-parley-interaction-id"]
        lines = r.iter_lines()
        assert next(line for line in lines if line.startswith("data:"))  # it has begun
    deadline = time.monotonic() + 5
    while (status := c.get(f"/v1/interactions/{ident}").json()["status"]) == "in_progress":
        assert time.monotonic() < deadline, "the stream ran on after its client left"
        time.sleep(0.05)
    assert status == "cancelled"


def test_sse_frames_go_out_one_step_late_so_the_last_leaves_with_done():
    """A batch is sent once the next step has been tried: the last one and `data: [DONE]` go in
    one write, and a step that waits sends what it holds before waiting."""

    async def run(wait_after_first: bool, more: bool) -> tuple[list, list]:
        sent: list = []
        seen_while_waiting: list = []

        async def frames():
            yield b"a"
            if wait_after_first:
                await asyncio.sleep(0.01)
                seen_while_waiting.append(list(sent))
            if more:
                yield b"b"

        async def send(message):
            body = message["type"] == "http.response.body"
            sent.append((message["body"], message["more_body"]) if body else "start")

        async def receive():
            await asyncio.sleep(3600)

        await SSEResponse(frames(), media_type="text/event-stream")({"type": "http"}, receive, send)
        return sent, seen_while_waiting

    # All there at once: the last batch leaves with [DONE].
    assert asyncio.run(run(False, True)) == (["start", (b"a", True), (b"b" + SSE_DONE, False)], [])
    assert asyncio.run(run(False, False)) == (["start", (b"a" + SSE_DONE, False)], [])
    # A wait: what came before it is with the client while the stream waits.
    assert asyncio.run(run(True, True)) == (
        ["start", (b"a", True), (b"b" + SSE_DONE, False)],
        [["start", (b"a", True)]],
    )
    assert asyncio.run(run(True, False)) == (
        ["start", (b"a", True), (SSE_DONE, False)],
        [["start", (b"a", True)]],
    )
