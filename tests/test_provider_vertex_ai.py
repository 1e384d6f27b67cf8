"""VertexAIAdapter against the fake Vertex AI on loopback: google-auth's real service-account token
flow against the fake's token endpoint (an RSA key made here), Gemini generateContent and its SSE
stream, Claude's rawPredict; and the fake against google-genai (vertexai=True) and AnthropicVertex."""

from __future__ import annotations

import base64
import datetime
import json

import anthropic
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google import genai
from google.genai import types
from google.oauth2 import service_account

from parley.config import parse
from parley.errors import ApiError, UpstreamError
from parley.providers import adapter_for, vertex_ai
from parley.providers.base import Deployment
from parley.providers.vertex_ai import VertexAIAdapter, url
from parley.wire import input_to_steps, output_text
from tests.adapter_kit import WEATHER, make_turn
from tests.fakes.script import Reply, Upstream
from tests.fakes.server import serve
from tests.fakes.vertex import Auth, VertexReply, make_app, thought_signature
from tests.provider_kit import check_outcome, collect, status, steps_of, usage

adapter = VertexAIAdapter()
EMAIL = "parley-test@proj-1.iam.gserviceaccount.com"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n fake").decode()


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


KEY = _key()


@pytest.fixture(scope="module")
def fake():
    upstream = Upstream()
    public = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    auth = Auth(accounts={EMAIL: public.decode()})
    with serve(make_app(upstream, auth)) as server:
        server.upstream, server.auth = upstream, auth
        yield server


@pytest.fixture(autouse=True)
def reset(fake):
    fake.upstream.reset()
    vertex_ai._tokens.clear()
    fake.auth.token_requests = 0


def key_info(fake, key: rsa.RSAPrivateKey = KEY) -> dict:
    """A service-account key file's content, its token_uri pointing at the fake."""
    return {
        "type": "service_account",
        "project_id": "proj-1",
        "private_key_id": "k1",
        "private_key": _pem(key),
        "client_email": EMAIL,
        "client_id": "1",
        "token_uri": fake.url + "/token",
    }


def deployment(fake, model: str = "gemini-3-pro-preview", **params) -> Deployment:
    base = {"vertex_credentials": json.dumps(key_info(fake)), "vertex_location": "us-central1"}
    return Deployment("gem", "vertex_ai", model, api_base=fake.url, params={**base, **params})


def sent(fake) -> dict:
    return fake.upstream.requests[-1]["body"]


async def create(fake, request: dict, history: list | None = None, **kw):
    dep = deployment(fake, **kw)
    return check_outcome(await adapter.create(make_turn({"model": "gem", **request}, history), dep))


async def stream(fake, request: dict, history: list | None = None, **kw):
    return await collect(
        adapter.stream(make_turn({"model": "gem", **request}, history), deployment(fake, **kw))
    )


# --- the fake speaks Vertex AI to the official clients --------------------------------------------------


def test_fake_speaks_to_google_genai(fake):
    creds = service_account.Credentials.from_service_account_info(
        key_info(fake), scopes=["https://www.googleapis.com/auth/cloud-platform"]
    )
    client = genai.Client(
        vertexai=True,
        project="proj-1",
        location="us-central1",
        credentials=creds,
        http_options=types.HttpOptions(base_url=fake.url, api_version="v1"),
    )
    fake.upstream.replies.append(VertexReply(thought="Hm.", tool_call=("get_weather", {"location": "Oslo"})))
    tool = types.Tool(function_declarations=[types.FunctionDeclaration(name="get_weather")])
    answer = client.models.generate_content(
        model="gemini-3-pro-preview", contents="Weather?", config=types.GenerateContentConfig(tools=[tool])
    )
    thought, text, call = answer.candidates[0].content.parts
    assert thought.thought and thought.text == "Hm." and text.text == Reply().text
    assert call.function_call.name == "get_weather" and call.function_call.args == {"location": "Oslo"}
    assert base64.b64encode(call.thought_signature).decode() == thought_signature("get_weather")
    assert answer.usage_metadata.total_token_count == 19
    assert fake.auth.token_requests == 1  # google-auth's JWT-bearer grant ran against the fake
    assert fake.upstream.requests[-1]["path"] == (
        "/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-3-pro-preview:generateContent"
    )
    chunks = list(client.models.generate_content_stream(model="gemini-3-pro-preview", contents="hi"))
    assert "".join(c.text or "" for c in chunks) == Reply().text
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    fake.upstream.replies.append(Reply(status=429, error_message="Quota exceeded"))
    with pytest.raises(genai.errors.ClientError) as caught:
        client.models.generate_content(model="gemini-3-pro-preview", contents="hi")
    assert caught.value.code == 429 and caught.value.status == "RESOURCE_EXHAUSTED"


