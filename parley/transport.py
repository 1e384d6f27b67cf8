"""The only code that talks HTTP to upstreams: pooled connections, timeouts, stream framing, JSON
decoding, Retry-After, and every transport or HTTP failure mapped to one `UpstreamError`.

Design (how a provider plugs in; see parley/providers/base.py for the codec side):

* A codec describes one call as an `UpstreamRequest` (method, url, headers, query, JSON body).
  `send_json` / `send_stream` serialise the body once into `content`, then await the codec's
  `sign(request)` hook, which may set headers computed from the final bytes (AWS SigV4) or from an
  async credential (a google-auth bearer token refreshed in a thread), and send it.
* A JSON answer comes back decoded (`send_json`); a stream comes back as upstream events, cut out
  of the body by a `Framing` (`SSEFraming` by default: `data:` lines, JSON, `[DONE]` ends the
  stream; a codec for AWS's binary event-stream brings its own framing) and yielded a read's worth
  at a time, as a list (`send_stream`). The codec decodes each with the framing's `decode` as it
  translates it. A 200 stream whose content type is not the framing's is a 502.
* Deadlines count whole answers and events, never bytes, so an upstream trickling keep-alives
  extends none of them: a JSON answer within `timeout` (600 s); a stream's first event within
  `stream_timeout` (60 s), each next one within `stream_timeout`, all of it within `timeout`.
  The 504 names the deadline that ran out.
* A deployment with `max_parallel_requests` has its own pool (`Pool`) of that many connections.
* Failures: a refused / dropped connection is `UpstreamError(0, ...)`, a timeout the same with
  `timeout=True`, a non-2xx answer `UpstreamError(status, "HTTP <status>: <upstream message>",
  retry_after=...)`, an unreadable answer a 502. The router stamps the provider on it and
  `UpstreamError.to_api_error()` turns it into what the client sees.

The HTTP/1.1 client is our own, small: an asyncio Protocol per connection feeding httptools'
response parser (llhttp, in C), keep-alive pools per event loop and `Pool`. The gateway makes one
upstream call per request, to a known origin, with headers it built itself; aiohttp's ClientSession
machinery (its connector, response objects, multidict/yarl building, tracing hooks and timers) was
about a third of the gateway's CPU per request. What it did that Parley relies on, kept here:

* http and https (the system trust store, SSL_CERT_FILE honoured), IPv6 literals, TCP_NODELAY;
* the URL's query merged with `request.query`; URL credentials sent as Basic auth unless the
  request has an Authorization header (then dropped); `Content-Length`; identity encoding asked
  for, a gzip / deflate answer still decoded;
* bodies framed by Content-Length, chunked, or by the close; case-insensitive response headers;
* keep-alive: a connection is pooled again only when its answer was read to the end and neither
  side said `Connection: close`; a pooled connection the upstream closed while idle is replaced
  once, transparently; waiting for a free connection and connecting share the connect deadline;
* back-pressure: a stream's unread bytes are bounded (READ_BUFFER_LIMIT), then the socket is not
  read, so an upstream writing to a reader that is behind blocks in its own send.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import email.utils
import functools
import socket
import ssl
import time
import urllib.parse
import weakref
import zlib
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import httptools
import orjson

from parley.errors import UpstreamError

DEFAULT_TIMEOUT = 600.0  # seconds for a whole answer, JSON or stream (LiteLLM proxy's default)
DEFAULT_STREAM_TIMEOUT = 60.0  # seconds to a stream's first event, and between two events
CONNECT_TIMEOUT = 10.0
MAX_CONNECTIONS = 1000
ERROR_TEXT_LIMIT = 500  # upstream error text kept in messages (sanitised: no headers, no URLs)


@dataclass
class UpstreamRequest:
    """One upstream call as a codec builds it. `content` is filled by the transport (the JSON body's
    bytes) before the codec's `sign` hook runs, so a signature covers exactly what is sent."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None  # a JSON value
    content: bytes = b""


Sign = Callable[[UpstreamRequest], Awaitable[None]]

# Headers every upstream request made in the current context carries besides its own: tracing
# sets the attempt's `traceparent` here, so no codec needs to know about it.
upstream_headers: ContextVar[Mapping[str, str] | None] = ContextVar("parley_upstream_headers", default=None)


