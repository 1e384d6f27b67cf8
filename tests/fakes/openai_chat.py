"""Fake OpenAI Chat Completions upstream, plain and Azure-hosted.

Routes: `POST /v1/chat/completions` (OpenAI, vLLM, Ollama…: `Authorization: Bearer`) and
`POST /openai/deployments/{deployment}/chat/completions?api-version=` (Azure: `api-key` header).
Bodies and chunks follow openai.types.chat.ChatCompletion / ChatCompletionChunk; Azure adds its
content-filter annotations and error shape. Scripting beyond `Reply`'s own fields:

* `thought` comes back as `reasoning_content` (vLLM / DeepSeek style) and is counted as
  reasoning tokens (one per word), on top of `usage`'s output tokens;
* half of the input tokens are reported as cached;
* tool call ids are `call_<n>` with n the request's number (1-based), so tests can predict them;
* a non-200 `status` together with `cut_after` streams that many chunks, then an in-stream
  `{"error": …}` event, as servers do when generation fails after the 200 went out.
"""

from __future__ import annotations

import time

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.script import Reply, Upstream, chunks

# Azure's per-category content-filter verdicts, attached to prompts and choices.
SAFE = {k: {"filtered": False, "severity": "safe"} for k in ("hate", "self_harm", "sexual", "violence")}
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    429: "requests",
}
ERROR_CODES = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}


def make_app(upstream: Upstream) -> Starlette:
    async def openai(request: Request) -> Response:
        return await _answer(request, upstream, azure=False)

    async def azure(request: Request) -> Response:
        return await _answer(request, upstream, azure=True)

    return Starlette(
        routes=[
            Route("/v1/chat/completions", openai, methods=["POST"]),
            Route("/openai/deployments/{deployment}/chat/completions", azure, methods=["POST"]),
        ]
    )


async def _answer(request: Request, upstream: Upstream, azure: bool) -> Response:
    body = orjson.loads(await request.body())
    reply = await upstream.next(request.url.path, dict(request.headers), dict(request.query_params), body)
    rejection = _rejection(request, azure)
    if rejection:
        return rejection
    if reply.status != 200 and not (body.get("stream") and reply.cut_after is not None):
        return _error(reply, azure)
    number = len(upstream.requests)
    model = body.get("model") or request.path_params.get("deployment")
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events = _chunks(reply, model, number, azure, include_usage)
        return StreamingResponse(_sse(events, reply), media_type="text/event-stream")
    return JSONResponse(_completion(reply, model, number, azure))


def _rejection(request: Request, azure: bool) -> Response | None:
    """What the real servers refuse before generating: Azure without api-version, missing keys."""
    if azure and "api-version" not in request.query_params:
        return JSONResponse(
            {
                "error": {
                    "code": "MissingApiVersionParameter",
                    "message": "The api-version query parameter (?api-version=) is required for all requests.",
                }
            },
            400,
        )
    if azure and not request.headers.get("api-key"):
        return JSONResponse(
            {
                "error": {
                    "code": "401",
                    "message": "Access denied due to invalid subscription key "
                    "or wrong API endpoint. Make sure to provide a valid key for an active subscription "
                    "and use a correct regional API endpoint for your resource.",
                }
            },
            401,
        )
    if not azure and not request.headers.get("authorization", "").startswith("Bearer "):
        return JSONResponse(
            {
                "error": {
                    "message": "You didn't provide an API key.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": None,
                }
            },
            401,
        )
    return None


def _error(reply: Reply, azure: bool) -> Response:
    headers = {}
    if reply.retry_after is not None:
        headers["retry-after"] = str(int(reply.retry_after))
        if azure:
            headers["retry-after-ms"] = str(int(reply.retry_after * 1000))
    if azure:
        error = {"code": str(reply.status), "message": reply.error_message}
    else:
        kind = ERROR_TYPES.get(
            reply.status, "server_error" if reply.status >= 500 else "invalid_request_error"
        )
        error = {
            "message": reply.error_message,
            "type": kind,
            "param": None,
            "code": ERROR_CODES.get(reply.status),
        }
    return JSONResponse({"error": error}, reply.status, headers=headers)


def _usage(reply: Reply) -> dict:
    prompt, output = reply.usage
    reasoning = len(reply.thought.split()) if reply.thought else 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": output + reasoning,
        "total_tokens": prompt + output + reasoning,
        "prompt_tokens_details": {"cached_tokens": prompt // 2, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _finish(reply: Reply) -> str:
    return "tool_calls" if reply.tool_call else "stop"


def _completion(reply: Reply, model: str, number: int, azure: bool) -> dict:
    message = {"role": "assistant", "content": reply.text or None, "refusal": None, "annotations": []}
    if reply.thought:
        message["reasoning_content"] = reply.thought
    if reply.tool_call:
        name, arguments = reply.tool_call
        message["tool_calls"] = [
            {
                "id": f"call_{number}",
                "type": "function",
                "function": {"name": name, "arguments": orjson.dumps(arguments).decode()},
            }
        ]
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(reply)}
    completion = {
        "id": f"chatcmpl-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": _usage(reply),
        "system_fingerprint": "fp_fake",
    }
    if azure:
        choice["content_filter_results"] = SAFE
        completion["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": SAFE}]
    return completion


def _chunks(reply: Reply, model: str, number: int, azure: bool, include_usage: bool) -> list[dict]:
    head = {
        "id": f"chatcmpl-{number}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
    }
    if include_usage:
        head["usage"] = None  # present on every chunk, set only on the last one

    def chunk(delta: dict, finish: str | None = None) -> dict:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        if azure:
            choice["content_filter_results"] = {} if finish else SAFE
        return {**head, "choices": [choice]}

    events = []
    if azure:  # Azure opens with the prompt's filter verdict, in a chunk without choices
        events.append(
            {
                "choices": [],
                "created": 0,
                "id": "",
                "model": "",
                "object": "",
                "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": SAFE}],
            }
        )
    events.append(chunk({"role": "assistant", "content": "", "refusal": None}))
    if reply.thought:
        events += [chunk({"reasoning_content": piece}) for piece in chunks(reply.thought, reply.chunk_size)]
    if reply.text:
        events += [chunk({"content": piece}) for piece in chunks(reply.text, reply.chunk_size)]
    if reply.tool_call:
        name, arguments = reply.tool_call
        events.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": f"call_{number}",
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }
                    ]
                }
            )
        )
        events += [
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            for piece in chunks(orjson.dumps(arguments).decode(), reply.chunk_size)
        ]
    events.append(chunk({}, _finish(reply)))
    if include_usage:
        events.append({**head, "choices": [], "usage": _usage(reply)})
    return events


async def _sse(events: list[dict], reply: Reply):
    for sent, event in enumerate(events):
        if reply.cut_after is not None and sent >= reply.cut_after:
            if reply.status != 200:
                error = {"message": reply.error_message, "type": "server_error", "param": None, "code": None}
                yield b"data: " + orjson.dumps({"error": error}) + b"\n\n"
                return
            raise ConnectionAbortedError("fake upstream cut the stream")  # no clean end of the body
        yield b"data: " + orjson.dumps(event) + b"\n\n"
    yield b"data: [DONE]\n\n"
