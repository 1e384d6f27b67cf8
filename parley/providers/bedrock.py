"""AWS Bedrock Runtime: Interactions turns <-> the Converse and ConverseStream APIs.

`litellm_params.model: bedrock/<model id>` (``us.anthropic.claude-…``, ``meta.llama…``,
``amazon.nova…``, an inference-profile ARN …) → ``POST {endpoint}/model/{model id}/converse`` or
``…/converse-stream``, where the endpoint is ``aws_bedrock_runtime_endpoint`` /
``AWS_BEDROCK_RUNTIME_ENDPOINT`` / ``api_base``, else ``https://bedrock-runtime.{region}.amazonaws.com``.

Auth: every request is signed with SigV4 (service ``bedrock``) by botocore's own signer over the
exact body sent. Credentials come from ``aws_access_key_id`` / ``aws_secret_access_key`` /
``aws_session_token`` in ``litellm_params``, else botocore's default chain (``AWS_ACCESS_KEY_ID`` …,
``AWS_PROFILE``, container and instance roles), resolved once per deployment; refreshable ones are
refreshed by botocore when they near expiry. The region is ``aws_region_name``, else
``AWS_REGION_NAME`` / ``AWS_REGION`` / ``AWS_DEFAULT_REGION``; none at all is a clear error.

Request mapping (the Converse field in brackets):

* system instruction [``system``], history [``messages``: consecutive steps of one role merge, tool
  results lead their user message], function_call [``toolUse``], function_result [``toolResult``,
  ``status: error`` when ``is_error``], images png/jpeg/gif/webp and documents (pdf, csv, doc(x),
  xls(x), html, txt, md) as bytes or ``s3://`` URIs [``image`` / ``document``];
* ``max_output_tokens`` (by default the deployment's ``max_tokens``), ``temperature``, ``top_p``,
  ``stop_sequences`` [``inferenceConfig``]; ``seed`` has no Converse equivalent (400);
* tools [``toolConfig.tools[].toolSpec``]; tool_choice auto / any [``toolChoice``], ``any`` with a
  single allowed tool names it, ``validated`` is auto with ``strict`` tools, ``allowed_tools``
  narrows the tools sent; ``none`` sends no tools (a 400 when the history holds tool calls, which
  Converse cannot read without them);
* JSON-schema ``response_format`` [``outputConfig.textFormat`` json_schema]; JSON without a schema
  is a 400; ``service_tier`` [``serviceTier``];
* ``thinking_level`` on Claude models [``additionalModelRequestFields.thinking``, budgets as the
  anthropic adapter's]; other models have no Converse-level thinking switch (400). Thoughts come
  back as ``reasoningContent`` and are replayed with their signature (redacted ones as their bytes).

Answers: ``text`` → model_output, ``reasoningContent`` → thought, ``toolUse`` → function_call.
stopReason end_turn / stop_sequence → completed, tool_use → requires_action, anything else
(max_tokens, guardrail_intervened, content_filtered, …) → incomplete. ConverseStream's binary AWS
event-stream frames are split and checksum-verified by botocore's ``EventStreamBuffer``; an
exception frame mid-stream ends the stream with that error.

Errors keep Bedrock's statuses through the shared error path: ThrottlingException /
ModelNotReadyException 429 (retryable, Retry-After 1 s when Bedrock gives none), ValidationException
400, AccessDeniedException and signature / key errors the gateway's misconfiguration (502),
ResourceNotFoundException 404, ModelTimeoutException a timeout (504), ModelErrorException,
ServiceUnavailableException and InternalServerException 5xx (502, retryable). An exception frame
mid-stream is mapped by its name the same way.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import botocore.session
import orjson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.eventstream import EventStreamBuffer, EventStreamMessage, ParserError

from parley.errors import ApiError, UpstreamError, unsupported
from parley.events import STEP_DELTA, STEP_START, STEP_STOP, Delta, InteractionStatus, Step, StepStart, Usage
from parley.providers.anthropic import MIN_THINKING_BUDGET, REDACTED, THINKING_BUDGETS
from parley.providers.base import AdapterStream, Deployment, HttpCodec, Outcome, StepEvent, StreamEnd, Turn
from parley.request import ToolChoice, note_dropped, tool_choice
from parley.transport import UpstreamRequest
from parley.wire import CONTENT_TYPES

PROVIDER = "bedrock"
SERVICE = "bedrock"  # the SigV4 signing name of bedrock-runtime
DEFAULT_MAX_TOKENS = 8192
REGION_ENV = ("AWS_REGION_NAME", "AWS_REGION", "AWS_DEFAULT_REGION")
IMAGE_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif", "image/webp": "webp"}
DOCUMENT_FORMATS = {
    "application/pdf": "pdf",
    "text/csv": "csv",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/html": "html",
    "text/plain": "txt",
    "text/markdown": "md",
}
SERVICE_TIERS = {"standard": "default", "flex": "flex", "priority": "priority"}
STATUS: dict[str, InteractionStatus] = {
    "end_turn": "completed",
    "stop_sequence": "completed",
    "tool_use": "requires_action",
}
# generation_config keys Converse honours; any other key set is a 400 (or dropped).
CONFIG_KEYS = frozenset(
    {
        "temperature",
        "top_p",
        "stop_sequences",
        "max_output_tokens",
        "thinking_level",
        "thinking_summaries",
        "tool_choice",
    }
)
OUTPUT_TYPES = ("text", "image", "audio", "video")
# A stream exception frame's name -> (status for UpstreamError, is a timeout).
ERRORS: dict[str, tuple[int, bool]] = {
    "ThrottlingException": (429, False),
    "ModelNotReadyException": (429, False),
    "ServiceQuotaExceededException": (429, False),
    "ValidationException": (400, False),
    "AccessDeniedException": (403, False),
    "UnrecognizedClientException": (401, False),
    "InvalidSignatureException": (403, False),
    "ExpiredTokenException": (403, False),
    "ResourceNotFoundException": (404, False),
    "ModelTimeoutException": (408, True),
    "ServiceUnavailableException": (503, False),
    "InternalServerException": (500, False),
    "ModelErrorException": (502, False),  # the model failed: not the client's fault
    "ModelStreamErrorException": (502, False),
}


# --- where, who, and the signature ----------------------------------------------------------------


def region(deployment: Deployment) -> str:
    value = deployment.params.get("aws_region_name") or next(
        (os.environ[name] for name in REGION_ENV if os.environ.get(name)), None
    )
    if not value:
        raise ApiError(
            500,
            f"Bedrock deployment '{deployment.model_name}' has no AWS region "
            "(set litellm_params.aws_region_name or AWS_REGION_NAME).",
        )
    return str(value)


def url(deployment: Deployment, stream: bool) -> str:
    root = (
        deployment.params.get("aws_bedrock_runtime_endpoint")
        or os.environ.get("AWS_BEDROCK_RUNTIME_ENDPOINT")
        or deployment.api_base
        or f"https://bedrock-runtime.{region(deployment)}.amazonaws.com"
    )
    # The model id is one path segment: an ARN's '/' is escaped. ':' stays as is, since the HTTP
    # client sends it unescaped and the signature must cover the path exactly as sent.
    action = "converse-stream" if stream else "converse"
    return f"{str(root).rstrip('/')}/model/{quote(deployment.model, safe=':')}/{action}"


@dataclass
class _Identity:
    credentials: Credentials


_identities: dict[tuple[str, ...], _Identity] = {}


async def credentials(deployment: Deployment) -> Credentials:
    """The deployment's AWS credentials, resolved once (the default chain may call the instance
    metadata service, so it runs in a thread); botocore refreshes temporary ones near expiry."""
    params = deployment.params
    explicit = (params.get("aws_access_key_id"), params.get("aws_secret_access_key"))
    if all(explicit):
        return Credentials(str(explicit[0]), str(explicit[1]), params.get("aws_session_token"))
    if any(explicit):
        raise ApiError(
            500,
            f"Bedrock deployment '{deployment.model_name}' sets only one of aws_access_key_id and "
            "aws_secret_access_key.",
        )
    key = (deployment.model_name, os.environ.get("AWS_ACCESS_KEY_ID", ""), os.environ.get("AWS_PROFILE", ""))
    identity = _identities.get(key)
    if identity is None:
        found = await asyncio.to_thread(botocore.session.Session().get_credentials)
        if found is None:
            raise ApiError(
                500,
                f"Bedrock deployment '{deployment.model_name}' has no AWS credentials (set "
                "litellm_params.aws_access_key_id / aws_secret_access_key or AWS_ACCESS_KEY_ID / "
                "AWS_SECRET_ACCESS_KEY).",
            )
        identity = _identities[key] = _Identity(found)
    creds = identity.credentials
    if isinstance(creds, RefreshableCredentials) and creds.refresh_needed():
        frozen = await asyncio.to_thread(creds.get_frozen_credentials)
    else:
        frozen = creds.get_frozen_credentials()
    return Credentials(frozen.access_key or "", frozen.secret_key or "", frozen.token)


def signed_headers(request: UpstreamRequest, creds: Credentials, region_name: str) -> dict[str, str]:
    """The request's headers plus SigV4's (Authorization, X-Amz-Date, X-Amz-Security-Token), over
    its method, URL, headers and exact body bytes."""
    signed = AWSRequest(method=request.method, url=request.url, data=request.content, headers=request.headers)
    SigV4Auth(creds, SERVICE, region_name).add_auth(signed)
    return {name: str(value) for name, value in signed.headers.items()}


# --- request ----------------------------------------------------------------------------------------


def is_claude(deployment: Deployment) -> bool:
    return "anthropic." in deployment.model or "claude" in deployment.model


def request_body(turn: Turn, deployment: Deployment) -> dict[str, Any]:
    """The Converse body for this turn; raises the 400 for anything Converse cannot do."""
    turn = turn.within(deployment, config=CONFIG_KEYS, service_tiers=SERVICE_TIERS)
    request = turn.request
    config = turn.generation_config
    body: dict[str, Any] = {"messages": messages(turn.history)}
    if turn.system_instruction:
        body["system"] = [{"text": turn.system_instruction}]
    inference, extra = _limits(config, deployment)
    for name, field in (
        ("temperature", "temperature"),
        ("top_p", "topP"),
        ("stop_sequences", "stopSequences"),
    ):
        if config.get(name) is not None:
            inference[field] = config[name]
    body["inferenceConfig"] = inference
    if extra:
        body["additionalModelRequestFields"] = extra
    if tool_config := _tools(turn.tools, tool_choice(request), body["messages"]):
        body["toolConfig"] = tool_config
    if schema := _schema(request, deployment.drop_params):
        body["outputConfig"] = {
            "textFormat": {
                "type": "json_schema",
                "structure": {"jsonSchema": {"schema": orjson.dumps(schema).decode(), "name": "response"}},
            }
        }
    if tier := request.get("service_tier"):
        if tier not in SERVICE_TIERS:
            raise unsupported(PROVIDER, f"service_tier '{tier}'")
        body["serviceTier"] = {"type": SERVICE_TIERS[tier]}
    return body


def _limits(config: Mapping[str, Any], deployment: Deployment) -> tuple[dict[str, Any], dict[str, Any]]:
    """inferenceConfig.maxTokens, and Claude's thinking budget that has to fit below it."""
    explicit = config.get("max_output_tokens")  # or the deployment's max_tokens (request.with_max_tokens)
    level = config.get("thinking_level")
    if level is None:
        return ({"maxTokens": explicit} if explicit is not None else {}), {}
    if not is_claude(deployment):
        raise unsupported(PROVIDER, f"thinking_level on '{deployment.model}' (Bedrock thinking is Claude's)")
    budget = THINKING_BUDGETS[level]
    max_tokens = DEFAULT_MAX_TOKENS + budget if explicit is None else explicit
    budget = min(budget, max_tokens - 1)
    if budget < MIN_THINKING_BUDGET:
        raise unsupported(PROVIDER, f"thinking within max_output_tokens {max_tokens} (needs more than 1024)")
    thinking: dict[str, Any] = {"type": "enabled", "budget_tokens": budget}
    if config.get("thinking_summaries") == "none":
        thinking["display"] = "omitted"
    return {"maxTokens": max_tokens}, {"thinking": thinking}