# Back-pressure: what the reader of a stream awaits before each upstream read after the first
# (`pace()`). The engine sets it in a run's task, so a client that is behind holds the next read:
# the upstream is not read meanwhile, and no stream deadline runs (the engine's own does).
read_pace: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("parley_read_pace", default=None)


async def pace() -> None:
    """Before reading more from an upstream: wait while the stream's reader asks to."""
    wait = read_pace.get()
    if wait is not None:
        await wait()


class _Done:
    """Returned by a framing for the stream's explicit end (`data: [DONE]`)."""


DONE = _Done()


class Framing(Protocol):
    """Cuts a streamed body into upstream events, each as it came (an SSE event's data), or `DONE`.
    `decode` turns one into its value. A read brings hundreds of events: decoded one at a time, as
    each is translated, the objects of one are freed before the next is made. Decoded all at once,
    a read's worth stayed alive until the last was translated, and a 500-event Chat stream took
    8–15% more CPU: memory out of the CPU's caches, and more for the garbage collector."""

    media_type: str  # what a 200 stream's Content-Type must be

    def feed(self, chunk: bytes) -> Iterable[Any]: ...

    def end(self) -> Iterable[Any]: ...

    def decode(self, event: Any) -> Any: ...


class SSEFraming:
    """Server-sent events whose `data` is JSON: `feed` gives each event's data as bytes, `decode`
    its JSON. `event:` / `id:` lines are ignored: every upstream Parley speaks to repeats the event
    type inside the JSON. An event with no data is skipped."""

    media_type = "text/event-stream"

    def __init__(self) -> None:
        self._tail = b""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[Any]:
        lines = (self._tail + chunk).split(b"\n")
        self._tail = lines.pop()
        events: list[Any] = []
        data = self._data
        for line in lines:  # one loop, no call per line: it runs for every line of every stream
            if line[:5] == b"data:":
                value = line[5:].removesuffix(b"\r")
                data.append(value[1:] if value[:1] == b" " else value)
            elif (not line or line == b"\r") and data:
                joined = data[0] if len(data) == 1 else b"\n".join(data)
                data.clear()
                stripped = joined.strip()
                if stripped:
                    events.append(DONE if stripped == b"[DONE]" else joined)
        return events

    def end(self) -> list[Any]:
        """The body ended: its last line, and the event it was building, as if blank lines followed."""
        return self.feed(b"\n\n")

    @staticmethod
    def decode(data: bytes) -> Any:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise UpstreamError(502, f"invalid JSON in a stream event: {data[:200]!r}") from exc