def test_fake_speaks_to_anthropic_vertex(fake):
    creds = service_account.Credentials.from_service_account_info(
        key_info(fake), scopes=["https://www.googleapis.com/auth/cloud-platform"]
    )
    client = anthropic.AnthropicVertex(
        region="us-east5", project_id="proj-1", credentials=creds, base_url=fake.url + "/v1", max_retries=0
    )
    message = client.messages.create(
        model="claude-opus-4-1", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    )
    assert message.content[0].text == Reply().text
    assert fake.upstream.requests[-1]["path"].endswith(
        "/publishers/anthropic/models/claude-opus-4-1:rawPredict"
    )
    with client.messages.stream(
        model="claude-opus-4-1", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as events:
        assert events.get_final_text() == Reply().text
    assert fake.upstream.requests[-1]["path"].endswith(":streamRawPredict")


def test_fake_refuses_a_key_it_does_not_know(fake):
    creds = service_account.Credentials.from_service_account_info(
        key_info(fake, _key()), scopes=["https://www.googleapis.com/auth/cloud-platform"]
    )
    client = genai.Client(
        vertexai=True,
        project="p",
        location="us-central1",
        credentials=creds,
        http_options=types.HttpOptions(base_url=fake.url, api_version="v1"),
    )
    with pytest.raises(Exception, match="invalid_grant"):
        client.models.generate_content(model="gemini-3-pro-preview", contents="hi")
    assert fake.upstream.requests == []


# --- credentials and URLs -------------------------------------------------------------------------


async def test_token_is_fetched_once_and_refreshed_before_expiry(fake, tmp_path):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key_info(fake)))
    for _ in range(3):
        await create(fake, {"input": "hi"}, vertex_credentials=str(path))
    assert fake.auth.token_requests == 1
    bearer = fake.upstream.requests[-1]["headers"]["authorization"]
    assert bearer.startswith("Bearer ya29.fake-") and bearer.removeprefix("Bearer ") in fake.auth.tokens
    # A minute before expiry is inside google-auth's refresh margin: the next request refreshes.
    [token] = vertex_ai._tokens.values()
    token.credentials.expiry = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(
        minutes=1
    )
    await create(fake, {"input": "hi"}, vertex_credentials=str(path))
    assert fake.auth.token_requests == 2
    assert fake.upstream.requests[-1]["headers"]["authorization"] != bearer


async def test_application_default_credentials(fake, tmp_path, monkeypatch):
    """No vertex_credentials: google-auth's ADC reads GOOGLE_APPLICATION_CREDENTIALS (and the
    project comes from that key)."""
    path = tmp_path / "adc.json"
    path.write_text(json.dumps(key_info(fake)))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    monkeypatch.delenv("VERTEXAI_PROJECT", raising=False)
    dep = Deployment("gem", "vertex_ai", "gemini-2.5-flash", api_base=fake.url)
    outcome = await adapter.create(make_turn({"model": "gem", "input": "hi"}), dep)
    assert output_text(outcome.steps) == Reply().text and fake.auth.token_requests == 1
    assert fake.upstream.requests[-1]["path"].startswith("/v1/projects/proj-1/locations/us-central1/")


