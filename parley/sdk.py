"""The in-process Python SDK: the Interactions API as function calls, served by the same Engine and
Router as the HTTP gateway, with no HTTP hop.

    import parley

    interaction = parley.create_interaction(model="smollm2", input="Hi")  # the embedded local model
    print(parley.output_text(interaction))  # or interaction.steps

    # With GEMINI_API_KEY set: Gemini itself (a missing key is a 401 naming the variable).
    for event in parley.create_interaction(model="gemini/gemini-2.5-flash", input="Hi", stream=True):
        ...  # typed InteractionSSEEvent models

    interaction = await parley.acreate_interaction(model="smollm2", input="Hi")

API: `parley.interactions.create / get / delete / cancel` and their async twins `acreate / aget /
adelete / acancel` (an `a` prefix, as in `acreate_interaction`); `create_interaction` and
`acreate_interaction` are `interactions.create` and `interactions.acreate`. Keyword arguments are
the fields of the create body. Answers are the generated pydantic models (`Interaction`, and the
`InteractionSSEEvent` union for stream events); failures raise `parley.ApiError` (status, code,
message), exactly what the gateway would answer over HTTP.

Configuration: `parley.configure(config)` with a config.yaml path, a dict or a `Settings`; without
it (or with `config=None`) the file named by `PARLEY_CONFIG`, else the embedded default config:
`smollm2` / `local/*` answered by the local SmolLM2, and provider models (`gemini/…`, `openai/…`,
`gpt-…`, `claude-…`, `groq/…`) with their keys from the environment as LiteLLM reads them
(`GEMINI_API_KEY`, `OPENAI_API_KEY`, …; `<PROVIDER>_API_BASE` moves the URL). A name is never
answered by another model: a missing key is a 401 naming the variable, an unknown name a 404. The store is the config's
`general_settings.database_url` when the config sets one; otherwise an in-memory SQLite: it lives as
long as the process, so `previous_interaction_id`, `get` and background runs work across calls,
and nothing is written to disk behind the caller's back (a script must not leave a parley.db in
whatever directory it ran from, full of prompts). Set `database_url` to keep interactions.

Loop design: ONE Engine per process, living on ONE private event loop in a daemon thread owned by
the SDK. Everything the engine holds lives there across calls: the store, the per-loop pooled
httpx client, running background interactions and their live event buffers (`asyncio.Event`s and
tasks, which belong to the loop that made them). Sync functions submit to that loop and wait, so
they work from plain scripts and also where an event loop is already running (Jupyter, async
code); they only refuse to run on the SDK's own loop thread. Async functions are awaited on the
caller's loop, which never blocks: they hand the coroutine to the SDK loop and await its result
(`asyncio.wrap_future`); cancelling the caller's task cancels the work there. The alternative, an
Engine per caller loop, would split the runs table between loops (a background interaction started
under one `asyncio.run` could be neither followed nor cancelled promptly from another, and would
die with its loop) and, with an in-memory store, split the data too. The cost of one Engine is a
thread hop per call and per stream event: microseconds against a model call.

At interpreter exit the engine is closed (running interactions end failed/interrupted, output kept);
a forked child starts its own loop and engine on first use.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import os
import threading
import warnings
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any, Literal, Required, TypedDict, TypeVar, cast, overload

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError
from typing_extensions import Unpack

from parley import events, wire
from parley.config import DEFAULT_CONFIG, Settings, load, parse
from parley.engine import Engine
from parley.errors import ApiError
from parley.events import EventStream
from parley.generated.models import CreateModelInteraction, Interaction, InteractionSSEEvent
from parley.validation import unknown_fields

__all__ = [
    "AsyncStream",
    "CreateParams",
    "Interactions",
    "Stream",
    "acreate_interaction",
    "configure",
    "create_interaction",
    "interactions",
    "output_text",
]

MEMORY_DATABASE = "sqlite:///:memory:"
CONFIG_ENV = "PARLEY_CONFIG"
EVENTS: TypeAdapter[InteractionSSEEvent] = TypeAdapter(InteractionSSEEvent)
SHUTDOWN_SECONDS = 5.0

T = TypeVar("T")


# -- configuration ------------------------------------------------------------------------------
def _resolve(config: str | os.PathLike[str] | Mapping[str, Any] | Settings | None) -> Settings:
    if config is None:
        config = os.environ.get(CONFIG_ENV) or None
    if config is None:
        settings, keep_database = load(DEFAULT_CONFIG), False  # its parley.db is meant for the server
    else:
        if isinstance(config, Settings):
            settings = config
        elif isinstance(config, Mapping):
            settings = parse(dict(config), "config")
        elif isinstance(config, str | os.PathLike):
            settings = load(Path(config))
        else:
            raise TypeError(f"config must be a path, a dict or a Settings, not {type(config).__name__}")
        keep_database = "database_url" in settings.general_settings.model_fields_set
    for warning in settings.warnings:  # LiteLLM keys Parley does not implement, deployments without a key
        warnings.warn(f"parley config: {warning}", stacklevel=3)
    if keep_database:
        return settings
    general = settings.general_settings.model_copy(update={"database_url": MEMORY_DATABASE})
    return settings.model_copy(update={"general_settings": general})


# -- the private loop and its engine ------------------------------------------------------------
_END = object()


class _Runtime:
    """The SDK's event loop thread and the one Engine living on it. Engine state is touched only
    on that loop; the threading lock only guards starting the thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._settings: Settings | None = None
        self._engine: asyncio.Future[Engine] | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=_serve, args=(loop,), name="parley-sdk", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run on the SDK loop and wait (the sync API)."""
        loop = self.loop()
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("parley's sync API cannot be called from the SDK's own event loop thread")
        future = asyncio.run_coroutine_threadsafe(coro, loop)
        try:
            return future.result()
        except BaseException:  # e.g. KeyboardInterrupt while waiting: stop the work as well
            future.cancel()
            raise

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run on the SDK loop, awaited from the caller's loop (the async API)."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop()))

    # The coroutines below run on the SDK loop.
    async def engine(self) -> Engine:
        if self._engine is None:
            if self._settings is None:
                self._settings = _resolve(None)
            self._engine = asyncio.ensure_future(Engine.open(self._settings))
        opening = self._engine
        try:
            return await asyncio.shield(opening)
        except Exception:
            if opening.done() and self._engine is opening:  # e.g. an unreachable database: retry next call
                self._engine = None
            raise

    async def reconfigure(self, settings: Settings | None) -> None:
        # New settings first: a call arriving while the old engine closes opens the new one.
        self._settings = settings
        await self.close_engine()

    async def close_engine(self) -> None:
        opening, self._engine = self._engine, None
        if opening is not None:
            with contextlib.suppress(Exception):
                await (await opening).close()

    async def shutdown(self) -> None:
        await self.close_engine()
        from parley import transport  # the loop's upstream connection pool, if an adapter made one

        await transport.close()

    def at_exit(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.shutdown(), loop).result(SHUTDOWN_SECONDS)
        with contextlib.suppress(Exception):
            loop.call_soon_threadsafe(loop.stop)

    def forget(self) -> None:
        """In a forked child: the parent's loop thread does not exist here; start afresh on use."""
        self._lock = threading.Lock()
        self._loop = self._thread = self._engine = None


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    loop.run_forever()


