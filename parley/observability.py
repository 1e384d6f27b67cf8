"""One structured log line per generation request, pluggable callbacks, and Prometheus metrics.

* Log: a JSON line on stdout per create (orjson), with the model group, the
  deployment by name (``model_info.id``, else ``model_name#index``; never a URL or key), status,
  latency_ms, tokens, cost (USD, parley.spend), the upstream attempts (retries and fallbacks included) and the stream flag.
  Never an API key (only a prefix of the key's SHA-256) and never a prompt, unless
  ``general_settings.log_prompts`` is true (then the request's ``input`` and
  ``system_instruction`` are added as ``prompt``).
* Callbacks: ``general_settings.callbacks: ["module:function", ...]``, each called with the log
  record as a dict (coroutine functions are scheduled on the loop). Entries that do not import
  are a ConfigError at start-up naming ``general_settings.callbacks[i]``; a callback that raises
  is logged and skipped, never failing the request.
* Metrics on ``GET /metrics`` (Prometheus text), one CollectorRegistry per app; with several
  worker processes (``PROMETHEUS_MULTIPROC_DIR``, set by ``parley --workers N``) prometheus-client's
  multiprocess mode adds up every worker's, so any worker answers for all. Labels: model group,
  deployment name, a key's SHA-256 prefix; never a URL or a key. When keys are configured,
  /metrics takes the master key or ``general_settings.metrics_key``.

Wiring: `attach(engine)` chains the engine's ``on_finish`` and the router's ``on_attempt``
hooks; `middleware(app)` counts HTTP responses and requests in flight and remembers per request
what the log line needs from HTTP (the caller's key hash; the body only when prompts are logged);
the create's direct route (parley.lane) does the same through `open_request`/`close_request`.
Attempts are collected per request in a context variable: the router reports them from the task
that later calls ``on_finish`` (the request's task for JSON, the run's task for streams).
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import importlib
import inspect
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, MutableMapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client import metrics as prometheus_metrics
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import INF, floatToGoString

from parley.config import ConfigError, Settings
from parley.errors import UpstreamError
from parley.limits import ASGIApp, Message, Receive, Scope, Send, api_key_of, key_hash, send_error
from parley.providers.base import Deployment
from parley.shared_state import redis_url
from parley.tracing import Tracing
from parley.tracing import enabled as tracing_enabled
from parley.transport import upstream_headers
from parley.wire import utc_second

if TYPE_CHECKING:  # the engine imports this module
    from opentelemetry.trace import Span

    from parley.engine import Engine, RequestLog
    from parley.router import Attempt

# A configured callback: called with the log record, may return an awaitable (scheduled on the loop).
Callback: TypeAlias = Callable[[dict[str, Any]], object]

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
METHODS = frozenset({"GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"})
KEY_HASH_CHARS = 16  # enough to tell callers apart in logs; the key itself is never logged
KEY_LABEL_CHARS = 12  # metric label: a key's SHA-256 prefix
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@dataclass
class _RequestScope:
    """What the log line needs from the HTTP request, set by the middleware for the request's task
    (and inherited by the tasks it starts)."""

    key_hash: str | None = None
    body: bytearray | None = None  # only kept when prompts are logged
    body_limit: int = 0
    span: Span | None = None  # the request's trace span, when tracing is on and this is a create
    http_done: bool = False  # the response is sent (a background run may go on)
    finished: bool = False  # the engine reported the create's outcome


_request: ContextVar[_RequestScope | None] = ContextVar("parley_request_scope", default=None)
# The request's upstream attempts so far: a list set by the first attempt and appended to in place.
_attempts: ContextVar[list[Attempt] | None] = ContextVar("parley_attempts", default=None)


def deployment_label(dep: Deployment | None) -> str:
    """The deployment's name (``model_info.id``, else ``model_name#index``): never its URL or key."""
    if dep is None:
        return ""
    return str(dep.name or dep.model_name)


def _outcome(error: UpstreamError | None) -> str:
    """An attempt's result as a metric label: ok, an HTTP status, timeout or connection_error
    (or cancelled: Observability.attempted)."""
    if error is None:
        return "ok"
    if error.timeout:
        return "timeout"
    return str(error.status) if error.status else "connection_error"


