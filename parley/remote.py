"""A thin client for a running Parley (or any Interactions API) server.

Requests are built by the generated openapi-python-client package (`_get_kwargs`: method, path,
headers exactly as the spec says); answers are validated with the generated pydantic models, and
streams are parsed with httpx-sse into the `InteractionSSEEvent` union, stopping at `[DONE]`.

    with Remote("http://127.0.0.1:4000", api_key="sk-...") as remote:
        interaction = remote.create({"model": "gemini-3-flash-preview", "input": "Hi"})
        for event in remote.stream({"model": "gemini-3-flash-preview", "input": "Hi"}):
            ...

`AsyncRemote` has the same methods as coroutines / async iterators.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any

import httpx
from httpx_sse import ServerSentEvent, SSEError, aconnect_sse, connect_sse
from pydantic import BaseModel, TypeAdapter, ValidationError

from parley.errors import ApiError
from parley.generated.interactions_client import AuthenticatedClient, Client
from parley.generated.interactions_client.api.interactions import (
    cancel_interaction,
    create_interaction,
    delete_interaction,
    get_interaction,
)
from parley.generated.models import ErrorResponse, Interaction, InteractionSSEEvent

EVENTS: TypeAdapter[InteractionSSEEvent] = TypeAdapter(InteractionSSEEvent)

__all__ = ["AsyncRemote", "Remote", "RemoteError", "EVENTS"]


class RemoteError(ApiError):
    """A non-200 answer (or an unparseable one): HTTP status plus the API's error code and message.
    An ApiError, so code that handles the in-process SDK's errors handles a server's the same way."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(status, message, code)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    @classmethod
    def from_response(cls, response: httpx.Response) -> RemoteError:
        try:
            error = ErrorResponse.model_validate_json(response.content).error
            return cls(response.status_code, error.code, error.message)
        except ValidationError:
            return cls(response.status_code, "http_error", response.text[:500] or response.reason_phrase)


class _Body:
    """Adapts a plain dict to the generated `_get_kwargs`, which only calls `.to_dict()` on the body (its
    attrs models reject unknown union members, so requests are not round-tripped through them)."""

    def __init__(self, body: Mapping[str, Any] | BaseModel, stream: bool):
        data = (
            body.model_dump(mode="json", by_alias=True, exclude_none=True)
            if isinstance(body, BaseModel)
            else dict(body)
        )
        if data.get("stream") and not stream:
            raise ValueError("use stream() for streaming requests")
        if stream:
            data["stream"] = True
        self._data = data

    def to_dict(self) -> dict[str, Any]:
        return self._data


def _interaction(response: httpx.Response) -> Interaction:
    if response.status_code != 200:
        raise RemoteError.from_response(response)
    try:
        return Interaction.model_validate_json(response.content)
    except ValidationError as exc:
        raise RemoteError(response.status_code, "invalid_response", f"not an Interaction: {exc}") from exc


def _event(sse: ServerSentEvent) -> InteractionSSEEvent | None:
    """The parsed event, or None for the `[DONE]` sentinel."""
    if sse.data == "[DONE]":
        return None
    try:
        return EVENTS.validate_json(sse.data)
    except ValidationError as exc:
        raise RemoteError(200, "invalid_response", f"not an InteractionSSEEvent: {exc}") from exc


def _checked(events: Callable[[], Iterator[ServerSentEvent]]) -> Iterator[ServerSentEvent]:
    try:
        yield from events()
    except SSEError as exc:  # a 200 that is not text/event-stream
        raise RemoteError(200, "invalid_response", str(exc)) from exc


async def _achecked(events: Callable[[], AsyncIterator[ServerSentEvent]]) -> AsyncIterator[ServerSentEvent]:
    try:
        async for sse in events():
            yield sse
    except SSEError as exc:
        raise RemoteError(200, "invalid_response", str(exc)) from exc


def _request(kwargs: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    kwargs = dict(kwargs)
    return kwargs.pop("method").upper(), kwargs.pop("url"), kwargs


class _Base:
    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        api_version: str = "v1",
        timeout: float | httpx.Timeout = 120.0,
        headers: Mapping[str, str] | None = None,
        httpx_args: dict[str, Any] | None = None,
    ):
        common = {
            "base_url": base_url.rstrip("/"),
            "timeout": httpx.Timeout(timeout) if isinstance(timeout, float | int) else timeout,
            "headers": dict(headers or {}),
            "httpx_args": httpx_args or {},
        }
        self.client: AuthenticatedClient | Client = (
            AuthenticatedClient(token=api_key, prefix="", auth_header_name="x-goog-api-key", **common)
            if api_key
            else Client(**common)
        )
        self.api_version = api_version

    def _create(self, body: Mapping[str, Any] | BaseModel, stream: bool) -> tuple[str, str, dict[str, Any]]:
        return _request(create_interaction._get_kwargs(self.api_version, body=_Body(body, stream)))  # type: ignore[arg-type]

    def _get(
        self, id: str, stream: bool, last_event_id: str | None = None, include_input: bool | None = None
    ) -> tuple[str, str, dict[str, Any]]:
        extra = {
            k: v
            for k, v in {"last_event_id": last_event_id, "include_input": include_input}.items()
            if v is not None
        }
        return _request(get_interaction._get_kwargs(self.api_version, id, stream=stream, **extra))


