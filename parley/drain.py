"""Graceful shutdown: SIGTERM (or SIGINT) starts a drain in this process.

uvicorn then stops accepting connections and waits up to its `timeout_graceful_shutdown` (set to
`general_settings.drain_grace_seconds`) for the requests in flight, open streams included. A run
still going just before that (`on_begin`: the server interrupts them ENDING_MARGIN before, while
their clients are connected to read how they ended) is `failed` with an `interrupted` error and
keeps its output so far: nobody asked to cancel it, so it is never `cancelled`.

uvicorn owns the signal handlers (in every worker process it creates its own server), so the
drain hooks in by wrapping the handler it installed, from the app's start-up, which runs in that
process's main thread after uvicorn's handlers are in place.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

ENDING_MARGIN = 0.5  # seconds before uvicorn's deadline cancels the responses still open

_started: float | None = None
_on_begin: list[Callable[[], object]] = []


def on_begin(callback: Callable[[], object]) -> Callable[[], None]:
    """Call `callback` when a drain begins (from the signal handler: it must be thread-safe).
    Returns what stops it being called (an app that has shut down)."""
    _on_begin.append(callback)
    return lambda: _on_begin.remove(callback)


def begin() -> None:
    global _started
    if _started is None:
        _started = time.monotonic()
        for callback in list(_on_begin):
            callback()


def draining() -> bool:
    return _started is not None


def remaining(grace: float) -> float:
    """Seconds left of a drain's grace period (the whole period when no drain has begun)."""
    if _started is None:
        return grace
    return max(0.0, grace - (time.monotonic() - _started))


def watch_signals() -> None:
    """Begin the drain when uvicorn's SIGTERM / SIGINT handler runs in this process."""
    if threading.current_thread() is not threading.main_thread():
        return  # an embedded server in a thread: the host owns the signals
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if getattr(previous, "_parley_drain", False) or not callable(previous):
            continue

        def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
            begin()
            previous(signum, frame)

        handler._parley_drain = True  # type: ignore[attr-defined]
        signal.signal(sig, handler)


__all__ = ["ENDING_MARGIN", "begin", "draining", "on_begin", "remaining", "watch_signals"]