# -- the pools -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    """A deployment's own connections (its `max_parallel_requests`): a hung deployment then holds
    at most `limit` connections of its own, never the shared pool every other deployment uses."""

    name: str
    limit: int


READ_BUFFER_LIMIT = 64 * 1024  # a stream's unread bytes past which its socket is no longer read
IDLE_KEEPALIVE = 15.0  # seconds a pooled connection may sit idle before it is not reused (aiohttp's)
USER_AGENT = "parley"


class ServerDisconnectedError(ConnectionError):
    """The upstream closed the connection before its answer was complete."""


class ContentEncodingError(ValueError):
    """A gzip / deflate answer that does not decompress."""


class InvalidURLError(ValueError):
    """An upstream URL without a host, with a bad port, or not http(s)."""


@dataclass(frozen=True, slots=True)
class _Origin:
    """What the transport needs of a request URL, parsed once per URL string (`_origin`)."""

    key: tuple[str, str, int]  # (scheme, host, port): a pool keeps idle connections per origin
    host: str  # what to connect to (an IPv6 literal without its brackets)
    tls: bool
    host_header: str  # host[:port], the port only when it is not the scheme's default
    path: str  # the percent-encoded path
    query: str  # the URL's own percent-encoded query, or ""
    basic: str | None  # `Basic ...` from the URL's user:password, if it has them


# Characters a request target may carry as they are (RFC 3986 pchar, plus `/`, `?` and `%` so a
# path or query the codec encoded itself is sent unchanged); anything else is percent-encoded.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
_QUERY_VALUE_SAFE = "!$'()*,/:?@~"  # what yarl's update_query leaves unencoded in a name or value


def check_url(url: str) -> None:
    """InvalidURLError, saying why, for a URL the transport cannot send to."""
    _origin(url)


@functools.lru_cache(maxsize=1024)  # a deployment's few URLs, parsed on every request otherwise
def _origin(url: str) -> _Origin:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURLError("not a URL with a valid port") from exc
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in ("http", "https") or not host:
        raise InvalidURLError("not an http(s) URL with a host")
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    tls = scheme == "https"
    default = 443 if tls else 80
    port = port or default
    literal = f"[{host}]" if ":" in host else host
    basic = None
    if parts.username is not None or parts.password is not None:
        user = urllib.parse.unquote(parts.username or "")
        password = urllib.parse.unquote(parts.password or "")
        basic = "Basic " + base64.b64encode(_latin1_or_utf8(f"{user}:{password}")).decode("ascii")
    return _Origin(
        key=(scheme, host, port),
        host=host,
        tls=tls,
        host_header=literal if port == default else f"{literal}:{port}",
        path=urllib.parse.quote(parts.path or "/", safe=_PATH_SAFE),
        query=urllib.parse.quote(parts.query, safe=_QUERY_SAFE),
        basic=basic,
    )


def _latin1_or_utf8(text: str) -> bytes:
    try:
        return text.encode("latin-1")  # what aiohttp's BasicAuth encoded credentials as
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _target(origin: _Origin, query: Mapping[str, str]) -> str:
    """The request target: the URL's path and query, `query` merged into the latter as aiohttp's
    `update_query` did (a name already in the URL takes the new value in its place)."""
    if not query:
        return f"{origin.path}?{origin.query}" if origin.query else origin.path
    merged: list[tuple[str, str]] = []
    for name, value in urllib.parse.parse_qsl(origin.query, keep_blank_values=True):
        if name not in query:
            merged.append((name, value))
        elif all(name != seen for seen, _ in merged):
            merged.append((name, query[name]))
    merged.extend((name, value) for name, value in query.items() if all(name != seen for seen, _ in merged))
    return f"{origin.path}?{urllib.parse.urlencode(merged, safe=_QUERY_VALUE_SAFE)}"


@functools.cache
def _tls() -> ssl.SSLContext:
    """The system's trust store (SSL_CERT_FILE / SSL_CERT_DIR honoured), made once: building a
    context loads every CA certificate."""
    return ssl.create_default_context()


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection to an origin, answering one request at a time. httptools' parser
    (llhttp, in C) calls back into it; the request's task awaits `head`, `whole` or `read`.

    A stream's unread body is bounded: past READ_BUFFER_LIMIT the socket is no longer read, so an
    upstream writing to a reader that is behind blocks in its own send."""

    def __init__(self, pool: _ConnectionPool, origin: _Origin) -> None:
        self.pool, self.origin = pool, origin
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.reused = False  # it answered an earlier request (a stale keep-alive may fail)
        self.idle_since = 0.0
        self.lost = False
        # The answer being read.
        self.busy = False
        self.got_bytes = False
        self.status = 0
        self.interim = False  # a 1xx head: skipped, its final answer follows
        self.headers: dict[bytes, bytes] = {}
        self.body: list[bytes] = []
        self.buffered = 0
        self.bounded = False  # a stream: stop reading the socket past READ_BUFFER_LIMIT
        self.closing = False  # the request said `Connection: close`
        self.paused = False
        self.head_done = False
        self.complete = False
        self.keep_alive = False
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None

    # -- asyncio.Protocol --

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio.Transport's subclasses
        sock = transport.get_extra_info("socket")
        if sock is not None:  # answers are small and latency counts: no Nagle delay
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        if not self.busy or self.complete:  # bytes nobody asked for: not safe to reuse
            self._close()
            return
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)
            self._close()

    def eof_received(self) -> bool | None:
        return None  # close our side too: connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.pool.forget(self)
        if not self.busy or self.complete:
            return
        if exc is None and self.head_done and not self._framed():
            self._on_end()  # a body delimited by the close (HTTP/1.0, or no length given)
            return
        self._fail(exc or ServerDisconnectedError())

    # -- httptools.HttpResponseParser callbacks --

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.setdefault(name.lower(), value)  # the first of a repeated header, as .get did

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 200:
            self.interim = True
            self.headers = {}
            return
        self.status = status
        self.head_done = True
        if self.bounded:  # a stream's reader waits for the head; a JSON one for the whole answer
            self._wake()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)
        self.buffered += len(body)
        if self.bounded and self.waiter is not None:
            self._wake()
        if self.bounded and self.buffered > READ_BUFFER_LIMIT and not self.paused and self.transport:
            self.paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        if self.interim:
            self.interim = False
            return
        self._on_end(self.parser.should_keep_alive())

    # -- the request's side --

    def send(self, data: bytes, *, bounded: bool, closing: bool) -> None:
        assert self.transport is not None
        self.busy, self.bounded, self.closing = True, bounded, closing
        self.got_bytes = self.head_done = self.complete = self.keep_alive = False
        self.status, self.buffered, self.error = 0, 0, None
        self.headers, self.body = {}, []
        self.transport.write(data)

    async def head(self) -> None:
        while not self.head_done:
            if self.error is not None:
                raise self.error
            await self._wait()

    async def finish(self) -> None:
        """Wait for the whole answer (unbounded: its body is wanted at once), then `take` it."""
        self.bounded = False
        if self.paused:
            self._resume()
        while not self.complete:
            if self.error is not None:
                raise self.error
            await self._wait()

    async def read(self) -> bytes:
        """The body's next bytes as they come, b"" at its end."""
        while not self.body:
            if self.complete:
                return b""
            if self.error is not None:
                raise self.error
            await self._wait()
        return self.take()

    def text_headers(self) -> dict[str, str]:
        return {name.decode("latin-1"): value.decode("latin-1") for name, value in self.headers.items()}

    def release(self) -> None:
        """The request is done with it: back to the pool when its answer was read to the end and
        both sides keep it alive, else closed."""
        if not self.busy:
            return
        self.busy = False
        reusable = self.complete and self.keep_alive and not self.closing and not self.lost
        self.body = []
        if not reusable:
            self._close()
        elif self.paused:
            self._resume()
        self.pool.release(self, reusable)

    # -- internals --

    def take(self) -> bytes:
        """The body bytes received and not yet taken."""
        body = self.body
        data = body[0] if len(body) == 1 else b"".join(body)
        self.body, self.buffered = [], 0
        if self.paused:
            self._resume()
        return data

    def _wait(self) -> asyncio.Future[None]:
        self.waiter = waiter = self.pool.loop.create_future()
        return waiter

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _on_end(self, keep_alive: bool = False) -> None:
        self.complete, self.keep_alive = True, keep_alive
        self._wake()

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        self._wake()

    def _framed(self) -> bool:
        return b"content-length" in self.headers or b"transfer-encoding" in self.headers

    def _resume(self) -> None:
        self.paused = False
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class _ConnectionPool:
    """Keep-alive connections per origin, at most `limit` in use at once (idle ones do not count,
    as with aiohttp's connector). Waiters for a free slot are served first come, first served."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self.loop, self.limit = loop, limit
        self.in_use = 0
        self.idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self.connections: set[_Connection] = set()
        self.waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self.closed = False

    async def acquire(self, origin: _Origin, connect: float, *, fresh: bool = False) -> _Connection:
        """A connection to `origin`: an idle one unless `fresh`, else a new one. Waiting for a free
        slot and connecting are bounded by `connect` seconds together."""
        if self.in_use < self.limit and not self.waiters:
            self.in_use += 1
            if not fresh:
                conn = self._idle(origin)
                if conn is not None:
                    return conn
            try:
                async with asyncio.timeout(connect):
                    return await self._connect(origin)
            except BaseException:
                self._free()
                raise
        async with asyncio.timeout(connect):
            await self._slot()
            try:
                return (None if fresh else self._idle(origin)) or await self._connect(origin)
            except BaseException:
                self._free()
                raise

    def _idle(self, origin: _Origin) -> _Connection | None:
        idle = self.idle.get(origin.key)
        if not idle:
            return None
        stale_before = self.loop.time() - IDLE_KEEPALIVE
        while idle:
            conn = idle.pop()  # the most recently used: the least likely to have been closed
            if conn.idle_since >= stale_before and conn.transport and not conn.transport.is_closing():
                return conn
            conn._close()
        return None

    async def _connect(self, origin: _Origin) -> _Connection:
        if self.closed:
            raise ConnectionAbortedError("the pool was closed")
        tls = _tls() if origin.tls else None
        _, conn = await self.loop.create_connection(
            lambda: _Connection(self, origin),
            origin.host,
            origin.key[2],
            ssl=tls,
            server_hostname=origin.host if tls else None,
        )
        self.connections.add(conn)
        return conn

    async def _slot(self) -> None:
        waiter = self.loop.create_future()
        self.waiters.append(waiter)
        try:
            await waiter  # a releasing request hands its slot over (in_use unchanged)
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._free()  # handed a slot, then cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    self.waiters.remove(waiter)
            raise

    def _free(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.in_use -= 1

    def release(self, conn: _Connection, reusable: bool) -> None:
        if reusable and not self.closed:
            conn.reused = True
            conn.idle_since = self.loop.time()
            self.idle.setdefault(conn.origin.key, []).append(conn)
        elif reusable:
            conn._close()
        self._free()

    def forget(self, conn: _Connection) -> None:
        """A connection closed (by either side): never hand it out again."""
        self.connections.discard(conn)
        idle = self.idle.get(conn.origin.key)
        if idle and conn in idle:
            idle.remove(conn)

    def close(self) -> None:
        self.closed = True
        for conn in list(self.connections):
            conn._close()
        self.idle.clear()
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectionAbortedError("the pool was closed"))


# Pools per event loop: a connection must not outlive the loop it was made on, and tests or
# embedding applications may run several loops in one process. `None` is the shared pool.
_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Pool | None, _ConnectionPool]] = (
    weakref.WeakKeyDictionary()
)


def _pool(pool: Pool | None) -> _ConnectionPool:
    loop = asyncio.get_running_loop()
    pools = _pools.get(loop)
    if pools is None:
        pools = _pools[loop] = {}
    found = pools.get(pool)
    if found is None:
        found = pools[pool] = _ConnectionPool(loop, pool.limit if pool else MAX_CONNECTIONS)
    return found


async def close() -> None:
    """Close this loop's pools (the engine and the SDK call it on shutdown)."""
    for pool in _pools.pop(asyncio.get_running_loop(), {}).values():
        pool.close()
    await asyncio.sleep(0)  # let the transports' connection_lost run


