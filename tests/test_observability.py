"""The metrics counted in one process and the log line, unit by unit (the gateway-level checks are in
test_reliability.py and test_fleet.py)."""

import asyncio
import json
import re
import time
from typing import Any

import pytest
from prometheus_client import disable_created_metrics, enable_created_metrics
from prometheus_client.exposition import generate_latest

from parley import observability
from parley.config import parse
from parley.engine import RequestLog
from parley.observability import Metrics, Observability
from parley.router import AfterAnswer, Attempt


def count_a_bit_of_everything(m: Metrics) -> None:
    for _ in range(2):
        m.child(m.requests, "g", "g#0", "completed", "abc").inc()
    m.child(m.requests, "g", "g#1", "failed", "none").inc()
    for seconds in (0.0004, 0.05, 0.07, 0.5, 299.0, 1000.0):
        m.child(m.latency, "g", "false").observe(seconds)
    m.child(m.latency, "g", "true").observe(0.2)
    m.child(m.first_event, "g").observe(0.01)
    m.child(m.upstream_latency, "g#0").observe(0.3)
    m.child(m.tokens, "g", "g#0", "input", "abc").inc(11)
    m.child(m.tokens, "g", "g#0", "output", "abc").inc(7)
    m.child(m.spend, "g").inc(0.0012)
    m.child(m.cooldowns, "g", "g#0").inc()
    m.child(m.cooldown_until, "g", "g#0").set(1234.5)
    m.child(m.http, "POST", "200").inc()
    m.child(m.in_flight).inc()
    m.child(m.in_flight).inc()
    m.child(m.in_flight).dec()
    m.child(m.rejected, "rate_limited").inc()
    assert m.redis_up is not None and m.redis_fallbacks is not None
    m.redis_up.set(0)
    m.redis_fallbacks.inc()


def exposition(m: Metrics) -> str:
    # _created holds the time a series was first counted: the same shape, not the same value.
    return re.sub(r"(?m)^(\w+_created(\{.*\})?) \S+$", r"\1 T", generate_latest(m.registry).decode())


@pytest.mark.parametrize("created", [True, False])
def test_metrics_counted_here_export_as_prometheus_client_would(created):
    if not created:
        disable_created_metrics()
    try:
        ours, theirs = Metrics(True, multiprocess_mode=False), Metrics(True, multiprocess_mode=True)
        count_a_bit_of_everything(ours)
        count_a_bit_of_everything(theirs)
        text = exposition(ours)
        assert text == exposition(theirs)
    finally:
        enable_created_metrics()
    assert 'parley_requests_total{deployment="g#0",key="abc",model_group="g",status="completed"} 2.0' in text
    assert 'parley_request_latency_seconds_bucket{le="0.05",model_group="g",stream="false"} 2.0' in text
    assert 'parley_request_latency_seconds_bucket{le="+Inf",model_group="g",stream="false"} 6.0' in text
    assert "parley_requests_in_flight 1.0" in text
    assert ("_created" in text) is created


def test_multiprocess_updates_made_in_one_tick_are_written_when_it_ends():
    """prometheus-client's own metrics (multiprocess mode) are written once per series per tick:
    nothing before the tick ends, then the same exposition as counting each update."""
    each, per_tick = Metrics(True, multiprocess_mode=True), Metrics(True, multiprocess_mode=True)
    count_a_bit_of_everything(each)  # no loop running: each update written at once
    zero = exposition(Metrics(True, multiprocess_mode=True))

    async def one_tick() -> tuple[str, str]:
        count_a_bit_of_everything(per_tick)
        during = exposition(per_tick)
        await asyncio.sleep(0)  # the tick ends: its flush runs
        return during, exposition(per_tick)

    during, after = asyncio.run(one_tick())
    # Only what is written at once: the gauges set (cooldown_until, redis_up) and redis_fallbacks.
    assert (
        'parley_requests_total{deployment="g#0",key="abc",model_group="g",status="completed"} 0.0' in during
    )
    assert 'parley_request_latency_seconds_count{model_group="g",stream="false"} 0.0' in during
    assert "parley_requests_in_flight 0.0" in during and "parley_redis_fallbacks_total 1.0" in during
    assert during != zero and after == exposition(each)
    assert 'parley_request_latency_seconds_bucket{le="+Inf",model_group="g",stream="false"} 6.0' in after
    assert "parley_requests_in_flight 1.0" in after

    # /metrics writes the tick's updates before it reads.
    async def scraped() -> bytes:
        per_tick.child(per_tick.requests, "g", "g#0", "completed", "abc").inc()
        return per_tick.exposition()

    assert b'parley_requests_total{deployment="g#0",key="abc",model_group="g",status="completed"} 3.0' in (
        asyncio.run(scraped())
    )


def test_metrics_counted_here_take_label_values_as_prometheus_client_does():
    m = Metrics(multiprocess_mode=False)
    m.rejected.labels(429).inc()  # type: ignore[arg-type]
    m.rejected.labels("429").inc()
    m.child(m.latency, "g", "false").observe(float("nan"))  # in no bucket, as prometheus-client
    with pytest.raises(ValueError):
        m.rejected.labels("a", "b")
    text = generate_latest(m.registry).decode()
    assert 'parley_rejected_requests_total{reason="429"} 2.0' in text
    assert 'parley_request_latency_seconds_count{model_group="g",stream="false"} 0.0' in text


