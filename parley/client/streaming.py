"""Server-sent events → typed events: the hand-written streaming layer beside the generated models.

A `Stream` owns one open HTTP response. Iterating it yields each `data:` payload parsed by
`parley.client.tolerant.parse_event` (a generated `InteractionSSEEvent` model, or a raw dict for an
event type this client does not know) and ends at `data: [DONE]` or at the end of the body. Leaving
a `with` block or calling `close()` drops the connection (for a foreground stream, the server then
stops the upstream call).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import Any

import httpx
import orjson
from httpx_sse import EventSource, SSEError

from parley.client.tolerant import InvalidResponse, RawEvent, parse_event
from parley.errors import ApiError
from parley.generated.models import InteractionSSEEvent

__all__ = ["AsyncStream", "Event", "Stream"]

Event = InteractionSSEEvent | RawEvent
DONE = "[DONE]"


def _decode(data: str, status: int) -> Event | None:
    """The event of one `data:` payload, or None for the `[DONE]` sentinel."""
    if data == DONE:
        return None
    try:
        payload: Any = orjson.loads(data)
        return parse_event(payload)
    except (orjson.JSONDecodeError, InvalidResponse) as exc:
        raise ApiError(
            status, f"not an Interactions event: {exc}; data: {data[:200]}", "invalid_response"
        ) from None


class Stream:
    """The events of a streamed create or get (sync): `for event in stream`."""

    def __init__(self, response: httpx.Response):
        self.response = response
        self._events = self._iterate()

    def _iterate(self) -> Generator[Event, None, None]:
        try:
            for sse in EventSource(self.response).iter_sse():
                event = _decode(sse.data, self.response.status_code)
                if event is None:
                    return
                yield event
        except SSEError as exc:  # a 200 that is not text/event-stream
            raise ApiError(self.response.status_code, str(exc), "invalid_response") from None
        finally:
            self.response.close()

    def __iter__(self) -> Iterator[Event]:
        return self._events

    def __next__(self) -> Event:
        return next(self._events)

    def close(self) -> None:
        self._events.close()
        self.response.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncStream:
    """The async twin of `Stream`: `async for event in stream`, `await stream.aclose()`."""

    def __init__(self, response: httpx.Response):
        self.response = response
        self._events = self._iterate()

    async def _iterate(self) -> AsyncGenerator[Event, None]:
        try:
            async for sse in EventSource(self.response).aiter_sse():
                event = _decode(sse.data, self.response.status_code)
                if event is None:
                    return
                yield event
        except SSEError as exc:
            raise ApiError(self.response.status_code, str(exc), "invalid_response") from None
        finally:
            await self.response.aclose()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events

    async def __anext__(self) -> Event:
        return await anext(self._events)

    async def aclose(self) -> None:
        await self._events.aclose()
        await self.response.aclose()

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
