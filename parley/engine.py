"""The gateway's core, shared by the HTTP handlers and the in-process SDK: create (JSON, SSE,
background), get (incl. SSE replay/resume), delete and cancel, over the router and the store.
It answers Interaction dicts and async iterators of events (parley.events); SSE framing is the
HTTP edge's business (handlers/interactions.py).

A streamed or background create is a `Run`: a task that relays the upstream's events into the run
(`_relay`; while any relays, `_watch_others` polls the store for a cancel or a delete made on
another instance), then saves the outcome (`_save`). Its `Phase` says which; its `Ending`, how it ended.
Listeners `follow` its events; its `EventWriter` stores them as they come.

Conversation state is Parley's own: `previous_interaction_id` is rebuilt from the store for every
provider, so follow-ups work even where the upstream keeps no state.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import enum
import functools
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from parley import drain, sanitize, transport, wire
from parley.config import Settings
from parley.errors import ApiError, UpstreamError
from parley.events import (
    ERROR,
    INTERACTION_COMPLETED,
    INTERACTION_CREATED,
    INTERACTION_STATUS_UPDATE,
    STEP_START,
    STEP_STOP,
    Error,
    EventStream,
    Interaction,
    InteractionSSEEvent,
    InteractionSSEEventInteraction,
    InteractionStatus,
    Step,
    Usage,
)
from parley.keys import Keys
from parley.leases import ENDING_WAIT, FOLLOW_MAX_POLL, INTERRUPTED, EventWriter, Leases, follow_stored
from parley.limits import key_hash
from parley.observability import deployment_label
from parley.providers import Deployment, Outcome, Turn
from parley.providers.base import StreamEnd
from parley.request import collect_dropped, drop_additional, with_max_tokens
from parley.router import AfterAnswer, Router
from parley.shared_state import SharedState
from parley.spend import Pricing, Tokens
from parley.store import KeyRecord, Record, SpendRecord, Store, StoredEvent, pass_on

_log = logging.getLogger(__name__)
RUNNING = ("queued", "in_progress")
# Request fields echoed on the Interaction resource (generation_config is write-only in the spec).
ECHOED = (
    "previous_interaction_id",
    "system_instruction",
    "tools",
    "response_format",
    "response_modalities",
    "service_tier",
    "labels",
)
# Back-pressure: how many events a foreground stream's producer may be ahead of its client
# before it stops reading the upstream (the run's total deadline still ends it). Checked before
# each upstream read, so one read's events may come on top: events are handled per read.
STREAM_AHEAD = 16
# A streamed answer is stored once, as its events, and reads rebuild its steps from them (a few
# microseconds per event). One up to this size (its strings' characters) is also kept whole in its
# row: the copy is small, and reading it (a GET, a follow-up's history) needs no rebuild.
OUTPUT_IN_ROW_MAX = 64 * 1024
# A run ending so ended before its upstream reported usage (a cancel, its client leaving, an error
# midway): its spend is estimated from its text (wire.estimated_usage), not taken as zero.
CUT_SHORT = ("cancelled", "failed")
CANCEL_POLL_SECONDS = 0.5  # how late a run notices a cancel or a delete made on another instance
MakeTurn = Callable[[Deployment], Turn]
# The cost of the JSON create just answered in this task: the handler puts it in a response header.
response_cost: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "parley_response_cost", default=None
)
# The request log of the create just answered in this task (for a stream: once its deployment
# has answered): the handler names the interaction, deployment and provider in response headers.
response_log: contextvars.ContextVar[RequestLog | None] = contextvars.ContextVar(
    "parley_response_log", default=None
)


def owner_of(key: str | None) -> str:
    """Interactions belong to the key that created them; only its hash is ever stored."""
    return key_hash(key) if key else ""


class Phase(enum.Enum):
    """Where a run is. Only a RELAYING run may be stopped (its foreground client leaving, a cancel):
    once its outcome is known, saving it must complete."""

    RELAYING = "relaying"  # upstream events flow into the run
    SAVING = "saving"  # the outcome is known; the final write is under way
    DONE = "done"  # saved (or nothing to save); every listener has every event


@dataclass
class Ending:
    """How a run's relay ended: the interaction's final status and what the save writes with it."""

    status: InteractionStatus
    usage: Usage = field(default_factory=Usage)
    upstream_id: str | None = None
    error: Error | None = None  # a failed run's error: stored in `errors`, sent as the `error` event
    failure: ApiError | None = None  # raised instead when a foreground stream has shown nothing yet


@dataclass
class Pace:
    """A foreground stream's back-pressure: while its client is more than STREAM_AHEAD events
    behind, the producer does not read the upstream. Apart from the Run on purpose: the producer's
    task context holds it (transport.read_pace), and holding the run there would make a cycle."""

    events: list[InteractionSSEEvent]  # the run's
    on: bool = False  # the stream's own client paces it (follow(pace=True))
    taken: int = 0  # events that client has taken
    room: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, deadline: float) -> None:
        """Wait while the client is STREAM_AHEAD events behind: the upstream is not read meanwhile,
        so an unread stream holds that much (and one read) and no more. TimeoutError at
        `deadline` (loop time)."""
        while self.behind():
            self.room.clear()
            async with asyncio.timeout_at(deadline):
                await self.room.wait()

    def behind(self) -> bool:
        """Whether the paced client is more than STREAM_AHEAD events behind."""
        return self.on and len(self.events) - self.taken > STREAM_AHEAD

    def took(self, upto: int) -> None:
        self.taken = upto
        if len(self.events) - upto <= STREAM_AHEAD // 2:
            self.room.set()


@dataclass
class Run:
    """A generation in progress in this process: its events so far, for every listener."""

    record: Record
    stored: bool  # False for store=false: nothing is written and no one else can find it
    detached: bool  # background: runs on when its client goes away
    # A foreground stream's row is written at its first event (`row_soon`, the next loop tick), or
    # with its end when that comes first: a short stream is one write. `inserted` resolves when
    # the row is written; its client is shown nothing before.
    inserted: asyncio.Future[None] | None = None
    row_soon: asyncio.Handle | None = None
    row_started: bool = False
    row_done: asyncio.Event = field(default_factory=asyncio.Event)  # set once `inserted` is settled
    writer: EventWriter | None = None  # stored runs: events reach the store as they happen
    after: AfterAnswer | None = None  # a foreground stream's: its bookkeeping, once it is answered
    phase: Phase = Phase.RELAYING
    ending: Ending | None = None  # set when the relay ends
    steps: wire.StepAccumulator = field(default_factory=wire.StepAccumulator)
    events: list[InteractionSSEEvent] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    pace: Pace = field(init=False)

    def __post_init__(self) -> None:
        self.pace = Pace(self.events)

    async def row_written(self) -> None:
        """Wait for the row's write (`inserted`, a foreground stream's); its failure raised.
        Through `row_done`, not a shield on `inserted`: one wake-up instead of three callbacks."""
        assert self.inserted is not None
        if not self.inserted.done():
            await self.row_done.wait()
        self.inserted.result()

    async def written(self) -> bool:
        """Whether the row was written (row_written, its failure as False)."""
        try:
            await self.row_written()
        except Exception:
            return False
        return True

    @property
    def head(self) -> InteractionSSEEventInteraction:
        """The interaction as interaction.created / interaction.completed carry it."""
        record = self.record
        return {
            "id": record.id,
            "object": "interaction",
            "model": record.model or "",
            "status": "in_progress",
            "created": record.created,
        }

    def push(self, event: InteractionSSEEvent) -> None:
        self.extend([event])

    def extend(self, batch: list[InteractionSSEEvent]) -> None:
        """Add events, numbered; listeners and the store's writer hear once per batch."""
        events = self.events
        for seq, event in enumerate(batch, len(events) + 1):
            event["event_id"] = f"evt_{seq}"  # _numbered's work, inline: once per event
        events.extend(batch)
        self.changed.set()
        if self.writer is not None:
            self.writer.added()

    def stop_steps(self) -> None:
        """Stop the steps left open by a stream cut short (a cancel, a shutdown): a stream ends
        with each step it started stopped."""
        for index in self.steps.unstopped():
            stop: InteractionSSEEvent = {"event_type": STEP_STOP, "index": index}
            self.steps.apply(stop)
            self.push(stop)

    def status_update(self, status: InteractionStatus) -> None:
        self.push(
            {"event_type": INTERACTION_STATUS_UPDATE, "interaction_id": self.record.id, "status": status}
        )

    async def follow(self, start: int = 0, pace: bool = False) -> EventStream:
        """The events from `start` on, as they come: each batch is all there is when the listener
        asks. `pace`: this is the foreground stream's client, whose reading paces the producer
        (back-pressure); a batch counts as taken when the client asks for the next one."""
        self.pace.on = self.pace.on or pace
        if pace and self.inserted is not None:
            await self.row_written()  # the row first: the events reveal its id
        i = start
        while True:
            end = len(self.events)
            if i < end:
                yield self.events[i:end]
                i = end
                if pace:
                    self.pace.took(i)
                continue
            if self.phase is Phase.DONE:
                # What the run's end queued in its last tick (its log line) is written before a
                # listener's stream ends. A stored run's end waited for its final write, at least
                # one loop turn after that; a run with nothing to save takes one turn here.
                if not self.stored:
                    await asyncio.sleep(0)
                return
            self.changed.clear()
            await self.changed.wait()


