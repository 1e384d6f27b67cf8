#!/usr/bin/env python
"""A fake Gemini Interactions upstream whose answers depend on the request alone, so that every
gateway put in front of it (Parley, LiteLLM, ...) sees the same upstream.

    scripts/fake_upstream.py --port 8100 [--host 127.0.0.1]

It serves `tests.fakes.gemini.make_app` (POST /{version}/interactions, JSON and SSE; GET by id) with
a request-driven `Upstream` instead of a scripted one. The rules, in order:

* `tools` with a function tool and `generation_config.tool_choice` = "any" (or
  `{"allowed_tools": {"mode": "any"}}`), and the last input is not a `function_result`
  → a `function_call` of the first function tool, arguments filled from its JSON schema
  (strings "Boston", numbers 1, booleans true), status `requires_action`;
* `labels.fake_delay` = "<seconds>" (at most 30), or an input text containing "[slow]"
  → the answer is delayed by that many seconds (3 for "[slow]");
* otherwise a fixed text answer, "Hello from the fake upstream." in 8-character deltas.

Besides `make_app`'s routes it serves `background: true`, cancel and delete (see `create_app`), so a
gateway that delegates those to the upstream can be graded too. A `previous_interaction_id` the fake never issued gets the real API's 404 (tests/fakes/gemini.py).
It also answers GET /health (200), for scripts waiting on it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from parley.wire import input_to_steps, now  # noqa: E402
from tests.fakes.gemini import build_steps, make_app  # noqa: E402
from tests.fakes.script import Reply, Upstream  # noqa: E402

SLOW_MARK = "[slow]"
SLOW_SECONDS = 3.0


def _sample(schema: Any) -> Any:
    """A deterministic value for a JSON schema (the function-call arguments)."""
    if not isinstance(schema, dict):
        return "Boston"
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        required = schema.get("required") or list(props)
        return {name: _sample(props.get(name)) for name in required}
    if kind == "array":
        return [_sample(schema.get("items"))]
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    return "Boston"


def _texts(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    if isinstance(node, dict):
        return [t for key in ("text", "content") if key in node for t in _texts(node[key])]
    return []


def _last_input_type(body: dict) -> str | None:
    items = body.get("input")
    if isinstance(items, list) and items and isinstance(items[-1], dict):
        return items[-1].get("type")
    return None


def _tool_choice_any(body: dict) -> bool:
    choice = (body.get("generation_config") or {}).get("tool_choice", body.get("tool_choice"))
    if isinstance(choice, str):
        return choice == "any"
    if isinstance(choice, dict):
        mode = (choice.get("allowed_tools") or choice).get("mode")
        return mode == "any"
    return False


def reply_for(body: dict) -> Reply:
    """The whole behaviour: a Reply computed from the request body."""
    delay = 0.0
    labels = body.get("labels") or {}
    if isinstance(labels, dict) and "fake_delay" in labels:
        try:
            delay = min(max(float(labels["fake_delay"]), 0.0), 30.0)
        except (TypeError, ValueError):
            delay = 0.0
    elif any(SLOW_MARK in t for t in _texts(body.get("input"))):
        delay = SLOW_SECONDS
    functions = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type") == "function"]
    if functions and _tool_choice_any(body) and _last_input_type(body) != "function_result":
        tool = functions[0]
        return Reply(
            text="", tool_call=(tool.get("name", "tool"), _sample(tool.get("parameters"))), delay=delay
        )
    return Reply(delay=delay)


class RequestDriven(Upstream):
    async def next(self, path: str, headers: dict, query: dict, body: Any) -> Reply:
        self.replies[:] = [reply_for(body if isinstance(body, dict) else {})]
        self.requests.clear()  # a long-running process keeps no request log
        return await super().next(path, headers, query, body)


BACKGROUND_SECONDS = 1.0


def _not_found(ident: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": "not_found", "message": f"Interaction {ident} was not found."}}, 404
    )


def create_app():
    """tests/fakes/gemini.make_app, plus what it leaves out and a gateway may delegate upstream:
    `background: true` (answers `in_progress` at once, completes after 1 s or the requested delay),
    `POST .../{id}/cancel` (a running one → `cancelled`, else 400) and `DELETE .../{id}` (200 `{}`)."""
    app = make_app(RequestDriven())
    stored: dict[str, dict] = app.state.interactions
    numbers = itertools.count(1)
    inner_create = next(r.endpoint for r in app.router.routes if r.path == "/{version}/interactions")
    tasks: set[asyncio.Task] = set()

    async def create(request: Request):
        body = await request.json()
        if not (isinstance(body, dict) and body.get("background") and not body.get("stream")):
            return await inner_create(request)  # the body is cached on the request
        reply = reply_for(body)
        ident = f"v1_fake_bg_{next(numbers):04d}"
        interaction = {
            "id": ident,
            "object": "interaction",
            "model": body.get("model"),
            "status": "in_progress",
            "created": now(),
            "updated": now(),
            "steps": input_to_steps(body.get("input")),
        }
        stored[ident] = interaction

        async def finish():
            await asyncio.sleep(reply.delay or BACKGROUND_SECONDS)
            if interaction["status"] == "in_progress":
                interaction["steps"] = interaction["steps"] + build_steps(reply, ident)
                interaction["status"] = "requires_action" if reply.tool_call else "completed"
                interaction["updated"] = now()
                interaction["usage"] = {
                    "total_input_tokens": 11,
                    "total_output_tokens": 7,
                    "total_tokens": 18,
                }

        task = asyncio.ensure_future(finish())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return JSONResponse({**interaction, "steps": []})

    async def cancel(request: Request):
        interaction = stored.get(request.path_params["id"])
        if interaction is None:
            return _not_found(request.path_params["id"])
        if interaction["status"] != "in_progress":
            error = {"code": "failed_precondition", "message": "Only running interactions can be cancelled."}
            return JSONResponse({"error": error}, 400)
        interaction.update(status="cancelled", updated=now())
        return JSONResponse(interaction)

    async def delete(request: Request):
        if stored.pop(request.path_params["id"], None) is None:
            return _not_found(request.path_params["id"])
        return JSONResponse({})

    app.router.routes[:0] = [
        Route("/{version}/interactions", create, methods=["POST"]),
        Route("/{version}/interactions/{id}/cancel", cancel, methods=["POST"]),
        Route("/{version}/interactions/{id}", delete, methods=["DELETE"]),
        Route("/health", lambda request: JSONResponse({"status": "ok"})),
    ]
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
