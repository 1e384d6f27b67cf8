"""OpenAI Responses API adapter: `POST {api_base}/responses`, JSON and SSE.

Parley keeps every conversation itself, so each call is stateless: `store: false` and the whole
history goes up as `input` items. Reasoning survives the round trip through its encrypted content,
which this adapter asks for and keeps in the thought step's `signature`.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from collections.abc import Mapping
from typing import Any

import orjson

from parley import errors
from parley.errors import UpstreamError
from parley.events import (
    STEP_DELTA,
    STEP_START,
    STEP_STOP,
    Delta,
    InteractionStatus,
    Step,
    StepDelta,
    StepStart,
    Usage,
)
from parley.providers.base import Deployment, HttpCodec, JsonObject, Outcome, StepEvent, StreamEnd, Turn
from parley.request import note_dropped, output_format, tool_choice
from parley.transport import UpstreamRequest

PROVIDER = "openai"
DEFAULT_API_BASE = "https://api.openai.com/v1"

# generation_config keys the Responses API can honour; anything else set is a 400, never a silent drop.
CONFIG_KEYS = frozenset(
    {"temperature", "top_p", "max_output_tokens", "tool_choice", "thinking_level", "thinking_summaries"}
)
TOOL_MODES = {"auto": "auto", "any": "required", "none": "none"}
SERVICE_TIERS = {"standard": "default", "flex": "flex", "priority": "priority"}
IMAGE_DETAIL = {"low": "low", "medium": "auto", "high": "high", "ultra_high": "original"}
# A `response.failed` / `error` code -> the HTTP status it stands for (others: the request was bad).
ERROR_STATUS: dict[str, int] = {"server_error": 500, "rate_limit_exceeded": 429, "vector_store_timeout": 504}
# Only reasoning models accept `include: ["reasoning.encrypted_content"]`; others answer 400.
REASONING_MODEL = re.compile(r"(o\d|gpt-5(?!-chat)|gpt-[6-9]|codex)", re.IGNORECASE)
SIGNATURE = re.compile(r"(rs_[\w-]+):(.+)", re.DOTALL)


class OpenAIResponsesAdapter(HttpCodec):
    name = PROVIDER

    def url(self, deployment: Deployment) -> str:
        return (deployment.api_base or DEFAULT_API_BASE).rstrip("/") + "/responses"

    def headers(self, deployment: Deployment) -> dict[str, str]:
        return {"Authorization": f"Bearer {deployment.api_key}"} if deployment.api_key else {}

    def request(self, turn: Turn, deployment: Deployment, *, stream: bool) -> UpstreamRequest:
        body = request_body(turn, deployment)
        if stream:
            body["stream"] = True
        return UpstreamRequest("POST", self.url(deployment), self.headers(deployment), body=body)

    def outcome(self, answer: Any, turn: Turn) -> Outcome:
        return outcome(answer)

    def decoder(self, turn: Turn) -> StreamTranslator:
        return StreamTranslator()


# -- request ----------------------------------------------------------------------------------------


def request_body(turn: Turn, deployment: Deployment) -> JsonObject:
    turn = turn.within(deployment, config=CONFIG_KEYS, service_tiers=SERVICE_TIERS)
    request, config = turn.request, turn.generation_config
    # store=false: Parley stores the conversation and resends it whole, so OpenAI keeps nothing and
    # turn.previous_upstream_id (a previous_response_id) is never needed.
    body: JsonObject = {"model": deployment.model, "input": input_items(turn.history), "store": False}
    if turn.system_instruction:
        body["instructions"] = turn.system_instruction
    if turn.tools:
        body["tools"] = [_tool(tool, deployment.drop_params) for tool in turn.tools]
    choice = tool_choice(request)
    if choice.mode is not None:
        body["tool_choice"] = _tool_choice(choice.mode, choice.allowed)
    body.update(
        {k: config[k] for k in ("temperature", "top_p", "max_output_tokens") if config.get(k) is not None}
    )
    reasoning = _reasoning(config)
    if reasoning:
        body["reasoning"] = reasoning
    if reasoning or _reasons(deployment):
        body["include"] = ["reasoning.encrypted_content"]  # what makes stateless thought replay work
    wanted = output_format(PROVIDER, request)
    if wanted.schema is not None:
        body["text"] = {"format": {"type": "json_schema", "name": "response", "schema": dict(wanted.schema)}}
    elif wanted.json:
        body["text"] = {"format": {"type": "json_object"}}
    if request.get("service_tier"):
        body["service_tier"] = SERVICE_TIERS[request["service_tier"]]
    return body


def _reasons(deployment: Deployment) -> bool:
    override = deployment.params.get("supports_reasoning")
    return override if isinstance(override, bool) else bool(REASONING_MODEL.match(deployment.model))


def _tool(tool: Mapping[str, Any], drop: bool) -> JsonObject:
    if tool.get("type") != "function":
        raise errors.unsupported(PROVIDER, f"the {tool.get('type')} tool")
    if tool.get("defer_loading"):
        # A loading hint: without it the tool is offered up front, so drop_params may leave it out.
        if not drop:
            raise errors.unsupported(PROVIDER, "defer_loading on function tools")
        note_dropped(["tools.defer_loading"])
    out: JsonObject = {
        "type": "function",
        "name": tool["name"],
        "parameters": tool.get("parameters") or {"type": "object", "properties": {}},
        # Responses functions default to strict schemas, which ordinary schemas (optional fields,
        # open objects) fail; Interactions has no strict flag, so ask for the lenient mode.
        "strict": False,
    }
    description = tool.get("description") or tool.get("short_description")
    if description:
        out["description"] = description
    return out


def _tool_choice(mode: str, allowed: tuple[str, ...] | None) -> str | JsonObject:
    if mode not in TOOL_MODES:  # `validated` has no Responses equivalent
        raise errors.unsupported(PROVIDER, f"tool_choice mode '{mode}'")
    upstream = TOOL_MODES[mode]
    if upstream == "none" or not allowed:
        return upstream
    if upstream == "required" and len(allowed) == 1:
        return {"type": "function", "name": allowed[0]}
    return {
        "type": "allowed_tools",
        "mode": upstream,
        "tools": [{"type": "function", "name": n} for n in allowed],
    }


def _reasoning(config: Mapping[str, Any]) -> dict[str, str]:
    reasoning: dict[str, str] = {}
    if config.get("thinking_level"):
        reasoning["effort"] = config["thinking_level"]  # minimal|low|medium|high|xhigh: same names
    if config.get("thinking_summaries") == "auto":
        reasoning["summary"] = "auto"
    return reasoning


def input_items(history: list[Step]) -> list[JsonObject]:
    """Interactions steps -> Responses input items, in order."""
    return [item for step in history for item in _items(step)]


def _items(step: Mapping[str, Any]) -> list[JsonObject]:
    kind, content = step.get("type"), step.get("content") or []
    if kind == "user_input":
        return (
            [{"type": "message", "role": "user", "content": [_input_part(c) for c in content]}]
            if content
            else []
        )
    if kind == "model_output":
        # Plain string content: the one assistant form both the API and its published types accept.
        text = "".join(_output_text(c) for c in content)
        return [{"type": "message", "role": "assistant", "content": text}] if text else []
    if kind == "thought":
        return _reasoning_item(step)
    if kind == "function_call":
        arguments = orjson.dumps(step.get("arguments") or {}).decode()
        return [
            {"type": "function_call", "call_id": step["id"], "name": step["name"], "arguments": arguments}
        ]
    if kind == "function_result":
        return [
            {"type": "function_call_output", "call_id": step["call_id"], "output": _function_output(step)}
        ]
    raise errors.unsupported(PROVIDER, f"{kind} steps in the conversation")


def _data_url(block: Mapping[str, Any], default_mime: str) -> str:
    return f"data:{block.get('mime_type') or default_mime};base64,{block['data']}"


def _input_part(block: Mapping[str, Any]) -> JsonObject:
    kind = block.get("type")
    if kind == "text":
        return {"type": "input_text", "text": block["text"]}
    if kind == "image":
        url = block.get("uri") or _data_url(block, "image/png")
        return {
            "type": "input_image",
            "image_url": url,
            "detail": IMAGE_DETAIL.get(str(block.get("resolution")), "auto"),
        }
    if kind == "document":
        if block.get("uri"):
            return {"type": "input_file", "file_url": block["uri"]}
        mime = block.get("mime_type") or "application/pdf"
        filename = "document" + (mimetypes.guess_extension(mime) or "")
        return {"type": "input_file", "filename": filename, "file_data": _data_url(block, mime)}
    raise errors.unsupported(PROVIDER, f"{kind} input")


def _output_text(block: Mapping[str, Any]) -> str:
    if block.get("type") != "text":
        raise errors.unsupported(PROVIDER, f"{block.get('type')} content in model_output steps")
    return str(block["text"])


def _function_output(step: Mapping[str, Any]) -> str | list[JsonObject]:
    result = step.get("result")
    if isinstance(result, list):
        output: str | list[JsonObject] = [_input_part(block) for block in result]
    else:
        output = result if isinstance(result, str) else orjson.dumps(result).decode()
    if not step.get("is_error"):
        return output
    # function_call_output has no error flag: say it in the output so the model still knows.
    if isinstance(output, str):
        return f"Error: {output}"
    return [{"type": "input_text", "text": "Error:"}, *output]


def _signature(item: Mapping[str, Any]) -> str | None:
    """The thought signature: the reasoning item's id and encrypted content, base64 as the spec wants.
    Replay needs both (some endpoints reject a reasoning item without its id)."""
    encrypted = item.get("encrypted_content")
    return base64.b64encode(f"{item['id']}:{encrypted}".encode()).decode() if encrypted else None


def _unsign(signature: str | None) -> tuple[str, str] | None:
    try:
        match = SIGNATURE.fullmatch(base64.b64decode(signature or "", validate=True).decode())
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (match[1], match[2]) if match else None


def _reasoning_item(step: Mapping[str, Any]) -> list[JsonObject]:
    signed = _unsign(step.get("signature"))
    if not signed:
        # Another provider's thought, or one without encrypted content: OpenAI cannot verify it
        # (it answers 400/404), so it is left out and the model reasons afresh.
        return []
    summary = [
        {"type": "summary_text", "text": b["text"]}
        for b in step.get("summary") or []
        if b.get("type") == "text"
    ]
    return [{"type": "reasoning", "id": signed[0], "encrypted_content": signed[1], "summary": summary}]


# -- response ---------------------------------------------------------------------------------------


def _failure(error: Mapping[str, Any] | None, fallback: str) -> UpstreamError:
    error = error or {}
    code = error.get("code")
    status = ERROR_STATUS.get(str(code), 400 if code else 502)
    return UpstreamError(status, f"{code or 'error'}: {error.get('message') or fallback}")


def usage(raw: Mapping[str, Any] | None) -> Usage:
    """OpenAI counts reasoning inside output_tokens; Interactions counts thoughts apart, so output
    is output_tokens minus reasoning_tokens and total_tokens (input + output + thought) stays
    equal to OpenAI's own total."""
    if not raw:
        return {}
    thought = (raw.get("output_tokens_details") or {}).get("reasoning_tokens") or 0
    input_tokens, output_tokens = raw.get("input_tokens") or 0, raw.get("output_tokens") or 0
    return {
        "total_input_tokens": input_tokens,
        "total_output_tokens": output_tokens - thought,
        "total_thought_tokens": thought,
        "total_cached_tokens": (raw.get("input_tokens_details") or {}).get("cached_tokens") or 0,
        "total_tokens": raw.get("total_tokens") or input_tokens + output_tokens,
    }