_NUMBER = (int, float)  # a tuple: `int | float` builds a new union object at every evaluation


def _count(usage: Mapping[str, Any], name: str, alias: str = "") -> int:
    value = usage.get(name)
    if not isinstance(value, _NUMBER) and alias:
        value = usage.get(alias)
    return int(value) if isinstance(value, _NUMBER) else 0


def _tokens(usage: Mapping[str, Any]) -> dict[str, int]:
    inp = _count(usage, "total_input_tokens", "input_tokens")
    out = _count(usage, "total_output_tokens", "output_tokens")
    return {"input": inp, "output": out, "total": _count(usage, "total_tokens") or inp + out}


def load_callbacks(entries: Any, field: str = "general_settings.callbacks") -> list[tuple[str, Callback]]:
    """`general_settings.callbacks` (or LiteLLM's `litellm_settings.success_callback` /
    `failure_callback`) -> [(name, function)], or ConfigError naming the bad entry."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ConfigError(f'{field}: must be a list of "module:function" strings')
    out: list[tuple[str, Callback]] = []
    for i, entry in enumerate(entries):
        where = f"{field}[{i}]"
        if not isinstance(entry, str) or entry.count(":") != 1 or not all(entry.split(":")):
            raise ConfigError(f'{where}: {entry!r} is not of the form "module:function"')
        module_name, _, attr = entry.partition(":")
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise ConfigError(f"{where}: cannot import module {module_name!r}: {exc}") from None
        func = getattr(module, attr, None)
        if not callable(func):
            raise ConfigError(f"{where}: {module_name!r} has no callable {attr!r}")
        out.append((entry, func))
    return out


class _Stdout:
    """Where log lines go: the lines rendered in one event-loop tick go to sys.stdout in one
    write and flush at the end of the tick (one write per request was most of the log line's cost),
    to sys.stdout as it is then (redirections and captures made after start-up are honoured);
    whole lines across threads. A JSON create's line is written before its response is sent;
    outside a loop, at once. `flush()` writes what is pending (at shutdown)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[asyncio.AbstractEventLoop, list[str]] = {}

    def line(self, line: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._write([line])
            return
        with self._lock:
            lines = self._pending.get(loop)
            if lines is None:
                lines = self._pending[loop] = []
                loop.call_soon(self._flush, loop)
            lines.append(line)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            lines = self._pending.pop(loop, None)
        if lines:
            self._write(lines)

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
        for lines in pending:
            self._write(lines)

    def _write(self, lines: list[str]) -> None:
        lines.append("")
        with self._lock:
            sys.stdout.write("\n".join(lines))
            sys.stdout.flush()


# The log lines' timestamp, made of the current second's prefix (formatted once per second) and one
# of these: formatting the whole of it per line was a measurable share of the line.
_MILLIS = [f"{ms:03d}+00:00" for ms in range(1000)]
_MILLIS.append(_MILLIS[-1])  # should float rounding ever make a 1000
_second: tuple[int, str] = (-1, "")  # replaced whole: consistent when read from another thread


def _now() -> str:
    """ISO-8601 UTC with milliseconds: 2025-01-31T12:34:56.789+00:00."""
    global _second
    t = time.time()
    second, prefix = _second
    if int(t) != second:
        second = int(t)
        prefix = utc_second(second)[:-1] + "."
        _second = (second, prefix)
    return prefix + _MILLIS[int((t - second) * 1000)]


def multiprocess_dir() -> str | None:
    """Set (by `parley --workers N`, or by the operator) when several processes serve one port:
    every worker then writes its metrics there and /metrics adds up all of them."""
    return os.environ.get(MULTIPROC_ENV) or None


class _Series:
    """One series of a counter or gauge counted in this process: a plain float. No lock: only the
    event loop's thread updates it and /metrics reads it on that thread too (prometheus-client
    takes a lock and checks its arguments on every call, several times per request)."""

    __slots__ = ("created", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self.created = time.time()

    def inc(self, amount: float = 1) -> None:
        self.value += amount

    def dec(self, amount: float = 1) -> None:
        self.value -= amount

    def set(self, value: float) -> None:
        self.value = float(value)


class _Buckets:
    """One series of a histogram counted in this process (see _Series): per-bucket counts."""

    __slots__ = ("bounds", "counts", "created", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds  # ascending, +Inf last
        self.counts = [0] * len(bounds)
        self.sum = 0.0
        self.created = time.time()

    def observe(self, amount: float) -> None:
        self.sum += amount
        i = bisect.bisect_left(self.bounds, amount)  # the first bound >= amount, as prometheus-client
        if amount <= self.bounds[i]:  # NaN falls in no bucket (bisect puts it first)
            self.counts[i] += 1


class _Family:
    """A metric counted in this process and exported at scrape time as prometheus-client would
    export its own (same names, samples and `_created` series): the single-process form of
    Counter, Gauge and Histogram, with the subset of their API Parley uses."""

    def __init__(
        self,
        kind: str,  # counter, gauge or histogram
        name: str,
        documentation: str,
        labelnames: tuple[str, ...] = (),
        buckets: tuple[float, ...] = (),
    ) -> None:
        self.kind, self.name, self.documentation, self.labelnames = kind, name, documentation, labelnames
        self._bounds = (*buckets, INF) if kind == "histogram" else ()
        self._le = [floatToGoString(b) for b in self._bounds]  # type: ignore[no-untyped-call]
        self._series: dict[tuple[str, ...], Any] = {}
        self._unlabelled = None if labelnames else self.labels()

    def labels(self, *values: str) -> Any:
        series = self._series.get(values)
        if series is None:
            if len(values) != len(self.labelnames):
                raise ValueError(f"{self.name}: expected labels {self.labelnames}, got {values}")
            key = tuple(str(v) for v in values)  # as prometheus-client: label values are strings
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = _Buckets(self._bounds) if self._bounds else _Series()
        return series

    def inc(self, amount: float = 1) -> None:
        assert self._unlabelled is not None
        self._unlabelled.inc(amount)

    def dec(self, amount: float = 1) -> None:
        assert self._unlabelled is not None
        self._unlabelled.dec(amount)

    def set(self, value: float) -> None:
        assert self._unlabelled is not None
        self._unlabelled.set(value)

    def describe(self) -> list[Metric]:
        """The registry's names check at registration (no series yet: cheap)."""
        return self.collect()

    def collect(self) -> list[Metric]:
        created = _created_series()
        if self.kind == "counter":
            counter = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
            for values, series in self._series.items():
                counter.add_metric(values, series.value, series.created if created else None)
            return [counter]
        if self.kind == "gauge":
            gauge = GaugeMetricFamily(self.name, self.documentation, labels=self.labelnames)
            for values, series in self._series.items():
                gauge.add_metric(values, series.value)
            return [gauge]
        histogram = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for values, series in self._series.items():
            buckets, cumulative = [], 0
            for le, count in zip(self._le, series.counts, strict=True):
                cumulative += count
                buckets.append((le, float(cumulative)))
            histogram.add_metric(values, buckets, series.sum)
            if created:
                labels = dict(zip(self.labelnames, values, strict=True))
                histogram.add_sample(f"{self.name}_created", labels, series.created)
        return [histogram]


def _created_series() -> bool:
    """Whether prometheus-client exports `_created` series (PROMETHEUS_DISABLE_CREATED_SERIES,
    disable_created_metrics()): the families counted here follow it."""
    return bool(getattr(prometheus_metrics, "_use_created", True))


class _PerTick:
    """One series of prometheus-client's own metric (multiprocess mode), whose updates wait for
    the end of the loop's tick and are then written as one. Each of prometheus-client's updates
    takes a lock and writes the series' value to the shared file: ~1 us for a counter, ~2 us for
    a histogram, against 0.1-0.2 us counted here, and a request makes about ten. Under load a tick
    serves many requests, which then share one write per series. Updates from another thread, or
    with no loop running, are written at once."""

    __slots__ = ("_amount", "_counts", "_metrics", "_sum", "_target")

    def __init__(self, metrics: Metrics, target: Any) -> None:
        self._metrics, self._target = metrics, target
        self._amount = self._sum = 0.0
        # Histograms: their bounds and, per bucket, the observations waiting.
        bounds = getattr(target, "_upper_bounds", None)
        self._counts: list[int] | None = [0] * len(bounds) if bounds is not None else None

    def inc(self, amount: float = 1) -> None:
        if self._metrics.deferring(self):
            self._amount += amount
        else:
            self._target.inc(amount)

    def dec(self, amount: float = 1) -> None:
        self.inc(-amount)  # a gauge's (prometheus-client's Gauge.inc takes a negative amount)

    def set(self, value: float) -> None:
        self.flush()
        self._target.set(value)

    def observe(self, amount: float) -> None:
        if not self._metrics.deferring(self):
            self._target.observe(amount)
            return
        assert self._counts is not None
        self._sum += amount
        for i, bound in enumerate(self._target._upper_bounds):  # as Histogram.observe places it
            if amount <= bound:
                self._counts[i] += 1
                break

    def flush(self) -> None:
        """Write what waits. Histograms through their series' own values (`_sum`, `_buckets`):
        Histogram.observe takes one amount at a time."""
        target = self._target
        if self._counts is None:
            if self._amount:
                amount, self._amount = self._amount, 0.0
                target.inc(amount)
            return
        if any(self._counts):
            target._sum.inc(self._sum)
            for bucket, count in zip(target._buckets, self._counts, strict=True):
                if count:
                    bucket.inc(count)
            self._sum, self._counts = 0.0, [0] * len(self._counts)


# A metric as Metrics holds it: prometheus-client's own in multiprocess mode, else counted here.
AnyCounter: TypeAlias = Counter | _Family
AnyGauge: TypeAlias = Gauge | _Family
AnyHistogram: TypeAlias = Histogram | _Family


class Metrics:
    """Parley's metrics. One process: counted in plain floats (_Family) and exported at scrape
    time. Several (multiprocess_dir): prometheus-client's own metrics, which write to the shared
    files that any worker's /metrics adds up."""

    def __init__(self, shared_state: bool = False, multiprocess_mode: bool | None = None) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess_mode = (
            multiprocess_dir() is not None if multiprocess_mode is None else multiprocess_mode
        )
        self._children: dict[tuple[object, tuple[str, ...]], Any] = {}
        # Multiprocess mode: the series with updates waiting for the end of the tick (_PerTick).
        self._waiting: list[_PerTick] = []
        self._tick_thread: int | None = None  # the loop's thread while a flush is scheduled
        self.requests = self._counter(
            "parley_requests",
            "Generation requests by model group, deployment, final status and caller (key hash prefix).",
            ("model_group", "deployment", "status", "key"),
        )
        self.first_event = self._histogram(
            "parley_time_to_first_event_seconds",
            "Streams: time from the request to the upstream's first event, by model group.",
            ("model_group",),
        )
        self.cooldowns = self._counter(
            "parley_deployment_cooldowns",
            "Times a deployment was put in cooldown.",
            ("model_group", "deployment"),
        )
        self.cooldown_until = self._gauge(
            "parley_deployment_cooldown_until_seconds",
            "Unix time until which the deployment is cooling down (in the past or 0: taking requests).",
            ("model_group", "deployment"),
            "max",
        )
        self.redis_up: AnyGauge | None = None
        self.redis_fallbacks: AnyCounter | None = None
        if shared_state:
            self.redis_up = self._gauge(
                "parley_redis_up",
                "1 while the shared router state (Redis) is reachable, 0 while this process serves on its own state.",
                (),
                "livemin",
            )
            self.redis_up.set(1)
            self.redis_fallbacks = self._counter(
                "parley_redis_fallbacks",
                "Router and rate-limit decisions taken on local state because Redis was unreachable.",
                (),
            )
        self.latency = self._histogram(
            "parley_request_latency_seconds",
            "Generation request latency, retries and fallbacks included.",
            ("model_group", "stream"),
        )
        self.tokens = self._counter(
            "parley_tokens",
            "Tokens used, by model group, deployment, kind (input, output) and caller (key hash prefix).",
            ("model_group", "deployment", "kind", "key"),
        )
        self.attempts = self._counter(
            "parley_upstream_attempts",
            "Upstream calls by deployment and outcome (ok, HTTP status, timeout, connection_error, cancelled).",
            ("deployment", "outcome"),
        )
        self.upstream_errors = self._counter(
            "parley_upstream_errors",
            "Failed upstream calls by deployment and status (HTTP status, timeout, connection_error).",
            ("deployment", "status"),
        )
        self.upstream_latency = self._histogram(
            "parley_upstream_latency_seconds",
            "Latency of single upstream calls by deployment.",
            ("deployment",),
        )
        self.spend = self._counter(
            "parley_spend_usd",
            "What generation requests cost in USD (from their usage and the deployment's price), by model group.",
            ("model_group",),
        )
        self.in_flight = self._gauge(
            "parley_requests_in_flight", "HTTP requests being served.", (), "livesum"
        )
        self.http = self._counter(
            "parley_http_responses", "HTTP responses by method and status.", ("method", "status")
        )
        self.rejected = self._counter(
            "parley_rejected_requests",
            "Requests refused by the gateway's own limits, by reason.",
            ("reason",),
        )

    def _counter(self, name: str, documentation: str, labelnames: tuple[str, ...]) -> AnyCounter:
        if self.multiprocess_mode:
            return Counter(name, documentation, labelnames, registry=self.registry)
        return self._register(_Family("counter", name, documentation, labelnames))

    def _gauge(
        self,
        name: str,
        documentation: str,
        labelnames: tuple[str, ...],
        mode: Literal["max", "livemin", "livesum"],
    ) -> AnyGauge:
        if self.multiprocess_mode:
            return Gauge(name, documentation, labelnames, registry=self.registry, multiprocess_mode=mode)
        return self._register(_Family("gauge", name, documentation, labelnames))

    def _histogram(self, name: str, documentation: str, labelnames: tuple[str, ...]) -> AnyHistogram:
        if self.multiprocess_mode:
            return Histogram(name, documentation, labelnames, buckets=LATENCY_BUCKETS, registry=self.registry)
        return self._register(_Family("histogram", name, documentation, labelnames, LATENCY_BUCKETS))

    def _register(self, family: _Family) -> _Family:
        self.registry.register(family)
        return family

    def child(self, metric: AnyCounter | AnyGauge | AnyHistogram, *values: str) -> Any:
        """`metric.labels(*values)` (the metric itself when it has no labels), looked up once:
        prometheus-client's labels() takes a lock and checks its arguments on every call, several
        times per request. In multiprocess mode its updates are written once per tick (_PerTick)."""
        key = (metric, values)
        child = self._children.get(key)
        if child is None:
            if not self.multiprocess_mode:
                child = metric.labels(*values)
            else:
                child = _PerTick(self, metric.labels(*values) if values else metric)
            self._children[key] = child
        return child

    def deferring(self, series: _PerTick) -> bool:
        """Whether `series`' update may wait for the end of this tick (it is then listed)."""
        thread = threading.get_ident()
        if self._tick_thread is None:
            loop = asyncio._get_running_loop()
            if loop is None:
                return False
            loop.call_soon(self.flush)
            self._tick_thread = thread
        elif thread != self._tick_thread:
            return False
        if series not in self._waiting:
            self._waiting.append(series)
        return True

    def flush(self) -> None:
        """Write the updates waiting for the end of the tick."""
        waiting, self._waiting, self._tick_thread = self._waiting, [], None
        for series in waiting:
            series.flush()

    def exposition(self) -> bytes:
        self.flush()  # this worker's own updates of this tick, before it reads the files
        path = multiprocess_dir()
        if path is None:
            return generate_latest(self.registry)
        # Every worker's files, read afresh: the same answer whichever worker is asked.
        fleet = CollectorRegistry()
        multiprocess.MultiProcessCollector(fleet, path=path)  # type: ignore[no-untyped-call]
        return generate_latest(fleet)


Hooks: TypeAlias = tuple[
    list[tuple[str, Callback]], list[tuple[str, Callback]], list[tuple[str, Callback]], bool
]


def hooks(settings: Settings) -> Hooks:
    """The config's callbacks (every request's; LiteLLM's on success and on failure only) and
    whether it traces, or a ConfigError naming the bad entry. `parley` checks them before it says
    it serves and before any worker starts: they import the operator's modules."""
    general, litellm = settings.general_settings, settings.litellm_settings
    return (
        load_callbacks((general.model_extra or {}).get("callbacks")),
        load_callbacks(litellm.get("success_callback"), "litellm_settings.success_callback"),
        load_callbacks(litellm.get("failure_callback"), "litellm_settings.failure_callback"),
        tracing_enabled(settings),
    )


class Observability:
    def __init__(self, settings: Settings):
        general = settings.general_settings
        self.log_prompts = bool(general.log_prompts)
        self.max_body = general.max_request_body_bytes
        self.callbacks, self.on_success, self.on_failure, traced = hooks(settings)
        self.shared_state = redis_url(settings.router_settings) is not None
        self.metrics = Metrics(self.shared_state)
        # /metrics takes the master key or metrics_key whenever keys are configured.
        self.metrics_keys = {k for k in (general.master_key, general.metrics_key) if k}
        self.keys_configured = bool(settings.keys or general.metrics_key)
        self.tracing: Tracing | None = Tracing(settings) if traced else None
        self._stdout = _Stdout()
        self._any_callbacks = bool(self.callbacks or self.on_success or self.on_failure)
        self._engine: Engine | None = None
        self._pending: set[asyncio.Future[Any]] = set()

    # -- hooks ----------------------------------------------------------------------------------
    def attach(self, engine: Engine) -> None:
        """Chain onto the engine's on_finish and its router's on_attempt (once per engine)."""
        if self._engine is engine:
            return
        self._engine = engine
        finish, attempt = engine.on_finish, engine.router.on_attempt

        # Logging and metrics must never fail the request they describe (a closed stdout, a bug).
        # try/except rather than contextlib.suppress: no context manager object per call.
        def on_finish(log: RequestLog) -> None:
            try:
                self.finished(log)
            except Exception:
                pass
            if finish:
                finish(log)

        def on_attempt(a: Attempt) -> None:
            try:
                self.attempted(a)
            except Exception:
                pass
            if attempt:
                attempt(a)

        engine.on_finish, engine.router.on_attempt = on_finish, on_attempt
        if self.tracing is not None:
            engine.router.on_attempt_start = self.attempt_started
            engine.router.on_attempt_end = self.attempt_abandoned
        shared = engine.router.shared
        if shared is not None:
            shared.on_status, shared.on_fallback = self.shared_status, self.shared_fallback

    def close(self) -> None:
        """This process is leaving: its live gauges stop counting in the fleet's /metrics; spans
        still buffered are sent."""
        self._stdout.flush()
        self.metrics.flush()
        if multiprocess_dir() is not None:
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
        if self.tracing is not None:
            self.tracing.shutdown()

    # -- traces ---------------------------------------------------------------------------------
    def attempt_started(self, deployment: Deployment) -> Span:
        """An upstream attempt begins: its span, whose traceparent the upstream call carries."""
        assert self.tracing is not None
        scope = _request.get()
        span = self.tracing.attempt_span(scope.span if scope is not None else None, deployment)
        upstream_headers.set(self.tracing.traceparent(span))
        return span

    def attempt_abandoned(self, span: Span) -> None:
        upstream_headers.set(None)
        span.end()

    def shared_status(self, up: bool) -> None:
        if self.metrics.redis_up is not None:
            self.metrics.redis_up.set(1 if up else 0)

    def shared_fallback(self) -> None:
        if self.metrics.redis_fallbacks is not None:
            self.metrics.redis_fallbacks.inc()

    def attempted(self, attempt: Attempt) -> None:
        label = deployment_label(attempt.deployment)
        outcome = "cancelled" if attempt.cancelled else _outcome(attempt.error)
        m = self.metrics
        if attempt.trace is not None and self.tracing is not None:
            upstream_headers.set(None)
            self.tracing.end_attempt(attempt.trace, attempt, attempt.usage)
        m.child(m.attempts, label, outcome).inc()
        m.child(m.upstream_latency, label).observe(attempt.latency)
        if attempt.error is not None:
            m.child(m.upstream_errors, label, outcome).inc()
        if attempt.cooldown_until is not None:
            group = attempt.deployment.model_name
            m.child(m.cooldowns, group, label).inc()
            m.child(m.cooldown_until, group, label).set(attempt.cooldown_until)
        attempts = _attempts.get()
        if attempts is None:
            _attempts.set([attempt])
        else:
            attempts.append(attempt)

    def finished(self, log: RequestLog) -> None:
        attempts = _attempts.get()
        if attempts is None:
            attempts = []
        else:
            _attempts.set(None)  # the next request in this task starts afresh
        dep = log.deployment or (attempts[-1].deployment if attempts else None)
        group = dep.model_name if dep is not None else self._group(log.model)
        label = deployment_label(dep)
        tokens = _tokens(log.usage or {})
        # The line's fields in the order they have always had: "event" last (as structlog wrote it).
        record: dict[str, Any] = {
            "timestamp": _now(),
            "model": log.model,
            "model_group": group,
            "deployment": label or None,
            "status": log.status,
            "latency_ms": round(log.latency * 1000, 1),
            "tokens": tokens,
            "cost": log.cost,  # USD; null when the deployment's price is unknown
            "attempts": len(attempts),
            "retries": max(len(attempts) - 1, 0),
            "upstream_errors": [
                {"deployment": deployment_label(a.deployment), "status": _outcome(a.error)}
                for a in attempts
                if a.error is not None
            ],
            "stream": log.stream,
        }
        if log.usage_estimated:  # stopped or recovered before the upstream reported its usage
            record["usage_estimated"] = True
        if log.dropped:  # drop_params: what the provider could not honour
            record["dropped_params"] = list(log.dropped)
        scope = _request.get()
        # The key that made it: a run recovered from a dead process has no request here, only its
        # record's owner (the same hash).
        owner = log.owner or (scope.key_hash if scope is not None else None)
        if owner:
            record["key_hash"] = owner[:KEY_HASH_CHARS]
        if self.log_prompts and scope is not None and scope.body:
            record["prompt"] = _prompt(bytes(scope.body))
        record["event"] = "request"

        m = self.metrics
        key = owner[:KEY_LABEL_CHARS] if owner else "none"
        m.child(m.requests, group, label or "none", log.status or "unknown", key).inc()
        m.child(m.latency, group, "true" if log.stream else "false").observe(log.latency)
        if log.first_event is not None:
            m.child(m.first_event, group).observe(log.first_event)
        for kind in ("input", "output"):
            if tokens[kind]:
                m.child(m.tokens, group, label or "none", kind, key).inc(tokens[kind])
        if log.cost:
            m.child(m.spend, group).inc(log.cost)

        if scope is not None and scope.span is not None and self.tracing is not None:
            prompt = _prompt(bytes(scope.body)) if self.log_prompts and scope.body else None
            output = log.output if self.log_prompts else None
            self.tracing.finish_request(scope.span, record, dep, prompt, output)
            scope.finished = True
            if scope.http_done:
                scope.span.end()

        self._log(record)
        if self._any_callbacks:
            self._call_back(record)

    def _log(self, record: dict[str, Any]) -> None:
        """One JSON line: orjson straight from the record (structlog's processor chain, around the
        same renderer, cost more than the rendering itself)."""
        self._stdout.line(orjson.dumps(record, default=str).decode())

    def _group(self, model: str) -> str:
        try:
            return self._engine.router.group_for(model) if self._engine else model
        except Exception:
            return model

    def _call_back(self, record: dict[str, Any]) -> None:
        which = self.on_failure if record.get("status") == "failed" else self.on_success
        for name, func in [*self.callbacks, *which]:
            try:
                result = func(dict(record))
                if inspect.isawaitable(result):
                    task = asyncio.ensure_future(result)
                    self._pending.add(task)
                    task.add_done_callback(functools.partial(self._async_done, name))
            except Exception as exc:
                self._callback_failed(name, exc)

    def _async_done(self, name: str, task: asyncio.Future[Any]) -> None:
        self._pending.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self._callback_failed(name, error)

    def _callback_failed(self, name: str, exc: BaseException) -> None:
        self._log(
            {"timestamp": _now(), "callback": name, "error": type(exc).__name__, "event": "callback_failed"}
        )

    def rejected(self, reason: str, scope: MutableMapping[str, Any]) -> None:
        """Called by the limits middlewares when they refuse a request."""
        self.metrics.child(self.metrics.rejected, reason).inc()
        key = api_key_of(scope)
        self._log(
            {
                "timestamp": _now(),
                "reason": reason,
                "method": scope.get("method"),
                "path": scope.get("path"),
                "key_hash": key_hash(key)[:KEY_HASH_CHARS] if key else None,
                "event": "request_rejected",
            }
        )

    # -- HTTP -----------------------------------------------------------------------------------
    def open_request(self, scope: Scope, body: bytes | None = None) -> tuple[_RequestScope, Token[Any]]:
        """A request starts: its scope for the log line (set for this task) and the in-flight
        count. `body`: the request's whole body when the caller has it already (the create's
        direct route); else the middleware keeps it while it is received (prompts logged only)."""
        key = api_key_of(scope)
        request = _RequestScope(key_hash=key_hash(key) if key else None)
        if self.log_prompts and scope.get("method") == "POST":
            if body is not None and len(body) <= self.max_body:
                request.body = bytearray(body)
            else:
                request.body = bytearray()
                request.body_limit = self.max_body
        if (
            self.tracing is not None
            and scope.get("method") == "POST"
            and scope["path"].endswith("/interactions")
        ):
            request.span = self.tracing.request_span(scope.get("headers") or (), f"POST {scope['path']}")
        token = _request.set(request)
        self.metrics.child(self.metrics.in_flight).inc()
        return request, token

    def close_request(self, request: _RequestScope, token: Token[Any], method: str, status: int) -> None:
        """The request's response is sent (`status`, 0 if none was): counted; its span ends unless
        the engine has yet to report a create's outcome."""
        metrics = self.metrics
        metrics.child(metrics.in_flight).dec()
        metrics.child(metrics.http, method if method in METHODS else "other", str(status or 0)).inc()
        _request.reset(token)
        if request.span is not None:
            request.span.set_attribute("http.response.status_code", status)
            request.http_done = True
            # A create that is answered 200 ends its span when the engine reports the outcome
            # (a background run or a stream may outlive the response); anything else now.
            if request.finished or status != 200:
                request.span.end()

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Counts responses and requests in flight; sets the per-request scope for the log line."""

        async def observed(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            request, token = self.open_request(scope)
            status = 0

            async def receive_and_keep() -> Message:
                message = await receive()
                if request.body is not None and message.get("type") == "http.request":
                    chunk = message.get("body", b"")
                    if len(request.body) + len(chunk) <= request.body_limit:
                        request.body += chunk
                return message

            async def send_and_count(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive_and_keep if request.body is not None else receive, send_and_count)
            finally:
                self.close_request(request, token, scope.get("method", ""), status)

        return observed

    async def serve_metrics(self, scope: Scope, send: Send) -> None:
        if scope.get("method") not in ("GET", "HEAD"):
            await send_error(send, 405, "Only GET is allowed on /metrics.", headers={"Allow": "GET, HEAD"})
            return
        if self.keys_configured and api_key_of(scope) not in self.metrics_keys:
            await send_error(
                send,
                401,
                "/metrics needs the master key or general_settings.metrics_key, as "
                "`Authorization: Bearer KEY` or `x-goog-api-key: KEY`.",
                headers={"WWW-Authenticate": "Bearer"},
            )
            return
        body = self.metrics.exposition()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", CONTENT_TYPE_LATEST.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def _prompt(raw: bytes) -> Any:
    """What the client asked: `input` and `system_instruction` of the create body."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict):
        return None
    return {k: body[k] for k in ("system_instruction", "input") if k in body}


__all__ = ["Metrics", "Observability", "deployment_label", "hooks", "load_callbacks"]
