"""Routes a model name to one of its deployments, with retries, fallbacks and cooldowns.

Shared by the server and the in-process SDK. Semantics follow LiteLLM's router:
`routing_strategy` simple-shuffle (weighted) | least-busy | latency-based-routing; `num_retries`
with exponential backoff on 429/5xx/timeouts, honouring the upstream's Retry-After; `fallbacks`
to other model groups; a deployment that keeps failing (or answers 429) cools down for
`cooldown_time` seconds; `rpm` / `tpm` per deployment are respected. A stream is never retried
once its first event has been handed to the caller.

Bulkheads: a deployment's `max_parallel_requests` bounds its attempts in flight in this process
(with Redis too: a per-process bound, like its connection pool in the transport). One at its
limit is skipped like a busy one; when every deployment of a group is, the request waits for a
free slot for `max_parallel_wait` seconds, then answers 429 with a Retry-After.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import random
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any, TypedDict

from parley.config import ModelEntry, Settings, fill, is_wildcard, pattern
from parley.errors import ApiError, UpstreamError
from parley.events import Usage
from parley.providers import PROVIDERS, Deployment, Outcome, Turn, adapter_for
from parley.providers.base import AdapterStream, StreamEnd
from parley.request import forget_dropped
from parley.shared_state import SharedState, Slot, redis_url

MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 60.0
DEFAULT_LEASE = 600.0  # an in-flight count outlives a dead process by at most its request timeout
LEASE_MARGIN = 60.0
MAX_LISTED = 20  # names an unknown-model 404 lists
MAX_BUILT = 1024  # wildcard deployments built for requested names, kept for their state
# How upstreams word "the conversation does not fit" (OpenAI, Anthropic, Gemini, vLLM, Ollama…).
CONTEXT_WINDOW = re.compile(
    r"context.length|context.window|maximum context|too many tokens|prompt is too long|"
    r"exceeds the (maximum|max) .*tokens|input token count.*exceeds",
    re.IGNORECASE,
)


@dataclass
class _State:
    """What this process knows about one deployment (all of it, without Redis; with Redis, the
    fallback while Redis is unreachable)."""

    deployment: Deployment
    slot: Slot  # its identity in the shared state
    # Attempts in flight in this process: its max_parallel_requests, and least-busy without Redis.
    in_flight: int = 0
    latency: float | None = None  # EWMA of successful call latency, seconds
    fails: list[float] = field(default_factory=list)  # monotonic times of recent failures
    cooldown_until: float = 0.0
    window_start: float = 0.0  # rpm/tpm accounting, one-minute windows
    requests: int = 0
    tokens: int = 0
    waiters: list[asyncio.Future[None]] = field(default_factory=list)  # requests waiting for a slot

    @property
    def limit(self) -> int | None:
        return self.deployment.params.get("max_parallel_requests")

    def full(self) -> bool:
        return self.limit is not None and self.in_flight >= self.limit

    def _roll(self, now: float) -> None:
        if now - self.window_start >= 60:
            self.window_start, self.requests, self.tokens = now, 0, 0

    def available(self, now: float) -> bool:
        if now < self.cooldown_until:
            return False
        self._roll(now)
        rpm, tpm = self.deployment.params.get("rpm"), self.deployment.params.get("tpm")
        return not (rpm and self.requests >= rpm) and not (tpm and self.tokens >= tpm)

    def ready_in(self, now: float) -> float:
        """Seconds until this deployment takes requests again: its cooldown, its rpm/tpm window."""
        wait = max(0.0, self.cooldown_until - now)
        rpm, tpm = self.deployment.params.get("rpm"), self.deployment.params.get("tpm")
        full = (rpm and self.requests >= rpm) or (tpm and self.tokens >= tpm)
        if full and now - self.window_start < 60:
            wait = max(wait, self.window_start + 60 - now)
        return wait


@dataclass
class _Lease:
    """One attempt on one deployment: counted in its state (local or shared) until it ends."""

    state: _State
    started: float
    token: str | None = None  # the shared state's lease; None: counted in the local state
    trace: Any = None


class AfterAnswer:
    """A create's bookkeeping (its attempt's report, its key's spend, the log line and metrics),
    done by the route once the answer is sent: the answer leaves that much sooner
    (parley.lane.DirectCreate). What is added after the route has done it runs at once: a stream
    whose client went away ends its run after its response did."""

    __slots__ = ("_todo",)

    def __init__(self) -> None:
        self._todo: list[Callable[[], None]] | None = []

    def add(self, later: Callable[[], None]) -> None:
        if self._todo is None:
            later()
        else:
            self._todo.append(later)

    def run(self) -> None:
        """Do what was added (in its order), and from now on what is added at once."""
        todo, self._todo = self._todo, None
        for later in todo or ():
            later()


@dataclass
class Attempt:
    """Reported to the on_attempt hook (logging, metrics) after each upstream attempt."""

    deployment: Deployment
    latency: float
    error: UpstreamError | None = None
    cooldown_until: float | None = None  # Unix time: this failure started a cooldown until then
    usage: Usage | None = None  # the upstream's usage, on success
    trace: Any = None  # what on_attempt_start returned for this attempt (a span)
    cancelled: bool = False  # stopped without an outcome (its client left, a cancel, a shutdown)


class DeploymentHealth(TypedDict):
    """One deployment's state as the router sees it (the admin page's rows)."""

    model_group: str
    deployment: Deployment
    in_flight: int
    latency_ms: float | None
    recent_failures: int
    cooldown_seconds: float


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _state(dep: Deployment) -> _State:
    params = dep.params
    return _State(
        dep, Slot.of(dep.name, dep.id, params.get("rpm"), params.get("tpm"), params.get("weight", 1.0))
    )


class Router:
    """Model resolution as LiteLLM's router does it: a request's `model` is a `model_name`, else a
    deployment's whole `litellm_params.model` (`gemini/gemini-2.5-flash`), else matches a wildcard
    `model_name` (`*`, `gemini/*`, `openai/gpt-4*`; the most specific first). A wildcard
    `litellm_params.model` takes the requested name (config.fill)."""

    def __init__(self, settings: Settings, shared: SharedState | None = None):
        self.settings = settings.router_settings
        self._config = settings
        self._groups: dict[str, list[_State]] = {}
        self._by_upstream: dict[str, list[_State]] = {}  # a whole litellm_params.model -> its deployments
        entries = [e for e in settings.model_list if not is_wildcard(e.litellm_params.model)]
        for entry, dep in zip(entries, settings.deployments(), strict=True):
            state = _state(dep)
            self._groups.setdefault(dep.model_name, []).append(state)
            self._by_upstream.setdefault(entry.litellm_params.model, []).append(state)
        # Wildcard model_names, most specific (longest literal part) first, as LiteLLM orders them.
        names = dict.fromkeys(e.model_name for e in settings.model_list if is_wildcard(e.model_name))
        self._wildcards = sorted(names, key=lambda n: -len(n.replace("*", "")))
        self._templates: dict[str, list[ModelEntry]] = {}
        for entry in settings.model_list:
            if is_wildcard(entry.litellm_params.model):
                self._templates.setdefault(entry.model_name, []).append(entry)
        self._built: dict[str, str] = {}  # requested name -> the wildcard model_name it was built from
        self._origin: dict[str, str] = {}  # a group made for a requested name -> its model_name
        self._fallbacks = {g: list(t) for rule in self.settings.fallbacks for g, t in rule.items()}
        self._context_fallbacks = {
            g: list(t) for rule in self.settings.context_window_fallbacks for g, t in rule.items()
        }
        self.on_attempt: Callable[[Attempt], None] | None = None
        # Called as each upstream attempt begins (tracing); what it returns comes back in Attempt.trace.
        self.on_attempt_start: Callable[[Deployment], Any] | None = None
        self.on_attempt_end: Callable[[Any], None] | None = None  # an attempt cancelled without outcome
        url = redis_url(self.settings)
        self._recording: set[asyncio.Future[bool]] = set()  # successes on their way to Redis
        self.shared = shared or (SharedState(url, self.settings.redis_password) if url else None)

    async def close(self) -> None:
        await asyncio.gather(*self._recording, return_exceptions=True)
        if self.shared is not None:
            await self.shared.close()

    # -- choosing -----------------------------------------------------------------------------
    def group_for(self, model: str, allowed: Collection[str] | None = None) -> str:
        """The group of deployments a request's `model` routes to, or the 404 naming the names
        that exist (those in `allowed`, the names a key may use, when it has a list), and the 401
        when its deployments lack the key they need."""
        try:
            group = self._resolve(model)
        except _Unknown as unknown:
            raise self._unknown(model, unknown.why, allowed) from None
        states = self._groups[group]
        for state in states:  # a loop, not all(): no generator per request
            if not state.deployment.missing_env:
                return group
        if states:
            raise missing_key(states[0].deployment)
        return group

    def _resolve(self, model: str) -> str:
        if model in self._groups:
            return model
        upstream = self._by_upstream.get(model)
        if upstream is not None:  # a deployment's whole litellm_params.model
            name = upstream[0].deployment.model_name
            if upstream == self._groups[name]:
                return name
            self._groups[model], self._origin[model] = upstream, name  # some deployments of a group
            return model
        wildcard = self._wildcard_for(model)
        if wildcard is None:
            raise _Unknown()
        return self._build(wildcard, model)

    def _wildcard_for(self, model: str) -> str | None:
        """The most specific wildcard model_name matching `model`, if any."""
        return next((name for name in self._wildcards if pattern(name).match(model)), None)

    def _build(self, name: str, model: str) -> str:
        """The group for a requested name matched by wildcard `name`: its fixed deployments, and
        one built from each wildcard `litellm_params.model` for this name."""
        states = list(self._groups.get(name, []))
        for entry in self._templates.get(name, []):
            upstream = fill(entry.litellm_params.model, name, model)
            try:
                dep = self._config.deployment(entry, upstream, model)
            except ValueError as exc:
                if states or len(self._templates[name]) > 1:
                    continue
                raise _Unknown(str(exc)) from None
            states.append(_state(dep))
        if not states:
            raise _Unknown()
        if name not in self._templates:
            return name  # only fixed deployments: one group, shared by every name it matches
        if len(self._built) >= MAX_BUILT:  # forget the oldest (only its local cooldown state goes)
            oldest = next(iter(self._built))
            del self._built[oldest], self._groups[oldest], self._origin[oldest]
        self._groups[model], self._origin[model] = states, name
        self._built[model] = name
        return model

    def _routes(self, model: str) -> bool:
        """Whether `model` names a group, a deployment or a wildcard's match (nothing is built)."""
        return model in self._groups or model in self._by_upstream or self._wildcard_for(model) is not None

    def served(self) -> list[str]:
        """The model names of the config, in its order (wildcards as written)."""
        return list(dict.fromkeys(e.model_name for e in self._config.model_list))

    def _unknown(self, model: str, why: str | None, allowed: Collection[str] | None) -> ApiError:
        names = [n for n in self.served() if not allowed or n in allowed]
        more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
        message = f"Model '{model}' is not served by this gateway" + (f" ({why})." if why else ".")
        message += f" Model names: {', '.join(names[:MAX_LISTED])}{more}."
        prefix = model.partition("/")[0]
        if "/" not in model and not why:
            # A provider's prefix helps only where the prefixed name is served: name those, if any.
            served = [f"{p}/{model}" for p in PROVIDERS if self._routes(f"{p}/{model}")]
            if served:
                message += f" Did you mean {' or '.join(served[:3])}?"
        elif prefix in PROVIDERS and not why:
            message += f" To serve {prefix}/ models, add them to model_list (or use the default config)."
        return ApiError(404, message, code="not_found")

    def deployments_for(self, group: str) -> list[Deployment]:
        """Every deployment a request to this group may reach, its fallbacks' included."""
        return [s.deployment for g in self._groups_to_try(group) for s in self._groups[g]]

    def deployment_of(self, model: str, deployment_id: str) -> Deployment | None:
        """Of the deployments a request for `model` may reach, the one with this id (as stored in a
        record's deployment_id); None when the config no longer has it."""
        try:
            group = self.group_for(model)
        except ApiError:
            return None
        return next((dep for dep in self.deployments_for(group) if dep.id == deployment_id), None)

    def health(self) -> list[DeploymentHealth]:
        """Each deployment's state as the router sees it, for the admin page."""
        now = time.monotonic()
        return [
            {
                "model_group": group,
                "deployment": state.deployment,
                "in_flight": state.in_flight,
                "latency_ms": _ms(state.latency),
                "recent_failures": sum(1 for t in state.fails if now - t < 60),
                "cooldown_seconds": round(max(0.0, state.cooldown_until - now), 1),
            }
            for group, states in self._groups.items()
            if group not in self._origin  # groups made for requested names repeat these deployments
            for state in states
        ]

    async def fleet_health(self) -> list[DeploymentHealth]:
        """health(), with the fleet's view (Redis) where there is one and it answers."""
        rows = self.health()
        if self.shared is None:
            return rows
        states = [s for group in self._groups.values() for s in group]
        shared = await self.shared.snapshot([s.slot for s in states])
        if shared is None:
            return rows
        for row, fleet in zip(rows, shared, strict=True):
            row["in_flight"], row["latency_ms"] = fleet["in_flight"], _ms(fleet["latency"])
            row["recent_failures"], row["cooldown_seconds"] = (
                fleet["recent_failures"],
                fleet["cooldown_seconds"],
            )
        return rows

    def saturated(self) -> list[str]:
        """Deployments at their max_parallel_requests in this process (readiness reports them)."""
        return [
            f"{state.deployment.name} ({state.in_flight}/{state.limit})"
            for group, states in self._groups.items()
            if group not in self._origin
            for state in states
            if state.full()
        ]

    def _pick(self, group: str, tried: Collection[int] = frozenset()) -> _State | None:
        now = time.monotonic()
        states = [
            s
            for s in self._groups[group]
            if s.available(now) and not s.deployment.missing_env and not s.full()
        ]
        if not states:
            return None
        if len(states) > 1 and tried:
            # A retry goes to a deployment this request has not tried yet, while there is one.
            states = [s for s in states if id(s) not in tried] or states
        if len(states) == 1:  # every strategy picks it (random.choices was ~2% of a JSON create)
            return states[0]
        strategy = self.settings.routing_strategy
        if strategy == "least-busy":
            low = min(s.in_flight for s in states)
            return random.choice([s for s in states if s.in_flight == low])
        if strategy == "latency-based-routing":
            untried = [s for s in states if s.latency is None]
            return random.choice(untried) if untried else min(states, key=lambda s: s.latency or 0.0)
        weights = [float(s.deployment.params.get("weight", 1.0)) for s in states]
        return random.choices(states, weights=weights)[0]

    async def _lease(self, group: str, tried: set[int], waits: list[float], busy: list[str]) -> _Lease | None:
        """A lease on the deployment of `group` to try next, None when none is available (the
        seconds until one will be go to `waits`; the group to `busy` when its deployments stayed
        at their max_parallel_requests for max_parallel_wait)."""
        deadline = time.monotonic() + self.settings.max_parallel_wait
        while True:
            lease = await self._take(group, tried, waits)
            if lease is not None and lease.token and self.shared is not None and lease.state.full():
                # Another request of this process took its last slot while Redis picked it.
                await asyncio.shield(self.shared.release(lease.state.slot, lease.token))
            elif lease is not None:
                lease.state.in_flight += 1
                return lease
            full = [s for s in self._groups[group] if s.full() and not s.deployment.missing_env]
            left = deadline - time.monotonic()
            if not full:
                return None
            if left <= 0:
                busy.append(group)
                return None
            # Woken by the first of them to free a slot (see _freed), or by the deadline.
            vacancy = asyncio.get_running_loop().create_future()
            for state in full:
                state.waiters.append(vacancy)
            try:
                await asyncio.wait_for(vacancy, left)
            except TimeoutError:
                pass
            finally:
                for state in full:
                    if vacancy in state.waiters:
                        state.waiters.remove(vacancy)

    def _freed(self, state: _State) -> None:
        """An attempt on `state` ended: its slot goes to the longest waiting request."""
        state.in_flight -= 1
        while state.waiters:
            waiter = state.waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _take(self, group: str, tried: set[int], waits: list[float]) -> _Lease | None:
        """A lease on a deployment of `group` that is not at its limit: shared state when there is
        Redis, else local."""
        if self.shared is not None:
            states = [s for s in self._groups[group] if not s.deployment.missing_env and not s.full()]
            if not states:
                return None
            lease = max((s.deployment.timeout or 0) for s in states) or DEFAULT_LEASE
            picked = await self.shared.pick(
                [s.slot for s in states],
                [id(s) in tried for s in states],
                self.settings.routing_strategy,
                random.random(),
                lease + LEASE_MARGIN,
            )
            if picked is not None:  # else Redis is unreachable: this process's own state decides
                if picked.index is None:
                    waits.append(picked.wait)
                    return None
                return _Lease(states[picked.index], time.monotonic(), picked.token)
        state = self._pick(group, tried)
        if state is None:
            now = time.monotonic()
            waits.append(min(s.ready_in(now) for s in self._groups[group]))
            return None
        state.requests += 1
        return _Lease(state, time.monotonic())

    def _groups_to_try(self, model: str) -> list[str]:
        group = self.group_for(model)
        return [group, *self._fallbacks.get(self._origin.get(group, group), [])]

    # -- bookkeeping --------------------------------------------------------------------------
    def _succeeded(self, lease: _Lease, usage: Usage, after: AfterAnswer | None = None) -> None:
        """Not a coroutine: nothing here waits (one coroutine object less per request)."""
        state, elapsed = lease.state, time.monotonic() - lease.started
        self._freed(state)
        tokens = int(usage.get("total_tokens") or 0)
        if lease.token is not None and self.shared is not None:
            # Off the answer's path: the request's one awaited round trip is its pick.
            task = asyncio.ensure_future(self.shared.succeeded(state.slot, lease.token, elapsed, tokens))
            self._recording.add(task)
            task.add_done_callback(self._recording.discard)
        else:
            state.latency = elapsed if state.latency is None else 0.7 * state.latency + 0.3 * elapsed
            state.tokens += tokens
            if state.fails:  # a success clears the failures counted towards a cooldown
                state.fails.clear()
        if self.on_attempt:
            attempt = Attempt(state.deployment, elapsed, usage=usage, trace=lease.trace)
            if after is None or lease.trace is not None:
                self.on_attempt(attempt)
            else:
                after.add(functools.partial(self.on_attempt, attempt))

    async def _failed(self, lease: _Lease, error: UpstreamError) -> None:
        state, now = lease.state, time.monotonic()
        self._freed(state)
        # As in LiteLLM, a lone deployment never cools down: that would turn one error into an outage.
        alone = len(self._groups.get(state.deployment.model_name, ())) <= 1
        wait = max(self.settings.cooldown_time, min(error.retry_after or 0, MAX_RETRY_AFTER))
        cooldown_until: float | None = None
        if lease.token is not None and self.shared is not None:
            until = await self.shared.failed(
                state.slot,
                lease.token,
                retryable=error.retryable,
                status_429=error.status == 429,
                allowed_fails=self.settings.allowed_fails,
                cooldown=wait,
                alone=alone,
            )
            cooldown_until = until or None
        else:
            # Only the deployment's own failures count: a 400 is the request's fault, not its health.
            if error.retryable:
                state.fails = [t for t in state.fails if now - t < 60] + [now]
            tripped = error.status == 429 or len(state.fails) >= max(self.settings.allowed_fails, 1)
            if error.retryable and tripped and not alone:
                state.cooldown_until = now + wait
                cooldown_until = time.time() + wait
        self._report(Attempt(state.deployment, now - lease.started, error, cooldown_until, trace=lease.trace))

    async def _released(
        self, lease: _Lease, exc: BaseException, interrupted: Callable[[Deployment], None] | None = None
    ) -> None:
        """The attempt ended without an outcome: its in-flight count is undone; a cancelled one is
        reported as made (the upstream was called), its span ended as abandoned."""
        self._freed(lease.state)
        if isinstance(exc, asyncio.CancelledError | GeneratorExit):
            self._report(Attempt(lease.state.deployment, time.monotonic() - lease.started, cancelled=True))
            if interrupted is not None:
                interrupted(lease.state.deployment)
        if lease.token is not None and self.shared is not None:
            # Shielded: a cancelled request still hands its lease back.
            await asyncio.shield(self.shared.release(lease.state.slot, lease.token))
        if lease.trace is not None and self.on_attempt_end is not None:
            self.on_attempt_end(lease.trace)

    def _begin(self, lease: _Lease) -> None:
        forget_dropped()  # what an earlier attempt's provider dropped, this one may take
        if self.on_attempt_start is not None:
            lease.trace = self.on_attempt_start(lease.state.deployment)
        lease.started = time.monotonic()

    def _report(self, attempt: Attempt) -> None:
        if self.on_attempt:
            self.on_attempt(attempt)

    def _backoff(self, attempt: int, error: UpstreamError, same: bool) -> float:
        """The wait before the next attempt. An upstream's Retry-After speaks for that deployment
        only: honoured when the next attempt goes to it again, not when it goes to another one."""
        if error.retry_after is not None and same:
            return min(error.retry_after, MAX_RETRY_AFTER)
        # Jitter: up to half the step again, at random, so that the callers one failure hit together
        # do not all come back at the same instant; never less than the exponential step itself.
        step = min(self.settings.retry_after * 2.0**attempt, MAX_BACKOFF)
        return step + random.uniform(0, step / 2)

    async def _plan(self, model: str, tries: _Tries) -> AsyncGenerator[_Lease, None]:
        """A begun lease for each attempt, after the backoff from the last failure: retries within
        a group, then each fallback group. When the last failure says the conversation exceeds the
        context window, go on with the group's context_window_fallbacks instead (retrying the same
        window would fail the same way)."""
        waits, failures, busy = tries.waits, tries.failures, tries.busy
        previous: _State | None = None
        tried: set[int] = set()
        groups = self._groups_to_try(model)
        origin = self._origin.get(groups[0], groups[0])
        context_fallbacks = list(self._context_fallbacks.get(origin, []))
        while groups:
            group = groups.pop(0)
            for _ in range(self.settings.num_retries + 1):
                lease = await self._lease(group, tried, waits, busy)
                if lease is None:
                    break
                tried.add(id(lease.state))
                if tries.last is not None:
                    await asyncio.sleep(self._backoff(len(failures) - 1, tries.last, lease.state is previous))
                previous = lease.state
                self._begin(lease)
                yield lease
                if failures and context_window(failures[-1]):
                    if not context_fallbacks:
                        return
                    groups, context_fallbacks = context_fallbacks, []
                    break

    def _goes_on(self, model: str, error: UpstreamError) -> bool:
        """Whether a request error still has somewhere to go: a context-window fallback."""
        group = self.group_for(model)
        return context_window(error) and bool(self._context_fallbacks.get(self._origin.get(group, group)))

    def _exhausted(self, model: str, tries: _Tries) -> ApiError:
        last, waits, busy = tries.last, tries.waits, tries.busy
        if last is None and busy:
            return ApiError(
                429,
                f"Every deployment of '{model}' is at its max_parallel_requests; retry shortly.",
                code="rate_limited",
                headers={"Retry-After": "1"},
            )
        if last is None:
            wait = min(waits, default=0.0)
            return ApiError(
                503,
                f"No deployment of '{model}' is available right now (all cooling down or at their rate limits).",
                code="unavailable",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        return last.to_api_error()

    # -- calling ------------------------------------------------------------------------------
    async def create(
        self,
        model: str,
        make_turn: Callable[[Deployment], Turn],
        after: AfterAnswer | None = None,
        interrupted: Callable[[Deployment], None] | None = None,
    ) -> tuple[Outcome, Deployment]:
        """`after`: the answered attempt's report (on_attempt) is added here, to be made once the
        answer is sent (Engine.create's `after`), unless it is traced: its span ends now.
        `interrupted`: told of the deployment whose call a cancel stopped midway (it had the
        prompt), not of one stopped between attempts."""
        tries = _Tries()
        # Closed here: a plan left to the garbage collector is closed by a task of its own, one more
        # loop wake-up per request (uvloop's async generator finalizer).
        async with contextlib.aclosing(self._plan(model, tries)) as plan:
            async for lease in plan:
                dep = lease.state.deployment
                try:
                    outcome = await adapter_for(dep.provider).create(make_turn(dep), dep)
                except UpstreamError as exc:
                    exc.provider = dep.label
                    await self._failed(lease, exc)
                    if not exc.retryable and not self._goes_on(model, exc):
                        raise exc.to_api_error() from None
                    tries.failed(exc)
                    continue
                except BaseException as exc:
                    await self._released(lease, exc, interrupted)
                    raise
                self._succeeded(lease, outcome.usage, after)
                return outcome, dep
        raise self._exhausted(model, tries)

    async def stream(
        self,
        model: str,
        make_turn: Callable[[Deployment], Turn],
        on_deployment: Callable[[Deployment], Awaitable[None]] | None = None,
        interrupted: Callable[[Deployment], None] | None = None,
    ) -> AdapterStream:
        """Adapter events of the first deployment that starts streaming, ending with its StreamEnd.
        Failures before the first event are retried / fall back; after it they are raised to the
        caller as UpstreamError (labelled with the provider)."""
        tries = _Tries()
        async with contextlib.aclosing(self._plan(model, tries)) as plan:  # as in create
            async for lease in plan:
                dep = lease.state.deployment
                events = adapter_for(dep.provider).stream(make_turn(dep), dep)
                sent = False
                pending: _Lease | None = lease  # until its outcome is recorded
                try:
                    async for batch in events:
                        if not sent and on_deployment:
                            await on_deployment(dep)
                        sent = True
                        end = batch[-1]
                        if isinstance(end, StreamEnd):
                            pending = None
                            self._succeeded(lease, end.usage)
                        yield batch
                    if pending is not None:  # the adapter ended without its StreamEnd
                        raise UpstreamError(502, "stream ended before completion")
                    return
                except UpstreamError as exc:
                    exc.provider = exc.provider or dep.label
                    if pending is not None:
                        pending = None
                        await self._failed(lease, exc)
                    if sent or not (exc.retryable or self._goes_on(model, exc)):
                        raise
                    tries.failed(exc)
                except BaseException as exc:
                    if pending is not None:
                        await self._released(lease, exc, interrupted)
                    raise
                finally:
                    await events.aclose()
        raise self._exhausted(model, tries)


@dataclass
class _Tries:
    """One request's walk through its deployments: the last failure, every failure so far, how
    long until a cooling deployment is back, and the deployments found at their parallel limit."""

    last: UpstreamError | None = None
    failures: list[UpstreamError] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)

    def failed(self, error: UpstreamError) -> None:
        self.last = error
        self.failures.append(error)


class _Unknown(Exception):
    """No deployment for a requested name; `why` when a wildcard could not make one."""

    def __init__(self, why: str | None = None):
        super().__init__(why)
        self.why = why


def context_window(error: UpstreamError) -> bool:
    """The upstream refused the request because the conversation exceeds the model's window."""
    return error.status in (400, 413, 422) and bool(CONTEXT_WINDOW.search(error.message))


def missing_key(dep: Deployment) -> ApiError:
    """A deployment the gateway cannot call for want of a key (or a server URL) it was not given."""
    what = "the server URL" if (dep.missing_env or "").endswith("_API_BASE") else "an API key"
    return ApiError(
        401,
        f"Model '{dep.model_name}' needs {what} that this gateway does not have: set {dep.missing_env} "
        "in the gateway's environment (or litellm_params in its config) and restart it.",
        code="unauthenticated",
    )
