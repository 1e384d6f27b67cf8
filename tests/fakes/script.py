"""What a fake upstream answers, shared by every provider fake so tests script them the same way.

A test appends `Reply`s to `fake.replies`; each request takes the next one (or `fake.default`),
and every request the fake received is kept in `fake.requests` for assertions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    text: str = "Hello from the fake upstream."
    # A function call instead of (or after) text: (name, arguments dict).
    tool_call: tuple[str, dict] | None = None
    # Reasoning / thinking text, for providers that have it.
    thought: str | None = None
    status: int = 200  # non-200: answer with the provider's own error body
    error_message: str = "fake upstream error"
    retry_after: float | None = None  # seconds, sent as Retry-After with errors
    delay: float = 0.0  # seconds to stall before answering (timeouts)
    cut_after: int | None = None  # streams: drop the connection after this many data events
    usage: tuple[int, int] = (11, 7)  # (input tokens, output tokens)
    chunk_size: int = 8  # streams: characters of text per delta
    event_delay: float = 0.0  # streams: seconds between events (a slow generation)
    # With `delay`: answer at once, then send a keep-alive byte (JSON: a space; SSE: a comment)
    # every `trickle` seconds until `delay` has passed, and only then the answer.
    trickle: float | None = None
    # Streams (gemini fake): after this many events, `stall_seconds` of silence (with `trickle`:
    # of keep-alive comments every `trickle` seconds) before the rest.
    stall_after: int | None = None
    stall_seconds: float = 0.0


@dataclass
class Upstream:
    default: Reply = field(default_factory=Reply)
    replies: list[Reply] = field(default_factory=list)
    # {"path", "headers", "query", "body", "at"}; "at" is time.monotonic() on arrival, so tests
    # time the gateway's waits between attempts rather than the whole (load-sensitive) round trip.
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        """Unscripted again, with no requests seen: what each test starts from."""
        self.replies.clear()
        self.requests.clear()
        self.default = Reply()

    async def next(self, path: str, headers: dict, query: dict, body: Any) -> Reply:
        self.requests.append(
            {"path": path, "headers": headers, "query": query, "body": body, "at": time.monotonic()}
        )
        reply = self.replies.pop(0) if self.replies else self.default
        if reply.delay and reply.trickle is None:
            await asyncio.sleep(reply.delay)
        return reply


async def trickled(reply: Reply, keep_alive: bytes, body: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`body`, after `reply.delay` seconds of a keep-alive byte every `reply.trickle` seconds."""
    end = time.monotonic() + reply.delay
    while time.monotonic() < end:
        yield keep_alive
        await asyncio.sleep(reply.trickle or 1.0)
    async for chunk in body:
        yield chunk


def chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]
