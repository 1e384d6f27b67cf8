"""Router and reliability, the request log line and metrics, request limits: real Parley gateways
over fake Gemini upstreams, all on loopback.

Three fake upstreams (A, B, C) live for the module; each test scripts them through `.upstream`
(replies, default) and counts the requests each received. Router state (cooldowns, latencies,
rpm windows) belongs to a gateway, so tests that depend on it start their own.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from parley.config import ConfigError, parse
from parley.contract.spec import assert_stream_valid, validate
from parley.limits import RateLimit
from parley.server import create_app
from tests.adapter_kit import fakes_fixtures
from tests.conftest import MASTER_KEY, OTHER_KEY, log_lines, log_until
from tests.fakes import gemini as gemini_fake
from tests.fakes.script import Reply
from tests.fakes.server import LiveServer

UPSTREAM_MODEL = "gemini-3-flash-preview"
PROMPT = "PROMPT-CANARY-7731 tell me about lighthouses"


fakes, _reset_module_fakes = fakes_fixtures(gemini_fake.make_app, "ABC")


def deployment(model_name: str, fake, **params) -> dict:
    return {
        "model_name": model_name,
        "litellm_params": {
            "model": f"gemini/{UPSTREAM_MODEL}",
            "api_base": fake.url,
            "api_key": f"upstream-secret-{fake.port}",
            **params,
        },
    }


def start(gateway_factory, model_list: list[dict], router: dict | None = None, **general) -> LiveServer:
    return gateway_factory(
        {
            "model_list": model_list,
            "router_settings": router or {},
            "general_settings": {"master_key": MASTER_KEY, "api_keys": [OTHER_KEY], **general},
        }
    )


def client(gateway, key: str | None = MASTER_KEY) -> httpx.Client:
    return httpx.Client(base_url=gateway.url, headers={"x-goog-api-key": key} if key else {}, timeout=30)


def create(c: httpx.Client, model: str, **body) -> httpx.Response:
    return c.post("/v1/interactions", json={"model": model, "input": "hi", "store": False, **body})


def hits(*fakes) -> list[int]:
    return [len(f.upstream.requests) for f in fakes]


def gaps(fake) -> list[float]:
    """Seconds between the fake's consecutive requests: the gateway's waits, not the client's."""
    times = [request["at"] for request in fake.upstream.requests]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def label(group: str, index: int = 0) -> str:
    """How logs and metrics name a deployment: never by its URL."""
    return f"{group}#{index}"


KEY_LABEL = hashlib.sha256(MASTER_KEY.encode()).hexdigest()[:12]


def metrics(gateway, key: str | None = MASTER_KEY) -> dict[tuple, float]:
    """/metrics as {(sample name, sorted label items): value}."""
    r = httpx.get(f"{gateway.url}/metrics", headers={"Authorization": f"Bearer {key}"} if key else {})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def metric(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def assert_error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    validate("ErrorResponse", r.json())
    return r.json()["error"]


# -- routing strategies ---------------------------------------------------------------------------
def test_simple_shuffle_respects_weights(gateway_factory, fakes):
    a, b = fakes["A"], fakes["B"]
    gw = start(gateway_factory, [deployment("m", a, weight=3), deployment("m", b, weight=1)])
    with client(gw) as c, ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: create(c, "m").status_code, range(100)))
    assert statuses == [200] * 100
    on_a, on_b = hits(a, b)
    assert on_a + on_b == 100
    assert 60 <= on_a <= 90, (on_a, on_b)  # expected 75; sd 4.3


def test_least_busy_avoids_the_busy_deployment(gateway_factory, fakes):
    a, b = fakes["A"], fakes["B"]
    gw = start(gateway_factory, [deployment("m", a), deployment("m", b)], {"routing_strategy": "least-busy"})
    for f in (a, b):
        f.upstream.replies.append(Reply(delay=1.5))  # whichever gets the first request stalls
    with client(gw) as c:
        slow = threading.Thread(target=create, args=(c, "m"))
        slow.start()
        deadline = time.monotonic() + 5
        while sum(hits(a, b)) == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        busy, idle = (a, b) if hits(a, b)[0] else (b, a)
        idle.upstream.replies.clear()
        for _ in range(5):  # simple-shuffle would send half of these to the busy one
            assert create(c, "m").status_code == 200
        assert len(busy.upstream.requests) == 1 and len(idle.upstream.requests) == 5
        slow.join()
        # Once it is done it is idle again: traffic spreads over both (in-flight was not leaked).
        for _ in range(20):
            assert create(c, "m").status_code == 200
    assert len(busy.upstream.requests) > 1


