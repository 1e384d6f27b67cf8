"""Parley's web pages and CORS.

* ``/docs``: Swagger UI 5 (vendored from the swagger-ui-dist npm package in parley/static/swagger-ui;
  4.x, which connexion[swagger-ui] ships, cannot render OpenAPI 3.1) over ``/openapi.json``, with the
  spec's key schemes under "Authorize" and "Try it out" against this server.
* ``/admin``: the admin page, one HTML file with its CSS and JS inline (no build step), speaking
  only the admin API (``/key/*``, ``/spend/*``, ``/admin/*``) with the master key.

Files are read once and served from memory; nothing is fetched from elsewhere at run time.

CORS: ``general_settings.allowed_origins`` (default none: no CORS headers, browsers on other
origins are refused by the browser). A list of origins, or ``["*"]`` for any. Preflight
``OPTIONS`` requests are answered by Starlette's CORSMiddleware before auth (browsers send them
without credentials); the key headers the SDKs send are allowed and Parley's own response headers
exposed.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import orjson
from starlette.middleware.cors import CORSMiddleware

from parley.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Send], Awaitable[None]]


@dataclass(frozen=True)
class Page:
    resource: str  # path under parley/static
    content_type: str


_PAGES = {
    "/docs": Page("docs.html", "text/html; charset=utf-8"),
    "/docs/": Page("docs.html", "text/html; charset=utf-8"),
    "/docs/swagger-ui-bundle.js": Page("swagger-ui/swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "/docs/swagger-ui.css": Page("swagger-ui/swagger-ui.css", "text/css; charset=utf-8"),
    "/admin": Page("admin.html", "text/html; charset=utf-8"),
    "/admin/": Page("admin.html", "text/html; charset=utf-8"),
}
# The pages load nothing from other origins; their scripts and styles are their own.
_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)


def find(path: str) -> Page | None:
    return _PAGES.get(path)


@functools.cache
def _body(resource: str) -> bytes:
    return resources.files("parley").joinpath("static", resource).read_bytes()


async def serve(page: Page, scope: Scope, send: Send) -> None:
    method = scope.get("method")
    if method not in ("GET", "HEAD"):
        body = orjson.dumps(error_body(405, "Only GET is allowed here."))
        headers = [(b"content-type", b"application/json"), (b"allow", b"GET, HEAD")]
        status = 405
    else:
        body = _body(page.resource)
        headers = [
            (b"content-type", page.content_type.encode()),
            (b"cache-control", b"no-cache"),
            (b"content-security-policy", _CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
        ]
        status = 200
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


# Any request header: the google-genai JS SDK sends x-goog-api-key, x-goog-api-client and its HTTP
# layer's own x-stainless-* headers; no cookies are involved (credentials stay off).
ALLOWED_HEADERS = ["*"]
EXPOSED_HEADERS = [
    "retry-after",
    "x-parley-response-cost",
    "x-parley-interaction-id",
    "x-parley-model-id",
    "x-parley-provider",
    "x-parley-dropped-params",
]


def with_cors(app: ASGIApp, allowed_origins: list[str]) -> ASGIApp:
    """`app` behind CORS for these origins; unchanged when there are none."""
    if not allowed_origins:
        return app
    return CORSMiddleware(
        app,
        allow_origins=allowed_origins,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )


__all__ = ["find", "serve", "with_cors"]
