"""Routes a model name to one of its deployments, with retries, fallbacks and cooldowns.

Shared by the server and the in-process SDK. Semantics follow LiteLLM's router:
`routing_strategy` simple-shuffle (weighted) | least-busy | latency-based-routing; `num_retries`
with exponential backoff on 429/5xx/timeouts, honouring the upstream's Retry-After; `fallbacks`
to other model groups; a deployment that keeps failing (or answers 429) cools down for
`cooldown_time` seconds; `rpm` / `tpm` per deployment are respected. A stream is never retried
once its first event has been handed to the caller.
"""

from __future__ import annotations

import asyncio
import fnmatch
import math
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from parley.config import Settings
from parley.errors import ApiError, UpstreamError
from parley.providers import Deployment, Outcome, Turn, adapter_for

MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 60.0


@dataclass
class _State:
    """What the router knows about one deployment."""

    deployment: Deployment
    in_flight: int = 0
    latency: float | None = None  # EWMA of successful call latency, seconds
    fails: list[float] = field(default_factory=list)  # monotonic times of recent failures
    cooldown_until: float = 0.0
    window_start: float = 0.0  # rpm/tpm accounting, one-minute windows
    requests: int = 0
    tokens: int = 0

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
class Attempt:
    """Reported to the on_attempt hook (logging, metrics) after each upstream attempt."""

    deployment: Deployment
    latency: float
    error: UpstreamError | None = None