async def test_a_refused_key_is_a_gateway_error(fake):
    with pytest.raises(UpstreamError) as caught:
        await create(fake, {"input": "hi"}, vertex_credentials=json.dumps(key_info(fake, _key())))
    assert caught.value.status == 401 and caught.value.to_api_error().status == 502
    assert fake.upstream.requests == []


def test_urls_locations_and_projects(monkeypatch):
    monkeypatch.delenv("VERTEXAI_PROJECT", raising=False)
    monkeypatch.delenv("VERTEXAI_LOCATION", raising=False)
    dep = Deployment(
        "g", "vertex_ai", "gemini-2.5-pro", params={"vertex_project": "p1", "vertex_location": "global"}
    )
    assert url(dep, stream=True) == (
        "https://aiplatform.googleapis.com/v1/projects/p1/locations/global/publishers/google/models/"
        "gemini-2.5-pro:streamGenerateContent?alt=sse"
    )
    monkeypatch.setenv("VERTEXAI_PROJECT", "p2")
    dep = Deployment("c", "vertex_ai", "claude-sonnet-4-5@20250929")
    assert url(dep, stream=False) == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/p2/locations/us-central1/publishers/"
        "anthropic/models/claude-sonnet-4-5@20250929:rawPredict"
    )


def test_registry_and_config():
    assert isinstance(adapter_for("vertex_ai"), VertexAIAdapter)
    settings = parse(
        {
            "model_list": [
                {
                    "model_name": "gemini",
                    "litellm_params": {
                        "model": "vertex_ai/gemini-2.5-pro",
                        "vertex_project": "proj",
                        "vertex_location": "global",
                        "vertex_credentials": "/secrets/key.json",
                    },
                }
            ]
        }
    )
    [dep] = settings.deployments()
    assert (dep.provider, dep.model, dep.params["vertex_location"]) == (
        "vertex_ai",
        "gemini-2.5-pro",
        "global",
    )


# --- Gemini ---------------------------------------------------------------------------------------


async def test_plain_text(fake, monkeypatch):
    monkeypatch.delenv("VERTEXAI_PROJECT", raising=False)  # the project comes from the key
    fake.upstream.replies.append(Reply(text="Hi there.", usage=(14, 5)))
    outcome = await create(fake, {"input": "hello", "system_instruction": "Be brief."})
    assert outcome.steps == [{"type": "model_output", "content": [{"type": "text", "text": "Hi there."}]}]
    assert outcome.status == "completed" and outcome.upstream_id
    assert outcome.usage == {
        "total_input_tokens": 14,
        "total_output_tokens": 5,
        "total_thought_tokens": 0,
        "total_cached_tokens": 0,
        "total_tokens": 19,
    }
    request = fake.upstream.requests[-1]
    assert request["path"] == (
        "/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-3-pro-preview:generateContent"
    )
    assert request["body"] == {
        "contents": [{"role": "user", "parts": [{"text": "hello"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
    }


async def test_stream_text(fake):
    text = "Streaming, one small piece at a time."
    fake.upstream.replies.append(Reply(text=text, chunk_size=5, usage=(9, 12)))
    events, end, error = await stream(fake, {"input": "go"})
    assert error is None
    request = fake.upstream.requests[-1]
    assert request["path"].endswith(":streamGenerateContent") and request["query"] == {"alt": "sse"}
    assert output_text(steps_of(events)) == text
    assert status(end) == "completed" and usage(end)["total_tokens"] == 21


async def test_function_call_round_trip_with_thought_signature(fake):
    fake.upstream.replies.append(
        VertexReply(thought="Need the weather.", text="", tool_call=("get_weather", {"location": "Oslo"}))
    )
    config = {"thinking_level": "high", "tool_choice": "auto"}
    outcome = await create(
        fake, {"input": "Weather in Oslo?", "tools": [WEATHER], "generation_config": config}
    )
    body = sent(fake)
    assert body["generationConfig"] == {"thinkingConfig": {"thinkingLevel": "HIGH", "includeThoughts": True}}
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": WEATHER["description"],
                    "parametersJsonSchema": WEATHER["parameters"],
                }
            ]
        }
    ]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}
    assert outcome.status == "requires_action"
    thought, call = outcome.steps  # the call's signature joins the thought before it
    assert thought == {
        "type": "thought",
        "summary": [{"type": "text", "text": "Need the weather."}],
        "signature": thought_signature("get_weather"),
    }
    assert call["name"] == "get_weather" and call["arguments"] == {"location": "Oslo"}

    result = {"type": "function_result", "call_id": call["id"], "result": {"temp_c": 7}}
    fake.upstream.replies.append(Reply(text="7°C."))
    history = [*input_to_steps("Weather in Oslo?"), *outcome.steps, result]
    events, end, error = await stream(fake, {"tools": [WEATHER]}, history)
    assert error is None and output_text(steps_of(events)) == "7°C." and status(end) == "completed"
    assert sent(fake)["contents"][1:] == [
        {
            "role": "model",
            "parts": [
                {
                    "functionCall": {"name": "get_weather", "args": {"location": "Oslo"}},
                    "thoughtSignature": thought_signature("get_weather"),
                }
            ],
        },
        {
            "role": "user",
            "parts": [{"functionResponse": {"name": "get_weather", "response": {"output": {"temp_c": 7}}}}],
        },
    ]