def test_latency_based_routing_prefers_the_fast_deployment(gateway_factory, fakes):
    slow, fast = fakes["A"], fakes["B"]
    slow.upstream.default = Reply(delay=0.3)
    gw = start(
        gateway_factory,
        [deployment("m", slow), deployment("m", fast)],
        {"routing_strategy": "latency-based-routing"},
    )
    with client(gw) as c:
        for _ in range(12):
            assert create(c, "m").status_code == 200
    assert hits(slow, fast) == [1, 11]  # each tried once, then only the fast one


# -- retries ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status, retry_after", [(500, 0.6), (429, 1.0)])
def test_retries_honour_retry_after(gateway_factory, fakes, status, retry_after):
    a = fakes["A"]
    gw = start(gateway_factory, [deployment("m", a)], {"num_retries": 2})
    a.upstream.replies.append(Reply(status=status, retry_after=retry_after))
    with client(gw) as c:
        r = create(c, "m")
    assert r.status_code == 200, r.text
    assert hits(a) == [2]
    assert retry_after <= gaps(a)[0] < retry_after + 1.0


def test_retries_back_off_exponentially_without_retry_after(gateway_factory, fakes):
    a = fakes["A"]
    gw = start(gateway_factory, [deployment("m", a)], {"num_retries": 3, "retry_after": 0.2})
    a.upstream.replies += [Reply(status=503), Reply(status=503)]
    with client(gw) as c:
        assert create(c, "m").status_code == 200
    assert hits(a) == [3]
    first, second = gaps(a)  # 0.2 then 0.4, each plus up to half again of jitter
    assert 0.2 <= first < 0.8
    assert 0.4 <= second < 1.1  # doubled: more than the first step with its largest jitter


def test_a_retry_on_another_deployment_does_not_wait_for_the_first_ones_retry_after(gateway_factory, fakes):
    a, b = fakes["A"], fakes["B"]
    gw = start(gateway_factory, [deployment("m", a, weight=100), deployment("m", b)], {"num_retries": 1})
    a.upstream.default = Reply(status=429, retry_after=5)
    with client(gw) as c:
        for _ in range(10):
            r = create(c, "m")
            assert r.status_code == 200, r.text
            if hits(a)[0]:
                break
        # B was tried at once; A's Retry-After is A's (timed between the two arrivals).
        assert b.upstream.requests[-1]["at"] - a.upstream.requests[0]["at"] < 1
        assert hits(a)[0] == 1
        # A said 429: it cools down for its Retry-After, traffic stays on B meanwhile.
        for _ in range(5):
            assert create(c, "m").status_code == 200
    assert hits(a)[0] == 1


def test_no_retry_on_a_client_error(gateway_factory, fakes):
    a = fakes["A"]
    gw = start(gateway_factory, [deployment("m", a)], {"num_retries": 3})
    a.upstream.replies.append(Reply(status=400, error_message="the upstream did not like it"))
    with client(gw) as c:
        error = assert_error(create(c, "m"), 400)
    assert "the upstream did not like it" in error["message"]
    assert hits(a) == [1]


def test_fallback_to_another_model_group(gateway_factory, fakes):
    a, b = fakes["A"], fakes["B"]
    gw = start(
        gateway_factory,
        [deployment("primary", a), deployment("backup", b)],
        {"num_retries": 1, "fallbacks": [{"primary": ["backup"]}]},
    )
    a.upstream.default = Reply(status=500)
    with client(gw) as c:
        r = create(c, "primary")
        assert r.status_code == 200, r.text
        assert r.json()["model"] == "primary"
        assert hits(a, b) == [2, 1]  # the primary and its retry, then the fallback
        b.upstream.default = Reply(status=500, error_message="backup down too")
        error = assert_error(create(c, "primary"), 502)
    assert "backup down too" in error["message"]
    assert hits(a, b) == [4, 3]


