"""`Client` / `AsyncClient`: a running Interactions server (Parley, or Google's API) over HTTP.

    from parley.client import Client

    client = Client("http://127.0.0.1:4000", api_key="sk-...")
    interaction = client.interactions.create(model="gemini-3-flash-preview", input="Hi")
    for event in client.interactions.create(model="gemini-3-flash-preview", input="Hi", stream=True):
        ...  # typed events (parley.generated.models), raw dicts for event types newer than this client
    client.interactions.get(id), .get(id, stream=True, last_event_id=...), .delete(id), .cancel(id)

The shape is google-genai's `client.interactions` (and the openai SDK's resources): keyword arguments
are the create body's fields, answers are the generated pydantic models, and every non-2xx answer
raises `parley.ApiError`, as the subclass for its status (`parley.NotFoundError`, ...). The key goes
in `x-goog-api-key` (the default) or, with `auth="bearer"`, in `Authorization: Bearer`.

Requests are built here, over httpx: four operations do not need a generated client (README,
"Generated code"); answers are parsed by the generated models through `parley.client.tolerant`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload
from urllib.parse import quote

import httpx
import orjson
from pydantic import BaseModel

from parley.client.streaming import AsyncStream, Stream
from parley.client.tolerant import InvalidResponse, parse_interaction
from parley.errors import ApiError
from parley.generated.models import Interaction

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from parley.sdk import CreateParams

__all__ = ["AsyncClient", "Auth", "Client"]

Auth = Literal["x-goog-api-key", "bearer"]
BASE_URL_ENV = "PARLEY_BASE_URL"
API_KEY_ENV = "PARLEY_API_KEY"
DEFAULT_BASE_URL = "http://127.0.0.1:4000"
DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def error_from(response: httpx.Response) -> ApiError:
    """The API's `{"error": {"code", "message"}}` as an exception (the status's ApiError subclass)."""
    code, message = None, response.text[:500] or response.reason_phrase
    try:
        error = orjson.loads(response.content)["error"]
        code, message = str(error["code"]), str(error["message"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        pass  # not the API's error shape (a proxy's page): keep the text
    return ApiError(response.status_code, message, code, dict(response.headers))


def _interaction(response: httpx.Response) -> Interaction:
    if response.status_code != 200:
        raise error_from(response)
    try:
        return parse_interaction(orjson.loads(response.content))
    except (orjson.JSONDecodeError, InvalidResponse) as exc:
        raise ApiError(200, f"not an Interaction: {exc}", "invalid_response") from None


class _Requests:
    """What both clients send: URLs, headers and bodies, exactly as the spec's four operations say."""

    def __init__(
        self,
        base_url: str | None,
        api_key: str | None,
        auth: Auth,
        api_version: str,
        headers: Mapping[str, str] | None,
    ):
        if auth not in ("x-goog-api-key", "bearer"):
            raise ValueError(f"auth must be 'x-goog-api-key' or 'bearer', not {auth!r}")
        self.base_url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        self.prefix = f"{self.base_url}/{api_version}/interactions"
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        self.headers = dict(headers or {})
        if key:
            self.headers.update(
                {"Authorization": f"Bearer {key}"} if auth == "bearer" else {"x-goog-api-key": key}
            )

    def url(self, id: str | None = None, action: str = "") -> str:
        return self.prefix if id is None else f"{self.prefix}/{quote(id, safe='')}{action}"

    def create(
        self, client: httpx.Client | httpx.AsyncClient, params: Mapping[str, Any], stream: bool
    ) -> httpx.Request:
        body = {k: v for k, v in params.items() if v is not None}
        if stream:
            body["stream"] = True
        headers = {**self.headers, "content-type": "application/json"}
        if stream:
            headers["accept"] = "text/event-stream"
        content = orjson.dumps(body, default=_json)
        return client.build_request("POST", self.url(), content=content, headers=headers)

    def get(
        self,
        client: httpx.Client | httpx.AsyncClient,
        id: str,
        stream: bool,
        last_event_id: str | None,
        include_input: bool | None,
    ) -> httpx.Request:
        if last_event_id is not None and not stream:
            raise ValueError("last_event_id needs stream=True")
        params = {"stream": "true" if stream else "false"}
        if last_event_id is not None:
            params["last_event_id"] = last_event_id
        if include_input is not None:
            params["include_input"] = "true" if include_input else "false"
        headers = {**self.headers, "accept": "text/event-stream" if stream else "application/json"}
        return client.build_request("GET", self.url(id), params=params, headers=headers)

    def delete(self, client: httpx.Client | httpx.AsyncClient, id: str) -> httpx.Request:
        return client.build_request("DELETE", self.url(id), headers=self.headers)

    def cancel(self, client: httpx.Client | httpx.AsyncClient, id: str) -> httpx.Request:
        return client.build_request("POST", self.url(id, "/cancel"), headers=self.headers)


