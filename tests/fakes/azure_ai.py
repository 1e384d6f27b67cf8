"""A fake Azure AI Foundry model-inference endpoint: ``POST /models/chat/completions?api-version=``
with the ``api-key`` header. Bodies, chunks and errors are the chat fake's in its Azure flavour
(tests/fakes/openai_chat.py): a missing api-version is a 400, a missing key a 401; the tests point
the official `openai` client at it."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.openai_chat import _answer
from tests.fakes.script import Upstream


def make_app(upstream: Upstream) -> Starlette:
    async def chat(request: Request) -> Response:
        return await _answer(request, upstream, azure=True)

    return Starlette(routes=[Route("/models/chat/completions", chat, methods=["POST"])])