def test_cooldown_moves_traffic_and_recovers(gateway_factory, fakes):
    a, b = fakes["A"], fakes["B"]
    cooldown = 3.0
    gw = start(
        gateway_factory,
        [deployment("m", a, weight=100), deployment("m", b)],
        {"num_retries": 1, "allowed_fails": 1, "cooldown_time": cooldown},
    )
    a.upstream.default = Reply(status=500)
    with client(gw) as c:
        while not hits(a)[0]:
            assert create(c, "m").status_code == 200  # A fails, the retry lands on B
            assert sum(hits(a, b)) < 20
        failed_at = a.upstream.requests[0]["at"]  # the cooldown starts no earlier than this
        before = hits(b)[0]
        for _ in range(10):
            assert create(c, "m").status_code == 200
        assert time.monotonic() - failed_at < cooldown, "too slow to observe the cooldown"
        assert hits(a, b) == [1, before + 10]  # A was not even tried while cooling down
        a.upstream.default = Reply()
        time.sleep(max(0.0, failed_at + cooldown + 1.0 - time.monotonic()))
        for _ in range(10):
            assert create(c, "m").status_code == 200
    assert hits(a)[0] >= 5  # back in rotation (weight 100 : 1)


def test_client_errors_do_not_count_towards_a_cooldown(gateway_factory, fakes):
    a, b = fakes["A"], fakes["B"]
    gw = start(
        gateway_factory,
        [deployment("m", a, weight=1e6), deployment("m", b)],
        {"allowed_fails": 2, "cooldown_time": 60},
    )
    a.upstream.replies += [Reply(status=400), Reply(status=400), Reply(status=500)]
    with client(gw) as c:
        assert [create(c, "m").status_code for _ in range(3)] == [400, 400, 502]
        assert create(c, "m").status_code == 200  # one upstream failure is below allowed_fails
    assert hits(a, b) == [4, 0]


# -- timeouts, rpm ----------------------------------------------------------------------------------
def test_deployment_timeout(gateway_factory, fakes):
    a, b = fakes["A"], fakes["B"]
    gw = start(
        gateway_factory,
        [
            deployment("solo", a, timeout=0.3),
            deployment("pair", a, timeout=0.3, weight=1e6),  # A first (1 in 10^6 otherwise)
            deployment("pair", b),
        ],
        {"num_retries": 1, "allowed_fails": 1, "cooldown_time": 60},
    )
    a.upstream.default = Reply(delay=3)
    with client(gw) as c:
        error = assert_error(create(c, "solo"), 504)  # retried once, timed out twice
        # The second attempt ended at its 0.3 s deadline, not after the stalled upstream's 3 s
        # (timed from its arrival: a loaded machine's first request may take seconds to get there).
        assert time.monotonic() - a.upstream.requests[1]["at"] < 2
        assert gaps(a) == [pytest.approx(0.3, abs=1.0)]  # the retry left after the 0.3 s deadline
        assert "timed out" in error["message"]
        assert hits(a) == [2]
        # In a group, the stalled deployment times out, cools down, and the retry goes to the other.
        r = create(c, "pair")
        assert r.status_code == 200, r.text
        assert b.upstream.requests[0]["at"] - a.upstream.requests[2]["at"] < 1.3
        assert create(c, "pair").status_code == 200
    assert hits(a, b) == [3, 2]


def test_a_retry_goes_to_a_deployment_not_yet_tried(gateway_factory, fakes):
    a, b = fakes["A"], fakes["B"]
    # No cooldown to hide it: every first attempt that lands on A fails, and its one retry must go to B.
    gw = start(
        gateway_factory,
        [deployment("pair", a), deployment("pair", b)],
        {"num_retries": 1, "allowed_fails": 100},
    )
    a.upstream.default = Reply(status=500)
    with client(gw) as c:
        assert [create(c, "pair").status_code for _ in range(12)] == [200] * 12
    assert hits(b) == [12] and hits(a)[0] > 0


def test_rpm_per_deployment(gateway_factory, fakes):
    a, b = fakes["A"], fakes["B"]
    gw = start(gateway_factory, [deployment("m", a, rpm=2), deployment("m", b, rpm=3)])
    with client(gw) as c:
        for _ in range(5):
            assert create(c, "m").status_code == 200
        assert hits(a, b) == [2, 3]
        r = create(c, "m")
    error = assert_error(r, 503)
    assert "rate limits" in error["message"]
    assert int(r.headers["retry-after"]) > 30  # the windows reset a minute after they began
    assert hits(a, b) == [2, 3]


# -- streams ----------------------------------------------------------------------------------------
def test_a_stream_cut_midway_is_not_retried(gateway_factory, fakes):
    a, b = fakes["A"], fakes["B"]
    gw = start(gateway_factory, [deployment("m", a), deployment("m", b)], {"num_retries": 2})
    for f in (a, b):
        f.upstream.replies.append(Reply(text="x" * 80, chunk_size=4, cut_after=5))
    with client(gw) as c:
        r = c.post("/v1/interactions", json={"model": "m", "input": "hi", "stream": True})
        assert r.status_code == 200
        events = assert_stream_valid(r.text)
        kinds = [e["event_type"] for e in events]
        assert kinds[-1] == "error" and "interaction.completed" not in kinds
        assert kinds.count("interaction.created") == 1
        assert sum(hits(a, b)) == 1  # never a second upstream call after output was sent
        stored = c.get(f"/v1/interactions/{events[0]['interaction']['id']}").json()
    assert stored["status"] == "failed"


