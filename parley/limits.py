"""Request limits, enforced at the ASGI edge before Connexion parses anything.

* Body size: `general_settings.max_request_body_bytes`. A declared Content-Length above it is
  refused without reading the body; a body without one (chunked) is counted while it arrives and
  refused as soon as it passes the limit. Either way: 413 in the API's error shape.
* Rate: `general_settings.rate_limit_rpm`, per API key (the same key the security handlers see:
  `x-goog-api-key`, `Authorization: Bearer`, or `?key=`): in this process, or across the fleet when
  Redis is configured (parley.shared_state). A token bucket per key hash: bursts up to `rpm`,
  refilled at `rpm` per minute. Over it: 429 with Retry-After.

Keys are never kept: buckets are indexed by the key's SHA-256. Keys the gateway does not know share
one bucket, so a flood of made-up keys cannot grow the table.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

from parley.config import ConfigError, GeneralSettings
from parley.errors import error_body
from parley.shared_state import SharedState

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]  # ASGI's, as starlette.types spells them
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
OnReject = Callable[[str, Scope], None]

# Paths outside the Interactions API: never rate limited (probes, scrapers, docs).
UNLIMITED_PREFIXES = ("/health", "/metrics", "/openapi.json", "/docs")
MAX_BUCKETS = 10_000


ADMIN_PREFIXES = ("/key/", "/spend/", "/admin/")  # the spec's `admin` tag


def header(scope: Scope, name: bytes) -> str | None:
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers") or ()  # ASGI: (name, value) bytes pairs
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


_KEYS = "parley.keys"  # the scope's cache of presented_keys


def presented_keys(scope: Scope) -> list[str]:
    """Every distinct API key in the request, where the spec's security schemes put one:
    `x-goog-api-key`, `Authorization: Bearer`, `?key=` (in that order). Found once per request
    (kept in the scope: the edges, the limits, the log line and the create's lane all ask)."""
    found: list[str] | None = scope.get(_KEYS)
    if found is not None:
        return found
    api_key = authorization = None
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers") or ()
    for header_name, value in headers:  # one pass for both (each: its first, as `header` finds it)
        header_name = header_name.lower()
        if header_name == b"x-goog-api-key":
            api_key = value if api_key is None else api_key
        elif header_name == b"authorization":
            authorization = value if authorization is None else authorization
    keys: list[str] = []
    if api_key:
        keys.append(api_key.decode("latin-1"))
    auth = authorization.decode("latin-1") if authorization is not None else None
    if auth and auth[:7].lower() == "bearer " and auth[7:].strip():
        keys.append(auth[7:].strip())
    query = scope.get("query_string") or b""
    # The admin routes take their key from a header only: there `?key=` names a key to act on.
    if b"key=" in query and not str(scope.get("path", "")).startswith(ADMIN_PREFIXES):
        for name, value in parse_qsl(query.decode("latin-1")):
            if name == "key" and value:
                keys.append(value)
    found = scope[_KEYS] = list(dict.fromkeys(keys))
    return found


def api_key_of(scope: Scope) -> str | None:
    """The caller's API key. A request with two different keys is refused at the edge
    (parley.edges), so everything after it sees the one key this returns."""
    keys = presented_keys(scope)
    return keys[0] if keys else None


@functools.lru_cache(maxsize=4096)  # a few callers' keys, hashed on every request otherwise
def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def replaying(first: Message, receive: Receive) -> Receive:
    """`receive` for an app after us, once we have read the request body: `first` (the body
    as one message), then the client's own messages (a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return first
        return await receive()

    return replay


async def send_error(
    send: Send, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
) -> None:
    """An answer in the API's error shape, {"error": {"code", "message"}}."""
    body = orjson.dumps(error_body(status, message, code))
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """413 for a request body over `max_bytes`, declared or streamed. The body is read here (it is
    needed whole anyway, to validate the JSON) and replayed to the app; later `receive` calls go to
    the server, so the app still hears about a client that disconnects. A chunked body is given
    its Content-Length (Connexion takes a request without one for a request without a body)."""

    def __init__(self, app: ASGIApp, max_bytes: int, on_reject: OnReject | None = None):
        if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes <= 0:
            raise ConfigError("general_settings.max_request_body_bytes: must be a positive integer")
        self.app, self.max_bytes, self.on_reject = app, max_bytes, on_reject

    async def _too_large(self, scope: Scope, send: Send) -> None:
        if self.on_reject:
            self.on_reject("body_too_large", scope)
        await send_error(
            send, 413, f"Request body is larger than this gateway accepts ({self.max_bytes} bytes)."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await send_error(send, 400, "Content-Length is not a number.")
                return
            if length > self.max_bytes:
                await self._too_large(scope, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client is gone: nothing to answer
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large(scope, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if declared is None and scope.get("method") not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            # A chunked body: Connexion decides from Content-Length whether there is one at all.
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"transfer-encoding"]
            scope = {**scope, "headers": [*headers, (b"content-length", str(size).encode())]}
        first: Message = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, replaying(first, receive), send)


class RateLimit:
    """Per-key token buckets: `rpm` requests at once, refilled at `rpm` per minute."""

    def __init__(
        self,
        app: ASGIApp,
        rpm: int,
        known_keys: list[str] | None = None,
        on_reject: OnReject | None = None,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedState | None = None,
        is_virtual_key: Callable[[str], Awaitable[bool]] | None = None,
    ):
        if not isinstance(rpm, int) or isinstance(rpm, bool) or rpm <= 0:
            raise ConfigError("general_settings.rate_limit_rpm: must be a positive integer")
        self.app, self.rpm, self.on_reject, self.clock = app, rpm, on_reject, clock
        # With Redis the buckets are the fleet's (parley.shared_state); the local ones stand in
        # while it is unreachable.
        self.shared = shared
        self.rate = rpm / 60.0  # tokens per second
        self.known = {key_hash(k) for k in known_keys or []}
        # Virtual keys live in the store, not the config: each gets its own bucket too.
        self.is_virtual_key = is_virtual_key
        self.buckets: dict[str, tuple[float, float]] = {}  # identity -> (tokens, as of)

    async def identity(self, scope: Scope) -> str:
        key = api_key_of(scope)
        if key is None:
            client = scope.get("client")
            return f"anonymous:{client[0] if client else ''}"
        digest = key_hash(key)
        if not self.known or digest in self.known:
            return digest
        if self.is_virtual_key is not None and await self.is_virtual_key(digest):
            return digest
        return "unknown-key"  # answered 401 by the security handlers anyway

    def take(self, identity: str) -> float:
        """Spend one token; 0.0 if there was one, else the seconds until there will be."""
        now = self.clock()
        tokens, since = self.buckets.get(identity, (float(self.rpm), now))
        tokens = min(float(self.rpm), tokens + (now - since) * self.rate)
        if tokens >= 1.0:
            self.buckets[identity] = (tokens - 1.0, now)
            if len(self.buckets) > MAX_BUCKETS:
                self._prune(now)
            return 0.0
        self.buckets[identity] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        """Drop buckets that have refilled (they equal a fresh one); if that is not enough, the
        oldest ones (that key merely gets a fresh bucket)."""
        full = [k for k, (t, s) in self.buckets.items() if t + (now - s) * self.rate >= self.rpm]
        for k in full:
            del self.buckets[k]
        while len(self.buckets) > MAX_BUCKETS:
            del self.buckets[next(iter(self.buckets))]

    async def wait(self, scope: Scope) -> float:
        """Spend one of this request's tokens: 0.0 if there was one, else the seconds until there
        will be (the fleet's buckets with Redis; this process's while it is unreachable)."""
        identity = await self.identity(scope)
        wait = None
        if self.shared is not None:
            wait = await self.shared.take("rate_limit_rpm:" + identity, self.rpm)
        if wait is None:
            wait = self.take(identity)
        return wait

    async def refuse(self, scope: Scope, send: Send, wait: float) -> None:
        """The 429 for a request `wait` seconds early."""
        if self.on_reject:
            self.on_reject("rate_limited", scope)
        seconds = max(1, math.ceil(wait))
        await send_error(
            send,
            429,
            f"Rate limit of {self.rpm} requests per minute for this API key exceeded; retry in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNLIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        wait = await self.wait(scope)
        if wait > 0:
            await self.refuse(scope, send, wait)
            return
        await self.app(scope, receive, send)


def wrap(
    app: ASGIApp,
    general: GeneralSettings,
    known_keys: list[str] | None = None,
    on_reject: OnReject | None = None,
    shared: SharedState | None = None,
    is_virtual_key: Callable[[str], Awaitable[bool]] | None = None,
) -> tuple[ASGIApp, RateLimit | None]:
    """`app` behind the configured limits: rate first (cheap, reads nothing), then body size; and
    the rate limit, if one is configured (the create's direct route applies it itself). Bad values
    raise ConfigError naming the field. With `shared` (Redis), rate limits hold across every
    worker and instance."""
    app = BodyLimit(app, general.max_request_body_bytes, on_reject)
    if general.rate_limit_rpm is None:
        return app, None
    rate_limit = RateLimit(
        app, general.rate_limit_rpm, known_keys, on_reject, shared=shared, is_virtual_key=is_virtual_key
    )
    return rate_limit, rate_limit


__all__ = [
    "BodyLimit",
    "RateLimit",
    "api_key_of",
    "presented_keys",
    "key_hash",
    "replaying",
    "send_error",
    "wrap",
]