def _tools(
    tools: list[dict[str, Any]], choice: ToolChoice, history: list[dict[str, Any]]
) -> dict[str, Any] | None:
    specs = []
    for tool in tools:
        if tool.get("type") != "function":
            raise unsupported(PROVIDER, f"'{tool.get('type')}' tools")
        spec: dict[str, Any] = {
            "name": tool["name"],
            "inputSchema": {"json": tool.get("parameters") or {"type": "object", "properties": {}}},
        }
        if tool.get("description"):
            spec["description"] = tool["description"]
        specs.append(spec)
    offered = choice.offered(spec["name"] for spec in specs)
    specs = [spec for spec in specs if spec["name"] in offered]
    mode = choice.mode
    if mode == "none":
        if any("toolUse" in block or "toolResult" in block for m in history for block in m["content"]):
            raise unsupported(PROVIDER, "tool_choice 'none' once the conversation holds tool calls")
        return None
    if not specs:
        return None
    if mode == "validated":
        specs = [{**spec, "strict": True} for spec in specs]
    out: dict[str, Any] = {"tools": [{"toolSpec": spec} for spec in specs]}
    if mode == "any":
        out["toolChoice"] = {"tool": {"name": specs[0]["name"]}} if len(specs) == 1 else {"any": {}}
    elif mode is not None:
        out["toolChoice"] = {"auto": {}}
    return out