def test_a_stream_failing_before_its_first_event_is_retried(gateway_factory, fakes):
    a = fakes["A"]
    gw = start(gateway_factory, [deployment("m", a)], {"num_retries": 1})
    a.upstream.replies.append(Reply(status=503))
    with client(gw) as c:
        r = c.post("/v1/interactions", json={"model": "m", "input": "hi", "stream": True, "store": False})
    events = assert_stream_valid(r.text)
    assert events[-1]["event_type"] == "interaction.completed"
    assert hits(a) == [2]


# -- the log line and callbacks -------------------------------------------------------------------
RECORDS: list[dict] = []


def remember(record: dict) -> None:
    RECORDS.append(record)


def explode(record: dict) -> None:
    raise RuntimeError("callback bug")


@pytest.mark.parametrize("validate", [True, False], ids=["connexion", "direct"])  # the create's route
def test_log_line_has_the_facts_and_no_secrets(gateway_factory, fakes, capsys, validate):
    a = fakes["A"]
    gw = start(
        gateway_factory,
        [deployment("m", a)],
        {"num_retries": 1},
        callbacks=["tests.test_reliability:explode", "tests.test_reliability:remember"],
        validate_responses=validate,
    )
    RECORDS.clear()
    a.upstream.replies.append(Reply(status=500))
    with client(gw) as c:
        assert c.post("/v1/interactions", json={"model": "m", "input": PROMPT}).status_code == 200
        r = c.post("/v1/interactions", json={"model": "m", "input": PROMPT, "stream": True})
        assert r.status_code == 200
    out = log_until(capsys, 2)
    out = log_until(capsys, 2, event="callback_failed", out=out)  # written just after each line
    lines = log_lines(out)
    assert len(lines) == 2
    first, streamed = lines
    assert first["model"] == first["model_group"] == "m"
    assert first["deployment"] == label("m")
    assert first["status"] == "completed" and first["stream"] is False
    assert first["attempts"] == 2 and first["retries"] == 1
    assert first["upstream_errors"] == [{"deployment": label("m"), "status": "500"}]
    assert first["tokens"] == {"input": 11, "output": 7, "total": 18}
    assert first["latency_ms"] > 0 and first["key_hash"]
    assert streamed["stream"] is True and streamed["attempts"] == 1 and streamed["status"] == "completed"
    for secret in (MASTER_KEY, "upstream-secret", "PROMPT-CANARY", "lighthouses"):
        assert secret not in out
    assert "prompt" not in first and "usage_estimated" not in first  # the upstream's own usage
    # Callbacks got the same records; the raising one was logged and skipped.
    assert [r["status"] for r in RECORDS] == ["completed", "completed"]
    assert RECORDS[0] == first
    assert len(log_lines(out, "callback_failed")) == 2