async def test_stream_thought_and_function_call(fake):
    fake.upstream.replies.append(
        VertexReply(
            thought="Thinking it over.", text="Checking.", tool_call=("get_weather", {"location": "Oslo"})
        )
    )
    events, end, error = await stream(
        fake, {"input": "Weather?", "tools": [WEATHER], "generation_config": {"thinking_level": "low"}}
    )
    assert error is None and status(end) == "requires_action"
    assert usage(end)["total_thought_tokens"] == 3
    thought, text, signed, call = steps_of(events)
    assert thought == {"type": "thought", "summary": [{"type": "text", "text": "Thinking it over."}]}
    assert text["content"] == [{"type": "text", "text": "Checking."}]
    assert signed == {"type": "thought", "signature": thought_signature("get_weather")}
    assert call["arguments"] == {"location": "Oslo"}


@pytest.mark.parametrize(
    ("choice", "expected", "declared"),
    [
        ("any", {"mode": "ANY"}, ["get_weather", "get_time"]),
        ("none", {"mode": "NONE"}, ["get_weather", "get_time"]),
        ("validated", {"mode": "VALIDATED"}, ["get_weather", "get_time"]),
        (
            {"allowed_tools": {"mode": "any", "tools": ["get_time"]}},
            {"mode": "ANY", "allowedFunctionNames": ["get_time"]},
            ["get_weather", "get_time"],
        ),
        ({"allowed_tools": {"mode": "auto", "tools": ["get_time"]}}, {"mode": "AUTO"}, ["get_time"]),
    ],
)
async def test_tool_choice(fake, choice, expected, declared):
    clock = {"type": "function", "name": "get_time"}
    await create(
        fake, {"input": "hi", "tools": [WEATHER, clock], "generation_config": {"tool_choice": choice}}
    )
    assert sent(fake)["toolConfig"] == {"functionCallingConfig": expected}
    assert [d["name"] for d in sent(fake)["tools"][0]["functionDeclarations"]] == declared


async def test_config_media_safety_and_json(fake):
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    fake.upstream.replies.append(Reply(text='{"city": "Oslo"}'))
    request = {
        "input": [
            {"type": "text", "text": "Where is this?"},
            {"type": "image", "data": PNG, "mime_type": "image/png"},
            {"type": "document", "uri": "gs://bucket/a.pdf", "mime_type": "application/pdf"},
        ],
        "generation_config": {
            "temperature": 0.2,
            "top_p": 0.9,
            "seed": 7,
            "max_output_tokens": 99,
            "stop_sequences": ["END"],
        },
        "response_format": {"type": "text", "mime_type": "application/json", "schema": schema},
        "safety_settings": [{"type": "harassment", "threshold": "block_only_high"}],
    }
    outcome = await create(fake, request, model="gemini-2.5-flash")
    body = sent(fake)
    assert body["contents"][0]["parts"] == [
        {"text": "Where is this?"},
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
        {"fileData": {"mimeType": "application/pdf", "fileUri": "gs://bucket/a.pdf"}},
    ]
    assert body["generationConfig"] == {
        "temperature": 0.2,
        "topP": 0.9,
        "seed": 7,
        "stopSequences": ["END"],
        "maxOutputTokens": 99,
        "responseMimeType": "application/json",
        "responseJsonSchema": schema,
    }
    assert body["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_ONLY_HIGH"}
    ]
    assert json.loads(output_text(outcome.steps)) == {"city": "Oslo"}