class Interactions:
    """`client.interactions`: create / get / delete / cancel."""

    def __init__(self, http: httpx.Client, requests: _Requests):
        self._http = http
        self._requests = requests

    @overload
    def create(self, *, stream: Literal[True], **params: Unpack[CreateParams]) -> Stream: ...
    @overload
    def create(self, *, stream: Literal[False] = False, **params: Unpack[CreateParams]) -> Interaction: ...
    def create(self, *, stream: bool = False, **params: Any) -> Interaction | Stream:
        """Create an interaction. With `stream=True` a `Stream` of events (an error answer raises
        here, before the first event); `background=True` returns at once, still running."""
        request = self._requests.create(self._http, params, stream)
        return self._stream(request) if stream else self._json(request)

    @overload
    def get(
        self, id: str, *, stream: Literal[False] = False, include_input: bool | None = None
    ) -> Interaction: ...
    @overload
    def get(
        self,
        id: str,
        *,
        stream: Literal[True],
        last_event_id: str | None = None,
        include_input: bool | None = None,
    ) -> Stream: ...
    def get(
        self,
        id: str,
        *,
        stream: bool = False,
        last_event_id: str | None = None,
        include_input: bool | None = None,
    ) -> Interaction | Stream:
        """The stored interaction; `stream=True` replays its events after `last_event_id` (if given) and
        follows a running one."""
        request = self._requests.get(self._http, id, stream, last_event_id, include_input)
        return self._stream(request) if stream else self._json(request)

    def delete(self, id: str) -> None:
        response = self._http.send(self._requests.delete(self._http, id))
        if response.status_code != 200:
            raise error_from(response)

    def cancel(self, id: str) -> Interaction:
        """Cancel a running background interaction (an error if it has already finished)."""
        return _interaction(self._http.send(self._requests.cancel(self._http, id)))

    def _json(self, request: httpx.Request) -> Interaction:
        return _interaction(self._http.send(request))

    def _stream(self, request: httpx.Request) -> Stream:
        response = self._http.send(request, stream=True)
        if response.status_code != 200:
            response.read()
            response.close()
            raise error_from(response)
        return Stream(response)


class AsyncInteractions:
    """`async_client.interactions`: the coroutine twins of `Interactions`."""

    def __init__(self, http: httpx.AsyncClient, requests: _Requests):
        self._http = http
        self._requests = requests

    @overload
    async def create(self, *, stream: Literal[True], **params: Unpack[CreateParams]) -> AsyncStream: ...
    @overload
    async def create(
        self, *, stream: Literal[False] = False, **params: Unpack[CreateParams]
    ) -> Interaction: ...
    async def create(self, *, stream: bool = False, **params: Any) -> Interaction | AsyncStream:
        request = self._requests.create(self._http, params, stream)
        return await (self._stream(request) if stream else self._json(request))

    @overload
    async def get(
        self, id: str, *, stream: Literal[False] = False, include_input: bool | None = None
    ) -> Interaction: ...
    @overload
    async def get(
        self,
        id: str,
        *,
        stream: Literal[True],
        last_event_id: str | None = None,
        include_input: bool | None = None,
    ) -> AsyncStream: ...
    async def get(
        self,
        id: str,
        *,
        stream: bool = False,
        last_event_id: str | None = None,
        include_input: bool | None = None,
    ) -> Interaction | AsyncStream:
        request = self._requests.get(self._http, id, stream, last_event_id, include_input)
        return await (self._stream(request) if stream else self._json(request))

    async def delete(self, id: str) -> None:
        response = await self._http.send(self._requests.delete(self._http, id))
        if response.status_code != 200:
            raise error_from(response)

    async def cancel(self, id: str) -> Interaction:
        return _interaction(await self._http.send(self._requests.cancel(self._http, id)))

    async def _json(self, request: httpx.Request) -> Interaction:
        return _interaction(await self._http.send(request))

    async def _stream(self, request: httpx.Request) -> AsyncStream:
        response = await self._http.send(request, stream=True)
        if response.status_code != 200:
            await response.aread()
            await response.aclose()
            raise error_from(response)
        return AsyncStream(response)


class _ClientBase(Generic[HttpT]):
    """What both clients are made of: the requests they send and the httpx client that sends them."""

    _http_class: type[HttpT]

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        auth: Auth = "x-goog-api-key",
        api_version: str = "v1beta",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        http_client: HttpT | None = None,
    ):
        requests = _Requests(base_url, api_key, auth, api_version, headers)
        self._owns_http = http_client is None
        self._http: HttpT = http_client or self._http_class(timeout=timeout)
        self.base_url = requests.base_url
        self._attach(requests)

    def _attach(self, requests: _Requests) -> None:
        raise NotImplementedError


class Client(_ClientBase[httpx.Client]):
    """A synchronous client. `base_url` defaults to $PARLEY_BASE_URL, then http://127.0.0.1:4000;
    `api_key` to $PARLEY_API_KEY. Pass `http_client` to bring your own httpx.Client (proxies, limits);
    it is then yours to close."""

    _http_class = httpx.Client
    interactions: Interactions

    def _attach(self, requests: _Requests) -> None:
        self.interactions = Interactions(self._http, requests)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_ClientBase[httpx.AsyncClient]):
    """The asynchronous twin of `Client` (`await client.interactions.create(...)`); `http_client`
    is an httpx.AsyncClient."""

    _http_class = httpx.AsyncClient
    interactions: AsyncInteractions

    def _attach(self, requests: _Requests) -> None:
        self.interactions = AsyncInteractions(self._http, requests)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
