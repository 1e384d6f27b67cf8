"""The spec itself: it is valid (3.1 source and generated 3.0 copy), the generated copies are current,
the research §9 payloads validate against the right components, broken payloads are rejected with a
readable message, the generated pydantic models agree (parley.client over real HTTP: tests/test_client.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate as validate_openapi
from pydantic import TypeAdapter, ValidationError

from parley.contract import spec as contract
from parley.contract.spec import assert_stream_valid, parse_sse, validate
from parley.generated import models

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "openapi" / "interactions.yaml"
COPY_30 = ROOT / "generated" / "interactions.3.0.yaml"
COPY_JSON = ROOT / "generated" / "interactions.openapi.json"
SAMPLES = Path(__file__).resolve().parent / "samples"


def sample(name: str):
    text = (SAMPLES / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


def rejected(component: str, instance) -> str:
    with pytest.raises(AssertionError) as info:
        validate(component, instance)
    return str(info.value)


@pytest.fixture(scope="module")
def source() -> dict:
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ the documents


@pytest.mark.parametrize("path", [SOURCE, COPY_30], ids=["3.1-source", "3.0-copy"])
def test_spec_is_valid_openapi(path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    validate_openapi(doc)
    assert doc["openapi"].startswith("3.1" if path == SOURCE else "3.0")


def test_generated_copies_are_current(source):
    import importlib.util

    module_spec = importlib.util.spec_from_file_location("down_convert", ROOT / "scripts" / "down_convert.py")
    down_convert = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(down_convert)
    assert COPY_30.read_text(encoding="utf-8") == down_convert.render_30(source), "run scripts/generate.sh"
    assert COPY_JSON.read_text(encoding="utf-8") == down_convert.render_json(source), (
        "run scripts/generate.sh"
    )
    assert contract.spec() == source  # the validator reads the packaged JSON copy


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def test_spec_stays_in_the_30_expressible_subset(source):
    schemas = source["components"]["schemas"]
    tagged = set()  # (schema name, tag property) of every discriminated union member
    for schema in schemas.values():
        if "discriminator" in schema:
            prop = schema["discriminator"]["propertyName"]
            for target in schema["discriminator"]["mapping"].values():
                tagged.add((target.rsplit("/", 1)[-1], prop))
            refs = {alt["$ref"] for alt in schema["oneOf"]}
            assert refs == set(schema["discriminator"]["mapping"].values())
    for path, node in _walk(schemas):
        parts = path.split("/")
        if len(parts) >= 2 and parts[-2] == "properties":
            continue  # a properties map: its keys are field names
        if len(parts) == 2 and "unevaluatedProperties" in node:
            # The one 3.1-only form the down-converter takes: a closed composite of plain objects,
            # which the 3.0 copy spells as one object with additionalProperties: false.
            assert node["unevaluatedProperties"] is False and "allOf" in node, path
            continue
        for keyword in ("prefixItems", "if", "then", "$defs", "unevaluatedProperties", "format"):
            if keyword == "format":
                assert node.get("format") != "byte", f"{path}: use contentEncoding: base64"
            else:
                assert keyword not in node, f"{path}: {keyword} is not 3.0-expressible"
        if "const" in node:
            assert len(parts) == 4 and parts[2] == "properties" and (parts[1], parts[3]) in tagged, (
                f"{path}: const is only for discriminator tags"
            )


def test_the_create_request_is_closed_in_both_copies(source):
    """Unknown create fields are refused (as Google's API does), in the 3.1 source and the 3.0 copy
    Connexion serves, at the top level and inside every nested object (the `…Strict` views)."""
    copy_30 = yaml.safe_load(COPY_30.read_text(encoding="utf-8"))["components"]["schemas"]
    base = source["components"]["schemas"]["CreateInteractionBase"]["properties"]
    for name, own in (("CreateModelInteraction", "model"), ("CreateAgentInteraction", "agent")):
        assert source["components"]["schemas"][name]["unevaluatedProperties"] is False
        flat = copy_30[name]
        assert flat["additionalProperties"] is False and flat["required"] == [own]
        assert set(base) | {own} <= set(flat["properties"])
    good = {"model": "m", "input": "hi", "generation_config": {"max_output_tokens": 5}}
    validate("CreateInteractionRequest", good)
    assert "frobnicate" in rejected("CreateInteractionRequest", {**good, "frobnicate": 1})
    assert "agent_config" in rejected("CreateModelInteraction", {**good, "agent_config": {}})


# Objects that are free-form by design, in requests too: a dynamic agent's own configuration and
# the legacy bare JSON Schema response format (any JSON Schema keyword may appear).
OPEN_BY_DESIGN = {"DynamicAgentConfig", "JSONSchemaResponseFormat"}


def _objects(schemas: dict, root: str):
    """(where, object schema) for every object with `properties` reachable from `root`, named or
    inline, following `$ref`s once each."""
    seen: set[str] = set()
    todo = [(root, schemas[root])]
    while todo:
        where, node = todo.pop()
        if isinstance(node, list):
            todo += [(f"{where}/{i}", item) for i, item in enumerate(node)]
            continue
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                todo.append((name, schemas[name]))
            continue
        if isinstance(node.get("properties"), dict):
            yield where, node
        todo += [(f"{where}/{key}", value) for key, value in node.items() if key not in ("example", "enum")]


def test_every_object_a_create_request_reaches_is_closed():
    """In the 3.0 copy that validates requests, each object a create body can carry refuses fields
    it does not define, except the few that are free-form by design; so a new object-valued
    property pointed at a shared (open) schema instead of its strict view fails here."""
    schemas = yaml.safe_load(COPY_30.read_text(encoding="utf-8"))["components"]["schemas"]
    objects = list(_objects(schemas, "CreateInteractionRequest"))
    assert len(objects) > 100
    open_ = [where for where, node in objects if node.get("additionalProperties") is not False]
    assert sorted(open_) == sorted(OPEN_BY_DESIGN)


def test_responses_stay_open():
    """A client reads fields a newer server adds: nothing an answer or an event carries is closed."""
    schemas = yaml.safe_load(COPY_30.read_text(encoding="utf-8"))["components"]["schemas"]
    for root in ("Interaction", "InteractionSSEEvent"):
        closed = [w for w, node in _objects(schemas, root) if node.get("additionalProperties") is False]
        assert closed == [], root
    assert not [name for name in schemas if name.endswith("Strict") and name in str(schemas["Interaction"])]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"generation_config": {"max_output_tokens": 5, "temprature": 1}}, "/generation_config"),
        (
            {"generation_config": {"speech_config": [{"voice": "x", "pitch": 2}]}},
            "/generation_config/speech_config/0",
        ),
        ({"tools": [{"type": "function", "name": "f", "strict": True}]}, "/tools/0"),
        ({"input": [{"type": "text", "text": "hi", "lang": "en"}]}, "/input/0"),
        (
            {"input": [{"type": "user_input", "content": [{"type": "text", "text": "hi", "x": 1}]}]},
            "/input/0/content/0",
        ),
        (
            {"response_format": {"type": "text", "mime_type": "application/json", "strict": True}},
            "/response_format",
        ),
        (
            {"generation_config": {"tool_choice": {"allowed_tools": {"mode": "auto", "tool": ["f"]}}}},
            "/generation_config/tool_choice/allowed_tools",
        ),
    ],
    ids=[
        "generation_config",
        "speech_config",
        "tool",
        "content",
        "step content",
        "response_format",
        "tool_choice",
    ],
)
def test_a_nested_unknown_field_is_refused(body, where):
    message = rejected("CreateInteractionRequest", {"model": "m", "input": "hi", **body})
    assert f"at {where}: Unevaluated properties are not allowed" in message, message
    validate("CreateInteractionRequest", {"model": "m", "input": "hi", **_known(body)})


def _known(body: dict) -> dict:
    """`body` without the unknown field each case above adds: valid."""
    unknown = {"temprature", "pitch", "strict", "lang", "x", "tool"}

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in unknown}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(body)


def test_operations(source):
    operations = {
        op["operationId"]: (path, method, op)
        for path, item in source["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "delete") and "admin" not in op.get("tags", [])
    }
    # Parley's own admin API (keys, spend; tests/test_keys.py) stays off the Interactions routes.
    admin = [
        path
        for path, item in source["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "delete") and "admin" in op.get("tags", [])
    ]
    assert admin and not any(path.startswith("/{api_version}/") for path in admin)
    assert set(operations) == {
        "createInteraction",
        "getInteraction",
        "deleteInteraction",
        "cancelInteraction",
        "healthLiveliness",
        "healthReadiness",
    }
    for name in ("createInteraction", "getInteraction"):
        content = operations[name][2]["responses"]["200"]["content"]
        assert list(content) == ["application/json", "text/event-stream"]  # JSON first: the default answer
    link = operations["createInteraction"][2]["responses"]["200"]["links"]["GetCreatedInteraction"]
    assert link["operationId"] == "getInteraction" and link["parameters"]["id"] == "$response.body#/id"
    for name in ("healthLiveliness", "healthReadiness"):
        assert operations[name][2]["security"] == []
    assert source["components"]["schemas"]["ApiVersion"]["enum"] == ["v1", "v1beta"]
    assert source["security"] == [{"apiKeyHeader": []}, {"apiKeyQuery": []}, {"bearerAuth": []}]
    get_params = {p["name"]: p for p in operations["getInteraction"][2]["parameters"]}
    assert get_params["include_input"]["deprecated"] is True and set(get_params) == {
        "stream",
        "last_event_id",
        "include_input",
    }


# ------------------------------------------------------------------ research §9 samples

VALID = [
    ("create_text.json", "CreateInteractionRequest"),
    ("create_text.json", "CreateModelInteraction"),
    ("create_function_call.json", "CreateInteractionRequest"),
    ("create_function_call_sdk.json", "CreateInteractionRequest"),
    ("create_followup_stateful.json", "CreateInteractionRequest"),
    ("create_followup_stateless.json", "CreateInteractionRequest"),
    ("interaction_text.json", "Interaction"),
    ("interaction_text_get.json", "Interaction"),
    ("interaction_function_call.json", "Interaction"),
    ("interaction_cancelled.json", "Interaction"),
    ("error_not_found.json", "ErrorResponse"),
]


@pytest.mark.parametrize(("name", "component"), VALID)
def test_sample_validates(name, component):
    validate(component, sample(name))


EXPECTED_EVENTS = {
    "stream_text.sse": [
        "InteractionCreatedEvent",
        "InteractionStatusUpdate",
        "StepStart",
        "StepDelta",
        "StepDelta",
        "StepStop",
        "StepStart",
        "StepDelta",
        "StepDelta",
        "StepStop",
        "InteractionCompletedEvent",
    ],
    "stream_function_call.sse": [
        "InteractionCreatedEvent",
        "StepStart",
        "StepDelta",
        "StepStop",
        "StepStart",
        "StepDelta",
        "StepDelta",
        "StepStop",
        "InteractionStatusUpdate",
        "InteractionCompletedEvent",
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_EVENTS))
def test_sample_streams_validate_event_by_event(name):
    events = assert_stream_valid(sample(name))
    assert len(events) == len(EXPECTED_EVENTS[name])
    for event, component in zip(events, EXPECTED_EVENTS[name], strict=True):
        validate(component, event)
        validate("InteractionSSEEvent", event)
    frames = contract.parse_sse_frames(sample(name))
    assert frames[-1].data == "[DONE]" and all(
        f.event == json.loads(f.data)["event_type"] for f in frames[:-1]
    )


def test_resumed_stream():
    text = sample("stream_text_resumed.sse")
    events = assert_stream_valid(text, resumed=True)
    assert [e["event_id"] for e in events] == ["evt_8", "evt_9", "evt_10", "evt_11"]
    with pytest.raises(AssertionError, match="first event must be interaction.created"):
        assert_stream_valid(text)


def test_error_event_sample():
    (event,) = parse_sse(sample("stream_error_event.sse"))
    validate("ErrorEvent", event)
    created = sample("stream_text.sse").split("\n\n")[0] + "\n\n"
    events = assert_stream_valid(created + sample("stream_error_event.sse"))
    assert events[-1]["error"]["code"] == "internal"


MORE_VALID = [
    (
        "CreateInteractionRequest",
        {"model": "m", "input": {"type": "image", "uri": "gs://b/cat.png", "mime_type": "image/png"}},
    ),
    ("CreateInteractionRequest", {"model": "m", "input": [{"type": "user_input", "content": "shorthand"}]}),
    (
        "CreateInteractionRequest",
        {
            "model": "m",
            "input": [
                {"role": "user", "content": "legacy turn"},
                {"role": "model", "content": [{"type": "text", "text": "ok"}]},
            ],
        },
    ),
    ("CreateInteractionRequest", {"model": "m", "input": []}),
    (
        "CreateInteractionRequest",
        {"model": "m", "continuation_token": "tok_1", "previous_interaction_id": "v1_a"},
    ),
    (
        "CreateInteractionRequest",
        {
            "model": "m",
            "input": "x",
            "stream": True,
            "store": False,
            "background": False,
            "service_tier": "flex",
            "labels": {"team": "a"},
            "webhook_config": {"uris": ["https://h/x"], "user_metadata": {"k": 1}},
            "safety_settings": [{"type": "harassment", "threshold": "block_none", "method": "severity"}],
            "response_format": [
                {"type": "text", "mime_type": "application/json", "schema": {"type": "object"}},
                {"type": "audio", "mime_type": "audio/wav", "delivery": "inline"},
            ],
            "response_mime_type": "application/json",
            "response_modalities": ["text"],
            "environment": "remote",
            "cached_content": "cachedContents/abc",
            "generation_config": {
                "temperature": 0.2,
                "top_p": 0.9,
                "seed": 7,
                "max_output_tokens": 10,
                "thinking_level": "xhigh",
                "tool_choice": {"allowed_tools": {"mode": "validated", "tools": ["get_weather"]}},
                "speech_config": [{"voice": "Kore", "language": "en-US", "speaker": "A"}],
                "transcription_config": {"mode": {"type": "verbatim", "diarization_mode": "on"}},
                "video_config": {"task": "text_to_video"},
                "image_config": {"aspect_ratio": "1:1", "image_size": "512"},
            },
        },
    ),
    (
        "CreateInteractionRequest",
        {"model": "m", "response_format": {"type": "object", "properties": {"a": {"type": "string"}}}},
    ),
    (
        "CreateInteractionRequest",
        {
            "model": "m",
            "tools": [
                {"type": "function", "name": "f", "parameters": {"type": "object"}},
                {"type": "code_execution"},
                {"type": "url_context"},
                {"type": "google_search", "search_types": ["web_search"]},
                {"type": "google_maps", "latitude": 1.5, "longitude": 2.5},
                {"type": "file_search", "top_k": 3},
                {
                    "type": "mcp_server",
                    "name": "s",
                    "url": "https://m",
                    "allowed_tools": [{"mode": "auto", "tools": ["t"]}],
                },
                {"type": "computer_use", "environment": "browser"},
                {"type": "retrieval", "retrieval_types": ["rag_store"]},
                {"type": "tool_search", "execution": "client"},
            ],
        },
    ),
    (
        "CreateInteractionRequest",
        {
            "agent": "deep-research-pro-preview-12-2025",
            "input": "Research TPUs",
            "background": True,
            "agent_config": {"type": "deep-research", "visualization": "auto"},
        },
    ),
    (
        "CreateInteractionRequest",
        {
            "agent": "custom",
            "agent_config": {"type": "dynamic", "anything": [1, 2]},
            "environment": {"type": "remote", "network": {"allowlist": [{"domain": "x.org"}]}},
        },
    ),
    ("Interaction", {"status": "requires_continuation", "continuation_token": "tok", "id": "v1_x"}),
    (
        "Interaction",
        {
            "status": "completed",
            "object": "interaction",
            "role": "model",
            "outputs": [
                {"type": "thought", "signature": "c2ln"},
                {"type": "text", "text": "hi"},
                {"type": "function_call", "id": "c1", "name": "f", "arguments": {}},
            ],
        },
    ),
    (
        "Interaction",
        {
            "status": "completed",
            "steps": [
                {
                    "type": "code_execution_call",
                    "id": "c",
                    "arguments": {"code": "print(1)", "language": "python"},
                },
                {"type": "code_execution_result", "call_id": "c", "result": "1\n"},
                {"type": "google_search_call", "id": "g", "arguments": {"queries": ["q"]}},
                {
                    "type": "google_search_result",
                    "call_id": "g",
                    "result": [{"search_suggestions": "<div/>"}],
                },
                {"type": "url_context_call", "id": "u", "arguments": {"urls": ["https://a"]}},
                {
                    "type": "url_context_result",
                    "call_id": "u",
                    "result": [{"url": "https://a", "status": "success"}],
                },
                {"type": "mcp_server_tool_call", "id": "m", "name": "t", "server_name": "s", "arguments": {}},
                {"type": "mcp_server_tool_result", "call_id": "m", "result": {"ok": True}},
                {
                    "type": "model_output",
                    "content": [
                        {
                            "type": "text",
                            "text": "x",
                            "annotations": [
                                {"type": "url_citation", "url": "https://a", "start_index": 0, "end_index": 1}
                            ],
                        }
                    ],
                    "error": {"code": 8, "message": "quota"},
                },
            ],
            "usage": {"grounding_tool_count": [{"type": "google_search", "count": 1}]},
        },
    ),
    (
        "InteractionSSEEvent",
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {
                "type": "text_annotation_delta",
                "annotations": [{"type": "word_info", "text": "hi", "start_offset": "1.5s"}],
            },
            "metadata": {"total_usage": {"total_tokens": 3}},
        },
    ),
    ("InteractionSSEEvent", {"event_type": "step.stop", "index": 2, "usage": {"total_tokens": 3}}),
    ("InteractionSSEFrame", {"data": "[DONE]"}),
    ("HealthStatus", {"status": "ok", "checks": {"store": "ok"}}),
    ("Empty", {}),
]


@pytest.mark.parametrize(("component", "instance"), MORE_VALID)
def test_other_valid_forms(component, instance):
    validate(component, instance)


# ------------------------------------------------------------------ broken payloads


def _broken_interaction(mutate):
    body = copy.deepcopy(sample("interaction_function_call.json"))
    mutate(body)
    return body


BROKEN = [
    (
        "unknown step type",
        "Interaction",
        _broken_interaction(lambda b: b["steps"][1].update(type="bogus")),
        ["at /steps/1", "unknown type 'bogus'", "function_call"],
    ),
    (
        "function_call without name",
        "Interaction",
        _broken_interaction(lambda b: b["steps"][1].pop("name")),
        ["at /steps/1: 'name' is a required property"],
    ),
    (
        "bad status",
        "Interaction",
        _broken_interaction(lambda b: b.update(status="done")),
        ["at /status: 'done' is not one of"],
    ),
    (
        "status missing",
        "Interaction",
        _broken_interaction(lambda b: b.pop("status")),
        ["at (root): 'status' is a required property"],
    ),
    (
        "bad timestamp",
        "Interaction",
        _broken_interaction(lambda b: b.update(created="yesterday")),
        ["at /created: 'yesterday' is not a 'date-time'"],
    ),
    (
        "negative token count",
        "Interaction",
        _broken_interaction(lambda b: b["usage"].update(total_tokens=-1)),
        ["at /usage/total_tokens: -1 is less than the minimum of 0"],
    ),
    (
        "text block without text",
        "Interaction",
        {"status": "completed", "steps": [{"type": "model_output", "content": [{"type": "text"}]}]},
        ["at /steps/0/content/0: 'text' is a required property"],
    ),
    (
        "text delta without text",
        "InteractionSSEEvent",
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text"}},
        ["at /delta: 'text' is a required property"],
    ),
    (
        "negative step index",
        "InteractionSSEEvent",
        {"event_type": "step.delta", "index": -1, "delta": {"type": "text", "text": "x"}},
        ["at /index: -1 is less than the minimum of 0"],
    ),
    (
        "legacy event type",
        "InteractionSSEEvent",
        {"event_type": "interaction.start", "interaction": {}},
        ["unknown event_type 'interaction.start'", "interaction.created"],
    ),
    (
        "created event without id",
        "InteractionSSEEvent",
        {"event_type": "interaction.created", "interaction": {"status": "in_progress"}},
        ["at /interaction: 'id' is a required property"],
    ),
    (
        "error event without error",
        "InteractionSSEEvent",
        {"event_type": "error"},
        ["'error' is a required property"],
    ),
    (
        "error body without error key",
        "ErrorResponse",
        {"code": "not_found", "message": "gone"},
        ["at (root): 'error' is a required property"],
    ),
    (
        "classic google error code",
        "ErrorResponse",
        {"error": {"code": 404, "message": "x", "status": "NOT_FOUND"}},
        ["at /error/code: 404 is not of type 'string'"],
    ),
    (
        "neither model nor agent",
        "CreateInteractionRequest",
        {"input": "hi"},
        [
            "CreateModelInteraction ('model' is a required property)",
            "CreateAgentInteraction ('agent' is a required property)",
        ],
    ),
    (
        "model and agent",
        "CreateInteractionRequest",
        {"model": "m", "agent": "a", "input": "hi"},
        ["'agent' was unexpected", "'model' was unexpected"],  # each branch is closed
    ),
    (
        "function tool without name",
        "CreateInteractionRequest",
        {"model": "m", "tools": [{"type": "function"}]},
        ["at /tools/0: 'name' is a required property"],
    ),
    (
        "unknown tool",
        "CreateInteractionRequest",
        {"model": "m", "tools": [{"type": "web_browser"}]},
        ["at /tools/0: unknown type 'web_browser'"],
    ),
    (
        "unknown block in step history",
        "CreateInteractionRequest",
        {"model": "m", "input": [{"type": "user_input", "content": "hi"}, {"type": "bogus"}]},
        ["at /input/1: unknown type 'bogus'"],
    ),
    (
        "function_call in history without name",
        "CreateInteractionRequest",
        {"model": "m", "input": [{"type": "function_call", "id": "c", "arguments": {}}]},
        ["at /input/0: 'name' is a required property"],
    ),
    (
        "input of the wrong type",
        "CreateInteractionRequest",
        {"model": "m", "input": 5},
        ["at /input: 5 is none of: string, Content, ContentList, StepList, array of Turn"],
    ),
    (
        "bad thinking level",
        "CreateInteractionRequest",
        {"model": "m", "generation_config": {"thinking_level": "max"}},
        ["at /generation_config/thinking_level: 'max' is not one of"],
    ),
    (
        "tool_choice at random",
        "CreateInteractionRequest",
        {"model": "m", "generation_config": {"tool_choice": "sometimes"}},
        ["at /generation_config/tool_choice: 'sometimes' is not one of"],
    ),
    (
        "bad api base64 type",
        "CreateInteractionRequest",
        {"model": "m", "input": {"type": "image", "data": 5}},
        ["at /input/data: 5 is not of type 'string'"],
    ),
    ("delete body not empty", "Empty", {"deleted": True}, ["Additional properties are not allowed"]),
]


@pytest.mark.parametrize(
    ("component", "instance", "expected"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_broken_payload_is_rejected_readably(component, instance, expected):
    message = rejected(component, instance)
    assert message.startswith(f"not a valid {component}:")
    for fragment in expected:
        assert fragment in message, message


def _stream(*events, done=True) -> str:
    text = "".join(f"event: {e['event_type']}\ndata: {json.dumps(e)}\n\n" for e in events)
    return text + ("data: [DONE]\n\n" if done else "")


CREATED = {
    "event_type": "interaction.created",
    "event_id": "e1",
    "interaction": {"id": "i1", "status": "in_progress"},
}
COMPLETED = {
    "event_type": "interaction.completed",
    "event_id": "e9",
    "interaction": {"id": "i1", "status": "completed"},
}


def _start(i, kind="model_output", eid=None):
    return {
        "event_type": "step.start",
        "index": i,
        "step": {"type": kind},
        **({"event_id": eid} if eid else {}),
    }


def _text(i, eid=None):
    return {
        "event_type": "step.delta",
        "index": i,
        "delta": {"type": "text", "text": "x"},
        **({"event_id": eid} if eid else {}),
    }


def _stop(i):
    return {"event_type": "step.stop", "index": i}


BROKEN_STREAMS = [
    ("no created first", _stream(_start(0), _stop(0), COMPLETED), "first event must be interaction.created"),
    (
        "no terminal event",
        _stream(CREATED, _start(0), _stop(0)),
        "last event must be interaction.completed or error",
    ),
    (
        "event after completed",
        _stream(CREATED, COMPLETED, _start(0), {**COMPLETED, "event_id": "e10"}),
        "events follow the terminal event",
    ),
    (
        "delta before start",
        _stream(CREATED, _text(0), COMPLETED),
        "step.delta for step 0, which is not started",
    ),
    (
        "delta after stop",
        _stream(CREATED, _start(0), _stop(0), _text(0), COMPLETED),
        "step.delta for step 0, which is already stopped",
    ),
    (
        "indices out of order",
        _stream(CREATED, _start(1), _stop(1), COMPLETED),
        "step.start index 1, expected 0",
    ),
    ("step started twice", _stream(CREATED, _start(0), _start(0), COMPLETED), "step 0 started twice"),
    (
        "unstopped step",
        _stream(CREATED, _start(0), _text(0), COMPLETED),
        "steps [0] were started but never stopped",
    ),
    (
        "text into a thought",
        _stream(CREATED, _start(0, "thought"), _text(0), _stop(0), COMPLETED),
        "a 'text' delta cannot extend a 'thought' step",
    ),
    (
        "duplicate event id",
        _stream(CREATED, _start(0, eid="e2"), _text(0, eid="e2"), _stop(0), COMPLETED),
        "duplicate event_id 'e2'",
    ),
    (
        "interaction id changes",
        _stream(CREATED, {**COMPLETED, "interaction": {"id": "i2", "status": "completed"}}),
        "interaction id 'i2' differs from 'i1'",
    ),
    (
        "invalid event",
        _stream(CREATED, {"event_type": "step.delta", "index": 0, "delta": {"type": "text"}}, COMPLETED),
        "SSE event #2 (step.delta, no event_id): not a valid InteractionSSEEvent:\n  at /delta: 'text' is a required property",
    ),
    (
        "event line disagrees",
        "event: step.start\n" + _stream(CREATED, COMPLETED).split("\n", 1)[1],
        "`event: step.start` but event_type is 'interaction.created'",
    ),
    (
        "unterminated last event",
        _stream(CREATED, COMPLETED, done=False).rstrip("\n"),
        "not terminated by a blank line",
    ),
    ("data not json", "data: {oops\n\n", "data is not JSON"),
    ("unknown field", "evnt: x\ndata: {}\n\n", "unknown field 'evnt'"),
    (
        "event after done",
        _stream(CREATED, COMPLETED) + _stream(COMPLETED, done=False),
        "event after `data: [DONE]`",
    ),
    ("empty stream", ": keep-alive\n\n", "the stream has no events"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [b[1:] for b in BROKEN_STREAMS], ids=[b[0] for b in BROKEN_STREAMS]
)
def test_broken_stream_is_rejected_readably(text, expected):
    with pytest.raises(AssertionError) as info:
        assert_stream_valid(text)
    assert expected in str(info.value)


def test_lenient_framing_is_accepted():
    """CRLF line endings, a BOM, comments, data-only frames and no [DONE] are all fine for clients."""
    text = "\ufeff: hello\r\n\r\n" + _stream(
        CREATED, _start(0), _text(0), _stop(0), COMPLETED, done=False
    ).replace("\n", "\r\n").replace("event: step.stop\r\n", "")
    assert [e["event_type"] for e in assert_stream_valid(text)][-1] == "interaction.completed"


# ------------------------------------------------------------------ generated pydantic models


@pytest.mark.parametrize("name", [n for n, c in VALID if c == "Interaction"])
def test_pydantic_interaction_round_trips(name):
    raw = sample(name)
    interaction = models.Interaction.model_validate(raw)
    assert interaction.status in set(models.InteractionStatus)
    assert interaction.model_dump(mode="json", by_alias=True, exclude_none=True) == raw


def test_pydantic_step_and_request_types():
    interaction = models.Interaction.model_validate(sample("interaction_function_call.json"))
    assert [type(s).__name__ for s in interaction.steps] == ["ThoughtStep", "FunctionCallStep"]
    assert interaction.steps[1].arguments == {"location": "Boston, MA"}
    request = TypeAdapter(models.CreateInteractionRequest)
    for name in [n for n, c in VALID if c == "CreateInteractionRequest"]:
        parsed = request.validate_python(sample(name))
        assert isinstance(parsed, models.CreateModelInteraction)
        assert request.dump_python(parsed, mode="json", by_alias=True, exclude_none=True) == sample(name)
    followup = request.validate_python(sample("create_followup_stateless.json"))
    # A request's steps are their strict views: subclasses of the response types that refuse
    # fields the spec does not define.
    assert [type(s).__name__ for s in followup.input] == [
        "UserInputStepStrict",
        "ThoughtStepStrict",
        "FunctionCallStepStrict",
        "FunctionResultStepStrict",
    ]
    assert isinstance(followup.input[2], models.FunctionCallStep)
    with pytest.raises(ValidationError, match="extra_forbidden|Extra inputs"):
        request.validate_python({"model": "m", "input": "hi", "generation_config": {"temprature": 1}})
    agent = request.validate_python({"agent": "a", "agent_config": {"type": "deep-research"}})
    assert isinstance(agent, models.CreateAgentInteraction)


@pytest.mark.parametrize("name", sorted(EXPECTED_EVENTS))
def test_pydantic_parses_every_event(name):
    adapter = TypeAdapter(models.InteractionSSEEvent)
    for event, expected in zip(parse_sse(sample(name)), EXPECTED_EVENTS[name], strict=True):
        parsed = adapter.validate_json(json.dumps(event))
        assert type(parsed).__name__ == expected
        assert adapter.dump_python(parsed, mode="json", by_alias=True, exclude_none=True) == event


def test_pydantic_rejects_what_the_spec_rejects():
    adapter = TypeAdapter(models.InteractionSSEEvent)
    for component, instance, _ in [b[1:] for b in BROKEN if b[1] in ("Interaction", "InteractionSSEEvent")]:
        with pytest.raises(ValidationError):
            (models.Interaction.model_validate if component == "Interaction" else adapter.validate_python)(
                instance
            )


def test_wire_legacy_outputs_match_the_spec():
    from parley.wire import legacy_outputs

    steps = sample("interaction_text.json")["steps"] + sample("interaction_function_call.json")["steps"]
    outputs = legacy_outputs(steps)
    validate("Interaction", {"status": "completed", "role": "model", "outputs": outputs})
    interaction = models.Interaction.model_validate({"status": "completed", "outputs": outputs})
    with pytest.warns(DeprecationWarning):
        assert [type(o).__name__ for o in interaction.outputs] == [
            "ThoughtStep",
            "TextContent",
            "ThoughtStep",
            "FunctionCallStep",
        ]