def test_the_timestamp_has_milliseconds_and_follows_the_clock(monkeypatch):
    for now, expected in [
        (1700000000.0, "2023-11-14T22:13:20.000+00:00"),
        (1700000000.2507, "2023-11-14T22:13:20.250+00:00"),
        (1700000000.9995, "2023-11-14T22:13:20.999+00:00"),
        (1700000001.0015, "2023-11-14T22:13:21.001+00:00"),
        (1700000000.5, "2023-11-14T22:13:20.500+00:00"),  # the clock went back: the right second still
    ]:
        monkeypatch.setattr(time, "time", lambda now=now: now)
        assert observability._now() == expected


def test_the_log_line_keeps_its_fields_in_order(capsys):
    config = {"model_list": [{"model_name": "m", "litellm_params": {"model": "gemini/x", "api_key": "k"}}]}
    obs = Observability(parse(config))
    (dep,) = parse(config).deployments()
    usage = {"total_input_tokens": 11, "total_output_tokens": 7, "total_tokens": 18}
    obs.attempted(Attempt(dep, 0.25, usage=usage))  # type: ignore[arg-type]
    obs.finished(
        RequestLog(model="m", deployment=dep, status="completed", usage=usage, latency=0.5, cost=0.25)
    )  # type: ignore[arg-type]
    (line,) = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert list(record) == [
        "timestamp",
        "model",
        "model_group",
        "deployment",
        "status",
        "latency_ms",
        "tokens",
        "cost",
        "attempts",
        "retries",
        "upstream_errors",
        "stream",
        "event",
    ]
    assert record["event"] == "request" and record["deployment"] == "m#0" and record["latency_ms"] == 500.0
    assert record["tokens"] == {"input": 11, "output": 7, "total": 18}
    assert record["attempts"] == 1 and record["upstream_errors"] == []
    assert "k" not in record.values()
    text = generate_latest(obs.metrics.registry).decode()
    assert 'parley_upstream_attempts_total{deployment="m#0",outcome="ok"} 1.0' in text
    assert 'parley_tokens_total{deployment="m#0",key="none",kind="input",model_group="m"} 11.0' in text


async def test_a_json_create_leaves_its_bookkeeping_to_after_when_asked(gemini_upstream, tmp_path):
    """With `after` (the direct route's), a JSON create returns before its spend row, log line
    and metrics (the request's and its attempt's) are done, and they are done when the caller runs
    what it added, in order; the answer's cost header is known already. Without `after`, they are
    done before it returns."""
    from parley.engine import Engine, response_cost
    from tests.conftest import gemini_config

    config = gemini_config(gemini_upstream.url, database_url=f"sqlite:///{tmp_path}/p.db")
    engine = await Engine.open(parse(config))
    finished: list[RequestLog] = []
    reports: list[Any] = []
    engine.on_finish = lambda log: reports.append(log) or finished.append(log)
    engine.router.on_attempt = reports.append
    try:
        after = AfterAnswer()
        result = await engine.create({"model": "gemini-fake", "input": "hi"}, after=after)
        assert result["status"] == "completed" and response_cost.get() is not None
        assert reports == [] and await engine.store.spend_logs() == []
        after.run()
        assert [type(r) for r in reports] == [Attempt, RequestLog]
        assert [log.interaction_id for log in finished] == [result["id"]]
        assert [row.interaction_id for row in await engine.store.spend_logs()] == [result["id"]]

        again = await engine.create({"model": "gemini-fake", "input": "hi"})
        assert [log.interaction_id for log in finished] == [result["id"], again["id"]] and len(reports) == 4
    finally:
        await engine.close()


async def test_a_stream_leaves_its_bookkeeping_to_after_and_its_client_leaving_does_not_lose_it(
    gemini_upstream, tmp_path
):
    """A foreground stream with `after`: its whole answer is out (the client waited for none of
    it) before its log line, metrics and spend row; `after.run()` does them, with its attempt
    counted (the run's own context). A client that went away, whose route ran `after` before the
    run ended, loses nothing: what the run adds then is done at once."""
    from parley.engine import Engine
    from tests.conftest import gemini_config

    config = gemini_config(gemini_upstream.url, database_url=f"sqlite:///{tmp_path}/p.db")
    engine = await Engine.open(parse(config))
    finished: list[RequestLog] = []
    attempts: list[list[Attempt]] = []  # what the log line counts, as each on_finish sees it
    engine.on_finish = lambda log: (
        finished.append(log) or attempts.append(observability._attempts.get() or [])
    )
    engine.router.on_attempt = lambda attempt: observability._attempts.set([attempt])
    try:
        after = AfterAnswer()
        events = await engine.create({"model": "gemini-fake", "input": "hi", "stream": True}, after=after)
        got = [event async for batch in events for event in batch]
        assert got[-1]["event_type"] == "interaction.completed"
        ident = got[0]["interaction"]["id"]
        assert finished == [] and await engine.store.spend_logs() == []
        after.run()
        assert [log.interaction_id for log in finished] == [ident] and [len(a) for a in attempts] == [1]
        assert [row.interaction_id for row in await engine.store.spend_logs()] == [ident]

        gone = AfterAnswer()
        gone.run()  # the route is done: its client went away
        events = await engine.create({"model": "gemini-fake", "input": "hi", "stream": True}, after=gone)
        got = [event async for batch in events for event in batch]
        assert [log.interaction_id for log in finished] == [ident, got[0]["interaction"]["id"]]
    finally:
        await engine.close()
