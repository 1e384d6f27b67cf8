"""Errors that reach clients in the API's own shape: {"error": {"code", "message"}}."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import DataError

from parley import sanitize
from parley.events import Error

_log = logging.getLogger("parley.upstream")

# Status -> the string `code` the Interactions API uses in its error bodies.
CODES = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal",
    501: "not_implemented",
    502: "bad_gateway",
    503: "unavailable",
    504: "deadline_exceeded",
}


class ApiError(Exception):
    """An error the client sees as-is: HTTP status, string code and a readable message.

    `ApiError(status, ...)` is an instance of the status's subclass (`RateLimitError` for 429 …),
    named as the openai and anthropic SDKs name theirs, so callers can catch one kind of failure
    while `except ApiError` still catches them all."""

    def __new__(cls, status: int, *args: Any, **kwargs: Any) -> ApiError:
        if cls is ApiError:
            cls = error_class(status)
        return super().__new__(cls)

    def __init__(
        self, status: int, message: str, code: str | None = None, headers: Mapping[str, str] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Error]:
        return error_body(self.status, self.message, self.code)


class BadRequestError(ApiError):
    """400: the request cannot be served as sent (including `unsupported` features)."""


class AuthenticationError(ApiError):
    """401: no API key, or one the gateway does not know."""


class PermissionDeniedError(ApiError):
    """403."""


class NotFoundError(ApiError):
    """404: an unknown interaction, model or route."""


class ConflictError(ApiError):
    """409."""


class RequestTooLargeError(ApiError):
    """413."""


class UnprocessableEntityError(ApiError):
    """422."""


class RateLimitError(ApiError):
    """429: a rate limit (the gateway's or the upstream's); see `headers["Retry-After"]`."""


class InternalServerError(ApiError):
    """Any 5xx: the gateway or its upstream failed (502 upstream error, 504 upstream timeout …)."""


_CLASSES: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class(status: int) -> type[ApiError]:
    """The ApiError subclass for an HTTP status (ApiError itself for statuses without one)."""
    if status >= 500:
        return InternalServerError
    return _CLASSES.get(status, ApiError)


def error_body(status: int, message: str, code: str | None = None) -> dict[str, Error]:
    """The API's one error shape, {"error": {"code", "message"}}; every error answer is built here."""
    return {"error": {"code": code or CODES.get(status, "error"), "message": message}}


class UpstreamError(Exception):
    """A provider call failed. The router decides from `status` whether to retry or fall back.

    status is the upstream HTTP status, or 0 for a connection failure / 504-like timeout.
    `provider` is stamped by the router (the adapter key that failed) and labels the message.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        retry_after: float | None = None,
        timeout: bool = False,
        provider: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.timeout = timeout
        self.provider = provider

    @property
    def retryable(self) -> bool:
        return self.timeout or self.status in (0, 408, 409, 429) or self.status >= 500

    def to_api_error(self, provider: str | None = None) -> ApiError:
        """How an upstream failure looks to our client, labelled `provider 'NAME': …`: the upstream's
        4xx passes through (the request was bad), except auth failures, which are the gateway's
        misconfiguration (502), as are connection failures and other 5xx; a timeout is a 504; a 429
        or 503 keeps its Retry-After. The text is sanitised (parley.sanitize): the client and the
        store never see keys, internal URLs or hosts; the log gets it whole, minus secrets."""
        provider = provider or self.provider or "upstream"
        _log.warning("upstream error from %s: %s", provider, sanitize.redact_secrets(self.message))
        text = f"provider '{provider}': {sanitize.for_client(self.message)}"
        headers = {}
        if self.retry_after is not None and self.status in (429, 503):
            headers["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
        if self.timeout:
            return ApiError(504, text)
        if self.status == 503:
            return ApiError(503, text, headers=headers)
        if self.status in (401, 403) or self.status == 0 or self.status >= 500:
            return ApiError(502, text)
        return ApiError(self.status, text, headers=headers)


def store_failed(exc: BaseException) -> ApiError:
    """A database failure (SQLite's or PostgreSQL's, as SQLAlchemy raises it) as the client sees
    it: a 503 to retry, with none of the driver's text (file paths, SQL, host names). A value the
    database refuses (PostgreSQL's DataError: a NUL character in text, a number beyond a column)
    is the request's fault and would fail again: a 400."""
    logging.getLogger("parley.store").warning("store failed: %s", type(exc).__name__)
    if isinstance(exc, DataError):
        return ApiError(
            400,
            "The request holds a value the store cannot keep (a NUL character in text, or a number out of range).",
        )
    return ApiError(503, "The gateway's store failed; try again.")


class UnsupportedError(BadRequestError):
    """400 for what a provider cannot do. A codec raises it under its own name (`openai_chat`);
    `feature` lets its caller name the provider as the config does (`groq`)."""

    def __init__(self, provider: str, feature: str):
        super().__init__(400, f"Provider '{provider}' does not support {feature}.", code="unsupported")
        self.feature = feature


def unsupported(provider: str, feature: str) -> UnsupportedError:
    """What an upstream cannot do gets a clear 400, never a silent drop."""
    return UnsupportedError(provider, feature)