@dataclass
class RequestLog:
    """What one create did, for the structured log line and the metrics."""

    model: str = ""
    deployment: Deployment | None = None
    status: str = ""
    usage: Usage = field(default_factory=Usage)
    stream: bool = False
    started: float = field(default_factory=time.monotonic)
    latency: float = 0.0
    request_id: str = ""
    interaction_id: str | None = None  # None when the interaction is not stored
    owner: str = ""
    key: KeyRecord | None = None  # the virtual key that made the request, if one did
    cost: float | None = None  # USD; None when the deployment's price is unknown
    started_at: str = field(default_factory=wire.now)
    first_event: float | None = None  # streams: seconds until the upstream's first event
    output: list[Step] = field(default_factory=list)  # the turn's steps (traced only with log_prompts)
    dropped: list[str] = field(default_factory=list)  # what drop_params left out (parley.request)
    usage_estimated: bool = False  # `usage` counted by Parley: the upstream never reported it
    # An upstream call was stopped midway (a cancel, its client leaving, a shutdown): the upstream
    # had the prompt, so the turn is billed on an estimate even if nothing came back.
    prompt_sent: bool = False

    def interrupted(self, dep: Deployment) -> None:
        """The router's `interrupted`: the call to `dep` was stopped midway."""
        self.deployment, self.prompt_sent = dep, True


