from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_version import ApiVersion
from ...models.empty import Empty
from ...models.error_response import ErrorResponse
from ...types import Response


def _get_kwargs(
    api_version: ApiVersion,
    id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/{api_version}/interactions/{id}".format(
            api_version=quote(str(api_version), safe=""),
            id=quote(str(id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Empty | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = Empty.from_dict(response.json())

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
) -> Response[Empty | ErrorResponse]:
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
) -> Response[Empty | ErrorResponse]:
    """Delete an interaction

     Deletes a stored interaction. Answers 200 with `{}` (google-genai treats 204 as an error).

    Args:
        api_version (ApiVersion):
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Empty | ErrorResponse]
    """

    kwargs = _get_kwargs(
        api_version=api_version,
        id=id,
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
) -> Empty | ErrorResponse | None:
    """Delete an interaction

     Deletes a stored interaction. Answers 200 with `{}` (google-genai treats 204 as an error).

    Args:
        api_version (ApiVersion):
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Empty | ErrorResponse
    """

    return sync_detailed(
        api_version=api_version,
        id=id,
        client=client,
    ).parsed


async def asyncio_detailed(
    api_version: ApiVersion,
    id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Empty | ErrorResponse]:
    """Delete an interaction

     Deletes a stored interaction. Answers 200 with `{}` (google-genai treats 204 as an error).

    Args:
        api_version (ApiVersion):
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Empty | ErrorResponse]
    """

    kwargs = _get_kwargs(
        api_version=api_version,
        id=id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    api_version: ApiVersion,
    id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Empty | ErrorResponse | None:
    """Delete an interaction

     Deletes a stored interaction. Answers 200 with `{}` (google-genai treats 204 as an error).

    Args:
        api_version (ApiVersion):
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Empty | ErrorResponse
    """

    return (
        await asyncio_detailed(
            api_version=api_version,
            id=id,
            client=client,
        )
    ).parsed
