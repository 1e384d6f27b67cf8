"""Fake OpenAI Responses API: `POST /v1/responses`, JSON and SSE, in the shapes of the official
`openai` SDK types (openai.types.responses).

Driven by the scripted `Reply`:
* `text`, `thought` (a reasoning item; its summary only when the request asks for one, its
  encrypted content only with `include: ["reasoning.encrypted_content"]`), `tool_call` (after the text);
* `usage` = (input, visible output) tokens; reasoning tokens = words of the thought, added to
  output_tokens as OpenAI does; `cached_tokens` if the reply object has that attribute;
* a request `max_output_tokens` below the output tokens truncates the text: status `incomplete`;
* `status`/`error_message`/`retry_after`: OpenAI's error body and Retry-After; with `cut_after`
  on a stream the error comes as an in-stream `error` event after that many events instead;
* `cut_after` alone: drop the connection after that many events; `chunk_size`: delta size.

Like the real API it rejects what it would reject: bodies that do not fit the SDK's
request types, a missing key, assistant content that is not output text, function outputs without
their call, reasoning replayed without (or with foreign) encrypted content, and encrypted content
requested from a non-reasoning model.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterator

import orjson
import pydantic
from openai.types.responses.response_create_params import ResponseCreateParamsStreaming
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.script import Reply, Upstream, chunks

# Validates any body: the streaming variant differs only in requiring `stream: true`.
REQUEST = pydantic.TypeAdapter(ResponseCreateParamsStreaming)
PARAMETERS = ResponseCreateParamsStreaming.__required_keys__ | ResponseCreateParamsStreaming.__optional_keys__
NON_REASONING = re.compile(r"gpt-4|gpt-3|.*-chat")
ERROR_KINDS = {401: ("invalid_request_error", "invalid_api_key"), 429: ("requests", "rate_limit_exceeded")}


def _id(prefix: str, size: int = 24) -> str:
    return prefix + secrets.token_hex(size)


def error_response(
    status: int, message: str, retry_after: float | None = None, param: str | None = None
) -> Response:
    kind, code = ERROR_KINDS.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
    headers = {"x-request-id": _id("req_")}
    if retry_after is not None:
        headers["retry-after"] = f"{retry_after:g}"
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def _materialize(value):
    """pydantic validates Iterable[...] fields lazily: walk everything so nested errors surface."""
    if isinstance(value, dict):
        return {k: _materialize(v) for k, v in value.items()}
    if isinstance(value, list | tuple) or hasattr(value, "__next__"):
        return [_materialize(v) for v in value]
    return value


def _explain(exc: pydantic.ValidationError) -> str:
    """The most specific of pydantic's union errors, with the union branch names left out."""

    def path(error: dict) -> list:
        return [p for p in error["loc"] if isinstance(p, int) or (p.islower() and "[" not in p)]

    errors = [e for e in exc.errors() if e["type"] != "literal_error"] or exc.errors()
    worst = max(errors, key=lambda e: len(path(e)))
    return f"Invalid value at {'.'.join(map(str, path(worst)))}: {worst['msg']}"


def _problem(body: dict, headers, issued: set[str]) -> tuple[int, str, str | None] | None:
    """Why the real API would refuse this request, if it would: (status, message, param)."""
    if not headers.get("authorization", "").startswith("Bearer "):
        return 401, "You didn't provide an API key.", None
    if unknown := sorted(set(body) - PARAMETERS):
        return 400, f"Unknown parameter: '{unknown[0]}'.", unknown[0]
    try:
        _materialize(REQUEST.validate_python({**body, "stream": True}))
    except pydantic.ValidationError as exc:
        return 400, _explain(exc), None
    if "reasoning.encrypted_content" in (body.get("include") or []) and NON_REASONING.match(body["model"]):
        return 400, "Encrypted content is not supported with this model.", "include"
    items = body.get("input") if isinstance(body.get("input"), list) else []
    return _input_problem(items, body.get("store", True), issued)