class Engine:
    def __init__(self, settings: Settings, store: Store, router: Router | None = None):
        self.settings = settings
        self.store = store
        self.router = router or Router(settings)
        self.runs: dict[str, Run] = {}
        self.on_finish: Callable[[RequestLog], None] | None = None
        self.keys = Keys(store, shared=self.router.shared)  # virtual keys' limits: the fleet's with Redis
        self.pricing = Pricing(settings.deployments())
        self._spend_writes: set[asyncio.Future[None]] = set()
        self._watcher: asyncio.Task[None] | None = None  # _watch_others, while runs are here
        # Upstream error text reaching clients, the store or the log never carries these keys.
        sanitize.remember([*settings.keys, *(d.api_key for d in settings.deployments())])
        self.leases = Leases(store, settings.general_settings.run_lease_seconds)
        self.leases.on_recovered = self._recovered
        self.leases.last_event = lambda record: _synthesised(record)[-1]
        self.closing = False  # runs stopped from here on were interrupted, not cancelled

    @classmethod
    async def open(
        cls, settings: Settings, shared: SharedState | None = None, *, start: bool = True
    ) -> Engine:
        """`shared`: the gateway's Redis-backed state, when it has one (else the router makes its own).
        `start`: False for a caller that hooks the engine first (its log lines and metrics): it
        calls `start()` after, so the runs recovered at start-up are logged and counted too."""
        store = await Store.open(settings.general_settings.database_url)
        engine = cls(settings, store, Router(settings, shared) if shared is not None else None)
        if start:
            await engine.start()
        return engine

    async def start(self) -> None:
        """Keep this process's leases, after failing the runs that dead processes left behind."""
        await self.leases.start()

    def interrupt(self) -> None:
        """The drain's grace is over: every run here ends `failed` / `interrupted`, while the
        clients of its streams are still connected to read how it ended (parley.drain)."""
        self.closing = True
        for run in self.runs.values():
            if run.phase is Phase.RELAYING and run.task is not None:
                run.task.cancel()

    async def close(self) -> None:
        """After SIGTERM, runs get what is left of the drain's grace period to finish; the rest
        end `failed` / `interrupted` with their output so far (parley.drain)."""
        tasks = [r.task for r in self.runs.values() if r.task and not r.task.done()]
        grace = drain.remaining(self.settings.general_settings.drain_grace_seconds)
        if tasks and drain.draining() and grace > 0:
            await asyncio.wait(tasks, timeout=grace)
        self.closing = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*self._spend_writes, return_exceptions=True)
        if self._watcher is not None:
            self._watcher.cancel()  # no run is left to watch, and the store is closing
        await self.leases.stop()
        await self.store.close()
        await self.keys.limiter.close()
        await self.router.close()
        await transport.close()

    # -- create -------------------------------------------------------------------------------
    async def create(
        self,
        body: dict[str, Any],
        owner: str = "",
        key: KeyRecord | None = None,
        after: AfterAnswer | None = None,
    ) -> Interaction | EventStream:
        """An Interaction dict, or an async iterator of its events (parley.events) when body.stream is true.
        `key`: the virtual key making the request; its models, budget and limits are checked here,
        before anything is stored or sent upstream.
        `after`: the create's bookkeeping (its key's spend, spend row, the request's metrics, log
        line; a JSON create's attempt report too) is added here instead of done before it answers,
        for a caller that does it right after sending the answer (parley.lane.DirectCreate): the
        answer leaves that much sooner. A foreground stream's is added at its run's end, before its
        last event: a short stream's client waited for it before its first."""
        if body.get("agent"):
            raise ApiError(
                400, "Agents are not served by this gateway; send `model` instead.", code="unsupported"
            )
        model = body.get("model")
        if not model:
            raise ApiError(400, "`model` is required.")
        if not model.isprintable():  # also keeps NUL out of the store (PostgreSQL TEXT rejects it)
            raise ApiError(400, "`model` must not contain control characters.")
        # Unknown model -> 404 (listing the names this key may use) before anything is stored.
        group = self.router.group_for(model, key.models if key else None)
        store, background, stream = (
            body.get("store", True),
            body.get("background", False),
            body.get("stream", False),
        )
        if background and not store:
            raise ApiError(
                400, "`background: true` needs `store: true`: a background interaction must be retrievable."
            )
        if body.get("continuation_token"):
            raise ApiError(
                400,
                "`continuation_token` is not supported: this gateway never asks for continuation.",
                code="unsupported",
            )

        prior: list[Step] = []
        previous_record = None
        if prev_id := body.get("previous_interaction_id"):
            previous_record = await self.store.get(prev_id, owner)
            if previous_record is None:
                raise ApiError(404, f"Previous interaction {prev_id} was not found.")
            if previous_record.status in RUNNING:
                raise ApiError(
                    400,
                    f"Previous interaction {prev_id} is still {previous_record.status}.",
                    code="failed_precondition",
                )
            prior = previous_record.steps
        new_steps = wire.input_to_steps(body.get("input"))
        if not new_steps and not prior:
            raise ApiError(400, "`input` is required.")
        history = prior + new_steps

        def make_turn(dep: Deployment) -> Turn:
            # The upstream's own chain continues only on the deployment that answered before.
            same = previous_record is not None and previous_record.deployment_id == dep.id
            return Turn(
                request=drop_additional(
                    with_max_tokens(body, dep.params.get("max_tokens")), dep.additional_drop
                ),
                history=history,
                previous_upstream_id=previous_record.upstream_id if same and previous_record else None,
            )

        stamp = wire.now()
        record = Record(
            id=wire.new_id(),
            owner=owner,
            status="in_progress",
            model=model,
            created=stamp,
            updated=stamp,
            request=body,
            steps=history,
            usage={},
            previous_interaction_id=body.get("previous_interaction_id"),
        )
        release = await self._admit(key, model, group)
        log = RequestLog(
            model=model,
            stream=stream,  # as the client asked: a background JSON create is not a stream
            request_id=record.id,
            interaction_id=record.id if store else None,
            owner=owner,
            key=key,
            dropped=collect_dropped(),
        )
        response_log.set(log)
        # A JSON create's id is unknown to anyone until it answers: its row is written once, at the
        # end. Background runs and streams are visible while they run, so they are stored first.
        if not (background or stream):
            try:
                return await self._create_now(record, make_turn, store, log, after)
            finally:
                release()
        try:
            if background:
                await self._background_slot(owner)
                await self.store.insert(record, self.leases.lease())
                run = self._start(Run(record, stored=True, detached=True), make_turn, log)
            else:
                inserted = asyncio.get_running_loop().create_future() if store else None
                run = Run(record, store, detached=False, inserted=inserted, after=after)
                run = self._start(run, make_turn, log)
        except BaseException:
            release()
            raise
        assert run.task is not None
        if release is not _nothing:  # a loop callback per stream otherwise, for nothing
            run.task.add_done_callback(lambda _: release())
        if background:
            return run.follow() if stream else self.view(record, [], status="in_progress")
        return await self._stream_now(run)

    async def _background_slot(self, owner: str) -> None:
        """429 when this key already has max_background_per_key interactions running (on any
        instance): one key's flood of background runs cannot take every worker's capacity. A
        cap, not a reservation: creates racing each other may pass it by the few in flight."""
        cap = self.settings.general_settings.max_background_per_key
        running = await self.store.count_running(owner)
        if running >= cap:
            raise ApiError(
                429,
                f"This key has {running} interactions running, its limit (max_background_per_key "
                f"{cap}); retry when some have finished.",
                code="rate_limited",
                headers={"Retry-After": "1"},
            )

    async def _admit(self, key: KeyRecord | None, model: str, group: str) -> Callable[[], None]:
        if key is None:
            return _nothing

        def priced(group: str) -> bool:
            return all(self.pricing.known(dep) for dep in self.router.deployments_for(group))

        return await self.keys.admit(key, model, group, priced)

    async def _create_now(
        self,
        record: Record,
        make_turn: MakeTurn,
        store: bool,
        log: RequestLog,
        after: AfterAnswer | None,
    ) -> Interaction:
        try:
            outcome, dep = await self.router.create(log.model, make_turn, after, log.interrupted)
        except asyncio.CancelledError:  # its client left (parley.lane.ClientLeft)
            log.status, log.interaction_id = "cancelled", None
            if log.prompt_sent:  # its upstream had the prompt; what it answered is unknown
                log.usage, log.usage_estimated = _estimated(record, []), True
            self._finished(log, after)
            raise
        except (ApiError, UpstreamError) as exc:
            err = exc if isinstance(exc, ApiError) else exc.to_api_error()
            log.status, log.interaction_id = "failed", None
            self._finished(log, after)
            raise err from None  # nothing stored: the client never learns this interaction's id
        status = wire.settled_status(outcome.status, outcome.steps)
        log.deployment, log.status, log.usage, log.output = dep, status, outcome.usage, outcome.steps
        self._finished(log, after)
        record.status, record.updated, record.usage = status, wire.now(), outcome.usage
        if store:  # the record is this create's own, and the view below reads none of these
            record.steps = record.steps + outcome.steps
            record.upstream_id, record.deployment_id = outcome.upstream_id, dep.id
            await self.store.insert(record)
        return self.view(record, outcome.steps)

    async def _stream_now(self, run: Run) -> EventStream:
        # The row is written while the upstream is called; the stream reveals the id only after.
        # interaction.created is pushed only once the upstream has answered, so a failure before
        # any output gets a real HTTP status instead of a 200 stream holding one error event.
        events = run.follow(pace=True)
        try:
            first = await anext(events)
        except BaseException:  # its row could not be written: no one will see this run
            await events.aclose()
            if run.phase is Phase.RELAYING and run.task is not None:
                run.task.cancel()
            raise
        if first[0]["event_type"] == ERROR:
            await events.aclose()
            assert run.task is not None
            await run.task
            assert run.ending is not None and run.ending.failure is not None
            raise run.ending.failure
        return self._foreground(run, first, events)

    def _start(self, run: Run, make_turn: MakeTurn, log: RequestLog) -> Run:
        if run.stored:
            self.runs[run.record.id] = run
            run.writer = EventWriter(self.store, run.record.id, run.events, run.inserted)
            if self._watcher is None:
                self._watcher = asyncio.create_task(self._watch_others())
        run.task = asyncio.create_task(self._produce(run, make_turn, log))
        return run

    async def _produce(self, run: Run, make_turn: MakeTurn, log: RequestLog) -> None:
        """Drive one generation: relay the upstream's events into the run, then save the outcome."""
        try:
            ending = await self._relay(run, make_turn, log)
            run.ending, run.phase = ending, Phase.SAVING
            updated = wire.now()
            if ending.status != "failed":
                final: InteractionSSEEventInteraction = {
                    **run.head,
                    "status": ending.status,
                    "updated": updated,
                    "usage": ending.usage,
                }
                run.push({"event_type": INTERACTION_COMPLETED, "interaction": final})
            log.status, log.usage, log.output = ending.status, ending.usage, run.steps.steps
            if ending.status in CUT_SHORT and not ending.usage and (run.steps.steps or log.prompt_sent):
                log.usage, log.usage_estimated = _estimated(run.record, run.steps.steps), True
            self._finished(log, run.after)
            await self._save(run, ending, updated, log.deployment)
        finally:
            run.phase = Phase.DONE
            run.changed.set()
            self.runs.pop(run.record.id, None)
            if run.inserted is not None and not run.inserted.done():  # never leave its client waiting
                run.inserted.set_exception(ApiError(500, "Internal error: the interaction was not stored."))
                run.row_done.set()

    async def _relay(self, run: Run, make_turn: MakeTurn, log: RequestLog) -> Ending:
        """Upstream events into the run until the upstream's end, a failure or a stop. Every way
        out is an Ending, and the events say it: created … then a status_update and/or an error
        when it did not end normally (the completed event is pushed by the caller)."""

        async def chosen(dep: Deployment) -> None:
            log.deployment = dep
            if run.writer is None or run.record.deployment_id == dep.id:
                return
            # Stored as soon as it answers: a run whose process dies is billed at its price.
            run.record.deployment_id = dep.id  # a row not written yet is written with it
            if run.detached or run.row_started:
                try:
                    if not run.detached and not await run.written():
                        return
                    await self.store.note_deployment(run.record.id, dep.id)
                except Exception as exc:  # bookkeeping: the run goes on, and its save names it
                    _log.warning("could not note the deployment: %s", type(exc).__name__)

        state = run.pace

        async def pace() -> None:  # before each upstream read (transport.read_pace); holds no run
            if state.behind():
                limit = (log.deployment and log.deployment.timeout) or transport.DEFAULT_TIMEOUT
                try:
                    await state.wait(started + limit)
                except TimeoutError:
                    raise ApiError(
                        504,
                        f"timed out: the client did not take the stream within the {limit:g} s "
                        "deadline (timeout)",
                        code="deadline_exceeded",
                    ) from None

        started = asyncio.get_running_loop().time()
        # In this task's context, where the adapter reads the upstream (tasks started from here,
        # like the event writer's, copy it: hence `pace` holds no run, which would make a cycle).
        pacing = transport.read_pace.set(pace)
        try:
            # Closed here, not left to the collector: its finalizer costs a loop wake-up per stream.
            stream = self.router.stream(log.model, make_turn, chosen, log.interrupted)
            async with contextlib.aclosing(stream) as upstream:
                async for batch in upstream:
                    if not run.events:
                        log.first_event = time.monotonic() - log.started
                        if run.inserted is not None and not run.row_started:
                            run.row_soon = asyncio.get_running_loop().call_soon(self._write_row, run)
                        run.push({"event_type": INTERACTION_CREATED, "interaction": run.head})
                    relayed: list[InteractionSSEEvent] = []
                    try:
                        for event in batch:
                            if isinstance(event, StreamEnd):
                                status = wire.settled_status(event.status, run.steps.steps)
                                return Ending(status, event.usage, event.upstream_id)
                            if event["event_type"] == INTERACTION_STATUS_UPDATE:
                                event = event.copy()  # the adapter's own: it cannot know our id
                                event["interaction_id"] = run.record.id
                            else:
                                run.steps.apply(event)
                            relayed.append(event)
                    finally:  # however the batch ends, what came before goes first
                        run.extend(relayed)
                raise UpstreamError(502, "stream ended before completion")  # the router prevents this
        except asyncio.CancelledError:
            if not run.events:
                run.push({"event_type": INTERACTION_CREATED, "interaction": run.head})
            run.stop_steps()
            if self.closing or drain.draining():  # shut down, not cancelled by anyone
                run.status_update("failed")
                run.push({"event_type": ERROR, "error": INTERRUPTED})
                return Ending("failed", error=INTERRUPTED)
            run.status_update("cancelled")  # then completed (cancelled), like any stream's end
            return Ending("cancelled")
        except (ApiError, UpstreamError) as exc:
            return self._failed(run, exc if isinstance(exc, ApiError) else exc.to_api_error())
        except Exception as exc:  # a bug must not leave the interaction in_progress forever
            return self._failed(run, ApiError(500, f"Internal error while generating: {type(exc).__name__}"))
        finally:
            transport.read_pace.reset(pacing)

    @staticmethod
    def _failed(run: Run, err: ApiError) -> Ending:
        error = err.body()["error"]
        if not run.events and run.detached:
            # A background run's stream, replayed later, begins like any (a foreground one that
            # fails before its first event is answered with the error's HTTP status instead).
            run.push({"event_type": INTERACTION_CREATED, "interaction": run.head})
        if run.events:  # a stream that has begun says how it ends before the error
            run.stop_steps()
            run.status_update("failed")
        run.push({"event_type": ERROR, "error": error})
        return Ending("failed", error=error, failure=err)

    async def _watch_others(self) -> None:
        """Another instance can cancel or delete a run of this one only through the store: while
        runs relay here (even while their upstreams are silent), poll their statuses, all in one
        query, and stop those cancelled or gone as a local cancel does. Ends when none is left."""
        try:
            while self.runs:
                await asyncio.sleep(CANCEL_POLL_SECONDS)
                watched = [run for run in self.runs.values() if _relaying_in_store(run)]
                if not watched:
                    continue
                try:
                    statuses = await self.store.statuses([run.record.id for run in watched])
                except Exception as exc:  # the database may be briefly away: look again next time
                    _log.warning("cancel poll failed: %s", type(exc).__name__)
                    continue
                for run in watched:
                    if statuses.get(run.record.id, "deleted") in ("cancelled", "deleted"):
                        if run.phase is Phase.RELAYING and run.task is not None:
                            run.task.cancel()
        finally:
            self._watcher = None

    async def _save(self, run: Run, ending: Ending, updated: str, dep: Deployment | None) -> None:
        """The run's final write: status, usage and its events not yet written, in one
        transaction. A large output is stored once, as those events: the row keeps the history
        before it, and reads rebuild the rest (see OUTPUT_IN_ROW_MAX). A run cancelled meanwhile
        (here or on another instance) stays cancelled and keeps its partial output."""
        if run.writer is None:
            return  # store=false
        ident, generated = run.record.id, run.steps.steps
        in_events = wire.characters(generated) > OUTPUT_IN_ROW_MAX
        steps = run.record.steps if in_events else run.record.steps + generated
        errors = [ending.error] if ending.error else []
        if run.inserted is not None and not run.row_started:  # the row is not written yet
            if run.row_soon is not None:
                run.row_soon.cancel()
            if in_events:
                self._write_row(run)  # then finished below, its output in its events
            else:  # written once, finished, with its events
                # In place (dataclasses.replace cost ~1% of a short stream): the record is the run's
                # own, and nothing reads it after this but the id (its events are all pushed).
                final = run.record
                final.status, final.updated, final.steps = ending.status, updated, steps
                final.usage, final.errors, final.upstream_id = ending.usage, errors, ending.upstream_id
                final.deployment_id = dep.id if dep else None
                self._write_row(run, final, await run.writer.close())
                await run.written()  # a failure went out as an `error` event
                return
        inserted = True
        if run.inserted is not None:  # the final write must follow the first
            # False: nothing to finish; the failure went out as an `error` event
            inserted = await run.written()
        unwritten = await run.writer.close()
        if not inserted:
            return
        if not await self.store.finish(
            ident,
            status=ending.status,
            steps=steps,
            usage=ending.usage,
            updated=updated,
            errors=errors,
            upstream_id=ending.upstream_id,
            deployment_id=dep.id if dep else None,
            events=unwritten,
            output_in_events=in_events,
        ):
            await self.store.keep_cancelled(ident, steps, ending.usage, in_events)

    def _write_row(
        self, run: Run, final: Record | None = None, events: list[StoredEvent] | None = None
    ) -> None:
        """Start a foreground stream's row's write: as running, with this process's lease, or
        `final`, already ended, with its `events`. Its outcome resolves run.inserted."""
        run.row_soon, run.row_started = None, True
        assert run.inserted is not None
        if final is None:
            written = self.store.insert_soon(run.record, self.leases.lease())
        else:
            written = self.store.insert_soon(final, events=events)
        written.add_done_callback(functools.partial(_row_written, run, final is not None))

    @staticmethod
    async def _foreground(run: Run, first: list[InteractionSSEEvent], rest: EventStream) -> EventStream:
        """A foreground stream's events: its client going away stops the upstream call."""
        try:
            yield first
            async for batch in rest:
                yield batch
        finally:
            await rest.aclose()
            if run.phase is Phase.RELAYING and run.task is not None:
                run.task.cancel()

    def _finished(self, log: RequestLog, after: AfterAnswer | None = None) -> None:
        log.latency = time.monotonic() - log.started
        log.cost = self.pricing.cost(log.deployment, log.usage)  # once per request
        if not log.stream:
            response_cost.set(log.cost)  # the answer's header
        if after is None:
            self._account(log)
        elif log.stream:  # in the run's task: its context holds what the log line reads (its attempts)
            after.add(functools.partial(contextvars.copy_context().run, self._account, log))
        else:
            after.add(functools.partial(self._account, log))

    def _recovered(self, record: Record, output: list[Step]) -> None:
        """A run whose process died, failed here: logged, counted and in the spend logs like any
        request. Its usage died with its process: it is billed on an estimate from its text (the
        prompt, and the `output` its events kept), at the price of the deployment its row names."""
        age = max(time.time() - datetime.fromisoformat(record.created).timestamp(), 0.0)
        dep_id = record.deployment_id
        dep = self.router.deployment_of(record.model or "", dep_id) if dep_id else None
        log = RequestLog(
            model=record.model or "",
            status=record.status,  # failed, or cancelled before its process died
            stream=bool(record.request.get("stream")),
            started=time.monotonic() - age,  # its latency: from its create to now
            request_id=record.id,  # as its spend row would have been written by its own process
            interaction_id=record.id,
            owner=record.owner,
            started_at=record.created,
            deployment=dep,
        )
        if dep is not None:  # it reached an upstream
            log.usage, log.usage_estimated = _estimated(record, output), True
        self._finished(log)

    def _account(self, log: RequestLog) -> None:
        tokens = Tokens.of(log.usage)
        if log.key is not None:
            self.keys.spent(log.key, log.cost, tokens.input + tokens.output)
        written = self.store.record_spend_soon(self._spend_row(log, tokens))
        self._spend_writes.add(written)
        written.add_done_callback(self._spend_written)
        if self.on_finish:
            self.on_finish(log)

    def _spend_row(self, log: RequestLog, tokens: Tokens) -> SpendRecord:
        if log.deployment is not None:
            group = log.deployment.model_name
        else:
            try:
                group = self.router.group_for(log.model)
            except ApiError:
                group = log.model
        return SpendRecord(
            request_id=log.request_id or wire.new_id("req_"),
            key_hash=log.owner,
            interaction_id=log.interaction_id,
            model=log.model,
            model_group=group,
            deployment=deployment_label(log.deployment) or None,
            status=log.status,
            input_tokens=tokens.input,
            output_tokens=tokens.output,
            cost=log.cost,
            latency_ms=round(log.latency * 1000, 1),
            stream=log.stream,
            started=log.started_at,
            day=log.started_at[:10],
        )

    def _spend_written(self, task: asyncio.Future[None]) -> None:
        self._spend_writes.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            # Losing one spend row must not fail anything else (nor the request it describes).
            _log.warning("spend row not written: %s", type(exc).__name__)

    # -- read / cancel / delete ---------------------------------------------------------------
    async def _record(self, interaction_id: str, owner: str, output: bool = True) -> Record:
        record = await self.store.get(interaction_id, owner, output=output)
        if record is None:
            raise ApiError(404, f"Interaction {interaction_id} was not found.")
        return record

    async def get(
        self, interaction_id: str, owner: str = "", stream: bool = False, last_event_id: str | None = None
    ) -> Interaction | EventStream:
        record = await self._record(interaction_id, owner, output=not stream)  # a replay reads events
        if not stream:
            return self.view(record, record.steps, timeline=True)
        after = _event_seq(last_event_id)
        run = self.runs.get(interaction_id)
        if run is not None:  # live in this process: replay and follow
            return run.follow(after)
        # Stored events, following the run live when another process generates it.
        stored = follow_stored(
            self.store,
            record,
            after,
            self.leases.recover,
            _synthesised,
            lambda: self._record(record.id, record.owner),
        )
        return cast(EventStream, stored)  # an async generator: closing it is how a client leaves

    async def cancel(self, interaction_id: str, owner: str = "") -> Interaction:
        record = await self.store.cancel(interaction_id, owner, wire.now())
        if record is None:
            raise ApiError(404, f"Interaction {interaction_id} was not found.")
        if record.status != "cancelled":
            raise ApiError(
                400,
                f"Interaction {interaction_id} is {record.status}; only a running interaction can be cancelled.",
                code="failed_precondition",
            )
        run = self.runs.get(interaction_id)
        if run is not None and run.task:
            if run.phase is Phase.RELAYING:
                run.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(run.task)  # its partial output is saved before we answer
            record = await self._record(interaction_id, owner)
        else:  # another process runs it: it notices within CANCEL_POLL_SECONDS, then saves
            record = await self._saved_elsewhere(record)
        return self.view(record, record.steps, timeline=True)

    async def _saved_elsewhere(self, record: Record) -> Record:
        """A run cancelled here and run by another process, once that process has saved its output
        (it lets go of the row's lease), or as it is after ENDING_WAIT (that process is gone)."""
        deadline = time.monotonic() + ENDING_WAIT
        while time.monotonic() < deadline:
            state = await self.store.run_state(record.id)
            if state is None or state[1] is None:  # deleted meanwhile, or saved
                break
            await asyncio.sleep(FOLLOW_MAX_POLL)
        return await self.store.get(record.id, record.owner) or record

    async def delete(self, interaction_id: str, owner: str = "") -> dict[str, Any]:
        run = self.runs.get(interaction_id)
        if not await self.store.delete(interaction_id, owner):
            raise ApiError(404, f"Interaction {interaction_id} was not found.")
        if run is not None and run.task:
            run.task.cancel()
        return {}

    # -- views --------------------------------------------------------------------------------
    @staticmethod
    def view(
        record: Record, steps: list[Step], status: InteractionStatus | None = None, timeline: bool = False
    ) -> Interaction:
        """The Interaction resource. POST answers with this turn's steps; GET with the timeline."""
        out: dict[str, Any] = {
            "id": record.id,
            "object": "interaction",
            "status": status or record.status,
            "model": record.model,
            "created": record.created,
            "updated": record.updated,
            "role": "model",
            "steps": steps,
            "outputs": wire.legacy_outputs(_this_turn(steps) if timeline else steps),
            "usage": record.usage or {},
        }
        for key in ECHOED:
            if record.request.get(key) is not None:
                out[key] = record.request[key]
        if record.errors:
            out["errors"] = record.errors
        return cast(Interaction, out)  # a stored record's fields are the spec's, as written


