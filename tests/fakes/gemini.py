"""Fake Gemini Interactions API upstream, speaking the wire format of research §9 (steps schema).

* ``POST /{version}/interactions``: an Interaction as JSON (§9.2 / §9.4), or with ``"stream": true``
  an SSE stream of ``event:`` + ``data:`` frames ending in ``data: [DONE]`` (§9.3 / §9.4).
* ``GET /{version}/interactions/{id}``: the stored Interaction with its ``user_input`` steps first.

Each POST takes the next scripted `Reply`: ``thought`` → a ``thought`` step (signature + summary),
``text`` → a ``model_output`` step, ``tool_call`` → a ``function_call`` step and status
``requires_action``. Ids are kept (unless ``store: false``), and a ``previous_interaction_id`` the
fake never issued gets the real API's 404 (recorded, without taking a scripted reply). Errors: a non-200 ``status`` answers with an error body,
the spec shape ``{"error": {"code": "<string>", "message"}}`` for 4xx and the classic Google shape
``{"error": {"code": <int>, "message", "status"}}`` for 5xx, with ``Retry-After`` if scripted.
Streams: ``cut_after=N`` drops the connection after N events; with a non-200 ``status`` as well,
the stream instead sends an ``error`` event after N events and ends.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from parley.errors import CODES
from parley.wire import SSE_DONE, input_to_steps, now, sse
from tests.fakes.script import Reply, Upstream, chunks, trickled

GOOGLE_STATUS = {500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


class CutConnection(Exception):
    """Raised inside a streaming body: uvicorn drops the connection mid-response."""


def error_response(reply: Reply) -> JSONResponse:
    if reply.status >= 500:
        error = {
            "code": reply.status,
            "message": reply.error_message,
            "status": GOOGLE_STATUS.get(reply.status, "UNKNOWN"),
        }
    else:
        error = {"code": CODES.get(reply.status, "error"), "message": reply.error_message}
    headers = {"Retry-After": str(reply.retry_after)} if reply.retry_after is not None else {}
    return JSONResponse({"error": error}, status_code=reply.status, headers=headers)


def build_steps(reply: Reply, interaction_id: str) -> list[dict]:
    steps = []
    if reply.thought:
        signature = base64.b64encode(f"sig-{interaction_id}".encode()).decode()
        steps.append(
            {"type": "thought", "signature": signature, "summary": [{"type": "text", "text": reply.thought}]}
        )
    if reply.text:
        steps.append({"type": "model_output", "content": [{"type": "text", "text": reply.text}]})
    if reply.tool_call:
        name, arguments = reply.tool_call
        steps.append(
            {
                "type": "function_call",
                "id": f"call_{interaction_id[-4:]}",
                "name": name,
                "arguments": arguments,
            }
        )
    return steps


def step_events(index: int, step: dict, size: int) -> list[dict]:
    kind = step["type"]
    if kind == "thought":
        start = {"type": "thought"}
        deltas = [{"type": "thought_summary", "content": c} for c in step["summary"]]
        deltas.append({"type": "thought_signature", "signature": step["signature"]})
    elif kind == "model_output":
        start = {"type": "model_output"}
        deltas = [{"type": "text", "text": t} for t in chunks(step["content"][0]["text"], size)]
    else:  # function_call: id and name up front, the arguments as JSON text fragments
        start = {**step, "arguments": {}}
        deltas = [
            {"type": "arguments_delta", "arguments": a} for a in chunks(json.dumps(step["arguments"]), size)
        ]
    return [
        {"event_type": "step.start", "index": index, "step": start},
        *({"event_type": "step.delta", "index": index, "delta": d} for d in deltas),
        {"event_type": "step.stop", "index": index},
    ]


def stream_events(interaction: dict, reply: Reply) -> list[dict]:
    head = {k: interaction[k] for k in ("id", "object", "model", "created")}
    events = [
        {"event_type": "interaction.created", "interaction": {**head, "status": "in_progress"}},
        {
            "event_type": "interaction.status_update",
            "interaction_id": interaction["id"],
            "status": "in_progress",
        },
    ]
    for index, step in enumerate(interaction["steps"]):
        events += step_events(index, step, reply.chunk_size)
    if interaction["status"] != "completed":
        events.append(
            {
                "event_type": "interaction.status_update",
                "interaction_id": interaction["id"],
                "status": interaction["status"],
            }
        )
    tail = {k: interaction[k] for k in ("status", "updated", "usage")}
    events.append({"event_type": "interaction.completed", "interaction": {**head, **tail}})
    for n, event in enumerate(events, 1):
        event["event_id"] = f"evt_{n}"
    return events


async def frames(events: list[dict], reply: Reply):
    for n, event in enumerate(events):
        if reply.event_delay and n:
            await asyncio.sleep(reply.event_delay)
        if n == reply.stall_after:
            end = time.monotonic() + reply.stall_seconds
            while (left := end - time.monotonic()) > 0:
                if reply.trickle:
                    yield b": keep-alive\n\n"
                await asyncio.sleep(min(left, reply.trickle or left))
        if reply.cut_after is not None and n >= reply.cut_after:
            if reply.status != 200:
                code = CODES.get(reply.status, "internal")
                yield sse(
                    {
                        "event_type": "error",
                        "event_id": "evt_err",
                        "error": {"code": code, "message": reply.error_message},
                    }
                )
                return
            raise CutConnection(f"cut after {n} events")
        yield sse(event)
    yield SSE_DONE


async def _once(data: bytes):
    yield data


def make_app(upstream: Upstream) -> Starlette:
    stored: dict[str, dict] = {}
    numbers = itertools.count(1)

    async def create(request: Request):
        body = await request.json()
        seen = (request.url.path, dict(request.headers), dict(request.query_params), body)
        previous = body.get("previous_interaction_id")
        if previous and previous not in stored:  # recorded, but takes no scripted reply
            upstream.requests.append(dict(zip(("path", "headers", "query", "body"), seen, strict=True)))
            error = {"code": "not_found", "message": f"Interaction {previous} was not found."}
            return JSONResponse({"error": error}, status_code=404)
        reply = await upstream.next(*seen)
        streaming = bool(body.get("stream"))
        if reply.status != 200 and not (streaming and reply.cut_after is not None):
            return error_response(reply)
        interaction_id = f"v1_fake_{next(numbers):04d}"
        input_tokens, output_tokens = reply.usage
        interaction = {
            "id": interaction_id,
            "object": "interaction",
            "model": body.get("model"),
            "status": "requires_action" if reply.tool_call else "completed",
            "created": now(),
            "updated": now(),
            "steps": build_steps(reply, interaction_id),
            "usage": {
                "total_input_tokens": input_tokens,
                "total_output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
            },
        }
        if body.get("store", True):
            stored[interaction_id] = {
                **interaction,
                "steps": input_to_steps(body.get("input")) + interaction["steps"],
            }
        if streaming:
            body_frames = frames(stream_events(interaction, reply), reply)
            if reply.trickle is not None:
                body_frames = trickled(reply, b": keep-alive\n\n", body_frames)
            return StreamingResponse(body_frames, media_type="text/event-stream")
        if reply.trickle is not None:
            return StreamingResponse(
                trickled(reply, b" ", _once(json.dumps(interaction).encode())), media_type="application/json"
            )
        return JSONResponse(interaction)

    async def get(request: Request):
        interaction = stored.get(request.path_params["id"])
        if interaction is None:
            error = {
                "code": "not_found",
                "message": f"Interaction {request.path_params['id']} was not found.",
            }
            return JSONResponse({"error": error}, status_code=404)
        return JSONResponse(interaction)

    app = Starlette(
        routes=[
            Route("/{version}/interactions", create, methods=["POST"]),
            Route("/{version}/interactions/{id}", get, methods=["GET"]),
        ]
    )
    app.state.interactions = stored
    return app