def _input_problem(items: list[dict], store: bool, issued: set[str]) -> tuple[int, str, str | None] | None:
    calls = set()
    for n, item in enumerate(items):
        kind = item.get("type", "message")
        if kind == "message" and item["role"] == "assistant" and isinstance(item["content"], list):
            wrong = [p["type"] for p in item["content"] if p["type"] not in ("output_text", "refusal")]
            if wrong:
                message = f"Invalid value: '{wrong[0]}'. Supported values are: 'output_text' and 'refusal'."
                return 400, message, f"input[{n}].content"
        if kind == "function_call":
            calls.add(item["call_id"])
        if kind == "function_call_output" and item["call_id"] not in calls:
            return (
                400,
                f"No tool call found for function call output with call_id {item['call_id']}.",
                "input",
            )
        if kind == "reasoning" and not store and not item.get("encrypted_content"):
            message = f"Item with id '{item['id']}' not found. Items are not persisted when `store` is set to false."
            return 404, message, None
        if kind == "reasoning" and not store and item["encrypted_content"] not in issued:
            return 400, "The encrypted content could not be verified.", None
    return None


def _usage(reply: Reply, output_tokens: int, reasoning_tokens: int) -> dict:
    input_tokens = reply.usage[0]
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {
            "cached_tokens": getattr(reply, "cached_tokens", 0),
            "cache_write_tokens": 0,
        },
        "output_tokens": output_tokens + reasoning_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
        "total_tokens": input_tokens + output_tokens + reasoning_tokens,
    }


def build_response(body: dict, reply: Reply, issued: set[str]) -> dict:
    """The finished Response object the reply describes."""
    output: list[dict] = []
    reasoning_tokens = 0
    reasoning = body.get("reasoning") or {}
    if reply.thought:
        item = {"id": _id("rs_"), "type": "reasoning", "summary": []}
        if reasoning.get("summary"):
            item["summary"] = [{"type": "summary_text", "text": reply.thought}]
        if "reasoning.encrypted_content" in (body.get("include") or []):
            item["encrypted_content"] = "gAAAAA" + secrets.token_urlsafe(48)
            issued.add(item["encrypted_content"])
        output.append(item)
        reasoning_tokens = len(reply.thought.split())
    limit, output_tokens = body.get("max_output_tokens"), reply.usage[1]
    truncated = limit is not None and limit < output_tokens
    text = reply.text[:limit] if truncated else reply.text
    if text:
        part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
        status = "incomplete" if truncated else "completed"
        output.append(
            {"id": _id("msg_"), "type": "message", "role": "assistant", "status": status, "content": [part]}
        )
    if reply.tool_call and not truncated:
        name, arguments = reply.tool_call
        output.append(
            {
                "id": _id("fc_"),
                "type": "function_call",
                "status": "completed",
                "call_id": _id("call_", 12),
                "name": name,
                "arguments": orjson.dumps(arguments).decode(),
            }
        )
    now = int(time.time())
    return {
        "id": _id("resp_"),
        "object": "response",
        "created_at": now,
        "status": "incomplete" if truncated else "completed",
        "completed_at": None if truncated else now,
        "background": False,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if truncated else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": limit,
        "model": body["model"],
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": None,
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "service_tier": body.get("service_tier", "default"),
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools", []),
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": _usage(reply, min(output_tokens, limit) if truncated else output_tokens, reasoning_tokens),
        "user": None,
        "metadata": {},
    }


