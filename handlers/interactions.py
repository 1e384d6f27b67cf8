"""The Interactions operations. Each handler only adapts HTTP to the engine and back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Mapping
from typing import Any, cast

import orjson
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from parley import wire
from parley.engine import response_cost, response_log
from parley.events import EventStream
from parley.router import AfterAnswer
from parley.server import current_engine
from parley.spend import usd

RawHeaders = list[tuple[bytes, bytes]]  # ASGI's (name, value) pairs, names in lower case

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class SSEResponse(StreamingResponse):
    """A stream's frames, then `data: [DONE]` sent with the end of the body: one write for both
    (Starlette's own end is an empty write of its own after the last chunk).

    A client that goes away stops the stream (its frames' generator is closed), as Starlette's
    StreamingResponse does, but with one plain task listening for the disconnect instead of an
    anyio task group and its cancel scopes (~6% of a short stream's CPU: py-spy). The listener
    starts when the stream first has to wait: a short stream, all there when it is answered,
    ends without one (a task and a loop turn less)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        streaming = asyncio.current_task()
        assert streaming is not None
        left = False
        listener: asyncio.Future[None] | None = None

        async def listen() -> None:
            nonlocal left
            while (await receive())["type"] != "http.disconnect":
                pass
            left = True
            streaming.cancel()

        def waits() -> None:
            nonlocal listener
            if listener is None:
                listener = asyncio.ensure_future(listen())

        try:
            await self.stream_response(send, waits)
        except asyncio.CancelledError:
            if not left:
                raise
            streaming.uncancel()  # ours: the client left, which ends the response
        finally:
            if listener is not None:
                listener.cancel()

    async def stream_response(self, send: Send, waits: Callable[[], None] = lambda: None) -> None:
        """`waits()` is called before the stream first waits for its next frames (never while
        what it sends is all there).

        Frames are sent one step late: a batch goes out once the next step has been tried, so
        the last batch and `data: [DONE]` leave in one write (a short stream, all there at once,
        is then one send with its head: one TCP segment, not two). Nothing waits for that: a step
        that has to wait sends what it holds first."""
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        frames = aiter(self.body_iterator)
        held: bytes | None = None  # frames not sent yet
        while True:
            # The next frames' step is run by hand: only if it suspends (waits for events) does
            # the listener start, and the rest of the step is awaited as usual.
            step = cast(Coroutine[Any, Any, bytes], anext(frames))
            try:
                pending = step.send(None)
            except StopIteration as done:
                chunk = done.value
            except StopAsyncIteration:
                break
            else:
                if held is not None:
                    await send({"type": "http.response.body", "body": held, "more_body": True})
                    held = None
                waits()
                resumed = await _Resumed(step, pending)
                if resumed is None:  # the frames' end
                    break
                chunk = resumed
            if held is not None:
                await send({"type": "http.response.body", "body": held, "more_body": True})
            held = chunk
        end = wire.SSE_DONE if held is None else held + wire.SSE_DONE
        await send({"type": "http.response.body", "body": end, "more_body": False})


class _Resumed:
    """The rest of a coroutine that was started by hand and suspended at `pending` (what it
    yielded to the task): awaiting this passes the task's wake-ups (and cancellation) on to it.
    The frames' end (StopAsyncIteration, which a generator may not raise) is None."""

    __slots__ = ("step", "pending")

    def __init__(self, step: Coroutine[Any, Any, bytes], pending: Any):
        self.step, self.pending = step, pending

    def __await__(self) -> Generator[Any, Any, bytes | None]:
        step, value = self.step, self.pending
        while True:
            try:
                try:
                    sent = yield value
                except BaseException as exc:  # thrown into the task (a cancel): the coroutine's
                    value = step.throw(exc)
                else:
                    value = step.send(sent)
            except StopIteration as done:
                return cast(bytes, done.value)
            except StopAsyncIteration:
                return None


def respond(result: Mapping[str, Any] | EventStream) -> Response:
    # Both media types are declared on these operations, so the content type is always explicit.
    if isinstance(result, Mapping):
        return Response(orjson.dumps(result), media_type="application/json")
    return SSEResponse(sse_frames(result), media_type="text/event-stream", headers=SSE_HEADERS)


async def sse_frames(events: EventStream) -> AsyncIterator[bytes]:
    """The engine's events as SSE, `event:` and `data:` per event (SSEResponse ends them with
    `data: [DONE]`). One write per batch of events (what the engine had at once), not per event."""
    sse = wire.sse
    try:
        async for batch in events:
            yield sse(batch[0]) if len(batch) == 1 else b"".join([sse(event) for event in batch])
    finally:
        await events.aclose()  # a client that went away stops a foreground stream's upstream call


async def create_interaction(
    api_version: str,
    body: dict[str, Any],
    user: str | None = None,
    token_info: dict[str, Any] | None = None,
) -> Response:
    key = (token_info or {}).get("key")
    response = respond(await current_engine().create(body, owner=user or "", key=key))
    response.raw_headers += answer_headers(stream=isinstance(response, StreamingResponse))
    return response


async def create_direct(
    body: dict[str, Any], owner: str, key: Any, after: AfterAnswer
) -> tuple[bytes, RawHeaders] | Response:
    """The create for the direct route (parley.lane): a JSON answer as its body and raw headers,
    for two plain `send` calls (no Response object); a stream as its SSEResponse. The create's
    bookkeeping goes to `after`, for the route to do once the answer is sent."""
    result = await current_engine().create(body, owner=owner, key=key, after=after)
    if not isinstance(result, Mapping):
        response = respond(result)
        response.raw_headers += answer_headers(stream=True)
        return response
    payload = orjson.dumps(result)
    # What Starlette's Response(payload, media_type="application/json") sends, in its order.
    headers = [(b"content-length", str(len(payload)).encode()), (b"content-type", b"application/json")]
    return payload, headers + answer_headers(stream=False)


def answer_headers(stream: bool) -> RawHeaders:
    """The create's own headers: its cost (a JSON create's; a stream's is known only at its end, in
    spend logs and the log line) and who answered (a background run has not chosen its deployment
    yet when the create returns)."""
    headers: RawHeaders = []
    if not stream and (cost := response_cost.get()) is not None:
        headers.append((b"x-parley-response-cost", usd(cost).encode("latin-1")))
    if (log := response_log.get()) is not None:
        headers.append((b"x-parley-interaction-id", log.request_id.encode("latin-1")))
        if log.deployment is not None:
            headers.append((b"x-parley-model-id", log.deployment.name.encode("latin-1")))
            headers.append((b"x-parley-provider", log.deployment.label.encode("latin-1")))
        if log.dropped:  # drop_params left these out rather than refusing the request
            headers.append((b"x-parley-dropped-params", ", ".join(log.dropped).encode("latin-1")))
    return headers


async def get_interaction(
    api_version: str,
    id: str,
    stream: bool = False,
    last_event_id: str | None = None,
    include_input: bool = False,
    user: str | None = None,
) -> Response:
    return respond(
        await current_engine().get(id, owner=user or "", stream=stream, last_event_id=last_event_id)
    )


async def delete_interaction(api_version: str, id: str, user: str | None = None) -> Response:
    return respond(await current_engine().delete(id, owner=user or ""))


async def cancel_interaction(api_version: str, id: str, user: str | None = None) -> Response:
    return respond(await current_engine().cancel(id, owner=user or ""))