def _status(response: Mapping[str, Any], called: bool) -> InteractionStatus:
    if response.get("status") == "incomplete":  # max_output_tokens or content_filter
        return "incomplete"
    return "requires_action" if called else "completed"


def _arguments(raw: str) -> JsonObject:
    try:
        return orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        return {"_raw": raw}  # as wire.StepAccumulator does: keep what the model wrote


def _summary(item: Mapping[str, Any]) -> list[JsonObject]:
    # Summaries, then any raw reasoning text (open-weight models behind a Responses server send it).
    parts = [*(item.get("summary") or []), *(item.get("content") or [])]
    return [{"type": "text", "text": part["text"]} for part in parts]


def step(item: Mapping[str, Any]) -> Step:
    """One finished output item -> one Interactions step."""
    kind = item.get("type")
    if kind == "message":
        # A refusal is what the model said instead of an answer: keep it as text.
        texts = [part.get("text", part.get("refusal", "")) for part in item.get("content") or []]
        return {"type": "model_output", "content": [{"type": "text", "text": t} for t in texts]}
    if kind == "function_call":
        return {
            "type": "function_call",
            "id": item["call_id"],
            "name": item["name"],
            "arguments": _arguments(item.get("arguments") or ""),
        }
    if kind == "reasoning":
        thought: Step = {"type": "thought"}
        if summary := _summary(item):
            thought["summary"] = summary
        if signature := _signature(item):
            thought["signature"] = signature
        return thought
    raise UpstreamError(502, f"unexpected output item type '{kind}'")


