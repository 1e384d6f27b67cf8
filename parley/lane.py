"""The create's direct route: a well-formed `POST /{v}/interactions` skips Connexion's per-request
machinery (its routing, security, parameter and response decorators cost about as much as the
engine, router and upstream call together: docs/benchmarks.md, "Where the time goes").

The spec still decides: the path's versions, the key's locations and the body's schema come from
it, and the body is checked with the same compiled validator Connexion's route uses. Only a request
that passes every check takes this route; anything else (no key or a refused one, a body that is
not JSON or does not match, `validate_responses`) is replayed to Connexion unchanged, which routes
it and answers the error exactly as before.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from connexion.exceptions import ProblemException
from connexion.json_schema import resolve_refs
from starlette.exceptions import HTTPException
from starlette.responses import Response

from parley.errors import ApiError, error_body
from parley.limits import ASGIApp, Receive, Scope, Send, api_key_of, replaying
from parley.validation import compiled

log = logging.getLogger(__name__)

KeyCheck = Callable[[str], Awaitable[Any]]  # key -> token_info, or None when refused
Handler = Callable[..., Awaitable[Response]]


def error_response(exc: BaseException, problem_message: Callable[[ProblemException], str]) -> Response:
    """An exception raised past the checks, in the same shape Connexion's error handlers give it."""
    headers: Mapping[str, str] | None
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send, full: ASGIApp) -> None:
        version = self.paths.get(scope["path"]) if scope["method"] == "POST" else None
        if version is None:
            await full(scope, receive, send)
            return
        message = await receive()  # limits.BodyLimit has read the whole body already
        if message["type"] != "http.request" or message.get("more_body"):
            await full(scope, replaying(message, receive), send)
            return
        body: Any = None
        token = None
        with contextlib.suppress(Exception):  # any failure here: the full way explains it
            body = orjson.loads(message.get("body", b""))
            if (key := api_key_of(scope)) is not None and self.validator.is_valid(body):
                token = await self.check(key)
        if not isinstance(token, dict):  # no key, a refused one, or a body Connexion must explain
            await full(scope, replaying(message, receive), send)
            return
        try:
            response = await self.handler(version, body, user=token["sub"], token_info=token)
        except Exception as exc:  # the route's error handlers, as Connexion would call them
            response = error_response(exc, self.problem_message)
        await response(scope, receive, send)


__all__ = ["CreateLane", "error_response"]