_runtime = _Runtime()
# Before the stdlib's executor shutdown hooks (those registered later run first), so the store's
# worker threads still accept the final writes; atexit would run after them.
getattr(threading, "_register_atexit", atexit.register)(_runtime.at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_runtime.forget)


def configure(config: str | os.PathLike[str] | Mapping[str, Any] | Settings | None = None) -> Settings:
    """Set the SDK's configuration: a config.yaml path, a config dict (the same shape) or a
    `Settings`; `None` means `$PARLEY_CONFIG`, else the embedded default. Bad config raises
    `parley.config.ConfigError` here. The store is opened on first use. Reconfiguring closes the
    current engine, cancelling its running interactions. Returns the settings in effect."""
    settings = _resolve(config)
    _runtime.run(_runtime.reconfigure(settings))
    return settings


async def _with_engine(op: str, *args: Any, **kwargs: Any) -> Any:
    engine = await _runtime.engine()
    return await getattr(engine, op)(*args, **kwargs)


async def _next_event(events: EventStream) -> Any:
    try:
        return await anext(events)
    except StopAsyncIteration:
        return _END


# -- requests -----------------------------------------------------------------------------------
class CreateParams(TypedDict, total=False):
    """The create body's fields, as keyword arguments (`stream` is a parameter of its own). A field
    left out, or passed as None, is not sent. Values are JSON-like (dicts, lists, str, numbers) or
    the generated pydantic models (e.g. `parley.generated.models.Function` for a function tool)."""

    model: Required[str]
    input: Any  # str | Content | list[Content] | list[Step]
    system_instruction: str
    tools: list[Any]
    generation_config: Mapping[str, Any] | BaseModel
    response_format: Any  # ResponseFormat | list[ResponseFormat]
    response_mime_type: str
    response_modalities: list[str]
    store: bool
    background: bool
    previous_interaction_id: str
    continuation_token: str
    environment: Any
    safety_settings: list[Any]
    service_tier: str
    labels: Mapping[str, str]
    webhook_config: Mapping[str, Any] | BaseModel
    cached_content: str


