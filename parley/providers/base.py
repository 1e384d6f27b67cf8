"""The one small interface every provider adapter implements.

An adapter turns a `Turn` (an Interactions create request whose conversation is already resolved
into steps) into an upstream call, and the upstream's answer back into Interactions steps:

* ``await adapter.create(turn, deployment) -> Outcome`` for JSON requests;
* ``adapter.stream(turn, deployment)`` an async iterator of Interactions SSE events, for streams.

Stream contract: yield only ``step.start`` / ``step.delta`` / ``step.stop`` events (and, if the
upstream reports them, ``interaction.status_update``), without ``event_id``s, then finish with
exactly one ``{"event_type": "interaction.completed", "interaction": {"status": ..., "usage": {...}}}``
(which may also carry ``"upstream_id"``, the upstream's own id for this turn; the engine strips it).
The engine owns ids, event ids, ``interaction.created`` and storage. On failure raise
``UpstreamError`` (retryable by status) or ``ApiError`` (e.g. ``errors.unsupported``); never yield
a completed event after a failure.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport, transport

from parley.errors import UpstreamError


@dataclass(frozen=True)
class Deployment:
    """One upstream a model group can route to (a `model_list` entry of config.yaml)."""

    model_name: str  # the public name clients send as `model`
    provider: str  # adapter key: gemini, openai, openai_chat, anthropic, azure, local
    model: str  # the upstream's model id, provider prefix stripped
    api_base: str | None = None
    api_key: str | None = None
    api_version: str | None = None  # Azure's ?api-version=
    timeout: float | None = None  # seconds, whole request
    params: Mapping[str, Any] = field(default_factory=dict)  # remaining litellm_params (rpm, tpm, weight…)
    name: str = ""  # how logs and metrics name it: model_info.id, else model_name#index in its group
    # Set when neither config nor environment supplied what this provider needs (its key, or the
    # base URL of a server you run): the variable to set. Such a deployment answers 401 naming it.
    missing_env: str | None = None

    @property
    def id(self) -> str:
        """Stable identity, used to know whether a previous turn ran on this same upstream."""
        return f"{self.provider}/{self.model}@{self.api_base or ''}"


@dataclass
class Turn:
    """What an adapter answers: the create body plus the whole conversation as steps."""

    request: Mapping[str, Any]  # the create body as the client sent it (already spec-validated)
    history: list[dict]  # previous turns' steps + this turn's input, as Interactions steps
    previous_upstream_id: str | None = None  # upstream's own id of the previous turn, same deployment only

    @property
    def system_instruction(self) -> str | None:
        return self.request.get("system_instruction")

    @property
    def tools(self) -> list[dict]:
        return list(self.request.get("tools") or [])

    @property
    def generation_config(self) -> Mapping[str, Any]:
        return self.request.get("generation_config") or {}

    @property
    def response_format(self) -> Any:
        return self.request.get("response_format")


@dataclass
class Outcome:
    """A finished (non-streamed) upstream answer."""

    steps: list[dict]
    status: str = "completed"  # completed | requires_action | incomplete
    usage: dict = field(default_factory=dict)
    upstream_id: str | None = None


class Adapter(Protocol):
    name: str

    async def create(self, turn: Turn, deployment: Deployment) -> Outcome: ...

    def stream(self, turn: Turn, deployment: Deployment) -> AsyncIterator[dict]: ...


# httpx-aiohttp maps every aiohttp connection error to ConnectTimeout; a refused or dropped
# connection is not a timeout (it is a 502, not a 504, and not worth waiting for).
transport.AIOHTTP_EXC_MAP[aiohttp.ClientConnectionError] = httpx.ConnectError


class _Transport(AiohttpTransport):
    """httpx's API over aiohttp's connection pool: under concurrency httpcore re-polls every idle
    connection on each request; aiohttp doubled the gateway's throughput (docs/benchmarks.md)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.userinfo:  # httpx made it an Authorization header; aiohttp refuses both at once
            request.url = request.url.copy_with(username=None, password=None)
        return await super().handle_async_request(request)


# One pooled httpx client per event loop: an AsyncClient must not outlive the loop it was created
# on, and tests or embedding applications may run several loops in one process.
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


# Headers every upstream request made in the current context carries besides its own: tracing
# sets the attempt's `traceparent` here, so no codec needs to know about it.
upstream_headers: ContextVar[Mapping[str, str] | None] = ContextVar("parley_upstream_headers", default=None)


async def _add_context_headers(request: httpx.Request) -> None:
    extra = upstream_headers.get()
    if extra:
        request.headers.update(extra)


def http_client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(600.0, connect=10.0),
            limits=limits,
            transport=_Transport(limits=limits),
            event_hooks={"request": [_add_context_headers]},
        )
        _clients[loop] = client
    return client


async def close_http_client() -> None:
    client = _clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()


def request_timeout(deployment: Deployment):
    """The deployment's timeout, else the pooled client's default (None would mean "no timeout")."""
    if deployment.timeout is None:
        return httpx.USE_CLIENT_DEFAULT
    return httpx.Timeout(deployment.timeout, connect=min(deployment.timeout, 10.0))


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from Retry-After / retry-after-ms, if the upstream sent them."""
    ms = response.headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if value:
        try:
            return float(value)
        except ValueError:
            return None
    return None


async def raise_for_upstream(response: httpx.Response) -> None:
    """Turn a non-2xx upstream response into UpstreamError with the upstream's own message."""
    if response.is_success:
        return
    body = (await response.aread()).decode("utf-8", "replace")
    message = body[:500]
    try:
        parsed = httpx.Response(200, content=body).json()
        err = parsed.get("error", parsed) if isinstance(parsed, dict) else parsed
        if isinstance(err, dict) and err.get("message"):
            message = str(err["message"])
    except ValueError:
        pass
    raise UpstreamError(
        response.status_code, f"HTTP {response.status_code}: {message}", retry_after=retry_after(response)
    )


def transport_error(exc: httpx.HTTPError) -> UpstreamError:
    """Connection failures and timeouts, as retryable UpstreamErrors."""
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamError(0, f"timed out ({type(exc).__name__})", timeout=True)
    return UpstreamError(0, f"connection failed ({type(exc).__name__}: {exc})")
