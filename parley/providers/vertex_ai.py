"""Vertex AI: Gemini models through ``generateContent`` / ``streamGenerateContent?alt=sse``, and
Anthropic's Claude models through ``rawPredict`` / ``streamRawPredict``.

`litellm_params.model: vertex_ai/<model>` → ``{host}/v1/projects/{project}/locations/{location}/
publishers/{google|anthropic}/models/{model}:{method}``; the publisher is ``anthropic`` for
``claude-…`` models. ``host`` is ``https://{location}-aiplatform.googleapis.com``
(``https://aiplatform.googleapis.com`` for location ``global``), or ``api_base``.

Settings as LiteLLM takes them: ``vertex_project`` (else ``VERTEXAI_PROJECT``, else the
credentials' own project), ``vertex_location`` (else ``VERTEXAI_LOCATION``, else ``us-central1``),
``vertex_credentials``: a service-account key as a file path or as its JSON text (else
``GOOGLE_APPLICATION_CREDENTIALS`` / Application Default Credentials). google-auth turns them into
a bearer token, kept and shared by every request of the deployment, and refreshed (once, in a
thread, whoever asks first) only when it is within google-auth's refresh margin of expiry.

Gemini request mapping (generateContent field in brackets): system instruction
[``systemInstruction``]; history [``contents``, roles user / model; media as ``inlineData`` or
``fileData``]; function_call [``functionCall``], function_result [``functionResponse.response``:
``{"output": …}`` or ``{"error": …}``]; a thought's signature goes back on the model part that
followed it [``thoughtSignature``], its summary is not replayed; ``temperature``, ``top_p``,
``seed``, ``stop_sequences``, ``max_output_tokens`` [``generationConfig``]; ``thinking_level``
[``thinkingConfig.thinkingLevel``, or ``thinkingBudget`` on Gemini 2.x], summaries unless
``thinking_summaries: none`` [``includeThoughts``]; function tools
[``functionDeclarations[].parametersJsonSchema``], tool_choice [``functionCallingConfig`` mode
AUTO / ANY / NONE / VALIDATED, ``allowedFunctionNames``]; response_format JSON (with or without a
schema) [``responseMimeType`` / ``responseJsonSchema``]; ``safety_settings`` [``safetySettings``].
Built-in tools (search, code execution …), ``cached_content``, non-text output and
``service_tier`` are a 400.

Answers: text parts → model_output, ``thought`` parts → thought summaries, ``thoughtSignature`` →
a thought step carrying the signature, ``functionCall`` → function_call (Vertex's id, or a new
one). finishReason STOP → completed (requires_action with calls), anything else (MAX_TOKENS,
SAFETY, …) → incomplete. Usage from ``usageMetadata``.

Claude on Vertex: the anthropic adapter's Messages body without ``model`` and with
``anthropic_version: vertex-2023-10-16`` (or the deployment's ``api_version``); its answers and SSE stream decode as Anthropic's.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import google.auth
import google.auth.transport.requests
import orjson
from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError
from google.oauth2 import service_account

from parley import wire
from parley.errors import ApiError, UpstreamError, unsupported
from parley.events import STEP_DELTA, STEP_START, STEP_STOP, Delta, InteractionStatus, Step, StepStart, Usage
from parley.providers import anthropic
from parley.providers.base import AdapterStream, Deployment, HttpCodec, Outcome, StepEvent, StreamEnd, Turn
from parley.request import ToolChoice, tool_choice
from parley.transport import UpstreamRequest
from parley.wire import CONTENT_TYPES

PROVIDER = "vertex_ai"
DEFAULT_LOCATION = "us-central1"
SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
ANTHROPIC_VERSION = "vertex-2023-10-16"
TOOL_MODES = {"auto": "AUTO", "any": "ANY", "none": "NONE", "validated": "VALIDATED"}
THINKING_LEVELS = {"minimal": "MINIMAL", "low": "LOW", "medium": "MEDIUM", "high": "HIGH"}
THINKING_BUDGETS = {"minimal": 512, "low": 1024, "medium": 8192, "high": 24576}  # Gemini 2.x
# generation_config keys generateContent honours; any other key set is a 400 (or dropped).
CONFIG_KEYS = frozenset(
    {
        "temperature",
        "top_p",
        "seed",
        "stop_sequences",
        "max_output_tokens",
        "thinking_level",
        "thinking_summaries",
        "tool_choice",
    }
)
OUTPUT_TYPES = ("text", "image", "audio", "video")


# --- credentials ----------------------------------------------------------------------------------


@dataclass
class _Token:
    """One deployment's google-auth credentials; the lock makes concurrent requests share a refresh."""

    credentials: Credentials
    project: str | None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


