"""BedrockAdapter against the fake Bedrock Runtime on loopback (real HTTP, real SigV4, real AWS
event-stream framing), and the fake against boto3's own bedrock-runtime client."""

from __future__ import annotations

import base64
import dataclasses
import datetime

import boto3
import botocore.exceptions
import orjson
import pytest

from parley.config import parse
from parley.errors import ApiError, UpstreamError
from parley.providers import adapter_for, split_model
from parley.providers.anthropic import REDACTED
from parley.providers.base import Deployment
from parley.providers.bedrock import BedrockAdapter, url
from parley.wire import input_to_steps, output_text
from tests.adapter_kit import WEATHER, fake_fixtures, make_turn
from tests.fakes.anthropic import signature
from tests.fakes.bedrock import KEYS, REGION, BedrockReply, make_app
from tests.fakes.script import Reply
from tests.provider_kit import check_outcome, collect, status, steps_of, usage

adapter = BedrockAdapter()
KEY_ID, SECRET = next(iter(KEYS.items()))
CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n fake").decode()
PDF = base64.b64encode(b"%PDF-1.7 fake").decode()

fake, reset = fake_fixtures(make_app)


def deployment(fake, model: str = CLAUDE, **params) -> Deployment:
    creds = {"aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET, "aws_region_name": REGION}
    return Deployment("claude", "bedrock", model, api_base=fake.url, params={**creds, **params})


def sent(fake) -> dict:
    return fake.upstream.requests[-1]["body"]


async def create(fake, request: dict, history: list | None = None, **kw):
    dep = deployment(fake, **kw)
    return check_outcome(await adapter.create(make_turn({"model": "claude", **request}, history), dep))


async def stream(fake, request: dict, history: list | None = None, **kw):
    dep = deployment(fake, **kw)
    return await collect(adapter.stream(make_turn({"model": "claude", **request}, history), dep))


# --- the fake speaks Bedrock to boto3 -----------------------------------------------------------------


def client(fake, secret: str = SECRET, key_id: str = KEY_ID):
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=fake.url,
        region_name=REGION,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"total_max_attempts": 1}),
    )