_NO_BODY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _encode(request: UpstreamRequest, origin: _Origin) -> tuple[bytes, bool]:
    """The request's bytes, and whether it asks to close the connection after its answer."""
    headers = request.headers
    names = {name.lower() for name in headers}
    lines = [f"{request.method} {_target(origin, request.query)} HTTP/1.1\r\n"]
    if "host" not in names:
        lines.append(f"Host: {origin.host_header}\r\n")
    if origin.basic is not None and "authorization" not in names:
        lines.append(f"Authorization: {origin.basic}\r\n")  # URL credentials next to one are dropped
    if "accept" not in names:
        lines.append("Accept: */*\r\n")
    if "user-agent" not in names:
        lines.append(f"User-Agent: {USER_AGENT}\r\n")
    lines.extend(f"{name}: {value}\r\n" for name, value in headers.items())
    content = request.content
    if "content-length" not in names and (content or request.method not in _NO_BODY_METHODS):
        lines.append(f"Content-Length: {len(content)}\r\n")
    lines.append("\r\n")
    head = "".join(lines)
    if head.count("\n") != len(lines) or head.count("\r") != len(lines):  # it would forge headers
        raise ValueError("a header name or value holds a line break")
    closes = "connection" in names and any(
        name.lower() == "connection" and "close" in value.lower() for name, value in headers.items()
    )
    return head.encode("utf-8") + content, closes