class Router:
    def __init__(self, settings: Settings):
        self.settings = settings.router_settings
        self._groups: dict[str, list[_State]] = {}
        for dep in settings.deployments():
            self._groups.setdefault(dep.model_name, []).append(_State(dep))
        self._fallbacks = {g: list(t) for rule in self.settings.fallbacks for g, t in rule.items()}
        self.on_attempt: Callable[[Attempt], None] | None = None

    # -- choosing -----------------------------------------------------------------------------
    def group_for(self, model: str) -> str:
        """The model_name a request's `model` routes to: exact names first, then wildcards."""
        if model in self._groups:
            return model
        for name in self._groups:
            if any(c in name for c in "*?[") and fnmatch.fnmatchcase(model, name):
                return name
        raise ApiError(404, f"Model '{model}' is not served by this gateway.", code="not_found")

    def deployments_for(self, group: str) -> list[Deployment]:
        """Every deployment a request to this group may reach, its fallbacks' included."""
        return [s.deployment for g in [group, *self._fallbacks.get(group, [])] for s in self._groups[g]]

    def health(self) -> list[dict]:
        """Each deployment's state as the router sees it, for the admin page."""
        now = time.monotonic()
        return [
            {
                "model_group": group,
                "deployment": state.deployment,
                "in_flight": state.in_flight,
                "latency_ms": None if state.latency is None else round(state.latency * 1000, 1),
                "recent_failures": sum(1 for t in state.fails if now - t < 60),
                "cooldown_seconds": round(max(0.0, state.cooldown_until - now), 1),
            }
            for group, states in self._groups.items()
            for state in states
        ]

    def _pick(self, group: str, tried: set[int] = frozenset()) -> _State | None:
        now = time.monotonic()
        states = [s for s in self._groups[group] if s.available(now)]
        if not states:
            return None
        # A retry goes to a deployment this request has not tried yet, while there is one.
        states = [s for s in states if id(s) not in tried] or states
        strategy = self.settings.routing_strategy
        if strategy == "least-busy":
            low = min(s.in_flight for s in states)
            return random.choice([s for s in states if s.in_flight == low])
        if strategy == "latency-based-routing":
            untried = [s for s in states if s.latency is None]
            return random.choice(untried) if untried else min(states, key=lambda s: s.latency)
        weights = [float(s.deployment.params.get("weight", 1.0)) for s in states]
        return random.choices(states, weights=weights)[0]

    def _groups_to_try(self, model: str) -> list[str]:
        group = self.group_for(model)
        return [group, *self._fallbacks.get(group, [])]

    # -- bookkeeping --------------------------------------------------------------------------
    def _started(self, state: _State) -> float:
        state.in_flight += 1
        state.requests += 1
        return time.monotonic()

    def _succeeded(self, state: _State, started: float, usage: dict) -> None:
        state.in_flight -= 1
        elapsed = time.monotonic() - started
        state.latency = elapsed if state.latency is None else 0.7 * state.latency + 0.3 * elapsed
        state.tokens += int(usage.get("total_tokens") or 0)
        state.fails.clear()
        self._report(Attempt(state.deployment, elapsed))

    def _failed(self, state: _State, started: float, error: UpstreamError) -> None:
        state.in_flight -= 1
        now = time.monotonic()
        # Only the deployment's own failures count: a 400 is the request's fault, not its health.
        if error.retryable:
            state.fails = [t for t in state.fails if now - t < 60] + [now]
        # As in LiteLLM, a lone deployment never cools down: that would turn one error into an outage.
        alone = len(self._groups[state.deployment.model_name]) == 1
        tripped = error.status == 429 or len(state.fails) >= max(self.settings.allowed_fails, 1)
        if error.retryable and tripped and not alone:
            wait = max(self.settings.cooldown_time, min(error.retry_after or 0, MAX_RETRY_AFTER))
            state.cooldown_until = now + wait
        self._report(Attempt(state.deployment, now - started, error))

    def _report(self, attempt: Attempt) -> None:
        if self.on_attempt:
            self.on_attempt(attempt)

    def _backoff(self, attempt: int, error: UpstreamError, same: bool) -> float:
        """The wait before the next attempt. An upstream's Retry-After speaks for that deployment
        only: honoured when the next attempt goes to it again, not when it goes to another one."""
        if error.retry_after is not None and same:
            return min(error.retry_after, MAX_RETRY_AFTER)
        return min(self.settings.retry_after * (2**attempt), MAX_BACKOFF)

    def _plan(self, model: str):
        """Yield (state) for each attempt: retries within a group, then each fallback group."""
        tried: set[int] = set()
        for group in self._groups_to_try(model):
            for _ in range(self.settings.num_retries + 1):
                state = self._pick(group, tried)
                if state is None:
                    break
                tried.add(id(state))
                yield state

    def _exhausted(self, model: str, last: UpstreamError | None) -> ApiError:
        if last is None:
            now = time.monotonic()
            wait = min(s.ready_in(now) for g in self._groups_to_try(model) for s in self._groups[g])
            return ApiError(
                503,
                f"No deployment of '{model}' is available right now (all cooling down or at their rate limits).",
                code="unavailable",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        return last.to_api_error(f"model '{model}'")

    # -- calling ------------------------------------------------------------------------------
    async def create(self, model: str, make_turn: Callable[[Deployment], Turn]) -> tuple[Outcome, Deployment]:
        last: UpstreamError | None = None
        previous: _State | None = None
        for attempt, state in enumerate(self._plan(model)):
            if last is not None:
                await asyncio.sleep(self._backoff(attempt - 1, last, state is previous))
            previous, dep = state, state.deployment
            started = self._started(state)
            try:
                outcome = await adapter_for(dep.provider).create(make_turn(dep), dep)
            except UpstreamError as exc:
                self._failed(state, started, exc)
                if not exc.retryable:
                    raise exc.to_api_error(dep.provider) from None
                last = exc
                continue
            except BaseException:
                state.in_flight -= 1
                raise
            self._succeeded(state, started, outcome.usage)
            return outcome, dep
        raise self._exhausted(model, last)

    async def stream(
        self,
        model: str,
        make_turn: Callable[[Deployment], Turn],
        on_deployment: Callable[[Deployment], Awaitable[None]] | None = None,
    ) -> AsyncIterator[dict]:
        """Adapter events of the first deployment that starts streaming. Failures before the first
        event are retried / fall back; after it they are raised to the caller as UpstreamError."""
        last: UpstreamError | None = None
        previous: _State | None = None
        for attempt, state in enumerate(self._plan(model)):
            if last is not None:
                await asyncio.sleep(self._backoff(attempt - 1, last, state is previous))
            previous, dep = state, state.deployment
            started = self._started(state)
            events = adapter_for(dep.provider).stream(make_turn(dep), dep)
            sent = False
            try:
                async for event in events:
                    if not sent and on_deployment:
                        await on_deployment(dep)
                    sent = True
                    if event.get("event_type") == "interaction.completed":
                        self._succeeded(state, started, event["interaction"].get("usage") or {})
                        state = None
                    yield event
                if state is not None:  # the adapter ended without a completed event
                    raise UpstreamError(502, "stream ended before completion")
                return
            except UpstreamError as exc:
                if state is not None:
                    self._failed(state, started, exc)
                if sent or not exc.retryable:
                    raise
                last = exc
            except BaseException:
                if state is not None:
                    state.in_flight -= 1
                raise
            finally:
                await events.aclose()
        raise self._exhausted(model, last)
