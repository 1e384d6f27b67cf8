"""Run any ASGI app under a real uvicorn server on a free loopback port, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.01)
        return self

    def stop(self, force: bool = False) -> None:
        """Stop; `force`: without waiting for the requests still open (a hung upstream's)."""
        self.stop_soon(force)
        self._thread.join(timeout=10)

    def stop_soon(self, force: bool = False) -> None:
        """Ask it to stop, without waiting: many servers stop together, not one after another."""
        self._server.should_exit = True
        self._server.force_exit = force


@contextmanager
def serve(app, port: int | None = None):
    server = LiveServer(app, port).start()
    try:
        yield server
    finally:
        server.stop()