# Keyed by the credentials' source, so that deployments on one key share one token.
_tokens: dict[str, _Token] = {}


def _load(deployment: Deployment) -> tuple[Credentials, str | None]:
    source = deployment.params.get("vertex_credentials")
    try:
        if source:
            text = str(source)
            info = json.loads(text) if text.lstrip().startswith("{") else None
            if info is None:
                # google-auth's factories are unannotated (hence the ignores); they return Credentials.
                creds = service_account.Credentials.from_service_account_file(text, scopes=SCOPES)  # type: ignore[no-untyped-call]
                return creds, creds.project_id
            creds = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
            return creds, creds.project_id
        found, project = google.auth.default(scopes=SCOPES)
        return found, project
    except (OSError, ValueError, GoogleAuthError) as exc:
        raise ApiError(
            500,
            f"Vertex AI deployment '{deployment.model_name}' has no usable credentials "
            f"(vertex_credentials, GOOGLE_APPLICATION_CREDENTIALS or ADC): {type(exc).__name__}",
        ) from None


async def _credentials(deployment: Deployment) -> _Token:
    key = str(deployment.params.get("vertex_credentials") or "")
    token = _tokens.get(key)
    if token is None:
        creds, project = await asyncio.to_thread(_load, deployment)
        token = _tokens.setdefault(key, _Token(creds, project))
    return token


async def bearer(deployment: Deployment) -> str:
    """A valid access token: google-auth's `valid` turns false a few minutes before expiry, and
    only then does one request (under the lock) refresh it, in a thread (the refresh is blocking)."""
    token = await _credentials(deployment)
    if not token.credentials.valid:
        async with token.lock:
            if not token.credentials.valid:
                try:
                    await asyncio.to_thread(
                        token.credentials.refresh, google.auth.transport.requests.Request()
                    )
                except GoogleAuthError as exc:
                    # The token endpoint refused the key: the gateway's misconfiguration (502).
                    raise UpstreamError(401, f"Google token refresh failed: {type(exc).__name__}") from None
    return str(token.credentials.token)


# Stands in the URL for the project until `sign` has loaded the credentials that name it.
PROJECT_FROM_CREDENTIALS = "project-of-the-credentials"


def project(deployment: Deployment) -> str | None:
    value = deployment.params.get("vertex_project") or os.environ.get("VERTEXAI_PROJECT")
    return str(value) if value else None


async def credentials_project(deployment: Deployment) -> str:
    value = (await _credentials(deployment)).project
    if not value:
        raise ApiError(
            500, f"Vertex AI deployment '{deployment.model_name}' needs vertex_project (or VERTEXAI_PROJECT)."
        )
    return value


def location(deployment: Deployment) -> str:
    return str(
        deployment.params.get("vertex_location") or os.environ.get("VERTEXAI_LOCATION") or DEFAULT_LOCATION
    )


def is_claude(deployment: Deployment) -> bool:
    return deployment.model.startswith("claude")


def url(deployment: Deployment, stream: bool) -> str:
    where = location(deployment)
    host = deployment.api_base or (
        "https://aiplatform.googleapis.com"
        if where == "global"
        else f"https://{where}-aiplatform.googleapis.com"
    )
    if is_claude(deployment):
        publisher, method = "anthropic", "streamRawPredict" if stream else "rawPredict"
    else:
        publisher, method = "google", "streamGenerateContent?alt=sse" if stream else "generateContent"
    path = f"/v1/projects/{project(deployment) or PROJECT_FROM_CREDENTIALS}/locations/{where}/publishers/{publisher}/models/{deployment.model}"
    return f"{host.rstrip('/')}{path}:{method}"


