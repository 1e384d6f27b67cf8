"""A fake Vertex AI: Gemini ``generateContent`` / ``streamGenerateContent?alt=sse``, Anthropic
``rawPredict`` / ``streamRawPredict``, and the OAuth token endpoint a service-account key points at.

Checked in the tests by google-genai (``vertexai=True``), anthropic's ``AnthropicVertex`` and
google-auth's real JWT-bearer flow. Like the real service it:

* issues access tokens at ``POST /token`` only for a JWT assertion signed (RS256) by a registered
  service account's key (``accounts``: client_email -> public key PEM), addressed to this token
  endpoint and asking for the cloud-platform scope; tokens live ``token_lifetime`` seconds;
* answers 401 UNAUTHENTICATED to a model call without a live token;
* checks Gemini bodies against google-genai's own types (unknown fields are a 400), wants as many
  ``functionResponse`` parts as the previous model turn had ``functionCall`` parts, and the
  ``thoughtSignature`` it issued back on each model turn's first function call;
* checks Anthropic bodies (``anthropic_version`` vertex-2023-10-16 or a dated version, no ``model``) as the
  Anthropic fake does, and answers them the same way.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field

import orjson
import pydantic
from google.auth import jwt
from google.genai import types
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.fakes import anthropic as anthropic_fake
from tests.fakes.script import Reply, Upstream, chunks

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# google-auth addresses every service-account assertion to Google's token endpoint, whichever
# token_uri it posts it to; the real endpoint checks for exactly that audience.
AUDIENCE = "https://oauth2.googleapis.com/token"
STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
BODY_TYPES = {
    "contents": pydantic.TypeAdapter(list[types.Content]),
    "systemInstruction": pydantic.TypeAdapter(types.Content),
    "tools": pydantic.TypeAdapter(list[types.Tool]),
    "toolConfig": pydantic.TypeAdapter(types.ToolConfig),
    "generationConfig": pydantic.TypeAdapter(types.GenerationConfig),
    "safetySettings": pydantic.TypeAdapter(list[types.SafetySetting]),
    "labels": pydantic.TypeAdapter(dict[str, str]),
}


@dataclass
class VertexReply(Reply):
    finish_reason: str | None = None  # force one, e.g. "MAX_TOKENS"


@dataclass
class Auth:
    """The fake's OAuth side: registered service accounts and the tokens it issued."""

    accounts: dict[str, str] = field(default_factory=dict)  # client_email -> public key PEM
    tokens: dict[str, float] = field(default_factory=dict)  # access token -> expiry (epoch seconds)
    token_requests: int = 0
    token_lifetime: int = 3600


def thought_signature(name: str) -> str:
    """What the fake signs a function call's thought with; it wants it back on that call."""
    return base64.b64encode(hashlib.sha256(b"gemini:" + name.encode()).digest()).decode()


def make_app(upstream: Upstream, auth: Auth | None = None) -> Starlette:
    auth = auth or Auth()

    async def token(request: Request) -> Response:
        auth.token_requests += 1
        form = await request.form()
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return Response(
                orjson.dumps({"error": "unsupported_grant_type"}), 400, media_type="application/json"
            )
        try:
            unverified = jwt.decode(str(form.get("assertion")), verify=False)
            claims = jwt.decode(
                str(form.get("assertion")), certs=auth.accounts[unverified["iss"]], audience=AUDIENCE
            )
        except (KeyError, ValueError) as exc:
            body = {"error": "invalid_grant", "error_description": f"Invalid JWT Signature. ({exc})"}
            return Response(orjson.dumps(body), 400, media_type="application/json")
        if SCOPE not in str(claims.get("scope", "")).split():
            return Response(orjson.dumps({"error": "invalid_scope"}), 400, media_type="application/json")
        access = "ya29.fake-" + secrets.token_urlsafe(24)
        auth.tokens[access] = time.time() + auth.token_lifetime
        body = {"access_token": access, "expires_in": auth.token_lifetime, "token_type": "Bearer"}
        return Response(orjson.dumps(body), media_type="application/json")

    async def model(request: Request) -> Response:
        publisher = request.path_params["publisher"]
        name, _, method = request.path_params["rest"].rpartition(":")
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return error(400, "Invalid JSON payload received.")
        reply = await upstream.next(request.url.path, dict(request.headers), dict(request.query_params), body)
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if auth.tokens.get(bearer, 0) < time.time():
            return error(
                401, "Request had invalid authentication credentials. Expected OAuth 2 access token."
            )
        if reply.status != 200:
            return error(reply.status, reply.error_message, reply.retry_after)
        if publisher == "anthropic":
            return claude(name, method, body, reply)
        if method not in ("generateContent", "streamGenerateContent"):
            return error(404, f"Method {method} not found.")
        if problem := check(body):
            return error(400, problem)
        response = answer(name, body, reply)
        if method == "streamGenerateContent":
            if request.query_params.get("alt") != "sse":
                return error(400, "This fake streams only with alt=sse.")
            return StreamingResponse(sse(response, reply), media_type="text/event-stream")
        return Response(orjson.dumps(response), media_type="application/json")

    routes = [Route("/token", token, methods=["POST"])]
    for version in ("v1", "v1beta1"):
        path = f"/{version}/projects/{{project}}/locations/{{location}}/publishers/{{publisher}}/models/{{rest:path}}"
        routes.append(Route(path, model, methods=["POST"]))
    app = Starlette(routes=routes)
    app.state.auth = auth
    return app