class Remote(_Base):
    """Synchronous client. Methods raise `RemoteError` on non-200 answers."""

    def create(self, body: Mapping[str, Any] | BaseModel) -> Interaction:
        method, url, kw = self._create(body, stream=False)
        return _interaction(self.client.get_httpx_client().request(method, url, **kw))

    def get(self, id: str, *, include_input: bool | None = None) -> Interaction:
        method, url, kw = self._get(id, False, include_input=include_input)
        return _interaction(self.client.get_httpx_client().request(method, url, **kw))

    def cancel(self, id: str) -> Interaction:
        method, url, kw = _request(cancel_interaction._get_kwargs(self.api_version, id))
        return _interaction(self.client.get_httpx_client().request(method, url, **kw))

    def delete(self, id: str) -> None:
        method, url, kw = _request(delete_interaction._get_kwargs(self.api_version, id))
        response = self.client.get_httpx_client().request(method, url, **kw)
        if response.status_code != 200:
            raise RemoteError.from_response(response)

    def stream(self, body: Mapping[str, Any] | BaseModel) -> Iterator[InteractionSSEEvent]:
        """Create with `"stream": true`; yields events until `[DONE]` or the end of the body."""
        yield from self._events(*self._create(body, stream=True))

    def stream_get(self, id: str, *, last_event_id: str | None = None) -> Iterator[InteractionSSEEvent]:
        """Replay (and follow) a stored interaction's events, after `last_event_id` if given."""
        yield from self._events(*self._get(id, True, last_event_id))

    def _events(self, method: str, url: str, kw: dict[str, Any]) -> Iterator[InteractionSSEEvent]:
        with connect_sse(self.client.get_httpx_client(), method, url, **kw) as source:
            if source.response.status_code != 200:
                source.response.read()
                raise RemoteError.from_response(source.response)
            for sse in _checked(source.iter_sse):
                event = _event(sse)
                if event is None:
                    return
                yield event

    def close(self) -> None:
        self.client.get_httpx_client().close()

    def __enter__(self) -> Remote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncRemote(_Base):
    """Asynchronous twin of `Remote`."""

    async def create(self, body: Mapping[str, Any] | BaseModel) -> Interaction:
        method, url, kw = self._create(body, stream=False)
        return _interaction(await self.client.get_async_httpx_client().request(method, url, **kw))

    async def get(self, id: str, *, include_input: bool | None = None) -> Interaction:
        method, url, kw = self._get(id, False, include_input=include_input)
        return _interaction(await self.client.get_async_httpx_client().request(method, url, **kw))

    async def cancel(self, id: str) -> Interaction:
        method, url, kw = _request(cancel_interaction._get_kwargs(self.api_version, id))
        return _interaction(await self.client.get_async_httpx_client().request(method, url, **kw))

    async def delete(self, id: str) -> None:
        method, url, kw = _request(delete_interaction._get_kwargs(self.api_version, id))
        response = await self.client.get_async_httpx_client().request(method, url, **kw)
        if response.status_code != 200:
            raise RemoteError.from_response(response)

    async def stream(self, body: Mapping[str, Any] | BaseModel) -> AsyncIterator[InteractionSSEEvent]:
        async for event in self._events(*self._create(body, stream=True)):
            yield event

    async def stream_get(
        self, id: str, *, last_event_id: str | None = None
    ) -> AsyncIterator[InteractionSSEEvent]:
        async for event in self._events(*self._get(id, True, last_event_id)):
            yield event

    async def _events(self, method: str, url: str, kw: dict[str, Any]) -> AsyncIterator[InteractionSSEEvent]:
        async with aconnect_sse(self.client.get_async_httpx_client(), method, url, **kw) as source:
            if source.response.status_code != 200:
                await source.response.aread()
                raise RemoteError.from_response(source.response)
            async for sse in _achecked(source.aiter_sse):
                event = _event(sse)
                if event is None:
                    return
                yield event

    async def aclose(self) -> None:
        await self.client.get_async_httpx_client().aclose()

    async def __aenter__(self) -> AsyncRemote:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
