"""Anthropic Messages: Interactions turns <-> ``POST {api_base}/v1/messages`` (JSON and SSE).

`litellm_params.model: anthropic/<model>`; ``api_base`` defaults to ``https://api.anthropic.com``,
the key goes in ``x-api-key`` (``ANTHROPIC_API_KEY`` when the deployment has none) with
``anthropic-version: 2023-06-01``, or the deployment's ``api_version`` to pin a newer one.

Request mapping, where Anthropic has no one-to-one equivalent:

* ``max_tokens`` is required upstream: ``max_output_tokens`` (whose default is the deployment's
  ``litellm_params.max_tokens``: request.with_max_tokens), else 8192 (plus the thinking budget, so
  thinking cannot starve the answer; like Gemini, Anthropic counts thinking inside the limit).
* ``thinking_level`` -> ``thinking: {"type": "enabled", "budget_tokens": N}`` with N = minimal 1024,
  low 4096, medium 8192, high 16384, xhigh 32768, capped below ``max_tokens`` (Anthropic's minimum is
  1024, so a smaller room is a 400). ``thinking_summaries: none`` -> ``display: "omitted"``.
* ``response_format`` JSON schema (or legacy ``response_mime_type`` + schema) ->
  ``output_config.format: {"type": "json_schema", "schema"}``, Anthropic's structured outputs: the
  answer stays a text block, where the forced-tool trick would turn it into a tool call. JSON
  without a schema has no Anthropic equivalent (400).
* ``tool_choice``: auto / none / any map by name; any with exactly one allowed function becomes
  ``{"type": "tool", "name"}``; validated is auto with ``strict`` tools (schema-checked calls);
  ``allowed_tools`` narrows the tools sent to the allowed ones.
* ``temperature`` / ``top_p`` / ``stop_sequences`` pass through (the API keeps the sampling knobs for
  models that have them; newer models answer a 400 that reaches the client). ``seed`` has no
  equivalent (400). ``service_tier`` standard -> ``standard_only``, priority -> ``auto``.
* History: consecutive steps of one role merge into one message; function_call -> ``tool_use``,
  function_result -> ``tool_result`` (moved ahead of text, as Anthropic requires), thought ->
  ``thinking`` with its signature, replayed unchanged. Unsigned thoughts (another provider's) are
  not replayed: Anthropic accepts only thinking it signed, and the model never needs them.

Answer mapping: ``text`` -> model_output, ``thinking`` -> thought (summary + signature),
``redacted_thinking`` -> thought whose signature is its data behind a fixed prefix (so it replays as
the same block), ``tool_use`` -> function_call (Anthropic's id). Stream content-block indices become step
indices in arrival order. stop_reason end_turn / stop_sequence -> completed, tool_use ->
requires_action; max_tokens, model_context_window_exceeded, pause_turn and refusal -> incomplete
(the answer was cut short; a refusal keeps the text produced before it). Usage: input tokens
include cache reads and writes, cache reads are the cached tokens, and thinking tokens are split
out of the output tokens.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from parley.errors import ApiError, UpstreamError, unsupported
from parley.events import STEP_DELTA, STEP_START, STEP_STOP, Delta, InteractionStatus, Step, Usage
from parley.providers.base import Deployment, HttpCodec, JsonObject, Outcome, StepEvent, StreamEnd, Turn
from parley.request import ToolChoice, note_dropped, output_format, tool_choice
from parley.transport import UpstreamRequest
from parley.wire import CONTENT_TYPES

PROVIDER = "anthropic"
DEFAULT_API_BASE = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 8192
MIN_THINKING_BUDGET = 1024
THINKING_BUDGETS = {"minimal": 1024, "low": 4096, "medium": 8192, "high": 16384, "xhigh": 32768}
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
# base64("redacted:"): marks a redacted_thinking block's data in a thought signature, keeping the
# signature valid base64 (the spec's type) since the data itself is.
REDACTED = "cmVkYWN0ZWQ6"
SERVICE_TIERS = {"standard": "standard_only", "priority": "auto"}
STATUS: dict[str, InteractionStatus] = {
    "end_turn": "completed",
    "stop_sequence": "completed",
    "tool_use": "requires_action",
}
# Anthropic error types -> HTTP status, for `error` events inside a 200 stream.
ERROR_STATUS: dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}
# generation_config keys Anthropic honours; any other key set is a 400.
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
# Stream delta type -> the field holding its payload.
DELTA_FIELDS = {
    "text_delta": "text",
    "thinking_delta": "thinking",
    "signature_delta": "signature",
    "input_json_delta": "partial_json",
}


class AnthropicAdapter(HttpCodec):
    name = PROVIDER

    def request(self, turn: Turn, deployment: Deployment, *, stream: bool) -> UpstreamRequest:
        headers = {"anthropic-version": deployment.api_version or API_VERSION}
        key = deployment.api_key or os.environ.get("ANTHROPIC_API_KEY")
        if key:
            headers["x-api-key"] = key
        return UpstreamRequest(
            "POST", _url(deployment), headers, body=request_body(turn, deployment, stream=stream)
        )

    def outcome(self, answer: Any, turn: Turn) -> Outcome:
        return Outcome(
            steps=[step for block in answer.get("content") or [] if (step := _step(block))],
            status=_status(answer.get("stop_reason")),
            usage=usage(answer.get("usage") or {}),
            upstream_id=answer.get("id"),
        )

    def decoder(self, turn: Turn) -> StreamDecoder:
        return StreamDecoder()


# --- request -------------------------------------------------------------------------------------


def _url(deployment: Deployment) -> str:
    root = (deployment.api_base or DEFAULT_API_BASE).rstrip("/").removesuffix("/v1")
    return f"{root}/v1/messages"


def request_body(turn: Turn, deployment: Deployment, *, stream: bool) -> JsonObject:
    """The Messages create body for this turn; raises the 400 for anything Anthropic cannot do."""
    turn = turn.within(deployment, config=CONFIG_KEYS, service_tiers=SERVICE_TIERS)
    request, config = turn.request, turn.generation_config
    body: dict[str, Any] = {"model": deployment.model, **_limits(config)}
    body["messages"] = messages(turn.history)
    if turn.system_instruction:
        body["system"] = turn.system_instruction
    for name in ("temperature", "top_p", "stop_sequences"):
        if config.get(name) is not None:
            body[name] = config[name]
    body.update(_tools(turn.tools, tool_choice(request)))
    wanted = output_format(PROVIDER, request)
    if wanted.json and wanted.schema is None:
        if not deployment.drop_params:
            raise unsupported(PROVIDER, "JSON output without a schema")
        # drop_params: Messages has no schema-less JSON mode, so the answer comes as plain text.
        note_dropped(["response_format" if request.get("response_format") else "response_mime_type"])
    if wanted.schema is not None:
        body["output_config"] = {"format": {"type": "json_schema", "schema": dict(wanted.schema)}}
    if tier := request.get("service_tier"):
        body["service_tier"] = SERVICE_TIERS[tier]
    if stream:
        body["stream"] = True
    return body


def _limits(config: Mapping[str, Any]) -> JsonObject:
    """max_tokens, and the thinking budget that has to fit below it."""
    explicit = config.get("max_output_tokens")  # or the deployment's max_tokens (request.with_max_tokens)
    level = config.get("thinking_level")
    if level is None:
        return {"max_tokens": DEFAULT_MAX_TOKENS if explicit is None else explicit}
    budget = THINKING_BUDGETS[level]
    max_tokens = DEFAULT_MAX_TOKENS + budget if explicit is None else explicit
    budget = min(budget, max_tokens - 1)
    if budget < MIN_THINKING_BUDGET:
        raise unsupported(PROVIDER, f"thinking within max_output_tokens {max_tokens} (needs more than 1024)")
    thinking: JsonObject = {"type": "enabled", "budget_tokens": budget}
    if config.get("thinking_summaries") == "none":
        thinking["display"] = "omitted"
    return {"max_tokens": max_tokens, "thinking": thinking}


def _tools(tools: list[JsonObject], choice: ToolChoice) -> JsonObject:
    specs: list[JsonObject] = []
    for tool in tools:
        if tool.get("type") != "function":
            raise unsupported(PROVIDER, f"'{tool.get('type')}' tools")
        spec: JsonObject = {
            "name": tool["name"],
            "input_schema": tool.get("parameters") or {"type": "object", "properties": {}},
        }
        if tool.get("description"):
            spec["description"] = tool["description"]
        if tool.get("defer_loading") is not None:
            spec["defer_loading"] = tool["defer_loading"]
        specs.append(spec)
    if not specs:
        return {}
    offered = choice.offered(spec["name"] for spec in specs)
    specs = [spec for spec in specs if spec["name"] in offered]
    mode = choice.mode
    if mode == "validated":
        specs = [{**spec, "strict": True} for spec in specs]
    if mode is None:
        return {"tools": specs}
    if mode == "any" and len(specs) == 1:
        return {"tools": specs, "tool_choice": {"type": "tool", "name": specs[0]["name"]}}
    return {"tools": specs, "tool_choice": {"type": "auto" if mode == "validated" else mode}}


def messages(history: list[Step]) -> list[JsonObject]:
    """Steps as alternating user / assistant messages."""
    out: list[JsonObject] = []
    for step in history:
        role, blocks = _blocks(step)
        if not blocks:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    for message in out:
        if message["role"] == "user":  # Anthropic wants tool results ahead of any text
            message["content"].sort(key=lambda block: block["type"] != "tool_result")
    return out


def _blocks(step: Step) -> tuple[str, list[JsonObject]]:
    kind = step.get("type")
    if kind == "user_input":
        return "user", _contents(step.get("content"))
    if kind == "model_output":
        blocks = _contents(step.get("content"))
        if any(block["type"] != "text" for block in blocks):
            raise unsupported(PROVIDER, "media in model_output steps")
        return "assistant", blocks
    if kind == "thought":
        return "assistant", _thinking(step)
    if kind == "function_call":
        return "assistant", [
            {"type": "tool_use", "id": step["id"], "name": step["name"], "input": step.get("arguments") or {}}
        ]
    if kind == "function_result":
        block: JsonObject = {
            "type": "tool_result",
            "tool_use_id": step["call_id"],
            "content": _result(step.get("result")),
        }
        if step.get("is_error"):
            block["is_error"] = True
        return "user", [block]
    raise unsupported(PROVIDER, f"'{kind}' steps")


def _thinking(step: Step) -> list[JsonObject]:
    signature = step.get("signature")
    if not signature:
        return []
    if signature.startswith(REDACTED):
        return [{"type": "redacted_thinking", "data": signature.removeprefix(REDACTED)}]
    text = "".join(part.get("text", "") for part in step.get("summary") or [] if part.get("type") == "text")
    return [{"type": "thinking", "thinking": text, "signature": signature}]


def _result(result: Any) -> str | list[JsonObject]:
    if isinstance(result, str):
        return result
    if isinstance(result, list) and all(
        isinstance(b, dict) and b.get("type") in CONTENT_TYPES for b in result
    ):
        return _contents(result)
    return orjson.dumps(result).decode()


def _contents(content: Any) -> list[JsonObject]:
    if isinstance(content, str):
        content = [{"type": "text", "text": content}]
    blocks: list[JsonObject] = []
    for part in content or []:
        kind = part.get("type")
        if kind == "text":
            if part.get("text"):  # Anthropic rejects empty text blocks
                blocks.append({"type": "text", "text": part["text"]})
        elif kind in ("image", "document"):
            blocks.append({"type": kind, "source": _source(part)})
        else:
            raise unsupported(PROVIDER, f"{kind} input")
    return blocks


def _source(part: JsonObject) -> JsonObject:
    kind, mime, data = part["type"], part.get("mime_type"), part.get("data")
    extra = set(part) - {"type", "data", "uri", "mime_type"}
    if extra:
        raise unsupported(PROVIDER, f"{kind} {', '.join(sorted(extra))}")
    if part.get("uri") and (kind == "image" or mime in (None, "application/pdf")):
        return {"type": "url", "url": part["uri"]}
    if not data and not part.get("uri"):
        raise ApiError(400, f"{kind} content needs `data` or `uri`.")
    if data and ((kind == "image" and mime in IMAGE_TYPES) or mime == "application/pdf"):
        return {"type": "base64", "media_type": mime, "data": data}
    if data and kind == "document" and mime == "text/plain":
        try:
            return {"type": "text", "media_type": mime, "data": base64.b64decode(data).decode()}
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ApiError(400, "text/plain document `data` must be base64 of UTF-8 text.") from exc
    raise unsupported(PROVIDER, f"{mime or 'untyped'} {kind} input" + (" by uri" if part.get("uri") else ""))


# --- answer --------------------------------------------------------------------------------------


def _status(stop_reason: str | None) -> InteractionStatus:
    return STATUS.get(stop_reason or "end_turn", "incomplete")


def _step(block: JsonObject) -> Step | None:
    kind = block.get("type")
    if kind == "text":
        return {"type": "model_output", "content": [{"type": "text", "text": block["text"]}]}
    if kind == "thinking":
        step: Step = {"type": "thought", "signature": block["signature"]}
        if block.get("thinking"):
            step["summary"] = [{"type": "text", "text": block["thinking"]}]
        return step
    if kind == "redacted_thinking":
        return {"type": "thought", "signature": REDACTED + block["data"]}
    if kind == "tool_use":
        return {
            "type": "function_call",
            "id": block["id"],
            "name": block["name"],
            "arguments": block.get("input") or {},
        }
    return None  # server-tool blocks answer server tools, which this adapter never sends


def usage(raw: JsonObject) -> Usage:
    cached = raw.get("cache_read_input_tokens") or 0
    inputs = (raw.get("input_tokens") or 0) + cached + (raw.get("cache_creation_input_tokens") or 0)
    output = raw.get("output_tokens") or 0
    thought = (raw.get("output_tokens_details") or {}).get("thinking_tokens") or 0
    return {
        "total_input_tokens": inputs,
        "total_output_tokens": output - thought,
        "total_thought_tokens": thought,
        "total_cached_tokens": cached,
        "total_tokens": inputs + output,
    }


class StreamDecoder:
    """Anthropic stream events -> Interactions step events; `message_stop` ends the answer."""

    def __init__(self) -> None:
        self.steps: dict[int, int] = {}  # Anthropic content-block index -> step index
        self.totals: JsonObject = {}
        self.message_id: str | None = None
        self.stop_reason: str | None = None
        self.done = False

    def feed(self, data: JsonObject) -> Iterator[StepEvent]:
        kind = data.get("type")
        if kind == "error":
            error = data.get("error") or {}
            status = ERROR_STATUS.get(str(error.get("type")), 502)
            raise UpstreamError(
                status, f"Anthropic stream error ({error.get('type')}): {error.get('message')}"
            )
        steps = self.steps
        if kind == "message_start":
            self.message_id = data["message"].get("id")
            self.totals = dict(data["message"].get("usage") or {})
        elif kind == "content_block_start":
            step, initial = _start(data["content_block"])
            if step is not None:
                index = steps[data["index"]] = len(steps)
                yield {"event_type": STEP_START, "index": index, "step": step}
                for first in filter(None, map(_delta, initial)):
                    yield {"event_type": STEP_DELTA, "index": index, "delta": first}
        elif kind == "content_block_delta" and data["index"] in steps:
            if delta := _delta(data["delta"]):
                yield {"event_type": STEP_DELTA, "index": steps[data["index"]], "delta": delta}
        elif kind == "content_block_stop" and data["index"] in steps:
            yield {"event_type": STEP_STOP, "index": steps[data["index"]]}
        elif kind == "message_delta":
            self.stop_reason = (data.get("delta") or {}).get("stop_reason") or self.stop_reason
            self.totals.update({k: v for k, v in (data.get("usage") or {}).items() if v is not None})
        elif kind == "message_stop":
            self.done = True

    def end(self) -> StreamEnd:
        if not self.done:
            raise UpstreamError(0, "Anthropic stream ended before message_stop")
        return StreamEnd(_status(self.stop_reason), usage(self.totals), self.message_id)


def _start(block: JsonObject) -> tuple[Step | None, list[JsonObject]]:
    """The step a content block opens, and any content the block already carries, as deltas."""
    kind = block.get("type")
    if kind == "text":
        return {"type": "model_output", "content": []}, [{"type": "text_delta", "text": block.get("text")}]
    if kind == "thinking":
        return {"type": "thought"}, [
            {"type": "thinking_delta", "thinking": block.get("thinking")},
            {"type": "signature_delta", "signature": block.get("signature")},
        ]
    if kind == "redacted_thinking":
        return {"type": "thought"}, [{"type": "signature_delta", "signature": REDACTED + block["data"]}]
    if kind == "tool_use":
        step = {"type": "function_call", "id": block["id"], "name": block["name"], "arguments": {}}
        initial = orjson.dumps(block["input"]).decode() if block.get("input") else ""
        return step, [{"type": "input_json_delta", "partial_json": initial}]
    return None, []


def _delta(delta: JsonObject) -> Delta | None:
    kind = delta.get("type")
    value = delta.get(DELTA_FIELDS.get(str(kind), ""))
    if not value:  # citations_delta (citations are never enabled) and empty fragments
        return None
    if kind == "text_delta":
        return {"type": "text", "text": value}
    if kind == "thinking_delta":
        return {"type": "thought_summary", "content": {"type": "text", "text": value}}
    if kind == "signature_delta":
        return {"type": "thought_signature", "signature": value}
    return {"type": "arguments_delta", "arguments": value}