async def _answer(
    request: UpstreamRequest, connect: float, pool: Pool | None, *, stream: bool
) -> _Connection:
    """A connection holding the upstream's answer: its head for a stream, else all of it.

    A pooled keep-alive connection that the upstream closed while it sat idle fails before any
    answer byte arrives (the close crossed our request on the wire): such a request is sent again,
    once, on a fresh connection, instead of failing a healthy upstream. A fresh connection's
    failure is not retried here (the router retries)."""
    origin = _origin(request.url)
    data, closes = _encode(request, origin)
    connections = _pool(pool)
    limit = min(connect, CONNECT_TIMEOUT)
    conn = await connections.acquire(origin, limit)
    try:
        await _exchange(conn, data, stream, closes)
    except OSError as exc:
        conn.release()
        if not conn.reused or conn.got_bytes or isinstance(exc, TimeoutError):
            raise
        conn = await connections.acquire(origin, limit, fresh=True)
        try:
            await _exchange(conn, data, stream, closes)
        except BaseException:
            conn.release()
            raise
    except BaseException:
        conn.release()
        raise
    return conn


async def _exchange(conn: _Connection, data: bytes, stream: bool, closes: bool) -> None:
    conn.send(data, bounded=stream, closing=closes)
    if stream:
        await conn.head()
    else:
        await conn.finish()