def _this_turn(steps: list[Step]) -> list[Step]:
    """The steps after the last user input: what the latest turn generated."""
    for i in range(len(steps) - 1, -1, -1):
        if steps[i].get("type") in ("user_input", "function_result"):
            return steps[i + 1 :]
    return steps


_EVENT_ID = re.compile(r"evt_([1-9][0-9]{0,18})")
_MAX_SEQ = 2**63 - 1  # event sequence numbers are stored as BIGINT


def _event_seq(last_event_id: str | None) -> int:
    """`evt_N` -> N, for a positive N that fits the store's BIGINT; anything else is a 400."""
    if not last_event_id:
        return 0
    match = _EVENT_ID.fullmatch(last_event_id)
    if match is None or int(match[1]) > _MAX_SEQ:
        raise ApiError(
            400,
            f"`last_event_id` {last_event_id[:80]!r} is not an event id (`evt_` and a positive number).",
        )
    return int(match[1])


def _synthesised(record: Record) -> list[InteractionSSEEvent]:
    """A stream for an interaction created without one: each generated step whole."""

    def interaction(status: InteractionStatus) -> InteractionSSEEventInteraction:
        model = record.model or ""
        return {
            "id": record.id,
            "object": "interaction",
            "model": model,
            "created": record.created,
            "status": status,
        }

    events: list[InteractionSSEEvent] = [
        {"event_type": INTERACTION_CREATED, "interaction": interaction("in_progress")}
    ]
    for index, step in enumerate(_this_turn(record.steps)):
        events.append({"event_type": STEP_START, "index": index, "step": step})
        events.append({"event_type": STEP_STOP, "index": index})
    if record.status == "failed":
        error = (record.errors or [Error(code="failed", message="Interaction failed.")])[0]
        events.append({"event_type": ERROR, "error": error})
    else:
        final = interaction(cast(InteractionStatus, record.status))  # a stored status is the spec's
        final["updated"], final["usage"] = record.updated, record.usage
        events.append({"event_type": INTERACTION_COMPLETED, "interaction": final})
    return [_numbered(event, seq) for seq, event in enumerate(events, 1)]


