"""The HTTP client for a running Interactions server (Parley, or any implementation of the spec).

    from parley.client import Client, AsyncClient

    with Client("http://127.0.0.1:4000", api_key="sk-...") as client:
        interaction = client.interactions.create(model="gemini-3-flash-preview", input="Hi")
        for event in client.interactions.create(model="gemini-3-flash-preview", input="Hi", stream=True):
            ...

Layout (as Stainless SDKs keep generated types apart from hand-written `lib/`): the types are the
generated pydantic models (`parley.generated.models`); `client` builds the four requests,
`streaming` turns server-sent events into typed events, `tolerant` keeps types newer than this client
as raw dicts instead of failing.
"""

from __future__ import annotations

from parley.client.client import AsyncClient, Auth, Client
from parley.client.streaming import AsyncStream, Event, Stream

__all__ = ["AsyncClient", "AsyncStream", "Auth", "Client", "Event", "Stream"]