CREATE_FIELDS = frozenset(CreateParams.__annotations__)


def _json_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _body(params: Mapping[str, Any], stream: bool, extra_body: Mapping[str, Any] | None) -> dict[str, Any]:
    """The create body exactly as the gateway would receive it as JSON, checked against the spec
    (the HTTP server validates every request body; in process this is the same check)."""
    unknown = sorted(set(params) - CREATE_FIELDS)
    if unknown:
        raise TypeError(
            f"unexpected keyword argument(s) {', '.join(unknown)}; send other fields with extra_body={{...}}"
        )
    body = {k: v for k, v in params.items() if v is not None}
    if stream:
        body["stream"] = True
    body.update(extra_body or {})
    body = cast(dict[str, Any], orjson.loads(orjson.dumps(body, default=_json_default)))
    if "model" in body and "agent" not in body:  # otherwise the engine says what is missing
        try:
            CreateModelInteraction.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            extra = [e for e in exc.errors() if e["type"] == "extra_forbidden"]
            if extra:  # worded as the HTTP server words it, at the field's path in the body
                path = _body_path(body, extra[0]["loc"])
                names = list(
                    dict.fromkeys(str(e["loc"][-1]) for e in extra if _body_path(body, e["loc"]) == path)
                )
                raise ApiError(400, unknown_fields(names, path)) from None
            where = "/".join(str(p) for p in first["loc"])
            raise ApiError(400, f"{first['msg']} (at /{where})" if where else first["msg"]) from None
    return body


def _body_path(body: Any, loc: tuple[str | int, ...]) -> list[str | int]:
    """Where in `body` the unknown field `loc[-1]` of a pydantic error sits. Pydantic's `loc` also
    names the union branches it tried (`list[tagged-union[…]]`, a tag such as `function`), which
    are not keys of the body: keep the parts that walk the body to an object holding the field."""
    name = loc[-1]

    def walk(node: Any, parts: tuple[str | int, ...]) -> list[str | int] | None:
        if not parts:
            return [] if isinstance(node, dict) and name in node else None
        part, rest = parts[0], parts[1:]
        inside = (isinstance(node, dict) and isinstance(part, str) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        )
        if inside:
            found = walk(node[part], rest)
            if found is not None:
                return [part, *found]
        return walk(node, rest)  # a branch label, not a key

    return walk(body, loc[:-1]) or []


# -- streams ------------------------------------------------------------------------------------
class Stream:
    """The typed events of a streamed interaction (sync): iterate it. `close()` (or leaving a
    `with` block) stops early; for a foreground stream that also stops the upstream call."""

    def __init__(self, events: EventStream):
        self._events: EventStream | None = events
        self._batch: collections.deque[Any] = collections.deque()  # the engine yields batches

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> InteractionSSEEvent:
        while not self._batch and self._events is not None:
            try:
                batch = _runtime.run(_next_event(self._events))
            except BaseException:
                self.close()
                raise
            if batch is _END:
                self._events = None
                break
            self._batch.extend(batch)
        if self._batch:
            return EVENTS.validate_python(self._batch.popleft())
        raise StopIteration

    def close(self) -> None:
        events, self._events = self._events, None
        self._batch.clear()
        if events is not None:
            _runtime.run(events.aclose())

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Dropped without close(): asyncio's async-generator finalizer closes the events on the SDK loop.


class AsyncStream:
    """The async twin of `Stream`: `async for event in stream`, `await stream.aclose()`."""

    def __init__(self, events: EventStream):
        self._events: EventStream | None = events
        self._batch: collections.deque[Any] = collections.deque()  # the engine yields batches

    def __aiter__(self) -> AsyncStream:
        return self

    async def __anext__(self) -> InteractionSSEEvent:
        while not self._batch and self._events is not None:
            try:
                batch = await _runtime.arun(_next_event(self._events))
            except BaseException:
                await self.aclose()
                raise
            if batch is _END:
                self._events = None
                break
            self._batch.extend(batch)
        if self._batch:
            return EVENTS.validate_python(self._batch.popleft())
        raise StopAsyncIteration

    async def aclose(self) -> None:
        events, self._events = self._events, None
        self._batch.clear()
        if events is not None:
            await _runtime.arun(events.aclose())

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _answer(result: events.Interaction | EventStream) -> Interaction | EventStream:
    return Interaction.model_validate(result) if isinstance(result, dict) else result


