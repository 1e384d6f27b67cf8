"""A real Redis for tests: the `redis_server` session fixture and `RedisServer` for tests that stop
and restart their own.

    from tests.redis_server import redis_server  # noqa: F401   (in tests/conftest.py)

scripts/redis.sh installs the Debian `redis-server` package when it is missing and starts a server
on a free loopback port with its files in a temp dir. When Redis cannot be installed or started the
fixture FAILS, it never skips: a green run must have exercised Redis.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import redis

from tests.services import start_service

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "redis.sh"


class RedisServer:
    """One redis-server in its own temp dir, on a free loopback port kept across restarts."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="parley-redis-")
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.port = start_service("redis.sh", "Redis", self.dir, self.port)
        return self

    def stop(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "stop", self.dir], capture_output=True, timeout=60, check=True)

    def flush(self) -> None:
        with redis.Redis(port=self.port, socket_timeout=10) as client:
            client.flushall()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server():
    """A real Redis server for the whole session; tests that need a clean one call .flush()."""
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.remove()