# --- Gemini request -------------------------------------------------------------------------------


def request_body(turn: Turn, deployment: Deployment) -> dict[str, Any]:
    """The generateContent body for this turn; raises the 400 for anything it cannot carry."""
    turn = turn.within(
        deployment, config=CONFIG_KEYS, fields=("cached_content",), service_tiers=("standard",)
    )
    request = turn.request
    config = turn.generation_config
    body: dict[str, Any] = {"contents": contents(turn.history)}
    if turn.system_instruction:
        body["systemInstruction"] = {"parts": [{"text": turn.system_instruction}]}
    generation: dict[str, Any] = {}
    for name, key in (
        ("temperature", "temperature"),
        ("top_p", "topP"),
        ("seed", "seed"),
        ("stop_sequences", "stopSequences"),
        ("max_output_tokens", "maxOutputTokens"),
    ):
        if config.get(name) is not None:
            generation[key] = config[name]
    if thinking := _thinking(config, deployment):
        generation["thinkingConfig"] = thinking
    generation.update(_output(request))
    if generation:
        body["generationConfig"] = generation
    body.update(_tools(turn.tools, tool_choice(request)))
    if request.get("safety_settings"):
        body["safetySettings"] = [_safety(item) for item in request["safety_settings"]]
    return body


def _thinking(config: Mapping[str, Any], deployment: Deployment) -> dict[str, Any]:
    level, summaries = config.get("thinking_level"), config.get("thinking_summaries")
    out: dict[str, Any] = {}
    if level is not None:
        if level not in THINKING_LEVELS:
            raise unsupported(PROVIDER, f"thinking_level '{level}'")
        if deployment.model.startswith("gemini-2"):  # Gemini 2.x takes a token budget, not a level
            out["thinkingBudget"] = THINKING_BUDGETS[level]
        else:
            out["thinkingLevel"] = THINKING_LEVELS[level]
    if level is not None or summaries is not None:
        out["includeThoughts"] = summaries != "none"
    return out


def _output(request: Mapping[str, Any]) -> dict[str, Any]:
    formats = request.get("response_format")
    formats = formats if isinstance(formats, list) else [formats] if formats else []
    legacy_mime = request.get("response_mime_type")
    if legacy_mime and not any(item.get("type") in OUTPUT_TYPES for item in formats):
        formats = [{"type": "text", "mime_type": legacy_mime, "schema": formats[0] if formats else None}]
    out: dict[str, Any] = {}
    for item in formats:
        if item.get("type") != "text":
            raise unsupported(PROVIDER, f"{item.get('type')} output")
        mime = item.get("mime_type") or ("application/json" if item.get("schema") else "text/plain")
        if mime not in ("application/json", "text/plain"):
            raise unsupported(PROVIDER, f"{mime} output")
        if mime == "application/json":
            out["responseMimeType"] = mime
            if item.get("schema"):
                out["responseJsonSchema"] = item["schema"]
    return out


def _tools(tools: list[dict[str, Any]], choice: ToolChoice) -> dict[str, Any]:
    declarations = []
    for tool in tools:
        if tool.get("type") != "function":
            raise unsupported(PROVIDER, f"'{tool.get('type')}' tools")
        declaration: dict[str, Any] = {"name": tool["name"]}
        if tool.get("description"):
            declaration["description"] = tool["description"]
        if tool.get("parameters"):
            declaration["parametersJsonSchema"] = tool["parameters"]
        declarations.append(declaration)
    mode, names = choice.mode, choice.allowed
    if not declarations:
        return {}
    out: dict[str, Any] = {"tools": [{"functionDeclarations": declarations}]}
    if mode is None and names is None:
        return out
    calling: dict[str, Any] = {"mode": TOOL_MODES[mode or "auto"]}
    if names is not None:
        if calling["mode"] in ("ANY", "VALIDATED"):
            calling["allowedFunctionNames"] = list(names)
        else:  # allowedFunctionNames is for ANY / VALIDATED only: offer just the allowed ones
            out["tools"] = [{"functionDeclarations": [d for d in declarations if d["name"] in names]}]
    out["toolConfig"] = {"functionCallingConfig": calling}
    return out


