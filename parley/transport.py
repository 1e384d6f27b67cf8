"""The only code that talks HTTP to upstreams: pooled connections, timeouts, stream framing, JSON
decoding, Retry-After, and every transport or HTTP failure mapped to one `UpstreamError`.

Design (how a provider plugs in; see parley/providers/base.py for the codec side):

* A codec describes one call as an `UpstreamRequest` (method, url, headers, query, JSON body).
  `send_json` / `send_stream` serialise the body once into `content`, then await the codec's
  `sign(request)` hook, which may set headers computed from the final bytes (AWS SigV4) or from an
  async credential (a google-auth bearer token refreshed in a thread), and send it.
* A JSON answer comes back decoded (`send_json`); a stream comes back as upstream events, cut out
  of the body by a `Framing` (`SSEFraming` by default: `data:` lines decoded as JSON, `[DONE]`
  ends the stream; a codec for AWS's binary event-stream brings its own framing) and yielded one
  by one (`send_stream`). A 200 stream whose content type is not the framing's is a 502.
* Deadlines count whole answers and events, never bytes, so an upstream trickling keep-alives
  extends none of them: a JSON answer within `timeout` (600 s); a stream's first event within
  `stream_timeout` (60 s), each next one within `stream_timeout`, all of it within `timeout`.
  The 504 names the deadline that ran out.
* A deployment with `max_parallel_requests` has its own pool (`Pool`) of that many connections.
* Failures: a refused / dropped connection is `UpstreamError(0, ...)`, a timeout the same with
  `timeout=True`, a non-2xx answer `UpstreamError(status, "HTTP <status>: <upstream message>",
  retry_after=...)`, an unreadable answer a 502. The router stamps the provider on it and
  `UpstreamError.to_api_error()` turns it into what the client sees.

aiohttp directly (one `ClientSession` per event loop): its pool doubled the gateway's throughput
over httpcore (docs/benchmarks.md), and without httpx on top the hot path does less per request.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import time
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import orjson
from multidict import CIMultiDictProxy
from yarl import URL

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
    """Cuts a streamed body into upstream events (usually decoded JSON values, or `DONE`)."""

    media_type: str  # what a 200 stream's Content-Type must be

    def feed(self, chunk: bytes) -> Iterable[Any]: ...

    def end(self) -> Iterable[Any]: ...


class SSEFraming:
    """Server-sent events whose `data` is JSON. `event:` / `id:` lines are ignored: every upstream
    Parley speaks to repeats the event type inside the JSON. An event with no data is skipped."""

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
                if joined.strip():
                    events.append(_sse_data(joined))
        return events

    def end(self) -> list[Any]:
        """The body ended: its last line, and the event it was building, as if blank lines followed."""
        return self.feed(b"\n\n")


def _sse_data(data: bytes) -> Any:
    if data.strip() == b"[DONE]":
        return DONE
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


# Sessions per event loop: a ClientSession must not outlive the loop it was created on, and tests
# or embedding applications may run several loops in one process. `None` is the shared pool.
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Pool | None, aiohttp.ClientSession]] = (
    weakref.WeakKeyDictionary()
)


def session(pool: Pool | None = None) -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    sessions = _sessions.setdefault(loop, {})
    client = sessions.get(pool)
    if client is None or client.closed:
        connector = aiohttp.TCPConnector(limit=pool.limit if pool else MAX_CONNECTIONS, limit_per_host=0)
        client = aiohttp.ClientSession(
            connector=connector,
            # Read deadlines are the callers' (send_json / send_stream), counted in whole answers
            # and events; this only bounds the connect and the wait for a free connection.
            timeout=aiohttp.ClientTimeout(total=None, connect=CONNECT_TIMEOUT),
            json_serialize=lambda value: orjson.dumps(value).decode(),
            auto_decompress=True,
        )
        sessions[pool] = client
    return client


async def close() -> None:
    """Close this loop's pools (the engine and the SDK call it on shutdown)."""
    sessions = _sessions.pop(asyncio.get_running_loop(), {})
    await asyncio.gather(*(client.close() for client in sessions.values()))