def error(status: int, message: str, retry_after: float | None = None) -> Response:
    body = {"error": {"code": status, "message": message, "status": STATUS.get(status, "UNKNOWN")}}
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def check(body: dict) -> str | None:
    unknown = set(body) - set(BODY_TYPES) - {"cachedContent"}
    if unknown:
        return f'Invalid JSON payload received. Unknown name "{sorted(unknown)[0]}": Cannot find field.'
    for name, adapter in BODY_TYPES.items():
        if name in body:
            try:
                adapter.validate_json(orjson.dumps(body[name]))
            except pydantic.ValidationError as exc:
                first = exc.errors()[0]
                return f"Invalid value at '{name}.{'.'.join(map(str, first['loc']))}': {first['msg']}"
    contents = body.get("contents") or []
    if not contents:
        return "contents is not specified"
    for i, content in enumerate(contents):
        calls = [p for p in content["parts"] if "functionCall" in p]
        if content.get("role") == "model" and calls:
            first = calls[0]
            if first.get("thoughtSignature") != thought_signature(first["functionCall"]["name"]):
                return f"Function call is missing a thought_signature in functionCall parts. contents[{i}]"
            following = contents[i + 1]["parts"] if i + 1 < len(contents) else None
            answers = [p for p in following or [] if "functionResponse" in p]
            if following is not None and len(answers) != len(calls):
                return (
                    "Please ensure that the number of function response parts is equal to the number of "
                    "function call parts of the function call turn."
                )
    return None


def answer(model: str, body: dict, reply: Reply) -> dict:
    """The GenerateContentResponse the model 'wrote'."""
    parts: list[dict] = []
    if reply.thought is not None:
        parts.append({"text": reply.thought, "thought": True})
    text, finish = reply.text, "STOP"
    for stop in (body.get("generationConfig") or {}).get("stopSequences") or []:
        if stop in text:
            text = text[: text.index(stop)]
    if text:
        parts.append({"text": text})
    if reply.tool_call:
        name, arguments = reply.tool_call
        parts.append(
            {"functionCall": {"name": name, "args": arguments}, "thoughtSignature": thought_signature(name)}
        )
    finish = getattr(reply, "finish_reason", None) or finish
    inputs, outputs = reply.usage
    thoughts = len(reply.thought.split()) if reply.thought else 0
    usage = {
        "promptTokenCount": inputs,
        "candidatesTokenCount": outputs,
        "totalTokenCount": inputs + outputs + thoughts,
        "trafficType": "ON_DEMAND",
    }
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": finish}],
        "usageMetadata": usage,
        "modelVersion": model,
        "createTime": "2026-11-30T00:00:00.000000Z",
        "responseId": secrets.token_urlsafe(16),
    }


def chunk_list(response: dict, reply: Reply) -> list[dict]:
    """The response as streamed: text in small pieces, a function call whole, the finish and the
    full usage on the last chunk."""
    candidate = response["candidates"][0]
    pieces: list[dict] = []
    for part in candidate["content"]["parts"]:
        if "text" in part:
            pieces += [{**part, "text": piece} for piece in chunks(part["text"], reply.chunk_size)]
        else:
            pieces.append(part)
    common = {k: response[k] for k in ("modelVersion", "createTime", "responseId")}
    out = [
        {
            "candidates": [{"content": {"role": "model", "parts": [piece]}}],
            **common,
            "usageMetadata": {"trafficType": "ON_DEMAND"},
        }
        for piece in pieces
    ]
    last = {"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": candidate["finishReason"]}
    out.append({"candidates": [last], **common, "usageMetadata": response["usageMetadata"]})
    return out


async def sse(response: dict, reply: Reply):
    for n, chunk in enumerate(chunk_list(response, reply)):
        if reply.cut_after is not None and n >= reply.cut_after:
            raise ConnectionAbortedError("fake upstream cut the stream")
        yield b"data: " + orjson.dumps(chunk) + b"\r\n\r\n"


def claude(name: str, method: str, body: dict, reply: Reply) -> Response:
    if method not in ("rawPredict", "streamRawPredict"):
        return error(404, f"Method {method} not found.")
    version = str(body.get("anthropic_version"))
    # The documented value, or a dated API version as newer anthropic SDKs send.
    if version != "vertex-2023-10-16" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", version):
        return error(400, "anthropic_version: vertex-2023-10-16 is required")
    if "model" in body:
        return error(400, "model: Extra inputs are not permitted")
    messages = {k: v for k, v in body.items() if k != "anthropic_version"}
    messages["model"] = name
    if problem := anthropic_fake.check(messages):
        return anthropic_fake.error(400, problem)
    message = anthropic_fake.answer(messages, reply)
    if method == "streamRawPredict":
        return StreamingResponse(anthropic_fake.sse(message, reply), media_type="text/event-stream")
    return Response(orjson.dumps(message), media_type="application/json")