def _decoder(conn: _Connection) -> Any:
    """A zlib decompressor for a gzip / deflate answer (aiohttp decoded them), else None."""
    encoding = conn.headers.get(b"content-encoding")
    if encoding is None:
        return None
    encoding = encoding.strip().lower()
    if encoding in (b"gzip", b"x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == b"deflate":
        return _Deflate()
    return None


class _Deflate:
    """`deflate` as servers send it: zlib-wrapped (RFC 1950), or raw (RFC 1951) by some."""

    def __init__(self) -> None:
        self._zlib: Any = None

    def decompress(self, data: bytes) -> bytes:
        if self._zlib is None:
            if not data:
                return b""
            # RFC 1950: the first byte's low nibble is the compression method, 8 for deflate.
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if data[0] & 0x0F == 8 else -zlib.MAX_WBITS)
        return bytes(self._zlib.decompress(data))

    def flush(self) -> bytes:
        return bytes(self._zlib.flush()) if self._zlib is not None else b""


def _decoded(decoder: Any, data: bytes, *, last: bool) -> bytes:
    try:
        out: bytes = decoder.decompress(data)
        return out + decoder.flush() if last else out
    except zlib.error as exc:
        raise ContentEncodingError("the answer does not decompress") from exc


def _media_type(conn: _Connection) -> str:
    """The Content-Type without parameters, lowercased (aiohttp's `content_type`)."""
    value = conn.headers.get(b"content-type")
    if value is None:
        return "application/octet-stream"
    return value.split(b";", 1)[0].strip().lower().decode("latin-1")


# -- sending --------------------------------------------------------------------------------------


async def _no_signature(request: UpstreamRequest) -> None:
    return None


async def _prepare(request: UpstreamRequest, sign: Sign | None) -> None:
    extra = upstream_headers.get()
    if extra:
        request.headers.update(extra)
    if request.body is not None:
        request.content = orjson.dumps(request.body)
        request.headers.setdefault("content-type", "application/json")
    await (sign or _no_signature)(request)


# What a failed exchange raises besides TimeoutError: the socket's errors (resets, refusals, TLS,
# DNS), the upstream's early close, a malformed answer, an undecodable body, a bad URL.
_FAILURES = (OSError, httptools.HttpParserError, ContentEncodingError, InvalidURLError)


def _failure(exc: BaseException) -> UpstreamError:
    """A connection failure or a timeout, as a retryable UpstreamError (no URL: it may hold a key)."""
    if isinstance(exc, TimeoutError):
        return UpstreamError(0, f"timed out ({type(exc).__name__})", timeout=True)
    return UpstreamError(0, f"connection failed ({type(exc).__name__})")


async def send_json(
    request: UpstreamRequest,
    *,
    timeout: float | None = None,
    sign: Sign | None = None,
    pool: Pool | None = None,
) -> Any:
    """Send the request; the decoded JSON answer, or UpstreamError."""
    await _prepare(request, sign)
    deadline = timeout or DEFAULT_TIMEOUT
    # A total deadline for the whole answer: an upstream trickling a byte now and then
    # cannot extend it (a read timeout would be reset by every byte).
    limit = asyncio.timeout(deadline)
    try:
        async with limit:
            conn = await _answer(request, deadline, pool, stream=False)
            raw, status, decoder = conn.take(), conn.status, _decoder(conn)
            headers = conn.text_headers() if status >= 300 else None
            conn.release()
            if decoder is not None:
                raw = _decoded(decoder, raw, last=True)
            if headers is not None:
                raise _http_error(status, headers, raw)
    except TimeoutError as exc:
        if not limit.expired():  # the connect deadline
            raise _failure(exc) from exc
        raise UpstreamError(
            0, f"timed out: no complete answer within the {deadline:g} s deadline (timeout)", timeout=True
        ) from exc
    except _FAILURES as exc:
        raise _failure(exc) from exc
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise UpstreamError(502, f"answered non-JSON: {raw[:200]!r}") from exc