def _send(
    request: UpstreamRequest, connect: float, pool: Pool | None
) -> aiohttp.client._RequestContextManager:
    return session(pool).request(
        request.method,
        _url(request),
        data=request.content or None,
        headers=request.headers,
        timeout=aiohttp.ClientTimeout(total=None, connect=min(connect, CONNECT_TIMEOUT)),
    )


async def _response(request: UpstreamRequest, connect: float, pool: Pool | None) -> aiohttp.ClientResponse:
    """The upstream's answer head. A pooled keep-alive connection that the upstream closed while it
    sat idle fails before any answer arrives (the close crossed our request on the wire): such a
    request is sent again, once, on a fresh connection, instead of failing a healthy upstream."""
    try:
        return await _send(request, connect, pool)
    except aiohttp.ClientConnectorError:
        raise  # a new connection that failed: nothing stale to replace (the router retries)
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):  # hung up, or reset
        return await _send(request, connect, pool)


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


@functools.lru_cache(maxsize=1024)  # a deployment's few URLs, parsed on every request otherwise
def _parsed(url: str) -> URL:
    return URL(url, encoded=False)


def _url(request: UpstreamRequest) -> URL:
    url = _parsed(request.url)
    if url.user is not None and any(k.lower() == "authorization" for k in request.headers):
        url = url.with_user(None)  # aiohttp refuses URL credentials next to an Authorization header
    if request.query:
        url = url.update_query(request.query)
    return url


def _failure(exc: BaseException) -> UpstreamError:
    """A connection failure or a timeout, as a retryable UpstreamError (no URL: it may hold a key)."""
    if isinstance(exc, TimeoutError):  # aiohttp's timeouts are TimeoutErrors too
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
        async with limit, await _response(request, deadline, pool) as response:
            raw = await response.read()
            if response.status >= 300:
                raise _http_error(response.status, response.headers, raw)
    except TimeoutError as exc:
        if not limit.expired():  # aiohttp's connect timeout
            raise _failure(exc) from exc
        raise UpstreamError(
            0, f"timed out: no complete answer within the {deadline:g} s deadline (timeout)", timeout=True
        ) from exc
    except aiohttp.ClientError as exc:
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
    """Send the request; yield the upstream events of its streamed answer until `DONE` or the end of
    the body. Close the iterator (``aclosing``) to stop early: that releases the connection.

    Deadlines, counted in events, not bytes (keep-alive comments or a trickle of bytes that never
    completes an event extend none of them): the first event within `stream_timeout` of sending,
    each next one within `stream_timeout` of asking for it, the whole stream within `timeout`.
    Time the caller spends between two events (a slow reader) is not upstream silence."""
    request.headers.setdefault("Accept", framing.media_type)
    await _prepare(request, sign)
    loop = asyncio.get_running_loop()
    deadline = _StreamDeadline(loop, timeout or DEFAULT_TIMEOUT, stream_timeout or DEFAULT_STREAM_TIMEOUT)
    limit = asyncio.timeout_at(deadline.at("first"))
    try:
        async with limit, await _response(request, deadline.gap, pool) as response:
            if response.status >= 300:
                raise _http_error(response.status, response.headers, await response.read())
            if response.content_type != framing.media_type:
                raise UpstreamError(
                    502, f"answered 200 with {response.content_type or 'no content type'}, not a stream"
                )
            chunks = response.content.iter_any()
            while True:
                events: list[Any] = []
                try:
                    while not events:
                        events = list(framing.feed(await anext(chunks)))
                except StopAsyncIteration:
                    events = [*framing.end(), DONE]
                limit.reschedule(None)  # no deadline runs while the caller has the events
                for event in events:
                    if event is DONE:
                        return
                    yield event
                await pace()  # per read, not per event: events come in reads
                limit.reschedule(deadline.at("idle"))
    except TimeoutError as exc:  # ours, or aiohttp's connect timeout
        raise (deadline.error() if limit.expired() else _failure(exc)) from exc
    except aiohttp.ClientError as exc:
        raise _failure(exc) from exc


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


def _http_error(status: int, headers: CIMultiDictProxy[str], raw: bytes) -> UpstreamError:
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