def _safety(item: Mapping[str, Any]) -> dict[str, str]:
    out = {"category": f"HARM_CATEGORY_{item['type'].upper()}", "threshold": str(item["threshold"]).upper()}
    if item.get("method"):
        out["method"] = str(item["method"]).upper()
    return out


def contents(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps as user / model contents; a thought's signature rides on the next model part."""
    out: list[dict[str, Any]] = []
    names = {s["id"]: s["name"] for s in history if s.get("type") == "function_call"}
    pending: str | None = None  # a thought signature waiting for the model part it belongs to
    for step in history:
        kind = step.get("type")
        if kind == "thought":
            pending = step.get("signature") or pending
            continue
        if kind == "user_input":
            role, parts = "user", _parts(step.get("content"))
        elif kind == "model_output":
            role, parts = "model", _parts(step.get("content"))
        elif kind == "function_call":
            role, parts = (
                "model",
                [{"functionCall": {"name": step["name"], "args": step.get("arguments") or {}}}],
            )
        elif kind == "function_result":
            name = step.get("name") or names.get(step["call_id"])
            if not name:
                raise ApiError(
                    400, f"function_result '{step['call_id']}' answers no function_call in the conversation."
                )
            response = {"error" if step.get("is_error") else "output": _result(step.get("result"))}
            role, parts = "user", [{"functionResponse": {"name": name, "response": response}}]
        else:
            raise unsupported(PROVIDER, f"'{kind}' steps")
        if role == "model" and pending and parts:
            parts[0] = {**parts[0], "thoughtSignature": pending}
        if role == "user" or parts:
            pending = None
        if not parts:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["parts"].extend(parts)
        else:
            out.append({"role": role, "parts": parts})
    return out


def _result(result: Any) -> Any:
    if isinstance(result, list) and all(
        isinstance(b, dict) and b.get("type") in CONTENT_TYPES for b in result
    ):
        if any(b.get("type") != "text" for b in result):
            raise unsupported(PROVIDER, "media in function results")
        return "".join(b.get("text", "") for b in result)
    return result


def _parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        content = [{"type": "text", "text": content}]
    parts: list[dict[str, Any]] = []
    for block in content or []:
        kind = block.get("type")
        if kind == "text":
            if block.get("text"):
                parts.append({"text": block["text"]})
        elif kind in ("image", "audio", "video", "document"):
            mime = block.get("mime_type")
            if block.get("data"):
                if not mime:
                    raise ApiError(400, f"{kind} `data` needs a `mime_type`.")
                parts.append({"inlineData": {"mimeType": mime, "data": block["data"]}})
            elif block.get("uri"):
                if not mime:
                    raise ApiError(400, f"{kind} `uri` needs a `mime_type` on Vertex AI.")
                parts.append({"fileData": {"mimeType": mime, "fileUri": block["uri"]}})
            else:
                raise ApiError(400, f"{kind} content needs `data` or `uri`.")
        else:
            raise unsupported(PROVIDER, f"{kind} input")
    return parts


# --- Gemini answer -------------------------------------------------------------------------------


def usage(raw: Mapping[str, Any]) -> Usage:
    inputs = (raw.get("promptTokenCount") or 0) + (raw.get("toolUsePromptTokenCount") or 0)
    output, thought = raw.get("candidatesTokenCount") or 0, raw.get("thoughtsTokenCount") or 0
    return {
        "total_input_tokens": inputs,
        "total_output_tokens": output,
        "total_thought_tokens": thought,
        "total_cached_tokens": raw.get("cachedContentTokenCount") or 0,
        "total_tokens": raw.get("totalTokenCount") or inputs + output + thought,
    }


def _status(finish: str | None, calls: bool) -> InteractionStatus:
    if finish not in (None, "STOP", "FINISH_REASON_UNSPECIFIED"):
        return "incomplete"
    return "requires_action" if calls else "completed"


def _call(part: Mapping[str, Any]) -> dict[str, Any]:
    call = part["functionCall"]
    return {
        "type": "function_call",
        "id": call.get("id") or wire.new_id("call_"),
        "name": call["name"],
        "arguments": call.get("args") or {},
    }


def steps(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in parts:
        if part.get("thoughtSignature"):
            if out and out[-1]["type"] == "thought" and "signature" not in out[-1]:
                out[-1]["signature"] = part["thoughtSignature"]
            else:
                out.append({"type": "thought", "signature": part["thoughtSignature"]})
        if "functionCall" in part:
            out.append(_call(part))
        elif part.get("thought") and part.get("text"):
            out.append({"type": "thought", "summary": [{"type": "text", "text": part["text"]}]})
        elif part.get("text"):
            if out and out[-1]["type"] == "model_output":
                out[-1]["content"][0]["text"] += part["text"]
            else:
                out.append({"type": "model_output", "content": [{"type": "text", "text": part["text"]}]})
    return out


def outcome(data: Mapping[str, Any]) -> Outcome:
    candidate = (data.get("candidates") or [{}])[0]
    found = steps((candidate.get("content") or {}).get("parts") or [])
    finish = candidate.get("finishReason") or ("OTHER" if not data.get("candidates") else None)
    calls = any(step["type"] == "function_call" for step in found)
    return Outcome(
        steps=found,
        status=_status(finish, calls),
        usage=usage(data.get("usageMetadata") or {}),
        upstream_id=data.get("responseId"),
    )


class StreamDecoder:
    """streamGenerateContent chunks -> step events. A text or thought step stays open while the
    same kind keeps coming; a function call arrives whole, so its step opens and closes at once."""

    done = False  # the stream's end is the body's end

    def __init__(self) -> None:
        self.started = 0
        self.open: tuple[str, int] | None = None
        self.finish: str | None = None
        self.calls = False
        self.usage: Usage = usage({})
        self.upstream_id: str | None = None

    def feed(self, chunk: Mapping[str, Any]) -> Iterator[StepEvent]:
        if chunk.get("error"):
            raise google_error(chunk["error"])
        self.upstream_id = chunk.get("responseId") or self.upstream_id
        if chunk.get("usageMetadata"):
            self.usage = usage(chunk["usageMetadata"])
        for candidate in chunk.get("candidates") or []:
            for part in (candidate.get("content") or {}).get("parts") or []:
                yield from self._part(part)
            if candidate.get("finishReason"):  # the last chunk: close the open step
                self.finish = candidate["finishReason"]
                yield from self._close()
        if not chunk.get("candidates") and (chunk.get("promptFeedback") or {}).get("blockReason"):
            self.finish = "SAFETY"

    def end(self) -> StreamEnd:
        if self.finish is None:
            raise UpstreamError(502, "Vertex AI stream ended without a finishReason (truncated)")
        return StreamEnd(
            status=_status(self.finish, self.calls), usage=self.usage, upstream_id=self.upstream_id
        )

    def _start(self, step: Step) -> tuple[int, StepStart]:
        self.started += 1
        return self.started - 1, {"event_type": STEP_START, "index": self.started - 1, "step": step}

    def _close(self) -> Iterator[StepEvent]:
        if self.open:
            yield {"event_type": STEP_STOP, "index": self.open[1]}
            self.open = None

    def _text(self, kind: str, delta: Delta) -> Iterator[StepEvent]:
        if self.open is None or self.open[0] != kind:
            yield from self._close()
            index, event = self._start(
                {"type": "thought"} if kind == "thought" else {"type": kind, "content": []}
            )
            self.open = (kind, index)
            yield event
        yield {"event_type": STEP_DELTA, "index": self.open[1], "delta": delta}

    def _part(self, part: Mapping[str, Any]) -> Iterator[StepEvent]:
        if part.get("thoughtSignature"):
            yield from self._text(
                "thought", {"type": "thought_signature", "signature": part["thoughtSignature"]}
            )
        if "functionCall" in part:
            yield from self._close()
            call = _call(part)
            arguments = orjson.dumps(call["arguments"]).decode()
            index, event = self._start({**call, "arguments": {}})
            self.calls = True
            yield event
            yield {
                "event_type": STEP_DELTA,
                "index": index,
                "delta": {"type": "arguments_delta", "arguments": arguments},
            }
            yield {"event_type": STEP_STOP, "index": index}
        elif part.get("thought") and part.get("text"):
            yield from self._text(
                "thought", {"type": "thought_summary", "content": {"type": "text", "text": part["text"]}}
            )
        elif part.get("text"):
            yield from self._text("model_output", {"type": "text", "text": part["text"]})


GOOGLE_STATUS = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "RESOURCE_EXHAUSTED": 429,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}


def google_error(error: Any) -> UpstreamError:
    """A google.rpc.Status in a stream chunk (the 200 had already gone out)."""
    error = error if isinstance(error, dict) else {"message": str(error)}
    code = error.get("code")
    status = (
        code
        if isinstance(code, int) and 400 <= code < 600
        else GOOGLE_STATUS.get(str(error.get("status")), 502)
    )
    return UpstreamError(
        status, f"HTTP {status}: {error.get('message') or 'stream error'}", timeout=status == 504
    )


# --- the adapter ----------------------------------------------------------------------------------


class _GeminiCodec(HttpCodec):
    name = PROVIDER

    def request(self, turn: Turn, deployment: Deployment, *, stream: bool) -> UpstreamRequest:
        return UpstreamRequest("POST", url(deployment, stream), body=request_body(turn, deployment))

    async def sign(self, request: UpstreamRequest, deployment: Deployment) -> None:
        await _authorize(request, deployment)

    def outcome(self, answer: Any, turn: Turn) -> Outcome:
        return outcome(answer)

    def decoder(self, turn: Turn) -> StreamDecoder:
        return StreamDecoder()


class _ClaudeCodec(anthropic.AnthropicAdapter):
    """The anthropic codec with Vertex's URL, body and auth; answers decode as Anthropic's."""

    name = PROVIDER

    def request(self, turn: Turn, deployment: Deployment, *, stream: bool) -> UpstreamRequest:
        body = anthropic.request_body(turn, deployment, stream=stream)
        body.pop("model")
        body["anthropic_version"] = deployment.api_version or ANTHROPIC_VERSION
        return UpstreamRequest("POST", url(deployment, stream), body=body)

    async def sign(self, request: UpstreamRequest, deployment: Deployment) -> None:
        await _authorize(request, deployment)


async def _authorize(request: UpstreamRequest, deployment: Deployment) -> None:
    """The bearer token, and the project when only the credentials know it."""
    request.headers["authorization"] = f"Bearer {await bearer(deployment)}"
    if PROJECT_FROM_CREDENTIALS in request.url:
        request.url = request.url.replace(PROJECT_FROM_CREDENTIALS, await credentials_project(deployment))


class VertexAIAdapter:
    """Gemini models through generateContent, Claude models through rawPredict."""

    name = PROVIDER

    def __init__(self) -> None:
        self._gemini, self._claude = _GeminiCodec(), _ClaudeCodec()

    def _codec(self, deployment: Deployment) -> HttpCodec:
        return self._claude if is_claude(deployment) else self._gemini

    async def create(self, turn: Turn, deployment: Deployment) -> Outcome:
        return await self._codec(deployment).create(turn, deployment)

    def stream(self, turn: Turn, deployment: Deployment) -> AdapterStream:
        return self._codec(deployment).stream(turn, deployment)