async def send_stream(
    request: UpstreamRequest,
    framing: Framing,
    *,
    timeout: float | None = None,
    stream_timeout: float | None = None,
    sign: Sign | None = None,
    pool: Pool | None = None,
) -> AsyncGenerator[Any, None]:
    """Send the request; yield the upstream events of its streamed answer (as `framing` cut them:
    `framing.decode` each) until `DONE` or the end of the body, in lists: all a read brought (each
    hop of an async generator costs per item, so a stream pays per read, not per event). Close the
    iterator (``aclosing``) to stop early: that closes the connection.

    Deadlines, counted in events, not bytes (keep-alive comments or a trickle of bytes that never
    completes an event extend none of them): the first event within `stream_timeout` of sending,
    each next one within `stream_timeout` of asking for it, the whole stream within `timeout`.
    Time the caller spends between two events (a slow reader) is not upstream silence."""
    request.headers.setdefault("Accept", framing.media_type)
    await _prepare(request, sign)
    loop = asyncio.get_running_loop()
    deadline = _StreamDeadline(loop, timeout or DEFAULT_TIMEOUT, stream_timeout or DEFAULT_STREAM_TIMEOUT)
    limit = asyncio.timeout_at(deadline.at("first"))
    conn: _Connection | None = None
    try:
        async with limit:
            conn = await _answer(request, deadline.gap, pool, stream=True)
            decoder = _decoder(conn)
            if conn.status >= 300:
                await conn.finish()
                raw = conn.take()
                raw = _decoded(decoder, raw, last=True) if decoder is not None else raw
                raise _http_error(conn.status, conn.text_headers(), raw)
            media_type = _media_type(conn)
            if media_type != framing.media_type:
                raise UpstreamError(502, f"answered 200 with {media_type}, not a stream")
            while True:
                events: list[Any] = []
                while not events:
                    chunk = await conn.read()
                    if not chunk:
                        if decoder is not None:
                            events.extend(framing.feed(_decoded(decoder, b"", last=True)))
                        events.extend(framing.end())
                        events.append(DONE)
                        break
                    if decoder is not None:
                        chunk = _decoded(decoder, chunk, last=False)
                    events = list(framing.feed(chunk))
                limit.reschedule(None)  # no deadline runs while the caller has the events
                for i, event in enumerate(events):
                    if event is DONE:
                        if i:
                            yield events[:i]
                        return
                yield events
                await pace()  # per read, not per event: events come in reads
                limit.reschedule(deadline.at("idle"))
    except TimeoutError as exc:  # ours, or the connect deadline
        raise (deadline.error() if limit.expired() else _failure(exc)) from exc
    except _FAILURES as exc:
        raise _failure(exc) from exc
    finally:
        if conn is not None:
            conn.release()  # back to the pool only if the answer was read to its end


class _StreamDeadline:
    """A stream's deadlines: the next wait is bounded by the first-event or idle one
    (`stream_timeout`) or by the whole stream's (`timeout`), whichever comes first; the 504
    names the one that ran out."""

    def __init__(self, loop: asyncio.AbstractEventLoop, total: float, gap: float):
        self.loop, self.total, self.gap = loop, total, gap
        self.end = loop.time() + total
        self.which = "first"

    def at(self, kind: str) -> float:
        at = self.loop.time() + self.gap
        self.which = kind if at < self.end else "total"
        return min(at, self.end)

    def error(self) -> UpstreamError:
        message = {
            "first": f"no first stream event within the {self.gap:g} s deadline (stream_timeout)",
            "idle": f"no next stream event within the {self.gap:g} s deadline (stream_timeout)",
            "total": f"the stream did not complete within the {self.total:g} s deadline (timeout)",
        }[self.which]
        return UpstreamError(0, f"timed out: {message}", timeout=True)


# -- HTTP errors ----------------------------------------------------------------------------------


def _http_error(status: int, headers: Mapping[str, str], raw: bytes) -> UpstreamError:
    """A non-2xx answer, with the upstream's own message when its body has one."""
    return UpstreamError(status, f"HTTP {status}: {error_message(raw)}", retry_after=retry_after(headers))


def error_message(raw: bytes) -> str:
    """`error.message` (OpenAI, Gemini, Anthropic, Azure) or `message` of a JSON error body, else the
    body's text, shortened."""
    text = raw.decode("utf-8", "replace")
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return text[:ERROR_TEXT_LIMIT]
    error = parsed.get("error", parsed) if isinstance(parsed, dict) else parsed
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:ERROR_TEXT_LIMIT]
    return text[:ERROR_TEXT_LIMIT]


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from `retry-after-ms` (OpenAI, Azure) or `Retry-After` (seconds or an HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(float(ms) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
