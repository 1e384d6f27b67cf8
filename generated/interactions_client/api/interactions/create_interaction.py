from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_version import ApiVersion
from ...models.create_agent_interaction import CreateAgentInteraction
from ...models.create_model_interaction import CreateModelInteraction
from ...models.error_response import ErrorResponse
from ...models.interaction import Interaction
from ...types import Response


def _get_kwargs(
    api_version: ApiVersion,
    *,
    body: CreateAgentInteraction | CreateModelInteraction,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/{api_version}/interactions".format(
            api_version=quote(str(api_version), safe=""),
        ),
    }

    if isinstance(body, CreateModelInteraction):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
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
    *,
    client: AuthenticatedClient | Client,
    body: CreateAgentInteraction | CreateModelInteraction,
) -> Response[ErrorResponse | Interaction]:
    """Create an interaction

     Runs one turn against a model (or an agent). With `"stream": true` in the body the answer is a
    `text/event-stream` of `InteractionSSEEvent`s, otherwise an `Interaction` as JSON. The JSON answer
    carries only the steps produced in this turn; `GET` returns the full timeline.

    Args:
        api_version (ApiVersion):
        body (CreateAgentInteraction | CreateModelInteraction): Exactly one of `model` and `agent`
            must be present.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Interaction]
    """

    kwargs = _get_kwargs(
        api_version=api_version,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    api_version: ApiVersion,
    *,
    client: AuthenticatedClient | Client,
    body: CreateAgentInteraction | CreateModelInteraction,
) -> ErrorResponse | Interaction | None:
    """Create an interaction

     Runs one turn against a model (or an agent). With `"stream": true` in the body the answer is a
    `text/event-stream` of `InteractionSSEEvent`s, otherwise an `Interaction` as JSON. The JSON answer
    carries only the steps produced in this turn; `GET` returns the full timeline.

    Args:
        api_version (ApiVersion):
        body (CreateAgentInteraction | CreateModelInteraction): Exactly one of `model` and `agent`
            must be present.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Interaction
    """

    return sync_detailed(
        api_version=api_version,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    api_version: ApiVersion,
    *,
    client: AuthenticatedClient | Client,
    body: CreateAgentInteraction | CreateModelInteraction,
) -> Response[ErrorResponse | Interaction]:
    """Create an interaction

     Runs one turn against a model (or an agent). With `"stream": true` in the body the answer is a
    `text/event-stream` of `InteractionSSEEvent`s, otherwise an `Interaction` as JSON. The JSON answer
    carries only the steps produced in this turn; `GET` returns the full timeline.

    Args:
        api_version (ApiVersion):
        body (CreateAgentInteraction | CreateModelInteraction): Exactly one of `model` and `agent`
            must be present.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Interaction]
    """

    kwargs = _get_kwargs(
        api_version=api_version,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    api_version: ApiVersion,
    *,
    client: AuthenticatedClient | Client,
    body: CreateAgentInteraction | CreateModelInteraction,
) -> ErrorResponse | Interaction | None:
    """Create an interaction

     Runs one turn against a model (or an agent). With `"stream": true` in the body the answer is a
    `text/event-stream` of `InteractionSSEEvent`s, otherwise an `Interaction` as JSON. The JSON answer
    carries only the steps produced in this turn; `GET` returns the full timeline.

    Args:
        api_version (ApiVersion):
        body (CreateAgentInteraction | CreateModelInteraction): Exactly one of `model` and `agent`
            must be present.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Interaction
    """

    return (
        await asyncio_detailed(
            api_version=api_version,
            client=client,
            body=body,
        )
    ).parsed