# -- the API ------------------------------------------------------------------------------------
class Interactions:
    """`parley.interactions`: create / get / delete / cancel, and the async twins acreate / aget /
    adelete / acancel. Errors raise `parley.ApiError` with the status the gateway would answer."""

    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> Stream: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> Interaction: ...
    def create(
        self, *, stream: bool = False, extra_body: Mapping[str, Any] | None = None, **params: Any
    ) -> Interaction | Stream:
        """Create an interaction. `stream=True` returns a `Stream` of typed events (errors before
        the first event raise here); `background=True` returns at once with status in_progress.
        `extra_body` adds fields this signature does not know."""
        body = _body(params, stream, extra_body)
        result = _answer(_runtime.run(_with_engine("create", body)))
        return result if isinstance(result, Interaction) else Stream(result)

    @overload
    def get(self, id: str, *, stream: Literal[False] = False) -> Interaction: ...
    @overload
    def get(self, id: str, *, stream: Literal[True], last_event_id: str | None = None) -> Stream: ...
    def get(self, id: str, *, stream: bool = False, last_event_id: str | None = None) -> Interaction | Stream:
        """The stored interaction with its whole timeline; `stream=True` replays its events (after
        `last_event_id`) and follows a running one."""
        result = _answer(_runtime.run(_with_engine("get", id, stream=stream, last_event_id=last_event_id)))
        return result if isinstance(result, Interaction) else Stream(result)

    def delete(self, id: str) -> None:
        _runtime.run(_with_engine("delete", id))

    def cancel(self, id: str) -> Interaction:
        """Cancel a running (background) interaction; ApiError 400 if it has already finished."""
        return Interaction.model_validate(_runtime.run(_with_engine("cancel", id)))

    @overload
    async def acreate(
        self,
        *,
        stream: Literal[True],
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> AsyncStream: ...
    @overload
    async def acreate(
        self,
        *,
        stream: Literal[False] = False,
        extra_body: Mapping[str, Any] | None = None,
        **params: Unpack[CreateParams],
    ) -> Interaction: ...
    async def acreate(
        self, *, stream: bool = False, extra_body: Mapping[str, Any] | None = None, **params: Any
    ) -> Interaction | AsyncStream:
        """Async `create`; with `stream=True`, await it for an `AsyncStream`."""
        body = _body(params, stream, extra_body)
        result = _answer(await _runtime.arun(_with_engine("create", body)))
        return result if isinstance(result, Interaction) else AsyncStream(result)

    @overload
    async def aget(self, id: str, *, stream: Literal[False] = False) -> Interaction: ...
    @overload
    async def aget(
        self, id: str, *, stream: Literal[True], last_event_id: str | None = None
    ) -> AsyncStream: ...
    async def aget(
        self, id: str, *, stream: bool = False, last_event_id: str | None = None
    ) -> Interaction | AsyncStream:
        result = _answer(
            await _runtime.arun(_with_engine("get", id, stream=stream, last_event_id=last_event_id))
        )
        return result if isinstance(result, Interaction) else AsyncStream(result)

    async def adelete(self, id: str) -> None:
        await _runtime.arun(_with_engine("delete", id))

    async def acancel(self, id: str) -> Interaction:
        return Interaction.model_validate(await _runtime.arun(_with_engine("cancel", id)))


interactions = Interactions()
create_interaction = interactions.create
acreate_interaction = interactions.acreate


# `interaction.outputs[-1].text` keeps working; the warning says what replaces it. (pydantic warns
# on deprecated fields through a descriptor whose message is the only thing changed here.)
_outputs = Interaction.__dict__.get("outputs")
if _outputs is not None and hasattr(_outputs, "msg"):
    _outputs.msg = (
        "Interaction.outputs is the pre-2026-05 shape: use parley.output_text(interaction) for the "
        "text, or interaction.steps for everything the turn produced"
    )


def output_text(interaction: Interaction) -> str:
    """The text of the interaction's trailing model output (thoughts skipped), "" if none: what the
    google-genai SDK calls `interaction.output_text`."""
    steps = [step.model_dump(mode="json", exclude_none=True) for step in interaction.steps or []]
    return wire.output_text(steps)
