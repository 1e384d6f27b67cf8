from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_version import ApiVersion
from ...models.error_response import ErrorResponse
from ...models.interaction import Interaction
from ...types import UNSET, Response, Unset


def _get_kwargs(
    api_version: ApiVersion,
    id: str,
    *,
    stream: bool | Unset = False,
    last_event_id: str | Unset = UNSET,
    include_input: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["stream"] = stream

    params["last_event_id"] = last_event_id

    params["include_input"] = include_input

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/{api_version}/interactions/{id}".format(
            api_version=quote(str(api_version), safe=""),
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | Interaction | None:
    if response.status_code == 200:
        response_200 = Interaction.from_dict(response.json())

        return response_200

    if 400 <= response.status_code <= 499:
        response_4xx = ErrorResponse.from_dict(response.json())

        return response_4xx

    if 500 <= response.status_code <= 599:
        response_5xx = ErrorResponse.from_dict(response.json())

        return response_5xx

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | Interaction]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    api_version: ApiVersion,
    id: str,
    *,
    client: AuthenticatedClient | Client,
    stream: bool | Unset = False,
    last_event_id: str | Unset = UNSET,
    include_input: bool | Unset = UNSET,
) -> Response[ErrorResponse | Interaction]:
    """Get an interaction

     Returns the stored interaction with its full timeline (the leading `user_input` step included).
    With `stream=true` the events are replayed as `text/event-stream`, starting after `last_event_id`
    when given, and continue live while the interaction is still running.

    Args:
        api_version (ApiVersion):
        id (str):
        stream (bool | Unset):  Default: False.
        last_event_id (str | Unset):
        include_input (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Interaction]
    """

    kwargs = _get_kwargs(
        api_version=api_version,
        id=id,
        stream=stream,
        last_event_id=last_event_id,
        include_input=include_input,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    api_version: ApiVersion,
    id: str,
    *,
    client: AuthenticatedClient | Client,
    stream: bool | Unset = False,
    last_event_id: str | Unset = UNSET,
    include_input: bool | Unset = UNSET,
) -> ErrorResponse | Interaction | None:
    """Get an interaction

     Returns the stored interaction with its full timeline (the leading `user_input` step included).
    With `stream=true` the events are replayed as `text/event-stream`, starting after `last_event_id`
    when given, and continue live while the interaction is still running.

    Args:
        api_version (ApiVersion):
        id (str):
        stream (bool | Unset):  Default: False.
        last_event_id (str | Unset):
        include_input (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Interaction
    """

    return sync_detailed(
        api_version=api_version,
        id=id,
        client=client,
        stream=stream,
        last_event_id=last_event_id,
        include_input=include_input,
    ).parsed


async def asyncio_detailed(
    api_version: ApiVersion,
    id: str,
    *,
    client: AuthenticatedClient | Client,
    stream: bool | Unset = False,
    last_event_id: str | Unset = UNSET,
    include_input: bool | Unset = UNSET,
) -> Response[ErrorResponse | Interaction]:
    """Get an interaction

     Returns the stored interaction with its full timeline (the leading `user_input` step included).
    With `stream=true` the events are replayed as `text/event-stream`, starting after `last_event_id`
    when given, and continue live while the interaction is still running.

    Args:
        api_version (ApiVersion):
        id (str):
        stream (bool | Unset):  Default: False.
        last_event_id (str | Unset):
        include_input (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Interaction]
    """

    kwargs = _get_kwargs(
        api_version=api_version,
        id=id,
        stream=stream,
        last_event_id=last_event_id,
        include_input=include_input,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    api_version: ApiVersion,
    id: str,
    *,
    client: AuthenticatedClient | Client,
    stream: bool | Unset = False,
    last_event_id: str | Unset = UNSET,
    include_input: bool | Unset = UNSET,
) -> ErrorResponse | Interaction | None:
    """Get an interaction

     Returns the stored interaction with its full timeline (the leading `user_input` step included).
    With `stream=true` the events are replayed as `text/event-stream`, starting after `last_event_id`
    when given, and continue live while the interaction is still running.

    Args:
        api_version (ApiVersion):
        id (str):
        stream (bool | Unset):  Default: False.
        last_event_id (str | Unset):
        include_input (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Interaction
    """

    return (
        await asyncio_detailed(
            api_version=api_version,
            id=id,
            client=client,
            stream=stream,
            last_event_id=last_event_id,
            include_input=include_input,
        )
    ).parsed
