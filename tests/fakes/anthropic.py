"""A fake Anthropic Messages API: ``POST /v1/messages``, JSON and SSE, in the wire shapes of the
official SDK types (``anthropic.types.Message``, ``RawMessageStreamEvent``, ``ErrorResponse``).

Scripted by `Reply` (or `AnthropicReply` for Anthropic-only knobs). Like the real API it wants a key
(``x-api-key``, or ``Authorization: Bearer`` as SDK 2.x sends it), checks the request against the SDK's own ``MessageCreateParams`` type, verifies
thinking signatures, requires a ``tool_result`` for every ``tool_use`` (and nothing else) in the
next user message, and, with thinking on, a final assistant tool turn that starts with thinking.
Stop reasons follow the request: a stop sequence in the text cuts it there (``stop_sequence``),
output above ``max_tokens`` stops with ``max_tokens``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass

import orjson
import pydantic
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.script import Reply, Upstream, chunks

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
PARAMS = pydantic.TypeAdapter(MessageCreateParamsNonStreaming)


@dataclass
class AnthropicReply(Reply):
    stop_reason: str | None = None  # force one, e.g. "refusal"
    thinking_tokens: int = 0  # of the output tokens, reported in output_tokens_details
    cache_read: int = 0
    cache_creation: int = 0
    redacted: bool = False  # answer the thought as a redacted_thinking block
    error_event_after: int | None = None  # streams: an `error` event (overloaded) after N data events


def signature(thinking: str) -> str:
    """What the fake signs thinking with; it accepts a thinking block back only with this."""
    return base64.b64encode(hashlib.sha256(b"fake:" + thinking.encode()).digest()).decode()


def make_app(upstream: Upstream) -> Starlette:
    async def messages(request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return error(400, "There was an issue with the request body: invalid JSON.")
        reply = await upstream.next(request.url.path, dict(request.headers), dict(request.query_params), body)
        if not (request.headers.get("x-api-key") or request.headers.get("authorization")):
            return error(401, "x-api-key header is required")
        if reply.status != 200:
            return error(reply.status, reply.error_message, reply.retry_after)
        if problem := check(body):
            return error(400, problem)
        message = answer(body, reply)
        headers = {"request-id": "req_" + secrets.token_hex(12)}
        if body.get("stream"):
            return StreamingResponse(sse(message, reply), media_type="text/event-stream", headers=headers)
        return Response(orjson.dumps(message), media_type="application/json", headers=headers)

    return Starlette(routes=[Route("/v1/messages", messages, methods=["POST"])])


def error(status: int, message: str, retry_after: float | None = None) -> Response:
    body = {
        "type": "error",
        "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message},
        "request_id": "req_" + secrets.token_hex(12),
    }
    headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def check(body: dict) -> str | None:
    """The request errors the real API would answer with a 400."""
    params = {k: v for k, v in body.items() if k != "stream"}
    try:
        PARAMS.validate_python(params)
    except pydantic.ValidationError as exc:
        return f"invalid request: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}"
    thinking = body.get("thinking") or {}
    if thinking.get("type") == "enabled" and not 1024 <= thinking["budget_tokens"] < body["max_tokens"]:
        return "thinking.budget_tokens: must be ≥ 1024 and less than max_tokens"
    msgs = [{"role": m["role"], "content": blocks(m)} for m in body["messages"]]
    for i, message in enumerate(msgs):
        content = message["content"]
        for j, block in enumerate(content):
            if block["type"] == "thinking" and block["signature"] != signature(block["thinking"]):
                return f"messages.{i}.content.{j}: Invalid `signature` in `thinking` block"
            if block["type"] == "tool_result" and any(b["type"] != "tool_result" for b in content[:j]):
                return f"messages.{i}.content.{j}: tool_result blocks must come first in the user message"
        if message["role"] == "assistant":
            calls = {b["id"] for b in content if b["type"] == "tool_use"}
            following = msgs[i + 1]["content"] if i + 1 < len(msgs) else None
            results = {b["tool_use_id"] for b in following or [] if b["type"] == "tool_result"}
            if following is not None and calls != results:
                return (
                    f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after"
                )
        elif any(b["type"] == "tool_result" for b in content):
            before = msgs[i - 1]["content"] if i else []
            if (
                not i
                or msgs[i - 1]["role"] != "assistant"
                or not any(b["type"] == "tool_use" for b in before)
            ):
                return f"messages.{i}: unexpected `tool_result` block without a preceding `tool_use`"
    assistant = [m for m in msgs if m["role"] == "assistant"]
    last = assistant[-1]["content"] if assistant else []
    if thinking.get("type") == "enabled" and any(b["type"] == "tool_use" for b in last):
        if last[0]["type"] not in ("thinking", "redacted_thinking"):
            return "Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block."
    return None


def blocks(message: dict) -> list[dict]:
    content = message["content"]
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


def answer(body: dict, reply: Reply) -> dict:
    """The Message the model 'wrote' for this request."""
    content: list[dict] = []
    if reply.thought is not None:
        if getattr(reply, "redacted", False):
            content.append(
                {"type": "redacted_thinking", "data": base64.b64encode(secrets.token_bytes(48)).decode()}
            )
        else:
            content.append(
                {"type": "thinking", "thinking": reply.thought, "signature": signature(reply.thought)}
            )
    stop_reason, stop_sequence, text = None, None, reply.text
    for seq in body.get("stop_sequences") or []:
        if seq in text:
            text, stop_reason, stop_sequence = text[: text.index(seq)], "stop_sequence", seq
    if text:
        content.append({"type": "text", "text": text})
    if reply.tool_call and stop_reason is None:
        name, arguments = reply.tool_call
        content.append(
            {"type": "tool_use", "id": "toolu_01" + secrets.token_hex(11), "name": name, "input": arguments}
        )
        stop_reason = "tool_use"
    thinking_tokens = getattr(reply, "thinking_tokens", 0)
    output = reply.usage[1] + thinking_tokens
    if output > body["max_tokens"]:
        output, stop_reason = body["max_tokens"], "max_tokens"
    stop_reason = getattr(reply, "stop_reason", None) or stop_reason or "end_turn"
    cache_creation = getattr(reply, "cache_creation", 0)
    usage = {
        "input_tokens": reply.usage[0],
        "cache_creation_input_tokens": cache_creation,
        "cache_read_input_tokens": getattr(reply, "cache_read", 0),
        "cache_creation": {"ephemeral_5m_input_tokens": cache_creation, "ephemeral_1h_input_tokens": 0},
        "output_tokens": output,
        "service_tier": "standard",
    }
    if thinking_tokens:
        usage["output_tokens_details"] = {"thinking_tokens": thinking_tokens}
    stop_details = (
        {"type": "refusal", "category": None, "explanation": None} if stop_reason == "refusal" else None
    )
    return {
        "id": "msg_01" + secrets.token_hex(11),
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "stop_details": stop_details,
        "usage": usage,
    }


def events(message: dict, reply: Reply) -> list[dict]:
    """The message as the stream the real API sends: blocks opened empty, then filled by deltas."""
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None, "stop_details": None}
    out = [{"type": "message_start", "message": {**start, "usage": {**usage, "output_tokens": 1}}}]
    for index, block in enumerate(message["content"]):
        kind = block["type"]
        empty = {
            "text": {"type": "text", "text": ""},
            "thinking": {"type": "thinking", "thinking": "", "signature": ""},
            "tool_use": {**block, "input": {}},
        }.get(kind, block)
        out.append({"type": "content_block_start", "index": index, "content_block": empty})
        if index == 0:
            out.append({"type": "ping"})
        if kind == "text":
            deltas = [
                {"type": "text_delta", "text": part} for part in chunks(block["text"], reply.chunk_size)
            ]
        elif kind == "thinking":
            deltas = [
                {"type": "thinking_delta", "thinking": p} for p in chunks(block["thinking"], reply.chunk_size)
            ]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        elif kind == "tool_use":
            raw = orjson.dumps(block["input"]).decode()
            deltas = [{"type": "input_json_delta", "partial_json": ""}]
            deltas += [{"type": "input_json_delta", "partial_json": p} for p in chunks(raw, reply.chunk_size)]
        else:
            deltas = []
        out += [{"type": "content_block_delta", "index": index, "delta": delta} for delta in deltas]
        out.append({"type": "content_block_stop", "index": index})
    delta_usage = {k: v for k, v in usage.items() if k not in ("cache_creation", "service_tier")}
    delta = {k: message[k] for k in ("stop_reason", "stop_sequence", "stop_details")}
    out.append({"type": "message_delta", "delta": delta, "usage": delta_usage})
    out.append({"type": "message_stop"})
    return out


async def sse(message: dict, reply: Reply):
    error_after = getattr(reply, "error_event_after", None)
    for n, event in enumerate(events(message, reply)):
        if reply.cut_after is not None and n >= reply.cut_after:
            raise ConnectionAbortedError("fake upstream cut the stream")  # no clean end of the body
        if error_after is not None and n >= error_after:
            event = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
        yield f"event: {event['type']}\ndata: ".encode() + orjson.dumps(event) + b"\n\n"
        if event["type"] == "error":
            return
        await asyncio.sleep(0)
