"""Deadlines for reading a request, which uvicorn lacks: a client must send its headers within
`client_header_timeout` seconds of opening the connection (or of starting its next request on a
kept-alive one), and its whole body within `client_body_timeout` seconds after the headers.

uvicorn's `timeout_keep_alive` only runs between requests (and not before the first one), and
`h11_max_incomplete_event_size` bounds size, not time: without these deadlines a slowloris
client that sends a byte now and then, or nothing after connecting, holds its connection (and
a file descriptor) forever. Both are total deadlines, so trickling cannot extend them. A late
client gets a 408 in the API's error shape, and the connection is closed.

Used as uvicorn's `http` protocol class (`http="parley.slow_clients:SlowClientGuard"`); the
deadlines are class settings, set from config by `configure` in the process that serves.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from parley.errors import error_body

# A request's scope key: what to call when its client goes away before its response starts.
CLIENT_LEFT = "parley.client_left"
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 60.0


def _timeout_response(message: str) -> bytes:
    body = orjson.dumps(error_body(408, message))
    head = (
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
        b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    return head + body


class _JoinedWrites:
    """The socket as uvicorn's request cycle sees it: it writes a response's head and its body in
    two calls, so two sends and two TCP segments per answer (one of the 6-7 syscalls of a JSON
    create). Here the head waits for the body's first write and both go out in one send; a head
    that no write follows in the same loop turn (a stream waiting for its first event, a body read
    from elsewhere) goes out on the next turn. Writes keep their order either way."""

    __slots__ = ("transport", "loop", "head", "expect_head")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport, self.loop = transport, loop
        self.head: bytes | None = None
        self.expect_head = False  # the next write is a new response's head (or its 100 Continue)

    def write(self, data: bytes) -> None:
        if self.head is not None:
            data, self.head = b"".join((self.head, data)), None
        elif self.expect_head:
            self.expect_head = False
            self.head = data
            self.loop.call_soon(self.flush)
            return
        self.transport.write(data)

    def flush(self) -> None:
        head, self.head = self.head, None
        if head is not None and not self.transport.is_closing():
            self.transport.write(head)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()


class SlowClientGuard(HttpToolsProtocol):
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT

    # The read in progress: its deadline (loop time; None between requests), what it waits for and
    # how long it was given. One loop timer per connection checks it: setting a deadline is two
    # stores, not a new timer and a cancelled one twice per request (~4% of a JSON create's CPU: py-spy).
    _deadline: float | None = None
    _what = "headers"
    _given = DEFAULT_HEADER_TIMEOUT
    _timer: asyncio.TimerHandle | None = None
    _timer_at = 0.0
    _joined: _JoinedWrites | None = None

    def _arm(self, seconds: float, what: str) -> None:
        deadline = self._deadline = self.loop.time() + seconds
        self._what, self._given = what, seconds
        # A pending timer that fires no later than this deadline re-arms itself for it when it fires.
        if self._timer is None or deadline < self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._timer_at = deadline
            self._timer = self.loop.call_at(deadline, self._check)

    def _check(self) -> None:
        self._timer = None
        deadline = self._deadline
        if deadline is None:
            return
        if self.loop.time() < deadline:  # armed again since: wait for the new deadline
            self._timer_at = deadline
            self._timer = self.loop.call_at(deadline, self._check)
            return
        self._late(self._what, self._given)

    def _late(self, what: str, seconds: float) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._joined is not None:
            self._joined.flush()
        cycle = self.cycle  # a kept-alive connection's previous request's, until these headers end
        if cycle is None or not cycle.response_started or (what == "headers" and cycle.response_complete):
            # Nothing written for this request yet: say why we close.
            self.transport.write(
                _timeout_response(f"The request's {what} did not arrive within {seconds:g} s.")
            )
        self.transport.close()  # the app, if it runs, hears http.disconnect

    # uvicorn's protocol interface and httptools' parser callbacks
    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._joined = _JoinedWrites(transport, self.loop)
        self._arm(self.header_timeout, "headers")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # the first request's headers count from the connection's start
            self._arm(self.header_timeout, "headers")

    def on_headers_complete(self) -> None:
        before = self.cycle
        super().on_headers_complete()
        if self.cycle is not before and self._joined is not None:  # this request's cycle
            self.cycle.transport = cast(asyncio.Transport, self._joined)
            self._joined.expect_head = True
        self._arm(self.body_timeout, "body")

    def send_400_response(self, msg: str) -> None:
        if self._joined is not None:  # a held head goes first
            self._joined.flush()
        super().send_400_response(msg)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._deadline = None  # the timer, if pending, finds nothing to check and stops

    def connection_lost(self, exc: Exception | None) -> None:
        self._deadline = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        cycle = self.cycle
        super().connection_lost(exc)
        if cycle is not None and not cycle.response_started:
            # A create waiting for its upstream hears it now, not when it would have answered.
            left = cast(dict[str, Any], cycle.scope).get(CLIENT_LEFT)
            if left is not None:
                left()


def configure(general: Any) -> None:
    """Take the deadlines from `general_settings` (config.GeneralSettings)."""
    SlowClientGuard.header_timeout = float(general.client_header_timeout)
    SlowClientGuard.body_timeout = float(general.client_body_timeout)


PROTOCOL = "parley.slow_clients:SlowClientGuard"

__all__ = ["CLIENT_LEFT", "PROTOCOL", "SlowClientGuard", "configure"]