async def test_gemini_2_thinking_budget(fake):
    config = {"thinking_level": "medium", "thinking_summaries": "none"}
    await create(fake, {"input": "hi", "generation_config": config}, model="gemini-2.5-pro")
    assert sent(fake)["generationConfig"]["thinkingConfig"] == {
        "thinkingBudget": 8192,
        "includeThoughts": False,
    }


async def test_max_tokens_is_incomplete(fake):
    fake.upstream.replies.append(VertexReply(finish_reason="MAX_TOKENS"))
    assert (await create(fake, {"input": "hi"})).status == "incomplete"


@pytest.mark.parametrize(
    ("request_", "feature"),
    [
        ({"tools": [{"type": "google_search"}]}, "'google_search' tools"),
        ({"generation_config": {"thinking_level": "xhigh"}}, "thinking_level 'xhigh'"),
        ({"response_modalities": ["image"]}, "response_modalities"),
        ({"service_tier": "priority"}, "service_tier"),
        ({"cached_content": "cachedContents/x"}, "cached_content"),
    ],
)
async def test_unsupported_is_400(fake, request_, feature):
    with pytest.raises(ApiError) as caught:
        await create(fake, {"input": "hi", **request_})
    assert caught.value.status == 400 and feature in caught.value.message
    assert fake.upstream.requests == []


@pytest.mark.parametrize(("status_", "client_status"), [(429, 429), (400, 400), (503, 503)])
async def test_errors(fake, status_, client_status):
    fake.upstream.replies.append(Reply(status=status_, error_message="upstream says no", retry_after=3))
    with pytest.raises(UpstreamError) as caught:
        await create(fake, {"input": "hi"})
    assert caught.value.status == status_ and "upstream says no" in caught.value.message
    assert caught.value.to_api_error().status == client_status


async def test_stream_cut_mid_way(fake):
    fake.upstream.replies.append(Reply(text="a long answer", chunk_size=2, cut_after=3))
    _, end, error = await stream(fake, {"input": "go"})
    assert end is None and error is not None and error.retryable


# --- Claude on Vertex -------------------------------------------------------------------------------


async def test_claude_raw_predict(fake):
    fake.upstream.replies.append(Reply(text="Hello from Claude.", usage=(10, 4)))
    outcome = await create(
        fake, {"input": "hi", "system_instruction": "Be kind."}, model="claude-sonnet-4-5@20250929"
    )
    assert output_text(outcome.steps) == "Hello from Claude." and outcome.upstream_id.startswith("msg_")
    request = fake.upstream.requests[-1]
    assert request["path"] == (
        "/v1/projects/proj-1/locations/us-central1/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict"
    )
    assert request["body"] == {
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "system": "Be kind.",
        "anthropic_version": "vertex-2023-10-16",
    }


async def test_claude_stream_with_tools(fake):
    fake.upstream.replies.append(Reply(text="Let me check.", tool_call=("get_weather", {"location": "Oslo"})))
    events, end, error = await stream(
        fake, {"input": "Weather?", "tools": [WEATHER]}, model="claude-sonnet-4-5"
    )
    assert error is None and status(end) == "requires_action"
    assert fake.upstream.requests[-1]["path"].endswith(":streamRawPredict")
    text, call = steps_of(events)
    assert text["content"] == [{"type": "text", "text": "Let me check."}]
    assert call["arguments"] == {"location": "Oslo"}