def test_a_stream_its_client_leaves_counts_its_upstream_attempt(gateway_factory, fakes, capsys):
    a = fakes["A"]
    gw = start(gateway_factory, [deployment("m", a)])
    a.upstream.replies.append(Reply(text="w" * 400, chunk_size=4, event_delay=0.05))
    capsys.readouterr()
    with client(gw) as c:
        with c.stream("POST", "/v1/interactions", json={"model": "m", "input": PROMPT, "stream": True}) as r:
            for line in r.iter_lines():
                if "step.delta" in line:
                    break  # and leave
    (line,) = log_lines(log_until(capsys, 1))
    assert line["status"] == "cancelled" and line["attempts"] == 1 and line["upstream_errors"] == []
    samples = metrics(gw)
    label = line["deployment"]
    assert metric(samples, "parley_upstream_attempts_total", deployment=label, outcome="cancelled") == 1
    # The upstream's usage comes at its end, which never came: spend is estimated from the text
    # (4 characters a token), not zero, so leaving just before the end is not free.
    assert line["usage_estimated"] is True
    tokens = line["tokens"]
    assert tokens["input"] == -(-len(PROMPT) // 4)
    assert 1 <= tokens["output"] < 100 and tokens["total"] == tokens["input"] + tokens["output"]
    assert line["cost"] > 0
    with client(gw) as c:
        (row,) = c.get("/spend/logs", headers={"Authorization": f"Bearer {MASTER_KEY}"}).json()
    assert row["status"] == "cancelled" and row["completion_tokens"] == tokens["output"]


def test_a_background_runs_log_line_says_whether_it_was_asked_as_a_stream(gateway_factory, fakes, capsys):
    gw = start(gateway_factory, [deployment("m", fakes["A"])])
    with client(gw) as c:
        for stream in (False, True):
            body = {"model": "m", "input": PROMPT, "background": True, "stream": stream}
            with c.stream("POST", "/v1/interactions", json=body) as r:
                assert r.status_code == 200
                r.read()
        lines = log_lines(log_until(capsys, 2))  # written as each run ends
    assert sorted(line["stream"] for line in lines) == [False, True]


@pytest.mark.parametrize("validate", [True, False], ids=["connexion", "direct"])  # the create's route
def test_log_prompts_adds_the_prompt_but_never_a_key(gateway_factory, fakes, capsys, validate):
    a = fakes["A"]
    gw = start(gateway_factory, [deployment("m", a)], log_prompts=True, validate_responses=validate)
    with client(gw) as c:
        body = {"model": "m", "input": PROMPT, "system_instruction": "Be brief."}
        assert c.post("/v1/interactions", json=body).status_code == 200
    out = log_until(capsys, 1)
    (line,) = log_lines(out)
    assert line["prompt"] == {"input": PROMPT, "system_instruction": "Be brief."}
    for secret in (MASTER_KEY, "upstream-secret"):
        assert secret not in out


def test_credentials_in_an_api_base_are_not_logged(gateway_factory, fakes, capsys):
    a = fakes["A"]
    base = a.url.replace("http://", "http://user:pa55word@") + "?token=sekrit"
    gw = start(gateway_factory, [deployment("m", a, api_base=base)])
    with client(gw) as c:
        create(c, "m")  # the upstream answers or not: the log line is written either way
    out = log_until(capsys, 1)
    (line,) = log_lines(out)
    assert line["deployment"] == label("m")
    assert "pa55word" not in out and "sekrit" not in out


@pytest.mark.parametrize(
    "entry, needle",
    [
        ("no_colon", "module:function"),
        ("no_such_module_xyz:f", "cannot import"),
        ("tests.test_reliability:missing", "no callable"),
        (42, "module:function"),
    ],
)
def test_bad_callbacks_are_rejected_at_start_up(fakes, entry, needle):
    config = {"model_list": [deployment("m", fakes["A"])], "general_settings": {"callbacks": [entry]}}
    with pytest.raises(ConfigError) as caught:
        create_app(parse(config))
    assert "general_settings.callbacks[0]" in str(caught.value) and needle in str(caught.value)


# -- metrics ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("validate", [True, False], ids=["connexion", "direct"])  # the create's route
def test_metrics_count_requests_attempts_and_tokens(gateway_factory, fakes, validate):
    a = fakes["A"]
    gw = start(gateway_factory, [deployment("m", a)], {"num_retries": 1}, validate_responses=validate)
    before = metrics(gw)  # a fresh app: its own registry, nothing counted by the other gateways
    assert (
        metric(
            before,
            "parley_requests_total",
            model_group="m",
            deployment=label("m"),
            status="completed",
            key=KEY_LABEL,
        )
        == 0
    )
    a.upstream.replies.append(Reply(status=500))
    with client(gw) as c:
        for _ in range(3):
            assert create(c, "m").status_code == 200
        a.upstream.replies.append(Reply(status=400))
        assert create(c, "m").status_code == 400
    after = metrics(gw)
    dep = label("m")
    assert (
        metric(
            after, "parley_requests_total", model_group="m", deployment=dep, status="completed", key=KEY_LABEL
        )
        == 3
    )
    assert (
        metric(
            after, "parley_requests_total", model_group="m", deployment=dep, status="failed", key=KEY_LABEL
        )
        == 1
    )
    assert metric(after, "parley_upstream_attempts_total", deployment=dep, outcome="ok") == 3
    assert metric(after, "parley_upstream_attempts_total", deployment=dep, outcome="500") == 1
    assert metric(after, "parley_upstream_errors_total", deployment=dep, status="500") == 1
    assert metric(after, "parley_upstream_errors_total", deployment=dep, status="400") == 1
    assert (
        metric(after, "parley_tokens_total", model_group="m", deployment=dep, kind="input", key=KEY_LABEL)
        == 33
    )
    assert (
        metric(after, "parley_tokens_total", model_group="m", deployment=dep, kind="output", key=KEY_LABEL)
        == 21
    )
    assert metric(after, "parley_request_latency_seconds_count", model_group="m", stream="false") == 4
    assert metric(after, "parley_http_responses_total", method="POST", status="200") == 3
    assert metric(after, "parley_requests_in_flight") == 0
    # A request held up by its upstream is in flight until it is answered.
    a.upstream.replies.append(Reply(delay=1))
    with client(gw) as c:
        held = threading.Thread(target=create, args=(c, "m"))
        held.start()
        deadline = time.monotonic() + 5
        while metric(metrics(gw), "parley_requests_in_flight") != 1:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        held.join()
    assert metric(metrics(gw), "parley_requests_in_flight") == 0


# -- limits -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("validate", [True, False], ids=["connexion", "direct"])  # the create's route
def test_request_body_limit(gateway_factory, fakes, validate):
    a = fakes["A"]
    gw = start(
        gateway_factory, [deployment("m", a)], max_request_body_bytes=4096, validate_responses=validate
    )
    big = json.dumps({"model": "m", "input": "x" * 10_000}).encode()
    headers = {"x-goog-api-key": MASTER_KEY, "content-type": "application/json"}
    r = httpx.post(f"{gw.url}/v1/interactions", content=big, headers=headers)
    assert "4096" in assert_error(r, 413)["message"]
    # Without a Content-Length (chunked), the body is counted as it arrives.
    chunks = (big[i : i + 1000] for i in range(0, len(big), 1000))
    r = httpx.post(f"{gw.url}/v1/interactions", content=chunks, headers=headers)
    assert "content-length" not in r.request.headers
    assert_error(r, 413)
    assert hits(a) == [0]
    with client(gw) as c:
        assert create(c, "m", input="y" * 3000).status_code == 200
        small_chunked = iter([json.dumps({"model": "m", "input": "hi"}).encode()])
        assert c.post("/v1/interactions", content=small_chunked, headers=headers).status_code == 200
    assert metric(metrics(gw), "parley_rejected_requests_total", reason="body_too_large") == 2


@pytest.mark.parametrize("validate", [True, False], ids=["connexion", "direct"])  # the create's route
def test_per_key_rate_limit(gateway_factory, fakes, validate):
    a = fakes["A"]
    gw = start(gateway_factory, [deployment("m", a)], rate_limit_rpm=3, validate_responses=validate)
    with client(gw) as c:
        for _ in range(3):
            assert create(c, "m").status_code == 200
        r = create(c, "m")
        assert "3 requests per minute" in assert_error(r, 429)["message"]
        assert 1 <= int(r.headers["retry-after"]) <= 20
        # The same key sent another way is the same caller.
        bearer = httpx.post(
            f"{gw.url}/v1/interactions",
            json={"model": "m", "input": "hi"},
            headers={"Authorization": f"Bearer {MASTER_KEY}"},
        )
        assert_error(bearer, 429)
        assert c.get("/health/liveliness").status_code == 200  # probes are not limited
    with client(gw, key=OTHER_KEY) as other:
        assert create(other, "m").status_code == 200  # another key has its own budget
    assert hits(a) == [4]
    assert metric(metrics(gw), "parley_rejected_requests_total", reason="rate_limited") == 2


def test_token_bucket_refills():
    now = [0.0]
    limiter = RateLimit(lambda *a: None, rpm=2, clock=lambda: now[0])
    assert limiter.take("k") == 0 and limiter.take("k") == 0
    assert limiter.take("k") == pytest.approx(30.0)
    now[0] = 30.0
    assert limiter.take("k") == 0
    assert limiter.take("other") == 0


@pytest.mark.parametrize(
    "general, field",
    [
        ({"max_request_body_bytes": 0}, "general_settings.max_request_body_bytes"),
        ({"rate_limit_rpm": -1}, "general_settings.rate_limit_rpm"),
        ({"rate_limit_rpm": "lots"}, "general_settings.rate_limit_rpm"),
        ({"callbacks": "tests.test_reliability:remember"}, "general_settings.callbacks"),
    ],
)
def test_bad_limit_settings_are_rejected_at_start_up(fakes, general, field):
    config = {"model_list": [deployment("m", fakes["A"])], "general_settings": general}
    with pytest.raises(ConfigError) as caught:
        create_app(parse(config))
    assert field in str(caught.value)
