"""Liveness and readiness, as LiteLLM's proxy names them."""

from __future__ import annotations

from parley.errors import ApiError
from parley.server import current_engine


async def liveliness() -> dict:
    return {"status": "ok"}


async def readiness() -> dict:
    try:
        await current_engine().store.ping()
    except Exception as exc:
        raise ApiError(503, f"Store is not reachable: {type(exc).__name__}") from None
    return {"status": "ok", "database": "connected"}