def _item_events(index: int, item: dict, size: int) -> Iterator[tuple[str, dict]]:
    """The semantic events that stream one output item, without sequence numbers."""
    where = {"item_id": item["id"], "output_index": index}
    kind = item["type"]
    if kind == "reasoning":
        yield (
            "response.output_item.added",
            {"output_index": index, "item": {**item, "summary": [], "encrypted_content": None}},
        )
        for n, part in enumerate(item["summary"]):
            at = {**where, "summary_index": n}
            yield (
                "response.reasoning_summary_part.added",
                {**at, "part": {"type": "summary_text", "text": ""}},
            )
            for piece in chunks(part["text"], size):
                yield "response.reasoning_summary_text.delta", {**at, "delta": piece}
            yield "response.reasoning_summary_text.done", {**at, "text": part["text"]}
            yield "response.reasoning_summary_part.done", {**at, "part": part}
    elif kind == "message":
        yield (
            "response.output_item.added",
            {"output_index": index, "item": {**item, "status": "in_progress", "content": []}},
        )
        for n, part in enumerate(item["content"]):
            at = {**where, "content_index": n}
            yield "response.content_part.added", {**at, "part": {**part, "text": ""}}
            for piece in chunks(part["text"], size):
                yield "response.output_text.delta", {**at, "delta": piece, "logprobs": []}
            yield "response.output_text.done", {**at, "text": part["text"], "logprobs": []}
            yield "response.content_part.done", {**at, "part": part}
    elif kind == "function_call":
        yield (
            "response.output_item.added",
            {"output_index": index, "item": {**item, "status": "in_progress", "arguments": ""}},
        )
        for piece in chunks(item["arguments"], size):
            yield "response.function_call_arguments.delta", {**where, "delta": piece}
        yield "response.function_call_arguments.done", {**where, "arguments": item["arguments"]}
    yield "response.output_item.done", {"output_index": index, "item": item}


def stream_events(response: dict, reply: Reply) -> Iterator[dict]:
    """The whole event sequence of a streamed response, numbered as OpenAI numbers them."""
    numbers = itertools.count()
    start = {
        **response,
        "status": "in_progress",
        "output": [],
        "usage": None,
        "incomplete_details": None,
        "completed_at": None,
    }
    events = [("response.created", {"response": start}), ("response.in_progress", {"response": start})]
    for index, item in enumerate(response["output"]):
        events.extend(_item_events(index, item, reply.chunk_size))
    terminal = "response.completed" if response["status"] == "completed" else "response.incomplete"
    events.append((terminal, {"response": response}))
    for kind, fields in events:
        yield {"type": kind, "sequence_number": next(numbers), **fields}


def _frame(event: dict) -> bytes:
    return b"event: " + event["type"].encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"


def _stream_error(reply: Reply, number: int) -> dict:
    fallback = "server_error" if reply.status >= 500 else "invalid_prompt"
    code = {429: "rate_limit_exceeded"}.get(reply.status, fallback)
    return {
        "type": "error",
        "sequence_number": number,
        "code": code,
        "message": reply.error_message,
        "param": None,
    }


async def _sse(events: Iterator[dict], reply: Reply) -> AsyncIterator[bytes]:
    for sent, event in enumerate(events):
        if sent == reply.cut_after:
            if reply.status != 200:
                yield _frame(_stream_error(reply, sent))
                return
            raise ConnectionAbortedError("fake upstream cut the stream")  # uvicorn drops the connection
        yield _frame(event)
        await asyncio.sleep(0)


def make_app(upstream: Upstream) -> Starlette:
    issued: set[str] = set()  # encrypted reasoning handed out, so a replay can be verified

    async def responses(request: Request) -> Response:
        body = orjson.loads(await request.body())
        headers = dict(request.headers)
        reply = await upstream.next(request.url.path, headers, dict(request.query_params), body)
        if problem := _problem(body, headers, issued):
            return error_response(*problem[:2], param=problem[2])
        streamed_error = body.get("stream") and reply.cut_after is not None
        if reply.status != 200 and not streamed_error:
            return error_response(reply.status, reply.error_message, reply.retry_after)
        response = build_response(body, reply, issued)
        if body.get("stream"):
            return StreamingResponse(
                _sse(stream_events(response, reply), reply), media_type="text/event-stream"
            )
        return JSONResponse(response, headers={"x-request-id": _id("req_")})

    return Starlette(routes=[Route("/v1/responses", responses, methods=["POST"])])
