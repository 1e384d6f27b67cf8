"""Parley: a gateway and SDK for the Gemini Interactions API.

The public SDK surface (see parley.sdk for the design):

    import parley

    interaction = parley.create_interaction(model="smollm2", input="Hi")   # or "gemini/gemini-2.5-flash"…
    parley.output_text(interaction), interaction.steps
    parley.interactions.create / get / delete / cancel          # sync
    parley.interactions.acreate / aget / adelete / acancel      # async twins
    parley.acreate_interaction(...)                             # = interactions.acreate
    parley.configure("config.yaml" | dict | Settings)           # default: $PARLEY_CONFIG or the embedded config
    parley.ApiError                                             # status, code, message
    parley.Client / parley.AsyncClient                          # HTTP client for a running server (parley.client)

Names are loaded on first access, so `import parley` (which every submodule, the server included,
goes through) imports nothing heavy: neither the engine nor llama.cpp nor the server stack.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import TYPE_CHECKING, Any

try:
    __version__ = metadata.version("parley")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

if TYPE_CHECKING:
    from parley.client import AsyncClient, Client
    from parley.errors import (
        ApiError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        InternalServerError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RequestTooLargeError,
        UnprocessableEntityError,
    )
    from parley.generated.models import Interaction, InteractionSSEEvent
    from parley.sdk import (
        AsyncStream,
        Stream,
        acreate_interaction,
        configure,
        create_interaction,
        interactions,
        output_text,
    )

_EXPORTS = {
    "acreate_interaction": "parley.sdk",
    "create_interaction": "parley.sdk",
    "interactions": "parley.sdk",
    "configure": "parley.sdk",
    "output_text": "parley.sdk",
    "Stream": "parley.sdk",
    "AsyncStream": "parley.sdk",
    "ApiError": "parley.errors",
    "AuthenticationError": "parley.errors",
    "BadRequestError": "parley.errors",
    "ConflictError": "parley.errors",
    "InternalServerError": "parley.errors",
    "NotFoundError": "parley.errors",
    "PermissionDeniedError": "parley.errors",
    "RateLimitError": "parley.errors",
    "RequestTooLargeError": "parley.errors",
    "UnprocessableEntityError": "parley.errors",
    "Interaction": "parley.generated.models",
    "InteractionSSEEvent": "parley.generated.models",
    "Client": "parley.client",
    "AsyncClient": "parley.client",
}

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "UnprocessableEntityError",
    "AsyncClient",
    "AsyncStream",
    "Client",
    "Interaction",
    "InteractionSSEEvent",
    "Stream",
    "acreate_interaction",
    "configure",
    "create_interaction",
    "interactions",
    "output_text",
]
assert sorted(__all__) == sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    try:  # submodules as attributes: `import parley; parley.client.Client`
        return importlib.import_module(f"parley.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"parley.{name}":
            raise
        raise AttributeError(f"module 'parley' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
