"""Errors that reach clients in the API's own shape: {"error": {"code", "message"}}."""

from __future__ import annotations

import logging
import math

from parley import sanitize

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
    """An error the client sees as-is: HTTP status, string code and a readable message."""

    def __init__(self, status: int, message: str, code: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class UpstreamError(Exception):
    """A provider call failed. The router decides from `status` whether to retry or fall back.

    status is the upstream HTTP status, or 0 for a connection failure / 504-like timeout.
    """

    def __init__(self, status: int, message: str, *, retry_after: float | None = None, timeout: bool = False):
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.timeout = timeout

    @property
    def retryable(self) -> bool:
        return self.timeout or self.status in (0, 408, 409, 429) or self.status >= 500

    def to_api_error(self, provider: str) -> ApiError:
        """How an upstream failure looks to our client: the upstream's 4xx passes through (the
        request was bad), except auth failures, which are the gateway's misconfiguration; a 429 or
        503 keeps its Retry-After. The text is sanitised (parley.sanitize): the client and the
        store never see keys, internal URLs or hosts; the log gets it whole, minus secrets."""
        _log.warning("upstream error from %s: %s", provider, sanitize.redact_secrets(self.message))
        text = f"{provider} upstream: {sanitize.for_client(self.message)}"
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


def unsupported(provider: str, feature: str) -> ApiError:
    """What an upstream cannot do gets a clear 400, never a silent drop."""
    return ApiError(400, f"Provider '{provider}' does not support {feature}.", code="unsupported")
