"""Liveness and readiness, as LiteLLM's proxy names them."""

from __future__ import annotations

from starlette.responses import Response

from parley import drain
from parley.errors import ApiError
from parley.server import current_engine


async def liveliness() -> dict[str, str]:
    return {"status": "ok"}


async def readiness() -> dict[str, str | dict[str, str]] | Response:
    if drain.draining():  # a load balancer should stop sending traffic here
        return Response(
            b'{"status":"draining","checks":{"drain":"shutting down"}}',
            status_code=503,
            media_type="application/json",
        )
    try:
        await current_engine().store.ping()
    except Exception as exc:
        raise ApiError(503, f"Store is not reachable: {type(exc).__name__}") from None
    answer: dict[str, str | dict[str, str]] = {"status": "ok", "database": "connected"}
    router = current_engine().router
    # Still ready (other models answer), but say which deployments take no more requests now.
    saturated = router.saturated()
    if saturated:
        answer["checks"] = {"saturated": ", ".join(saturated)}
    shared = router.shared
    if shared is not None:
        # Still ready without Redis (routing goes on per process), but say which state is in use.
        answer["router_state"] = "redis" if await shared.ping() else "local (redis unreachable)"
    return answer
