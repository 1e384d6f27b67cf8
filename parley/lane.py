"""The create's direct route: a well-formed `POST /{v}/interactions` skips Connexion's per-request
machinery (its routing, security, parameter and response decorators cost about as much as the
engine, router and upstream call together: docs/benchmarks.md, "Where the time goes").

The spec still decides: the path's versions, the key's locations and the body's schema come from
it, and the body is checked with the same compiled validator Connexion's route uses. Only a request
that passes every check takes this route; anything else (no key or a refused one, a body that is
not JSON or does not match, `validate_responses`) is replayed to Connexion unchanged, which routes
it and answers the error exactly as before.

DirectCreate goes further for the same requests: the server's router hands them to it before any
ASGI layer (observability, edges, limits), and it does those layers' work for a create in one
function; anything unusual goes the full way (ending in CreateLane), untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

import orjson
from connexion.exceptions import ProblemException
from connexion.json_schema import resolve_refs
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from parley.edges import is_json
from parley.errors import ApiError, error_body, store_failed
from parley.limits import ASGIApp, RateLimit, Receive, Scope, Send, api_key_of, presented_keys, replaying
from parley.observability import Observability
from parley.router import AfterAnswer
from parley.slow_clients import CLIENT_LEFT
from parley.validation import compiled

log = logging.getLogger(__name__)

KeyCheck = Callable[[str], Awaitable[Any]]  # key -> token_info, or None when refused
Handler = Callable[..., Awaitable[Response]]


CLIENT_CLOSED = 499  # as nginx logs a request whose client closed the connection first


class ClientLeft:
    """Called by the protocol (parley.slow_clients) when a create's client goes away before its
    answer begins: the create is cancelled where it waits (an upstream call, a retry's pause), as
    a stream's client leaving cancels its run, instead of running on for no one."""

    __slots__ = ("task", "cancelled")

    def __init__(self) -> None:
        self.task = asyncio.current_task()
        self.cancelled = False

    def __call__(self) -> None:
        if self.task is not None and not self.cancelled:
            self.cancelled = True
            self.task.cancel()

    def uncancel(self) -> None:
        """The task goes on as if never cancelled (to end the request cleanly: uvicorn logs an
        ASGI app that raises CancelledError as a failure)."""
        if self.task is not None:
            self.task.uncancel()


def error_response(exc: BaseException, problem_message: Callable[[ProblemException], str]) -> Response:
    """An exception raised past the checks, in the same shape Connexion's error handlers give it."""
    headers: Mapping[str, str] | None
    if isinstance(exc, SQLAlchemyError):
        exc = store_failed(exc)
    if isinstance(exc, ApiError):
        status, message, code, headers = exc.status, exc.message, exc.code, exc.headers
    elif isinstance(exc, ProblemException):
        status, message, code, headers = exc.status, problem_message(exc), None, exc.headers
    elif isinstance(exc, HTTPException):
        status, message, code, headers = exc.status_code, str(exc.detail), None, exc.headers
    else:
        log.error("unhandled error in create", exc_info=exc)
        status, message, code, headers = 500, "Internal error.", None, None
    return Response(
        orjson.dumps(error_body(status, message, code)),
        status_code=status,
        headers=dict(headers or {}),
        media_type="application/json",
    )


class CreateLane:
    PATH = "/{api_version}/interactions"

    def __init__(
        self,
        spec: dict[str, Any],
        check: KeyCheck,
        handler: Handler,
        problem_message: Callable[[ProblemException], str],
    ):
        operation = resolve_refs(spec)["paths"][self.PATH]
        version = next(p for p in operation["parameters"] if p["name"] == "api_version")
        self.paths = {f"/{v}/interactions": v for v in version["schema"]["enum"]}
        self.schema = operation["post"]["requestBody"]["content"]["application/json"]["schema"]
        self.validator = compiled(self.schema)
        self.check, self.handler, self.problem_message = check, handler, problem_message

    async def accept(self, scope: Scope, raw: bytes) -> tuple[Any, dict[str, Any]] | None:
        """The body and token_info of a create this route may serve (one accepted key, a body that
        matches the schema); None for anything Connexion must answer."""
        with contextlib.suppress(Exception):  # any failure here: the full way explains it
            body = orjson.loads(raw)
            if (key := api_key_of(scope)) is not None and self.validator.is_valid(body):
                token = await self.check(key)
                if isinstance(token, dict):  # not refused (None) nor absent (NO_VALUE)
                    return body, token
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send, full: ASGIApp) -> None:
        version = self.paths.get(scope["path"]) if scope["method"] == "POST" else None
        if version is None:
            await full(scope, receive, send)
            return
        message = await receive()  # limits.BodyLimit has read the whole body already
        if message["type"] != "http.request" or message.get("more_body"):
            await full(scope, replaying(message, receive), send)
            return
        accepted = await self.accept(scope, message.get("body", b""))
        if accepted is None:  # no key, a refused one, or a body Connexion must explain
            await full(scope, replaying(message, receive), send)
            return
        body, token = accepted
        try:
            response = await self.handler(version, body, user=token["sub"], token_info=token)
        except Exception as exc:  # the route's error handlers, as Connexion would call them
            response = error_response(exc, self.problem_message)
        await response(scope, receive, send)


