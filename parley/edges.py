"""Checks at the ASGI edge that Connexion would otherwise answer with a 500 or get subtly wrong.

* Content type: a request that carries a body, or whose operation takes one, must say it is JSON
  (`application/json` or `*/*+json`); anything else is a 415 in the API's error shape. (Without
  a Content-Type Connexion hands the handler raw bytes and fails with an AttributeError.)
* One credential per request: a key may come as `x-goog-api-key`, `Authorization: Bearer` or
  `?key=`. Two *different* keys in one request are a 401, so that authentication, ownership,
  rate limiting and the log line cannot each pick a different one.
"""

from __future__ import annotations

from collections.abc import Callable

from parley.limits import ASGIApp, OnReject, Receive, Scope, Send, header, presented_keys, send_error

BodyRequired = Callable[[str, str], bool]  # (method, path) -> the operation takes a request body


def is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _has_body(scope: Scope) -> bool:
    length = header(scope, b"content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return header(scope, b"transfer-encoding") is not None


class Edges:
    def __init__(self, app: ASGIApp, body_required: BodyRequired, on_reject: OnReject | None = None):
        self.app, self.body_required, self.on_reject = app, body_required, on_reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(presented_keys(scope)) > 1:
            if self.on_reject:
                self.on_reject("conflicting_keys", scope)
            await send_error(
                send,
                401,
                "The request carries more than one API key; send exactly one, as `x-goog-api-key`, "
                "`Authorization: Bearer` or `?key=`.",
            )
            return
        method, path = scope.get("method", ""), scope.get("path", "")
        if (_has_body(scope) or self.body_required(method, path)) and not is_json(
            header(scope, b"content-type")
        ):
            await send_error(
                send, 415, "The request body must be JSON, sent with `Content-Type: application/json`."
            )
            return
        await self.app(scope, receive, send)


__all__ = ["Edges", "is_json"]