def outcome(response: Mapping[str, Any]) -> Outcome:
    if response.get("status") not in ("completed", "incomplete"):
        raise _failure(response.get("error"), f"response {response.get('status')}")
    steps = [step(item) for item in response.get("output") or []]
    called = any(s["type"] == "function_call" for s in steps)
    return Outcome(
        steps=steps,
        status=_status(response, called),
        usage=usage(response.get("usage")),
        upstream_id=response.get("id"),
    )


def _step_delta(index: int, delta: Delta) -> StepDelta:
    return {"event_type": STEP_DELTA, "index": index, "delta": delta}


def _arguments_delta(fragment: str) -> Delta:
    return {"type": "arguments_delta", "arguments": fragment}


class StreamTranslator:
    """Responses stream events -> Interactions step events. Output items become steps in order of
    appearance; the events that only repeat relayed text (`*.done`, `content_part.*`) are skipped."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}  # upstream output_index -> step index
        self.open: set[int] = set()
        self.arguments_streamed: set[int] = set()
        self.called = False
        self.result: StreamEnd | None = None

    @property
    def done(self) -> bool:
        return self.result is not None

    def end(self) -> StreamEnd:
        if self.result is None:
            raise UpstreamError(502, "stream ended before response.completed")
        return self.result

    def feed(self, event: Mapping[str, Any]) -> list[StepEvent]:
        try:
            return self._feed(event)
        except (KeyError, TypeError, AttributeError) as exc:
            raise UpstreamError(
                502, f"malformed {event.get('type')} event ({type(exc).__name__}: {exc})"
            ) from exc

    def _feed(self, event: Mapping[str, Any]) -> list[StepEvent]:
        kind = event.get("type")
        if kind == "response.output_item.added":
            return [self._start(event["output_index"], event["item"])]
        if kind in ("response.output_text.delta", "response.refusal.delta"):
            return [self._delta(event, {"type": "text", "text": event["delta"]})]
        if kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            text = {"type": "text", "text": event["delta"]}
            return [self._delta(event, {"type": "thought_summary", "content": text})]
        if kind == "response.function_call_arguments.delta":
            self.arguments_streamed.add(event["output_index"])
            return [self._delta(event, _arguments_delta(event["delta"]))]
        if kind == "response.output_item.done":
            return self._done(event["output_index"], event["item"])
        if kind in ("response.completed", "response.incomplete"):
            return self._finish(event["response"])
        if kind == "response.failed":
            raise _failure(event["response"].get("error"), "response failed")
        if kind == "error":  # documented flat; some servers nest it under "error"
            raise _failure(event["error"] if isinstance(event.get("error"), dict) else event, "stream error")
        return []

    def _start(self, output_index: int, item: Mapping[str, Any]) -> StepStart:
        index = self.index[output_index] = len(self.index)
        self.open.add(index)
        kind = item.get("type")
        if kind == "message":
            started: Step = {"type": "model_output"}
        elif kind == "reasoning":
            started = {"type": "thought"}
        elif kind == "function_call":
            self.called = True
            started = {"type": "function_call", "id": item["call_id"], "name": item["name"], "arguments": {}}
        else:
            raise UpstreamError(502, f"unexpected output item type '{kind}'")
        return {"event_type": STEP_START, "index": index, "step": started}

    def _delta(self, event: Mapping[str, Any], delta: Delta) -> StepDelta:
        return _step_delta(self.index[event["output_index"]], delta)

    def _done(self, output_index: int, item: Mapping[str, Any]) -> list[StepEvent]:
        index, kind = self.index[output_index], item.get("type")
        events: list[StepEvent] = []
        # The encrypted content is complete only here, in output_item.done.
        if kind == "reasoning" and (signature := _signature(item)):
            events.append(_step_delta(index, {"type": "thought_signature", "signature": signature}))
        # Arguments that arrived whole, without deltas, are relayed in one piece.
        if kind == "function_call" and output_index not in self.arguments_streamed and item.get("arguments"):
            events.append(_step_delta(index, _arguments_delta(item["arguments"])))
        return events + self._stop(index)

    def _stop(self, index: int) -> list[StepEvent]:
        if index not in self.open:
            return []
        self.open.discard(index)
        return [{"event_type": STEP_STOP, "index": index}]

    def _finish(self, response: Mapping[str, Any]) -> list[StepEvent]:
        stops = [event for index in sorted(self.open) for event in self._stop(index)]
        self.result = StreamEnd(
            _status(response, self.called), usage(response.get("usage")), response.get("id")
        )
        return stops