DirectHandler = Callable[
    [Any, str, Any, AfterAnswer],
    Awaitable["tuple[bytes, list[tuple[bytes, bytes]]] | Response"],
]


class DirectCreate:
    """A well-formed create straight from the server's router, past every ASGI layer: what the
    observability middleware, parley.edges, the limits and CreateLane do for it, done here in
    one function, and the JSON answer sent with two plain `send` calls. From uvicorn's call of the
    app to the engine's, uvicorn's writes aside, was ~16% of a JSON create's busy time with those
    layers (each an await, a closure or a wrapper of `send`) and ~12% without (py-spy, c=1).

    The checks made before anything is read are the edges' and the body limit's: exactly one key,
    a JSON content type, a declared length within the limit. Then the whole body in one message,
    and CreateLane.accept. A request that fails any of them goes the full way (the body replayed
    when it was read), which answers it exactly as before; nothing has been counted or logged for
    it yet. Past them the request is observed as the middleware would (in flight, HTTP counter,
    log scope, span), rate limited as RateLimit would, and served."""

    def __init__(
        self,
        lane: CreateLane,
        handler: DirectHandler,
        observability: Observability,
        max_body: int,
        rate_limit: RateLimit | None,
        engine_var: ContextVar[Any],
        engine_of: Callable[[], Any],
    ):
        self.lane, self.paths, self.handler = lane, lane.paths, handler
        self.observability, self.max_body, self.rate_limit = observability, max_body, rate_limit
        # The handlers' engine (parley.server.current_engine), set for the request as _serve does.
        self.engine_var, self.engine_of = engine_var, engine_of

    def takes(self, scope: Scope) -> bool:
        """Whether this might be a create for this route (the cheap part: method and path)."""
        return scope["method"] == "POST" and scope["path"] in self.paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send, full: ASGIApp) -> None:
        length = content_type = None
        for name, value in scope["headers"]:  # uvicorn gives the names in lower case
            if name == b"content-length":
                length = value if length is None else length
            elif name == b"content-type":
                content_type = value if content_type is None else content_type
            elif name == b"transfer-encoding":
                length = content_type = None  # chunked: the body limit's way
                break
        if (
            length is None
            or content_type is None
            or len(presented_keys(scope)) != 1
            or not (content_type == b"application/json" or is_json(content_type.decode("latin-1")))
        ):
            await full(scope, receive, send)
            return
        try:
            too_large = int(length) > self.max_body
        except ValueError:
            too_large = True
        if too_large:
            await full(scope, receive, send)
            return
        message = await receive()
        if message["type"] != "http.request" or message.get("more_body"):
            await full(scope, replaying(message, receive), send)
            return
        raw = message.get("body", b"")
        engine = self.engine_of()
        reset = self.engine_var.set(engine) if engine is not None else None
        try:
            accepted = await self.lane.accept(scope, raw)
            if accepted is None:
                await full(scope, replaying(message, receive), send)
                return
            await self._serve(scope, receive, send, raw, *accepted)
        finally:
            if reset is not None:
                self.engine_var.reset(reset)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, raw: bytes, body: Any, token: dict[str, Any]
    ) -> None:
        request, scope_token = self.observability.open_request(scope, raw)
        status = 0
        after = AfterAnswer()  # the create's bookkeeping, once its answer is sent
        left = ClientLeft()
        scope[CLIENT_LEFT] = left
        try:
            if self.rate_limit is not None:
                wait = await self.rate_limit.wait(scope)
                if wait > 0:
                    status = 429
                    await self.rate_limit.refuse(scope, send, wait)
                    return
            try:
                answer = await self.handler(body, token["sub"], token.get("key"), after)
            except Exception as exc:  # the route's error handlers, as Connexion would call them
                answer = error_response(exc, self.lane.problem_message)
            if isinstance(answer, tuple):
                payload, headers = answer
                status = 200
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": payload})
            else:
                status = answer.status_code
                await answer(scope, receive, send)
        except asyncio.CancelledError:
            if not left.cancelled:
                raise
            left.uncancel()  # its client left before its answer began: nothing to send it
            status = CLIENT_CLOSED
        finally:
            try:
                after.run()
            finally:  # the request is counted out whatever its bookkeeping raised
                self.observability.close_request(request, scope_token, "POST", status)


__all__ = ["CreateLane", "DirectCreate", "error_response"]