def _relaying_in_store(run: Run) -> bool:
    """A run another instance could cancel or delete: relaying, and its row written (a foreground
    stream's is written at its first event; before, its absence is no delete)."""
    if not run.stored or run.phase is not Phase.RELAYING:
        return False
    inserted = run.inserted
    return inserted is None or (inserted.done() and not inserted.cancelled() and inserted.exception() is None)


def _numbered(event: InteractionSSEEvent, seq: int) -> InteractionSSEEvent:
    """The event with its `event_id`, set in place: an adapter's events are each its own, made or
    decoded for this run (a copy per event, to put the id second, was ~6% of a relayed stream's
    cost). The id goes last: a JSON object's keys have no order a client may rely on."""
    event["event_id"] = f"evt_{seq}"
    return event


def _nothing() -> None:
    return None


def _row_written(run: Run, final: bool, written: asyncio.Future[None]) -> None:
    """A foreground stream's row write is done: its outcome to run.inserted, and its client told
    (`row_done`). A final write (the run ended, its events with it) also ends the run for its
    listeners right away: its client takes every event and the end in one wake-up, without
    waiting for the producer's task to come back from its own wait."""
    assert run.inserted is not None
    pass_on(run.inserted, written)
    run.row_done.set()
    if run.writer is not None and len(run.events) > run.writer.written:
        run.writer.added()  # the events so far: it waited for the row to schedule them
    if final and not written.cancelled() and written.exception() is None:
        run.phase = Phase.DONE
        run.changed.set()


def _estimated(record: Record, output: list[Step]) -> Usage:
    """A turn's usage its upstream never reported: its prompt (the system instruction and the
    history with this turn's input) and `output`, counted from their text (wire.estimated_usage)."""
    return wire.estimated_usage([record.request.get("system_instruction"), record.steps], output)


# Outcome is re-exported for SDK users who type their callbacks.
__all__ = ["Engine", "Outcome", "RequestLog", "owner_of"]