def _schema(request: Mapping[str, Any], drop: bool) -> Any:
    """The JSON Schema the answer must follow, if any. Converse has no JSON mode without a
    schema: a 400, or under drop_params a plain-text answer (the format named as dropped)."""
    formats = request.get("response_format")
    formats = formats if isinstance(formats, list) else [formats] if formats else []
    legacy_mime = request.get("response_mime_type")
    if legacy_mime and not any(item.get("type") in OUTPUT_TYPES for item in formats):
        formats = [{"type": "text", "mime_type": legacy_mime, "schema": formats[0] if formats else None}]
    schema = None
    for item in formats:
        if item.get("type") != "text":
            raise unsupported(PROVIDER, f"{item.get('type')} output")
        mime = item.get("mime_type") or ("application/json" if item.get("schema") else "text/plain")
        if mime == "application/json":
            if not item.get("schema"):
                if not drop:
                    raise unsupported(PROVIDER, "JSON output without a schema")
                note_dropped(["response_format" if request.get("response_format") else "response_mime_type"])
                continue
            schema = item["schema"]
        elif mime != "text/plain":
            raise unsupported(PROVIDER, f"{mime} output")
    return schema


def messages(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps as alternating user / assistant Converse messages."""
    out: list[dict[str, Any]] = []
    documents = iter(range(1, 1_000_000))  # Converse wants a distinct name per document
    for step in history:
        role, blocks = _blocks(step, documents)
        if not blocks:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    for message in out:
        if message["role"] == "user":  # tool results answer the previous turn: they come first
            message["content"].sort(key=lambda block: "toolResult" not in block)
    return out


def _blocks(step: dict[str, Any], documents: Iterator[int]) -> tuple[str, list[dict[str, Any]]]:
    kind = step.get("type")
    if kind == "user_input":
        return "user", _contents(step.get("content"), documents)
    if kind == "model_output":
        blocks = _contents(step.get("content"), documents)
        if any("text" not in block for block in blocks):
            raise unsupported(PROVIDER, "media in model_output steps")
        return "assistant", blocks
    if kind == "thought":
        return "assistant", _reasoning(step)
    if kind == "function_call":
        return "assistant", [
            {"toolUse": {"toolUseId": step["id"], "name": step["name"], "input": step.get("arguments") or {}}}
        ]
    if kind == "function_result":
        result: dict[str, Any] = {
            "toolUseId": step["call_id"],
            "content": _result(step.get("result"), documents),
        }
        if step.get("is_error"):
            result["status"] = "error"
        return "user", [{"toolResult": result}]
    raise unsupported(PROVIDER, f"'{kind}' steps")


def _reasoning(step: dict[str, Any]) -> list[dict[str, Any]]:
    """A signed thought replays as the reasoning block it was; unsigned ones (another provider's)
    cannot be verified upstream and the model never needs them."""
    signature = step.get("signature")
    if not signature:
        return []
    if signature.startswith(REDACTED):
        return [{"reasoningContent": {"redactedContent": signature.removeprefix(REDACTED)}}]
    text = "".join(part.get("text", "") for part in step.get("summary") or [] if part.get("type") == "text")
    return [{"reasoningContent": {"reasoningText": {"text": text, "signature": signature}}}]


def _result(result: Any, documents: Iterator[int]) -> list[dict[str, Any]]:
    if isinstance(result, str):
        return [{"text": result}]
    if isinstance(result, list) and all(
        isinstance(b, dict) and b.get("type") in CONTENT_TYPES for b in result
    ):
        return _contents(result, documents) or [{"text": ""}]
    if isinstance(result, dict):
        return [{"json": result}]
    return [{"text": orjson.dumps(result).decode()}]


def _contents(content: Any, documents: Iterator[int]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        content = [{"type": "text", "text": content}]
    blocks: list[dict[str, Any]] = []
    for part in content or []:
        kind = part.get("type")
        if kind == "text":
            if part.get("text"):  # Converse rejects empty text blocks
                blocks.append({"text": part["text"]})
        elif kind == "image":
            blocks.append({"image": {"format": _format(part, IMAGE_FORMATS), "source": _source(part)}})
        elif kind == "document":
            name = f"document-{next(documents)}"
            blocks.append(
                {
                    "document": {
                        "format": _format(part, DOCUMENT_FORMATS),
                        "name": name,
                        "source": _source(part),
                    }
                }
            )
        else:
            raise unsupported(PROVIDER, f"{kind} input")
    return blocks


def _format(part: dict[str, Any], formats: dict[str, str]) -> str:
    mime = part.get("mime_type")
    if mime not in formats:
        raise unsupported(
            PROVIDER, f"{mime or 'untyped'} {part['type']} input (it takes {', '.join(sorted(formats))})"
        )
    return formats[mime]


def _source(part: dict[str, Any]) -> dict[str, Any]:
    extra = set(part) - {"type", "data", "uri", "mime_type"}
    if extra:
        raise unsupported(PROVIDER, f"{part['type']} {', '.join(sorted(extra))}")
    if part.get("data"):
        try:
            base64.b64decode(part["data"], validate=True)
        except binascii.Error as exc:
            raise ApiError(400, f"{part['type']} `data` must be base64.") from exc
        return {"bytes": part["data"]}  # blobs travel as base64 in Converse's JSON
    uri = part.get("uri") or ""
    if uri.startswith("s3://"):
        return {"s3Location": {"uri": uri}}
    if uri:
        raise unsupported(PROVIDER, f"{part['type']} by uri other than s3://")
    raise ApiError(400, f"{part['type']} content needs `data` or `uri`.")


# --- answer -------------------------------------------------------------------------------------


def _status(stop_reason: str | None) -> InteractionStatus:
    return STATUS.get(stop_reason or "end_turn", "incomplete")


def usage(raw: Mapping[str, Any]) -> Usage:
    cached = raw.get("cacheReadInputTokens") or 0
    inputs = (raw.get("inputTokens") or 0) + cached + (raw.get("cacheWriteInputTokens") or 0)
    output = raw.get("outputTokens") or 0
    return {
        "total_input_tokens": inputs,
        "total_output_tokens": output,
        "total_thought_tokens": 0,  # Converse counts reasoning inside outputTokens, unsplit
        "total_cached_tokens": cached,
        "total_tokens": inputs + output,
    }


def _step(block: Mapping[str, Any]) -> dict[str, Any] | None:
    if "text" in block:
        return {"type": "model_output", "content": [{"type": "text", "text": block["text"]}]}
    if "reasoningContent" in block:
        reasoning = block["reasoningContent"]
        if "redactedContent" in reasoning:
            return {"type": "thought", "signature": REDACTED + reasoning["redactedContent"]}
        text = reasoning.get("reasoningText") or {}
        step: dict[str, Any] = {"type": "thought"}
        if text.get("signature"):
            step["signature"] = text["signature"]
        if text.get("text"):
            step["summary"] = [{"type": "text", "text": text["text"]}]
        return step
    if "toolUse" in block:
        call = block["toolUse"]
        return {
            "type": "function_call",
            "id": call["toolUseId"],
            "name": call["name"],
            "arguments": call.get("input") or {},
        }
    return None  # citations, guard content… answer features this adapter never asks for


def outcome(data: Mapping[str, Any]) -> Outcome:
    message = (data.get("output") or {}).get("message") or {}
    steps = [step for block in message.get("content") or [] if (step := _step(block))]
    return Outcome(steps=steps, status=_status(data.get("stopReason")), usage=usage(data.get("usage") or {}))


def _exception(name: str, message: str, status: int = 502, retry_after: float | None = None) -> UpstreamError:
    # Stream frames name the exception in lowerCamelCase (throttlingException), HTTP headers not.
    status, timeout = ERRORS.get(name[:1].upper() + name[1:], (status, False))
    if status == 429 and retry_after is None:
        retry_after = 1.0  # Bedrock sends no Retry-After; AWS SDKs back off from about a second
    return UpstreamError(
        status, f"HTTP {status}: {name or 'error'}: {message}", retry_after=retry_after, timeout=timeout
    )


class EventStreamFraming:
    """ConverseStream's binary AWS event-stream: botocore's EventStreamBuffer cuts the frames and
    checks their CRCs; `decode` gives each as ``{"headers", "body"}`` for the decoder."""

    media_type = "application/vnd.amazon.eventstream"

    def __init__(self) -> None:
        self._buffer = EventStreamBuffer()

    def feed(self, chunk: bytes) -> list[EventStreamMessage]:
        self._buffer.add_data(chunk)
        try:
            return list(self._buffer)
        except ParserError as exc:
            raise UpstreamError(502, f"Bedrock sent a malformed event-stream frame: {exc}") from exc

    def end(self) -> list[Any]:
        return []  # a frame cut short leaves the decoder without messageStop: it reports the cut

    @staticmethod
    def decode(message: EventStreamMessage) -> dict[str, Any]:
        return message.to_response_dict()


class StreamDecoder:
    """ConverseStream frames -> Interactions step events. Each frame's ``:event-type`` header names
    the event; an ``exception`` frame ends the stream with that error.

    Converse sends no contentBlockStart for text and reasoning blocks, so their steps open on the
    first delta; tool calls open on contentBlockStart. The answer is complete with the metadata
    event (usage) that follows messageStop."""

    def __init__(self) -> None:
        self._steps: dict[int, int] = {}  # contentBlockIndex -> step index
        self._started = 0
        self._stop_reason: str | None = None
        self._usage: Usage | None = None

    @property
    def done(self) -> bool:
        return self._stop_reason is not None and self._usage is not None

    def feed(self, frame: Mapping[str, Any]) -> Iterator[StepEvent]:
        headers, payload = frame["headers"], frame["body"]
        kind = headers.get(":message-type")
        if kind == "exception":
            data = _payload(payload)
            raise _exception(str(headers.get(":exception-type", "")), str(data.get("message") or data))
        if kind == "error":
            raise _exception(str(headers.get(":error-code", "")), str(headers.get(":error-message", "")))
        event, data = headers.get(":event-type"), _payload(payload)
        if event == "contentBlockStart":
            start = (data.get("start") or {}).get("toolUse")
            if start:
                step = {
                    "type": "function_call",
                    "id": start["toolUseId"],
                    "name": start["name"],
                    "arguments": {},
                }
                yield self._open(data.get("contentBlockIndex", 0), step)
        elif event == "contentBlockDelta":
            yield from self._delta(data.get("contentBlockIndex", 0), data.get("delta") or {})
        elif event == "contentBlockStop":
            index = self._steps.pop(data.get("contentBlockIndex", 0), None)
            if index is not None:
                yield {"event_type": STEP_STOP, "index": index}
        elif event == "messageStop":
            self._stop_reason = data.get("stopReason") or "end_turn"
        elif event == "metadata":
            self._usage = usage(data.get("usage") or {})

    def end(self) -> StreamEnd:
        if self._stop_reason is None:
            raise UpstreamError(0, "Bedrock stream ended before messageStop")
        return StreamEnd(status=_status(self._stop_reason), usage=self._usage or usage({}))

    def _open(self, block: int, step: Step) -> StepStart:
        index = self._steps[block] = self._started
        self._started += 1
        return {"event_type": STEP_START, "index": index, "step": step}

    def _delta(self, block: int, delta: Mapping[str, Any]) -> Iterator[StepEvent]:
        reasoning = delta.get("reasoningContent") or {}
        if block not in self._steps:
            step: dict[str, Any] = (
                {"type": "thought"} if reasoning else {"type": "model_output", "content": []}
            )
            yield self._open(block, step)
        index = self._steps[block]
        out: Delta | None = None
        if delta.get("text"):
            out = {"type": "text", "text": delta["text"]}
        elif "toolUse" in delta and delta["toolUse"].get("input"):
            out = {"type": "arguments_delta", "arguments": delta["toolUse"]["input"]}
        elif reasoning.get("text"):
            out = {"type": "thought_summary", "content": {"type": "text", "text": reasoning["text"]}}
        elif reasoning.get("signature"):
            out = {"type": "thought_signature", "signature": reasoning["signature"]}
        elif reasoning.get("redactedContent"):
            out = {"type": "thought_signature", "signature": REDACTED + reasoning["redactedContent"]}
        if out is not None:
            yield {"event_type": STEP_DELTA, "index": index, "delta": out}


def _payload(payload: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(payload) if payload else {}
    except orjson.JSONDecodeError as exc:
        raise UpstreamError(502, f"Bedrock sent a non-JSON event payload: {payload[:200]!r}") from exc
    return data if isinstance(data, dict) else {}


class BedrockAdapter(HttpCodec):
    name = PROVIDER

    def request(self, turn: Turn, deployment: Deployment, *, stream: bool) -> UpstreamRequest:
        accept = EventStreamFraming.media_type if stream else "application/json"
        return UpstreamRequest(
            "POST", url(deployment, stream), {"Accept": accept}, body=request_body(turn, deployment)
        )

    async def sign(self, request: UpstreamRequest, deployment: Deployment) -> None:
        creds = await credentials(deployment)
        request.headers = signed_headers(request, creds, region(deployment))

    def outcome(self, answer: Any, turn: Turn) -> Outcome:
        return outcome(answer)

    def decoder(self, turn: Turn) -> StreamDecoder:
        return StreamDecoder()

    def framing(self) -> EventStreamFraming:
        return EventStreamFraming()

    async def create(self, turn: Turn, deployment: Deployment) -> Outcome:
        try:
            return await super().create(turn, deployment)
        except UpstreamError as exc:
            raise _aws(exc) from exc

    async def stream(self, turn: Turn, deployment: Deployment) -> AdapterStream:
        try:
            async for batch in super().stream(turn, deployment):
                yield batch
        except UpstreamError as exc:
            raise _aws(exc) from exc


def _aws(exc: UpstreamError) -> UpstreamError:
    """Bedrock's HTTP statuses where they say more than their number: 408 is ModelTimeoutException
    (a timeout: 504), 424 ModelErrorException (the model failed: 502), and a 429 comes without
    Retry-After (AWS SDKs back off from about a second)."""
    if exc.status == 408 and not exc.timeout:
        return UpstreamError(408, exc.message, timeout=True, provider=exc.provider)
    if exc.status == 424:
        return UpstreamError(502, exc.message, provider=exc.provider)
    if exc.status == 429 and exc.retry_after is None:
        return UpstreamError(429, exc.message, retry_after=1.0, provider=exc.provider)
    return exc