def test_fake_speaks_converse_to_boto3(fake):
    messages = [{"role": "user", "content": [{"text": "hi"}]}]
    answer = client(fake).converse(modelId=CLAUDE, messages=messages)
    assert answer["output"]["message"] == {"role": "assistant", "content": [{"text": Reply().text}]}
    assert answer["stopReason"] == "end_turn" and answer["usage"]["totalTokens"] == 18
    request = fake.upstream.requests[-1]
    assert request["path"] == f"/model/{CLAUDE}/converse"
    assert f"Credential={KEY_ID}/" in request["headers"]["authorization"]

    fake.upstream.replies.append(BedrockReply(thought="Hm.", tool_call=("get_weather", {"location": "Oslo"})))
    tools = {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": WEATHER["parameters"]}}}]}
    events = list(client(fake).converse_stream(modelId=CLAUDE, messages=messages, toolConfig=tools)["stream"])
    kinds = [next(iter(e)) for e in events]
    assert kinds[0] == "messageStart" and kinds[-2:] == ["messageStop", "metadata"]
    assert events[1]["contentBlockDelta"]["delta"] == {"reasoningContent": {"text": "Hm."}}
    starts = [e["contentBlockStart"]["start"]["toolUse"]["name"] for e in events if "contentBlockStart" in e]
    assert starts == ["get_weather"] and events[-2]["messageStop"]["stopReason"] == "tool_use"

    fake.upstream.replies.append(BedrockReply(exception_after=2, error_message="Too many tokens"))
    with pytest.raises(botocore.exceptions.EventStreamError) as caught:
        list(client(fake).converse_stream(modelId=CLAUDE, messages=messages)["stream"])
    assert caught.value.response["Error"]["Code"] == "throttlingException"

    fake.upstream.replies.append(Reply(status=429, error_message="Rate exceeded"))
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client(fake).converse(modelId=CLAUDE, messages=messages)
    assert caught.value.response["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}


def test_fake_rejects_a_wrong_key(fake):
    messages = [{"role": "user", "content": [{"text": "hi"}]}]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client(fake, secret="not-the-secret").converse(modelId=CLAUDE, messages=messages)
    assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client(fake, key_id="AKIDUNKNOWN").converse(modelId=CLAUDE, messages=messages)
    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
    with pytest.raises(botocore.exceptions.ClientError) as caught:  # the AWS service model's own checks
        client(fake).converse(modelId=CLAUDE, messages=[{"role": "user", "content": [{"text": "hi"}]}] * 2)
    assert caught.value.response["Error"]["Code"] == "ValidationException"


# --- signing --------------------------------------------------------------------------------------


async def test_plain_text_is_signed(fake):
    fake.upstream.replies.append(Reply(text="Hi there.", usage=(14, 5)))
    outcome = await create(fake, {"input": "hello", "system_instruction": "Be brief."})
    assert outcome.status == "completed"
    assert outcome.steps == [{"type": "model_output", "content": [{"type": "text", "text": "Hi there."}]}]
    assert outcome.usage == {
        "total_input_tokens": 14,
        "total_output_tokens": 5,
        "total_thought_tokens": 0,
        "total_cached_tokens": 0,
        "total_tokens": 19,
    }
    request = fake.upstream.requests[-1]
    assert request["path"] == f"/model/{CLAUDE}/converse"
    today = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d")
    auth = request["headers"]["authorization"]
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={KEY_ID}/{today}/{REGION}/bedrock/aws4_request,")
    assert "x-amz-date" in auth and request["headers"]["x-amz-date"].startswith(today)
    assert request["body"] == {
        "messages": [{"role": "user", "content": [{"text": "hello"}]}],
        "system": [{"text": "Be brief."}],
        "inferenceConfig": {},
    }


async def test_wrong_secret_is_refused_upstream_and_a_gateway_error(fake):
    with pytest.raises(UpstreamError) as caught:
        await create(fake, {"input": "hi"}, aws_secret_access_key="wrong")
    assert caught.value.status == 403 and "signature we calculated does not match" in caught.value.message
    assert caught.value.to_api_error().status == 502  # the gateway's misconfiguration


async def test_session_token_and_environment_credentials(fake, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-1")
    monkeypatch.setenv("AWS_REGION_NAME", REGION)
    monkeypatch.setenv("AWS_BEDROCK_RUNTIME_ENDPOINT", fake.url)
    dep = Deployment("llama", "bedrock", "meta.llama3-70b-instruct-v1:0")
    outcome = await adapter.create(make_turn({"model": "llama", "input": "hi"}), dep)
    assert output_text(outcome.steps) == Reply().text
    headers = fake.upstream.requests[-1]["headers"]
    assert headers["x-amz-security-token"] == "session-token-1"
    assert "x-amz-security-token" in headers["authorization"]  # signed, not just sent
    assert fake.upstream.requests[-1]["path"] == "/model/meta.llama3-70b-instruct-v1:0/converse"


def test_endpoint_and_region():
    dep = Deployment(
        "m", "bedrock", "arn:aws:bedrock:eu-west-1:123:inference-profile/eu.amazon.nova-pro-v1:0"
    )
    dep = Deployment(dep.model_name, dep.provider, dep.model, params={"aws_region_name": "eu-west-1"})
    assert url(dep, stream=True) == (
        "https://bedrock-runtime.eu-west-1.amazonaws.com/model/"
        "arn:aws:bedrock:eu-west-1:123:inference-profile%2Feu.amazon.nova-pro-v1:0/converse-stream"
    )
    custom = Deployment("m", "bedrock", "x", params={"aws_bedrock_runtime_endpoint": "https://vpce.example/"})
    assert url(custom, stream=False) == "https://vpce.example/model/x/converse"


async def test_missing_region_is_a_clear_error(monkeypatch):
    for name in ("AWS_REGION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    dep = Deployment("m", "bedrock", "x", params={"aws_access_key_id": "a", "aws_secret_access_key": "b"})
    with pytest.raises(ApiError, match="no AWS region"):
        await adapter.create(make_turn({"model": "m", "input": "hi"}), dep)


# --- streams ---------------------------------------------------------------------------------------


async def test_stream_text(fake):
    text = "Streaming, one small piece at a time."
    fake.upstream.replies.append(Reply(text=text, chunk_size=5, usage=(9, 12)))
    events, end, error = await stream(fake, {"input": "go"})
    assert error is None and fake.upstream.requests[-1]["path"].endswith("/converse-stream")
    assert events[0] == {
        "event_type": "step.start",
        "index": 0,
        "step": {"type": "model_output", "content": []},
    }
    assert [e["delta"]["text"] for e in events if e["event_type"] == "step.delta"][:2] == ["Strea", "ming,"]
    assert events[-1] == {"event_type": "step.stop", "index": 0}
    assert output_text(steps_of(events)) == text
    assert status(end) == "completed" and usage(end)["total_tokens"] == 21


async def test_stream_exception_frame_ends_the_stream(fake):
    fake.upstream.replies.append(BedrockReply(text="a long answer", chunk_size=2, exception_after=3))
    events, end, error = await stream(fake, {"input": "go"})
    assert end is None and len(events) == 3  # two text deltas made it before the frame
    assert error.status == 429 and "throttlingException" in error.message and error.retryable
    fake.upstream.replies.append(
        BedrockReply(exception_after=1, exception="modelStreamErrorException", error_message="boom")
    )
    _, end, error = await stream(fake, {"input": "go"})
    assert end is None and error.status == 502 and "boom" in error.message


async def test_stream_cut_mid_way(fake):
    fake.upstream.replies.append(Reply(text="a long answer", chunk_size=2, cut_after=3))
    _, end, error = await stream(fake, {"input": "go"})
    assert end is None and error is not None and error.retryable


# --- tools, thinking --------------------------------------------------------------------------------


async def test_function_call_round_trip_with_thinking(fake):
    fake.upstream.replies.append(
        BedrockReply(
            thought="Need the weather tool.", text="", tool_call=("get_weather", {"location": "Oslo"})
        )
    )
    config = {"thinking_level": "low", "tool_choice": "auto"}
    outcome = await create(
        fake, {"input": "Weather in Oslo?", "tools": [WEATHER], "generation_config": config}
    )
    body = sent(fake)
    assert body["additionalModelRequestFields"] == {"thinking": {"type": "enabled", "budget_tokens": 4096}}
    assert body["inferenceConfig"] == {"maxTokens": 8192 + 4096}
    assert body["toolConfig"] == {
        "tools": [
            {
                "toolSpec": {
                    "name": "get_weather",
                    "inputSchema": {"json": WEATHER["parameters"]},
                    "description": WEATHER["description"],
                }
            }
        ],
        "toolChoice": {"auto": {}},
    }
    assert outcome.status == "requires_action"
    thought, call = outcome.steps
    assert thought == {
        "type": "thought",
        "signature": signature("Need the weather tool."),
        "summary": [{"type": "text", "text": "Need the weather tool."}],
    }
    assert call["type"] == "function_call" and call["arguments"] == {"location": "Oslo"}

    result = {
        "type": "function_result",
        "call_id": call["id"],
        "name": "get_weather",
        "result": {"temp_c": 7},
    }
    history = [*input_to_steps("Weather in Oslo?"), thought, call, result]
    fake.upstream.replies.append(Reply(text="7°C."))
    outcome = await create(fake, {"tools": [WEATHER], "generation_config": config}, history)
    assert output_text(outcome.steps) == "7°C." and outcome.status == "completed"
    assert sent(fake)["messages"][1:] == [
        {
            "role": "assistant",
            "content": [
                {
                    "reasoningContent": {
                        "reasoningText": {"text": "Need the weather tool.", "signature": thought["signature"]}
                    }
                },
                {"toolUse": {"toolUseId": call["id"], "name": "get_weather", "input": {"location": "Oslo"}}},
            ],
        },
        {
            "role": "user",
            "content": [{"toolResult": {"toolUseId": call["id"], "content": [{"json": {"temp_c": 7}}]}}],
        },
    ]


async def test_stream_thinking_and_function_call(fake):
    fake.upstream.replies.append(
        BedrockReply(
            thought="Let me think.", text="Checking.", tool_call=("get_weather", {"location": "Oslo"})
        )
    )
    events, end, error = await stream(fake, {"input": "Weather?", "tools": [WEATHER]})
    assert error is None and status(end) == "requires_action"
    thought, text, call = steps_of(events)
    assert thought == {
        "type": "thought",
        "summary": [{"type": "text", "text": "Let me think."}],
        "signature": signature("Let me think."),
    }
    assert text["content"] == [{"type": "text", "text": "Checking."}]
    assert call["name"] == "get_weather" and call["arguments"] == {"location": "Oslo"}
    assert call["id"].startswith("tooluse_")


async def test_redacted_and_unsigned_thoughts(fake):
    redacted = base64.b64encode(b"opaque").decode()
    history = [
        *input_to_steps("hi"),
        {"type": "thought", "signature": REDACTED + redacted},
        {"type": "thought", "summary": [{"type": "text", "text": "another provider's"}]},
        {"type": "model_output", "content": [{"type": "text", "text": "Hello."}]},
        *input_to_steps("again"),
    ]
    await create(fake, {}, history)
    assert sent(fake)["messages"][1] == {
        "role": "assistant",
        "content": [{"reasoningContent": {"redactedContent": redacted}}, {"text": "Hello."}],
    }


@pytest.mark.parametrize(
    ("choice", "expected", "names"),
    [
        ("any", {"any": {}}, ["get_weather", "get_time"]),
        (
            {"allowed_tools": {"mode": "any", "tools": ["get_time"]}},
            {"tool": {"name": "get_time"}},
            ["get_time"],
        ),
        ({"allowed_tools": {"mode": "auto", "tools": ["get_time"]}}, {"auto": {}}, ["get_time"]),
        ("validated", {"auto": {}}, ["get_weather", "get_time"]),
    ],
)
async def test_tool_choice(fake, choice, expected, names):
    clock = {"type": "function", "name": "get_time"}
    await create(
        fake, {"input": "hi", "tools": [WEATHER, clock], "generation_config": {"tool_choice": choice}}
    )
    config = sent(fake)["toolConfig"]
    assert config["toolChoice"] == expected
    assert [t["toolSpec"]["name"] for t in config["tools"]] == names
    assert all(t["toolSpec"].get("strict") is (choice == "validated" or None) for t in config["tools"])


async def test_tool_choice_none(fake):
    await create(fake, {"input": "hi", "tools": [WEATHER], "generation_config": {"tool_choice": "none"}})
    assert "toolConfig" not in sent(fake)
    history = [
        *input_to_steps("hi"),
        {"type": "function_call", "id": "t1", "name": "get_weather", "arguments": {}},
        {"type": "function_result", "call_id": "t1", "result": "sunny"},
    ]
    with pytest.raises(ApiError) as caught:
        await create(fake, {"tools": [WEATHER], "generation_config": {"tool_choice": "none"}}, history)
    assert caught.value.status == 400 and "tool_choice 'none'" in caught.value.message


# --- content and config ----------------------------------------------------------------------------


async def test_images_documents_and_error_results(fake):
    history = [
        {
            "type": "user_input",
            "content": [
                {"type": "text", "text": "Look:"},
                {"type": "image", "data": PNG, "mime_type": "image/png"},
                {"type": "document", "data": PDF, "mime_type": "application/pdf"},
                {"type": "image", "uri": "s3://bucket/cat.jpeg", "mime_type": "image/jpeg"},
            ],
        },
        {"type": "function_call", "id": "t1", "name": "get_weather", "arguments": {}},
        {"type": "function_result", "call_id": "t1", "is_error": True, "result": "no network"},
    ]
    await create(fake, {"tools": [WEATHER]}, history)
    user, _, results = sent(fake)["messages"]
    assert user["content"] == [
        {"text": "Look:"},
        {"image": {"format": "png", "source": {"bytes": PNG}}},
        {"document": {"format": "pdf", "name": "document-1", "source": {"bytes": PDF}}},
        {"image": {"format": "jpeg", "source": {"s3Location": {"uri": "s3://bucket/cat.jpeg"}}}},
    ]
    assert results["content"] == [
        {"toolResult": {"toolUseId": "t1", "content": [{"text": "no network"}], "status": "error"}}
    ]


async def test_generation_config_and_stop_sequence(fake):
    fake.upstream.replies.append(Reply(text="one, two, STOP three"))
    config = {"temperature": 0.2, "top_p": 0.9, "max_output_tokens": 300, "stop_sequences": ["STOP"]}
    outcome = await create(fake, {"input": "count", "generation_config": config, "service_tier": "priority"})
    assert sent(fake)["inferenceConfig"] == {
        "maxTokens": 300,
        "temperature": 0.2,
        "topP": 0.9,
        "stopSequences": ["STOP"],
    }
    assert sent(fake)["serviceTier"] == {"type": "priority"}
    assert outcome.status == "completed" and output_text(outcome.steps) == "one, two, "


async def test_response_format_json_schema(fake):
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    fake.upstream.replies.append(Reply(text='{"city": "Oslo"}'))
    request = {
        "input": "Where?",
        "response_format": {"type": "text", "mime_type": "application/json", "schema": schema},
    }
    outcome = await create(fake, request)
    fmt = sent(fake)["outputConfig"]["textFormat"]
    assert fmt["type"] == "json_schema" and orjson.loads(fmt["structure"]["jsonSchema"]["schema"]) == schema
    assert orjson.loads(output_text(outcome.steps)) == {"city": "Oslo"}


@pytest.mark.parametrize(
    ("stop_reason", "expected"),
    [("max_tokens", "incomplete"), ("guardrail_intervened", "incomplete"), ("stop_sequence", "completed")],
)
async def test_stop_reasons(fake, stop_reason, expected):
    fake.upstream.replies.append(BedrockReply(stop_reason=stop_reason))
    assert (await create(fake, {"input": "hi"})).status == expected


async def test_usage_with_cache(fake):
    fake.upstream.replies.append(BedrockReply(usage=(10, 4), cache_read=30))
    outcome = await create(fake, {"input": "hi"})
    assert outcome.usage["total_input_tokens"] == 40 and outcome.usage["total_cached_tokens"] == 30


@pytest.mark.parametrize(
    ("request_", "feature"),
    [
        ({"generation_config": {"seed": 1}}, "generation_config.seed"),
        (
            {"response_format": {"type": "text", "mime_type": "application/json"}},
            "JSON output without a schema",
        ),
        ({"tools": [{"type": "google_search"}]}, "'google_search' tools"),
        ({"response_modalities": ["image"]}, "response_modalities"),
        ({"service_tier": "deferred"}, "service_tier"),
        ({"input": [{"type": "audio", "data": PNG, "mime_type": "audio/wav"}]}, "audio input"),
        (
            {"input": [{"type": "image", "uri": "https://x/cat.png", "mime_type": "image/png"}]},
            "uri other than s3",
        ),
    ],
)
async def test_unsupported_is_400(fake, request_, feature):
    with pytest.raises(ApiError) as caught:
        await create(fake, {"input": "hi", **request_})
    assert caught.value.status == 400 and feature in caught.value.message
    assert fake.upstream.requests == []


async def test_drop_params_drops_tools_and_schemaless_json(fake):
    """Under drop_params, what Converse cannot take is left out and named (not the 400 above)."""
    from parley.request import collect_dropped

    request = {
        "input": "hi",
        "tools": [WEATHER, {"type": "google_search"}],
        "response_format": {"type": "text", "mime_type": "application/json"},
    }
    dropped = collect_dropped()
    fake.upstream.replies.append(BedrockReply())
    lenient = dataclasses.replace(deployment(fake), drop_params=True)
    check_outcome(await adapter.create(make_turn({"model": "claude", **request}), lenient))
    assert dropped == ["tools.google_search", "response_format"]
    body = sent(fake)
    assert [t["toolSpec"]["name"] for t in body["toolConfig"]["tools"]] == [WEATHER["name"]]
    assert "outputConfig" not in body


async def test_thinking_needs_claude(fake):
    with pytest.raises(ApiError, match="thinking_level"):
        await create(
            fake, {"input": "hi", "generation_config": {"thinking_level": "high"}}, model="meta.llama3-70b"
        )


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status_", "name", "client_status"),
    [
        (429, "ThrottlingException", 429),
        (400, "ValidationException", 400),
        (403, "AccessDeniedException", 502),
        (408, "ModelTimeoutException", 504),
        (503, "ServiceUnavailableException", 503),
        (424, "ModelErrorException", 502),
    ],
)
async def test_errors(fake, status_, name, client_status):
    fake.upstream.replies.append(Reply(status=status_, error_message="upstream says no"))
    with pytest.raises(UpstreamError) as caught:
        await create(fake, {"input": "hi"})
    assert caught.value.message == f"HTTP {status_}: upstream says no"  # the fake answered a {name}
    api = caught.value.to_api_error()
    assert api.status == client_status
    if status_ == 429:
        assert caught.value.retryable and api.headers["Retry-After"] == "1"


async def test_validation_from_the_service_model(fake):
    """A body Bedrock would refuse reaches the client as the upstream's 400, not a crash."""
    with pytest.raises(UpstreamError) as caught:
        await create(fake, {"input": "hi", "generation_config": {"stop_sequences": [""] * 3}})
    assert caught.value.status == 400


# --- registry and config ------------------------------------------------------------------------------


def test_registry_and_config():
    assert isinstance(adapter_for("bedrock"), BedrockAdapter)
    assert split_model("bedrock/converse/meta.llama3-70b", None) == ("bedrock", "meta.llama3-70b", None)
    settings = parse(
        {
            "model_list": [
                {
                    "model_name": "claude",
                    "litellm_params": {
                        "model": f"bedrock/{CLAUDE}",
                        "aws_access_key_id": "AKID",
                        "aws_secret_access_key": "secret",
                        "aws_session_token": "token",
                        "aws_region_name": "us-west-2",
                        "aws_bedrock_runtime_endpoint": "https://bedrock.internal",
                    },
                }
            ]
        }
    )
    [dep] = settings.deployments()
    assert (dep.provider, dep.model) == ("bedrock", CLAUDE)
    assert dep.params["aws_region_name"] == "us-west-2" and dep.params["aws_session_token"] == "token"
    assert url(dep, stream=False) == f"https://bedrock.internal/model/{CLAUDE}/converse"
