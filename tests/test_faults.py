"""The fault suite: Parley under hostile input, slow clients, leaking upstreams, and (further down)
killed processes, hung and trickling upstreams. Real servers and real sockets on loopback; small
configured deadlines keep it fast."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import socket
import sqlite3
import string
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
import yaml

from parley.contract.spec import assert_stream_valid, validate
from parley.leases import UNSTORED_MAX
from tests.adapter_kit import fake_fixtures
from tests.conftest import MASTER_KEY, OTHER_KEY, gemini_config
from tests.fakes import gemini as gemini_fake
from tests.fakes.script import Reply, Upstream
from tests.fakes.server import LiveServer, free_port

URL_SECRET = "fx-UPSTREAM-SECRET-4411"


upstream, _reset_upstream = fake_fixtures(gemini_fake.make_app, "upstream")


def config(upstream_url: str, **general) -> dict:
    cfg = gemini_config(upstream_url, **general)
    cfg["model_list"][0]["litellm_params"]["api_key"] = URL_SECRET
    return cfg


@pytest.fixture(scope="module")
def gw(gateway_factory, upstream):
    return gateway_factory(config(upstream.url))


@pytest.fixture(scope="module")
def pg_gw(gateway_factory, upstream, pg_url):
    return gateway_factory(config(upstream.url), database_url=pg_url)


def api(gateway, key: str | None = MASTER_KEY) -> httpx.Client:
    return httpx.Client(base_url=gateway.url, headers={"x-goog-api-key": key} if key else {}, timeout=30)


def assert_error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    validate("ErrorResponse", r.json())
    return r.json()["error"]


# -- edges -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("validate", [True, False], ids=["connexion", "direct"])  # the create's route
def test_a_body_that_is_not_declared_json_is_415(gateway_factory, upstream, validate):
    body = json.dumps({"model": "gemini-fake", "input": "hi"}).encode()
    with api(gateway_factory(config(upstream.url, validate_responses=validate))) as c:
        for headers in (
            {},
            {"content-type": "text/plain"},
            {"content-type": "application/x-www-form-urlencoded"},
        ):
            error = assert_error(c.post("/v1/interactions", content=body, headers=headers), 415)
            assert "application/json" in error["message"]
        assert_error(c.post("/v1/interactions", headers={}), 415)  # create takes a body: say it is JSON
        ok = c.post(
            "/v1/interactions", content=body, headers={"content-type": "application/json; charset=utf-8"}
        )
        assert ok.status_code == 200, ok.text
        # An operation without a body needs no content type.
        assert c.post(f"/v1/interactions/{ok.json()['id']}/cancel").status_code == 400  # already completed


@pytest.mark.parametrize(
    "last_event_id",
    ["evt_9223372036854775808", "evt_99999999999999999999999", "evt_-5", "evt_0", "evt_1x", "7", "garbage"],
)
def test_a_bad_last_event_id_is_a_400_before_any_stream(gw, last_event_id):
    with api(gw) as c:
        ident = c.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi"}).json()["id"]
        r = c.get(f"/v1/interactions/{ident}", params={"stream": "true", "last_event_id": last_event_id})
        assert "last_event_id" in assert_error(r, 400)["message"]


def test_the_largest_event_id_is_a_valid_resume_point(pg_gw):
    with api(pg_gw) as c:
        ident = c.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi", "stream": True})
        ident = next(json.loads(line[5:]) for line in ident.text.splitlines() if line.startswith("data: {"))
        ident = ident["interaction"]["id"]
        r = c.get(
            f"/v1/interactions/{ident}", params={"stream": "true", "last_event_id": "evt_9223372036854775807"}
        )
        assert r.status_code == 200 and r.text.strip() == "data: [DONE]", r.text


@pytest.mark.parametrize("ident", ["v1_abc%00def", "%00", "x" * 5000, "v1_%C3%A9%E2%80%AE", "..%2F..%2Fetc"])
def test_hostile_ids_are_404s_on_postgresql(pg_gw, ident):
    with api(pg_gw) as c:
        for method, path in (
            ("GET", f"/v1/interactions/{ident}"),
            ("GET", f"/v1/interactions/{ident}?stream=true"),
            ("DELETE", f"/v1/interactions/{ident}"),
            ("POST", f"/v1/interactions/{ident}/cancel"),
        ):
            r = c.request(method, path)
            assert r.status_code in (400, 404), (method, path, r.status_code, r.text)
            assert_error(r, r.status_code)
        r = c.post(
            "/v1/interactions",
            json={"model": "gemini-fake", "input": "hi", "previous_interaction_id": "a\x00b"},
        )
        assert_error(r, 404)
        # The admin API's reads by id, too: no such interaction or request (not a 503 to retry).
        admin = {"Authorization": f"Bearer {MASTER_KEY}"}
        assert_error(c.get(f"/admin/interaction/{ident}", headers=admin), 404)
        r = c.get("/spend/logs", params={"request_id": unquote(ident)}, headers=admin)
        assert r.status_code == 200 and r.json() == [], r.text


def test_text_postgresql_cannot_hold_is_a_400_not_a_503(pg_gw):
    admin = {"Authorization": f"Bearer {MASTER_KEY}"}
    with api(pg_gw) as c:
        error = assert_error(c.post("/key/generate", json={"key_alias": "a\x00b"}, headers=admin), 400)
        assert "NUL" in error["message"]


def test_a_model_name_with_control_characters_is_a_400_on_postgresql(gateway_factory, upstream, pg_url):
    cfg = config(upstream.url)
    cfg["model_list"].append({"model_name": "*", "litellm_params": {"model": "local/smollm2"}})
    wildcard = gateway_factory(cfg, database_url=pg_url)
    with api(wildcard) as c:
        for model in ("a\x00b", "tab\tname", "line\nbreak"):
            assert_error(
                c.post("/v1/interactions", json={"model": model, "input": "hi", "background": True}), 400
            )


@pytest.mark.parametrize("validate", [True, False], ids=["connexion", "direct"])  # the create's route
def test_two_different_keys_in_one_request_are_a_401(gateway_factory, upstream, validate):
    gateway = gateway_factory(config(upstream.url, rate_limit_rpm=3, validate_responses=validate))
    body = {"model": "gemini-fake", "input": "hi", "store": False}
    url = f"{gateway.url}/v1/interactions"
    both = {"Authorization": f"Bearer {MASTER_KEY}", "x-goog-api-key": "bogus-key-1"}
    for _ in range(3):
        assert httpx.post(url, json=body, headers={"x-goog-api-key": MASTER_KEY}).status_code == 200
    # The valid key's budget is spent; a bogus second key does not buy more requests.
    for _ in range(3):
        assert (
            "more than one API key" in assert_error(httpx.post(url, json=body, headers=both), 401)["message"]
        )
    assert_error(httpx.post(url, json=body, headers={"x-goog-api-key": MASTER_KEY}), 429)
    two_valid = {"Authorization": f"Bearer {MASTER_KEY}", "x-goog-api-key": OTHER_KEY}
    assert_error(httpx.post(url, json=body, headers=two_valid), 401)
    assert_error(httpx.post(url, params={"key": "k2"}, json=body, headers={"x-goog-api-key": OTHER_KEY}), 401)
    # The same key twice is one credential.
    same = {"Authorization": f"Bearer {OTHER_KEY}", "x-goog-api-key": OTHER_KEY}
    assert httpx.post(url, json=body, headers=same).status_code == 200


def test_an_overlong_input_to_the_local_model_is_refused_at_once(gw):
    small_body = {
        "model": "smollm2",
        "input": "hi",
        "store": False,
        "generation_config": {"max_output_tokens": 2},
    }
    with api(gw) as c:
        # A small request first, so the model is loaded and its vocabulary known.
        warm = c.post("/v1/interactions", json=small_body)
        assert warm.status_code == 200, warm.text
        results: dict[str, float] = {}

        def small():
            started = time.monotonic()
            r = c.post("/v1/interactions", json=small_body)
            assert r.status_code == 200, r.text
            results["small"] = time.monotonic() - started

        started = time.monotonic()
        waiter = threading.Thread(target=small)
        big = {"model": "smollm2", "input": "lighthouse " * 900_000, "store": False}  # ~10 MB
        r = c.post("/v1/interactions", json=big)
        waiter.start()
        elapsed = time.monotonic() - started
        error = assert_error(r, 400)
        assert "context window" in error["message"]
        assert elapsed < 5, elapsed  # was 34 s of tokenising
        waiter.join(30)
        assert results["small"] < 10


# -- no leaks --------------------------------------------------------------------------------------
LEAKY = (
    f"Incorrect API key provided: Bearer {URL_SECRET}. Also tried {URL_SECRET} "
    "at http://10.9.8.7:8443/v1/models?key=AIzaSyDUMMYDUMMYDUMMYDUMMYDUMMY12 via llm-internal.corp:9000"
)


def test_upstream_error_text_is_sanitised_for_the_client_the_store_and_the_log(gw, upstream, caplog):
    upstream.upstream.replies += [
        Reply(status=401, error_message=LEAKY),
        Reply(status=500, error_message=LEAKY),
    ]
    with api(gw) as c, caplog.at_level("WARNING", logger="parley.upstream"):
        error = assert_error(c.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi"}), 502)
        started = c.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi", "background": True})
        ident = started.json()["id"]
        for _ in range(100):
            stored = c.get(f"/v1/interactions/{ident}").json()
            if stored["status"] != "in_progress":
                break
            time.sleep(0.05)
    assert stored["status"] == "failed"
    for text in (json.dumps(error), json.dumps(stored["errors"])):
        for leak in (URL_SECRET, "10.9.8.7", "8443", "AIza", "llm-internal", "http://"):
            assert leak not in text, (leak, text)
        assert "Incorrect API key provided" in text  # the useful part stays
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "10.9.8.7:8443" in logged and "llm-internal.corp:9000" in logged  # the log keeps the detail
    assert URL_SECRET not in logged and "AIzaSy" not in logged


@pytest.mark.parametrize("status", [429, 503])
def test_an_upstream_retry_after_reaches_the_client(gw, upstream, status):
    upstream.upstream.replies.append(Reply(status=status, retry_after=7))
    with api(gw) as c:
        r = c.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi"})
    assert_error(r, status)
    assert r.headers["retry-after"] == "7"


# -- slow clients: real parley processes -----------------------------------------------------------
def start_parley(cfg: dict, tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    path = tmp_path / f"config-{free_port()}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parley.cli",
            "--config",
            str(path),
            "--port",
            str(port),
            "--log-level",
            "warning",
            *extra,
        ]
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health/readiness").status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("parley did not start")
        time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def read_until_closed(sock: socket.socket, limit: float) -> bytes:
    sock.settimeout(limit)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except TimeoutError:
        return data + b"<still open>"
    except ConnectionResetError:
        pass
    return data


# Headers that promise a 100-byte body, and 8 bytes of it.
BODY_STALL = (
    b"POST /v1/interactions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
    b"x-goog-api-key: " + MASTER_KEY.encode() + b'\r\ncontent-length: 100\r\n\r\n{"model"'
)


def with_read_deadlines(upstream, tmp_path: Path, headers: float, body: float):
    """A gateway with these client read deadlines: (process, url, port)."""
    cfg = config(
        upstream.url,
        client_header_timeout=headers,
        client_body_timeout=body,
        database_url=f"sqlite:///{tmp_path}/slow.db",
    )
    proc, url = start_parley(cfg, tmp_path)
    return proc, url, int(url.rsplit(":", 1)[1])


def test_slowloris_connections_are_closed_by_the_read_deadlines(upstream, tmp_path):
    proc, url, port = with_read_deadlines(upstream, tmp_path, headers=1, body=2)
    try:
        started = time.monotonic()
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]  # connect, say nothing
        partial = []
        for _ in range(200):  # half a request line, then a header byte now and then
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /v1/interactions HTTP/1.1\r\nHost: x\r\n")
            partial.append(s)
        for _ in range(3):
            time.sleep(0.3)
            for s in partial:
                try:
                    s.sendall(b"X-a: b\r\n")
                except OSError:
                    pass
        body_stall = socket.create_connection(("127.0.0.1", port))
        body_stall.sendall(BODY_STALL)
        answers = [read_until_closed(s, 5) for s in silent + partial]
        assert all(not a.endswith(b"<still open>") for a in answers)
        assert time.monotonic() - started < 8
        assert sum(a.startswith(b"HTTP/1.1 408") for a in answers) >= 390
        stalled = read_until_closed(body_stall, 5)
        assert stalled.startswith(b"HTTP/1.1 408") and b'"timeout"' in stalled, stalled
        # Meanwhile, and afterwards, ordinary clients are served.
        r = httpx.post(
            f"{url}/v1/interactions",
            json={"model": "gemini-fake", "input": "hi", "store": False},
            headers={"x-goog-api-key": MASTER_KEY},
        )
        assert r.status_code == 200, r.text
        for s in [*silent, *partial, body_stall]:
            s.close()
    finally:
        stop(proc)


def test_read_deadlines_hold_on_kept_alive_connections_and_when_the_body_one_is_shorter(upstream, tmp_path):
    # One timer per connection serves every deadline: a deadline earlier than the pending timer's
    # (the body's 1 s after the headers' 3 s) must still be kept, and so must the header deadline
    # of a kept-alive connection's next request.
    proc, url, port = with_read_deadlines(upstream, tmp_path, headers=3, body=1)
    try:
        body_stall = socket.create_connection(("127.0.0.1", port))
        started = time.monotonic()
        body_stall.sendall(BODY_STALL)
        stalled = read_until_closed(body_stall, 5)
        assert stalled.startswith(b"HTTP/1.1 408") and b"body did not arrive within 1 s" in stalled, stalled
        assert time.monotonic() - started < 2.5

        kept = socket.create_connection(("127.0.0.1", port))
        kept.sendall(b"GET /health/liveliness HTTP/1.1\r\nHost: x\r\n\r\n")
        kept.settimeout(5)
        first = b""
        while b'"ok"' not in first:
            first += kept.recv(4096)
        assert first.startswith(b"HTTP/1.1 200")
        time.sleep(1.5)  # past the first request's body deadline: nothing is pending now
        started = time.monotonic()
        kept.sendall(b"GET /health/liveliness HTTP/1.1\r\nHost: x\r\n")  # headers never end
        answer = read_until_closed(kept, 6)
        assert answer.startswith(b"HTTP/1.1 408") and b"headers did not arrive within 3 s" in answer, answer
        assert 2.5 < time.monotonic() - started < 5
        body_stall.close()
        kept.close()
    finally:
        stop(proc)


# -- crash recovery, live streams across processes, drain ------------------------------------------
SLOW = Reply(text="lighthouse " * 40, chunk_size=11, event_delay=0.1)  # 40 deltas over ~4.5 s


def database(kind: str, tmp_path: Path, request) -> str:
    return f"sqlite:///{tmp_path}/parley.db" if kind == "sqlite" else request.getfixturevalue("pg_url")


def wait_for(check, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(interval)


def sse_events(lines) -> list[dict]:
    return [json.loads(line[6:]) for line in lines if line.startswith("data: {")]


def start_background(url: str, key: str = MASTER_KEY) -> str:
    """A background run started on the Parley at `url`: its id."""
    body = {"model": "gemini-fake", "input": "hi", "background": True}
    answer = httpx.post(f"{url}/v1/interactions", json=body, headers={"x-goog-api-key": key})
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_kill_9_mid_run_then_restart_fails_the_run_and_keeps_its_output(upstream, tmp_path, request, kind):
    cfg = config(upstream.url, database_url=database(kind, tmp_path, request), run_lease_seconds=1)
    upstream.upstream.default = SLOW
    proc, url = start_parley(cfg, tmp_path)
    admin = {"Authorization": f"Bearer {MASTER_KEY}"}
    made = httpx.post(f"{url}/key/generate", json={}, headers=admin).json()
    headers = {"x-goog-api-key": made["key"]}
    try:
        background = start_background(url, made["key"])
        seen: list[dict] = []
        with httpx.stream(
            "POST",
            f"{url}/v1/interactions",
            json={"model": "gemini-fake", "input": "hi", "stream": True},
            headers=headers,
            timeout=30,
        ) as r:
            lines = r.iter_lines()  # read some, and keep the stream open (leaving it would cancel)
            while len(seen) < 8:
                seen += sse_events([next(lines)])
            time.sleep(0.5)  # the events so far reach the store (batched every 0.1 s)
            proc.kill()
            proc.wait()
    finally:
        stop(proc)
    streamed = seen[0]["interaction"]["id"]
    # A new process on the same database fails both runs (their lease is gone) and keeps their output.
    proc, url = start_parley(cfg, tmp_path)
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as c:
            for ident in (background, streamed):
                record = wait_for(
                    lambda ident=ident: (
                        (r := c.get(f"/v1/interactions/{ident}").json())["status"] != "in_progress" and r
                    ),
                    timeout=10,
                )
                assert record["status"] == "failed", record
                assert record["errors"][0]["code"] == "interrupted"
                text = "".join(
                    part["text"]
                    for step in record["steps"]
                    if step["type"] == "model_output"
                    for part in step["content"]
                )
                assert text and SLOW.text.startswith(text) and len(text) < len(SLOW.text), text
                replay = c.get(f"/v1/interactions/{ident}", params={"stream": "true"})
                events = sse_events(replay.text.splitlines())
                assert events[0]["event_type"] == "interaction.created"
                assert events[-1]["event_type"] == "error" and events[-1]["error"]["code"] == "interrupted"
                # Closing events are numbered past any its process can have sent and not stored.
                ids = [int(e["event_id"][4:]) for e in events]
                stored = next(i for i, seq in enumerate(ids) if seq > UNSTORED_MAX)
                assert ids[:stored] == list(range(1, stored + 1)), ids
                assert ids[stored:] == list(range(stored + UNSTORED_MAX + 1, len(ids) + UNSTORED_MAX + 1)), (
                    ids
                )
                # The step it was in is stopped, then it says how it ended.
                closing = [e["event_type"] for e in events[stored:]]
                assert closing == ["step.stop", "interaction.status_update", "error"], closing
            # Each is in the spend logs once, failed: its process died before writing its row.
            logs = httpx.get(f"{url}/spend/logs", headers=admin).json()
            rows = [
                r for r in logs if r["interaction_id"] in (background, streamed)
            ]  # PostgreSQL's is shared
            assert sorted((r["interaction_id"] == streamed, r["status"]) for r in rows) == [
                (False, "failed"),
                (True, "failed"),
            ], rows
            assert [r["stream"] for r in rows if r["interaction_id"] == streamed] == [True]
            # Its usage died with it: each is billed on an estimate from its text (4 characters a
            # token: "hi" in, what its events kept out), at the price of the deployment its row
            # named once its upstream answered, and its key's spend counts it. (On PostgreSQL another
            # test's gateway on the same database, and upstream, may be the one that recovers it.)
            for row in rows:
                stored = c.get(f"/v1/interactions/{row['interaction_id']}").json()
                out = sum(
                    len(p["text"])
                    for s in stored["steps"]
                    if s["type"] == "model_output"
                    for p in s["content"]
                )
                assert (row["prompt_tokens"], row["completion_tokens"]) == (1, -(-out // 4)), row
                assert row["spend"] > 0 and row["deployment"], row
            info = httpx.get(f"{url}/key/info", params={"key": made["key"]}, headers=admin).json()["info"]
            assert info["spend"] == pytest.approx(sum(r["spend"] for r in rows))
            # Its spend row is its own process's request id (the interaction's), so a row that
            # process wrote just before it died is not billed twice.
            assert all(r["request_id"] == r["interaction_id"] for r in rows), rows
            if kind == "sqlite":  # recovered by this process as it started, before its first request
                key = hashlib.sha256(made["key"].encode()).hexdigest()[:12]
                metrics = httpx.get(f"{url}/metrics", headers=admin).text
                counted = (
                    f'{{deployment="gemini-fake#0",key="{key}",model_group="gemini-fake",status="failed"}}'
                )
                assert f"parley_requests_total{counted} 2.0" in metrics, metrics
            # It no longer blocks a follow-up.
            upstream.upstream.default = Reply()
            follow = c.post(
                "/v1/interactions",
                json={"model": "gemini-fake", "input": "again", "previous_interaction_id": background},
            )
            assert follow.status_code == 200, follow.text
    finally:
        stop(proc)


def test_a_client_that_leaves_before_its_answer_stops_its_create(upstream, tmp_path):
    """Gone while the upstream is silent, or during a retry's pause: the create stops there (no
    further upstream call, no wait for the answer) and is logged cancelled. Stopped while its
    upstream had its prompt, it is billed that prompt, estimated (the upstream bills what it read);
    stopped between attempts, nothing."""
    cfg = config(upstream.url, validate_responses=False, database_url=f"sqlite:///{tmp_path}/left.db")
    cfg["router_settings"] = {"num_retries": 2}
    headers = {"x-goog-api-key": MASTER_KEY}
    proc, url = start_parley(cfg, tmp_path)
    try:
        for reply, stream in (
            (Reply(delay=4), False),
            (Reply(delay=4), True),
            (Reply(status=429, retry_after=3), False),
        ):
            upstream.upstream.reset()
            upstream.upstream.replies.append(reply)
            upstream.upstream.default = Reply(delay=4)
            body = {"model": "gemini-fake", "input": "tell me " * 50, "stream": stream}  # 100 tokens
            with pytest.raises(httpx.ReadTimeout):
                httpx.post(f"{url}/v1/interactions", json=body, headers=headers, timeout=1)
            time.sleep(4.5)  # past the upstream's answer, and the retry's pause
            assert len(upstream.upstream.requests) == 1, (reply, stream, upstream.upstream.requests)
        # The gateway is fine, and says what happened (in_flight back to zero).
        admin = {"Authorization": f"Bearer {MASTER_KEY}"}
        metrics = httpx.get(f"{url}/metrics", headers=admin).text
        assert "parley_requests_in_flight 0.0" in metrics
        assert 'status="cancelled"' in metrics
        rows = httpx.get(f"{url}/spend/logs", headers=admin).json()[::-1]  # oldest first
        billed = [(r["status"], r["prompt_tokens"], r["completion_tokens"], r["spend"] > 0) for r in rows]
        assert billed == [("cancelled", 100, 0, True)] * 2 + [("cancelled", 0, 0, False)], billed
    finally:
        stop(proc)


def test_a_stream_is_followed_live_from_another_process(upstream, tmp_path):
    cfg = config(upstream.url, database_url=f"sqlite:///{tmp_path}/shared.db", run_lease_seconds=2)
    upstream.upstream.default = SLOW
    a, url_a = start_parley(cfg, tmp_path)
    b, url_b = start_parley(cfg, tmp_path)
    headers = {"x-goog-api-key": MASTER_KEY}
    try:
        ident = start_background(url_a)
        arrivals: dict[str, float] = {}

        def follow(url: str, name: str) -> None:
            with httpx.stream(
                "GET",
                f"{url}/v1/interactions/{ident}",
                params={"stream": "true"},
                headers=headers,
                timeout=30,
            ) as r:
                for line in r.iter_lines():
                    for event in sse_events([line]):
                        arrivals.setdefault(f"{name}:{event['event_id']}", time.monotonic())

        threads = [
            threading.Thread(target=follow, args=(url_a, "a")),
            threading.Thread(target=follow, args=(url_b, "b")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        ids = [k[2:] for k in arrivals if k.startswith("a:")]
        assert len(ids) > 40 and all(f"b:{i}" in arrivals for i in ids)
        lags = sorted(arrivals[f"b:{i}"] - arrivals[f"a:{i}"] for i in ids)
        assert lags[len(lags) // 2] < 0.25, lags  # the median event is on B within 250 ms
        assert lags[-1] < 1.0, lags
    finally:
        stop(a)
        stop(b)


def test_sigterm_drains_then_interrupts_what_is_left(upstream, tmp_path):
    cfg = config(upstream.url, database_url=f"sqlite:///{tmp_path}/drain.db", drain_grace_seconds=2)
    headers = {"x-goog-api-key": MASTER_KEY}
    proc, url = start_parley(cfg, tmp_path)
    try:
        upstream.upstream.replies += [
            Reply(text="short", chunk_size=2, event_delay=0.2),  # ~1 s: finishes within the grace
            Reply(text="long " * 100, chunk_size=5, event_delay=0.1),  # ~10 s: does not
            Reply(text="streamed " * 100, chunk_size=9, event_delay=0.1),  # nor does this stream
        ]
        short, long = (
            httpx.post(
                f"{url}/v1/interactions",
                json={"model": "gemini-fake", "input": "hi", "background": True},
                headers=headers,
            ).json()["id"]
            for _ in range(2)
        )
        body = {"model": "gemini-fake", "input": "hi", "stream": True}
        with httpx.stream("POST", f"{url}/v1/interactions", json=body, headers=headers, timeout=30) as r:
            lines = r.iter_lines()
            seen = [next(lines) for _ in range(6)]
            started = time.monotonic()
            proc.terminate()
            seen += lines  # its client, still connected when the grace ends, reads how it ended
        proc.wait(timeout=15)
        assert time.monotonic() - started < 6
    finally:
        stop(proc)
    events = assert_stream_valid("".join(line + "\n" for line in seen))
    assert [e["event_type"] for e in events[-2:]] == ["interaction.status_update", "error"], events[-3:]
    assert events[-1]["error"]["code"] == "interrupted"
    proc, url = start_parley(cfg, tmp_path)
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as c:
            done = c.get(f"/v1/interactions/{short}").json()
            assert done["status"] == "completed", done
            cut = c.get(f"/v1/interactions/{long}").json()
            assert cut["status"] == "failed" and cut["errors"][0]["code"] == "interrupted", cut
            assert cut["steps"][-1]["type"] == "model_output"  # its output so far is kept
    finally:
        stop(proc)


# -- a stream's output is stored once ---------------------------------------------------------------
def stored_bytes(database_url: str, ident: str) -> int:
    """The bytes of data stored for one interaction: its row's steps and all its events."""
    if database_url.startswith("sqlite"):
        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            steps = db.execute("SELECT length(CAST(steps AS BLOB)) FROM interactions WHERE id = ?", (ident,))
            events = db.execute(
                "SELECT sum(length(CAST(event AS BLOB))) FROM interaction_events WHERE interaction_id = ?",
                (ident,),
            )
            return steps.fetchone()[0] + events.fetchone()[0]
    import psycopg

    with psycopg.connect(database_url) as db:
        steps = db.execute("SELECT octet_length(steps::text) FROM interactions WHERE id = %s", (ident,))
        events = db.execute(
            "SELECT sum(octet_length(event::text)) FROM interaction_events WHERE interaction_id = %s",
            (ident,),
        )
        return steps.fetchone()[0] + events.fetchone()[0]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_streamed_answer_is_stored_once_and_read_as_before(
    gateway_factory, upstream, tmp_path, request, kind
):
    url = database(kind, tmp_path, request)
    gateway = gateway_factory(config(upstream.url), database_url=url)
    # 2 MB that no compression shrinks, in 500 deltas.
    answer = "".join(random.Random(12).choices(string.ascii_letters + " ", k=2_000_000))
    upstream.upstream.default = Reply(text=answer, chunk_size=4000)
    with api(gateway) as c:
        with c.stream(
            "POST", "/v1/interactions", json={"model": "gemini-fake", "input": "hi", "stream": True}
        ) as r:
            assert r.status_code == 200
            streamed = sse_events(r.iter_lines())
        ident = streamed[0]["interaction"]["id"]
        assert streamed[-1]["event_type"] == "interaction.completed" and len(streamed) > 500
        # Once: the events hold the answer; the row holds no second copy (it was 2x: ~4 MB).
        assert stored_bytes(url, ident) < 1.1 * len(answer)

        # Read as before: the timeline, the replay, a resume, a follow-up's history.
        record = c.get(f"/v1/interactions/{ident}").json()
        validate("Interaction", record)
        assert record["status"] == "completed" and record["usage"]["total_tokens"] == 18
        assert record["steps"] == [
            {"type": "user_input", "content": [{"type": "text", "text": "hi"}]},
            {"type": "model_output", "content": [{"type": "text", "text": answer}]},
        ]
        assert record["outputs"] == [{"type": "text", "text": answer}]
        replay = c.get(f"/v1/interactions/{ident}", params={"stream": "true"})
        assert sse_events(replay.text.splitlines()) == streamed
        resumed = c.get(f"/v1/interactions/{ident}", params={"stream": "true", "last_event_id": "evt_250"})
        assert sse_events(resumed.text.splitlines()) == streamed[250:]
        upstream.upstream.default = Reply(text="And again.")
        follow = c.post(
            "/v1/interactions",
            json={"model": "gemini-fake", "input": "more", "previous_interaction_id": ident},
        )
        assert follow.status_code == 200, follow.text
        timeline = c.get(f"/v1/interactions/{follow.json()['id']}").json()["steps"]
        assert timeline[:2] == record["steps"] and timeline[-1]["content"][0]["text"] == "And again."


def test_the_store_connections_postgresql_ended_are_replaced_without_failing_a_request(
    gateway_factory, upstream, pg_url
):
    """PostgreSQL restarted or failed over, or an idle timeout ended the pooled connections: the
    first write on a dead one is made again on a new connection, not answered 503 (whose client
    would retry and pay the upstream twice). Reads likewise."""
    from tests.pg import create_database

    url = create_database(pg_url)
    database = url.rsplit("/", 1)[1].split("?")[0]
    gateway = gateway_factory(config(upstream.url), database_url=url)

    def end_its_connections() -> None:
        with psycopg_admin(pg_url) as admin:
            query = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s"
            assert admin.execute(query, (database,)).fetchone()[0] >= 1

    with api(gateway) as c:
        first = c.post("/v1beta/interactions", json={"model": "gemini-fake", "input": "hi"}).json()["id"]
        paid = len(upstream.upstream.requests)
        end_its_connections()
        r = c.post("/v1beta/interactions", json={"model": "gemini-fake", "input": "again"})
        assert r.status_code == 200, r.text
        assert len(upstream.upstream.requests) == paid + 1  # the answer paid for once
        end_its_connections()
        for ident in (first, r.json()["id"]):
            assert c.get(f"/v1beta/interactions/{ident}").json()["status"] == "completed"


def psycopg_admin(url: str):
    import psycopg
    from sqlalchemy import make_url

    admin = make_url(url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True)


@pytest.mark.parametrize(
    ("route", "stream"), [("connexion", False), ("direct", False), ("direct", True), ("connexion", True)]
)
def test_a_create_the_store_cannot_save_is_a_503_and_leaves_nothing_running(
    gateway_factory, upstream, tmp_path, caplog, route, stream
):
    """The store refusing a create's row (here SQLite itself, through a trigger): the client gets a
    503 to retry in the API's shape, with none of the driver's text; nothing is left running or
    stored; once the store takes writes again, the same gateway serves as before. For a stream
    this is its row's lazy write (at its first event): its client is shown nothing before it."""
    path = tmp_path / "refusing.db"
    cfg = config(upstream.url, validate_responses=route == "connexion")
    gateway = gateway_factory(cfg, database_url=f"sqlite:///{path}")
    body = {"model": "gemini-fake", "input": "hi", "stream": stream}
    with api(gateway) as c:
        assert c.post("/v1beta/interactions", json={**body, "stream": False}).status_code == 200
        with contextlib.closing(sqlite3.connect(path)) as db, db:
            db.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON interactions "
                "BEGIN SELECT RAISE(ABORT, 'disk I/O error at /srv/secret-volume'); END"
            )
        upstream.upstream.replies.append(Reply(text="one two three four", chunk_size=4))
        with caplog.at_level("WARNING", logger="parley.store"):
            r = c.post("/v1beta/interactions", json=body)
        error = assert_error(r, 503)
        assert error["code"] == "unavailable" and "store" in error["message"]
        assert "secret" not in r.text and "disk" not in r.text
        assert "store failed: IntegrityError" in caplog.text and "secret" not in caplog.text
        with contextlib.closing(sqlite3.connect(path)) as db:
            assert db.execute("SELECT status, count(*) FROM interactions GROUP BY status").fetchall() == [
                ("completed", 1)
            ]
            with db:
                db.execute("DROP TRIGGER refuse")
        again = c.post("/v1beta/interactions", json=body)
        assert again.status_code == 200, again.text
        ident = sse_events(again.text.splitlines())[0]["interaction"]["id"] if stream else again.json()["id"]
        assert c.get(f"/v1beta/interactions/{ident}").json()["status"] == "completed"


# -- deadlines -------------------------------------------------------------------------------------
@pytest.mark.parametrize("stream", [False, True])
def test_a_trickling_upstream_cannot_extend_the_deadline(gateway_factory, upstream, stream):
    cfg = config(upstream.url)
    cfg["model_list"][0]["litellm_params"]["timeout"] = 1
    gateway = gateway_factory(cfg)
    # A keep-alive byte every 0.3 s for 30 s: a per-read timeout of 1 s would never fire.
    upstream.upstream.replies.append(Reply(delay=30, trickle=0.3))
    started = time.monotonic()
    with api(gateway) as c:
        r = c.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi", "stream": stream})
    assert time.monotonic() - started < 12  # not the 30 s trickle (headroom for a loaded machine)
    assert "1 s deadline" in assert_error(r, 504)["message"]


def deadlines_gateway(gateway_factory, upstream, **params):
    cfg = config(upstream.url)
    cfg["model_list"][0]["litellm_params"].update(params)
    return gateway_factory(cfg)


def stream_events(c: httpx.Client, body: dict) -> tuple[httpx.Response, list[dict], float]:
    """POST a stream: the response, its events, and the seconds until it ended."""
    started = time.monotonic()
    r = c.post("/v1/interactions", json={**body, "stream": True})
    return r, sse_events(r.text.splitlines()), time.monotonic() - started


@pytest.mark.parametrize("trickle", [None, 0.3])
def test_a_stream_without_a_first_event_is_a_504_naming_stream_timeout(gateway_factory, upstream, trickle):
    gateway = deadlines_gateway(gateway_factory, upstream, stream_timeout=1, timeout=60)
    # Silent, or keep-alive comments every 0.3 s, for 30 s before the first event.
    upstream.upstream.replies.append(Reply(delay=30, trickle=trickle))
    with api(gateway) as c:
        r, _, elapsed = stream_events(c, {"model": "gemini-fake", "input": "hi"})
    message = assert_error(r, 504)["message"]
    assert "first stream event within the 1 s deadline (stream_timeout)" in message, message
    assert elapsed < 12, elapsed  # not the 30 s silence


# Four events at once (the first text delta among them), then 20 s of silence or of keep-alives.
def stalled(trickle: float | None = None) -> Reply:
    return Reply(text="lighthouse " * 4, chunk_size=11, stall_after=4, stall_seconds=20, trickle=trickle)


@pytest.mark.parametrize("trickle", [None, 0.3])
def test_an_idle_stream_ends_with_an_error_event_naming_stream_timeout(gateway_factory, upstream, trickle):
    gateway = deadlines_gateway(gateway_factory, upstream, stream_timeout=1, timeout=60)
    upstream.upstream.replies.append(stalled(trickle))
    with api(gateway) as c:
        r, events, elapsed = stream_events(c, {"model": "gemini-fake", "input": "hi"})
    assert r.status_code == 200
    assert events[0]["event_type"] == "interaction.created"
    assert any(e["event_type"] == "step.delta" for e in events)
    # The step it was in is stopped, then it says how it ended.
    assert [e["event_type"] for e in events[-3:]] == ["step.stop", "interaction.status_update", "error"], (
        events
    )
    assert "next stream event within the 1 s deadline (stream_timeout)" in events[-1]["error"]["message"]
    assert elapsed < 12, elapsed  # not the 20 s stall


def test_a_steady_stream_is_cut_by_the_total_timeout(gateway_factory, upstream):
    # An event every 0.2 s never breaks the 1 s stream_timeout; the whole stream may last 2 s.
    gateway = deadlines_gateway(gateway_factory, upstream, stream_timeout=1, timeout=2)
    upstream.upstream.replies.append(Reply(text="lighthouse " * 100, chunk_size=11, event_delay=0.2))
    with api(gateway) as c:
        r, events, elapsed = stream_events(c, {"model": "gemini-fake", "input": "hi"})
    assert r.status_code == 200
    deltas = [e for e in events if e["event_type"] == "step.delta"]
    assert len(deltas) >= 3  # it did stream for a while
    assert events[-1]["event_type"] == "error", events[-1]
    assert "did not complete within the 2 s deadline (timeout)" in events[-1]["error"]["message"]
    assert elapsed < 12, elapsed  # not the 20 s the whole stream would take


@pytest.mark.parametrize("silent", [False, True], ids=["stalled-mid-answer", "silent"])
def test_a_background_run_that_hits_a_deadline_ends_failed(gateway_factory, upstream, silent):
    gateway = deadlines_gateway(gateway_factory, upstream, stream_timeout=1, timeout=60)
    upstream.upstream.replies.append(Reply(delay=5) if silent else stalled())
    with api(gateway) as c:
        ident = c.post(
            "/v1/interactions", json={"model": "gemini-fake", "input": "hi", "background": True}
        ).json()["id"]
        record = wait_for(
            lambda: (r := c.get(f"/v1/interactions/{ident}").json())["status"] != "in_progress" and r,
            timeout=10,
        )
        replay = c.get(f"/v1/interactions/{ident}", params={"stream": "true"})
    assert record["status"] == "failed", record
    assert "(stream_timeout)" in record["errors"][0]["message"], record["errors"]
    # Its replay is a whole stream, even when the upstream sent nothing: begun, failed, the error.
    events = assert_stream_valid(replay.text)
    assert [e["event_type"] for e in events[-2:]] == ["interaction.status_update", "error"]
    assert events[-2]["status"] == "failed" and events[-1]["error"] == record["errors"][0]
    assert len(events) == 3 if silent else len(events) > 3


# -- bulkheads -------------------------------------------------------------------------------------
@pytest.fixture
def hung():
    """A second upstream that answers nothing for 60 s."""
    fake = Upstream(default=Reply(delay=60))
    server = LiveServer(gemini_fake.make_app(fake)).start()
    server.upstream = fake
    yield server
    server.stop(force=True)


def with_hung_model(upstream, hung, **general) -> dict:
    cfg = config(upstream.url, **general)
    cfg["model_list"].append(
        {
            "model_name": "hung",
            "litellm_params": {
                "model": "gemini/gemini-3-flash-preview",
                "api_base": hung.url,
                "api_key": "k",
                "timeout": 45,  # longer than the test: its 4 slots stay taken throughout
                "max_parallel_requests": 4,
            },
        }
    )
    cfg["router_settings"] = {"max_parallel_wait": 0.5}
    return cfg


async def flood(url: str, count: int, body: dict) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=50)
    headers = {"x-goog-api-key": MASTER_KEY}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30, limits=limits) as c:
        return await asyncio.gather(*(c.post("/v1/interactions", json=body) for _ in range(count)))


def test_a_flood_to_a_hung_deployment_does_not_starve_the_others(gateway_factory, upstream, hung):
    gateway = gateway_factory(with_hung_model(upstream, hung, max_background_per_key=1000))
    started = time.monotonic()
    created: list[httpx.Response] = []
    flooding = threading.Thread(
        target=lambda: created.extend(
            asyncio.run(flood(gateway.url, 200, {"model": "hung", "input": "hi", "background": True}))
        )
    )
    flooding.start()
    with api(gateway) as c:
        # The hung deployment holds its 4 slots, no more; the healthy model answers meanwhile.
        wait_for(lambda: len(hung.upstream.requests) == 4, timeout=20)
        for _ in range(10):
            asked = time.monotonic()
            r = c.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi", "store": False})
            assert r.status_code == 200, r.text
            assert time.monotonic() - asked < 5  # (a starved pool: 30 s client timeouts)
        ready = c.get("/health/readiness")
        assert ready.status_code == 200 and "hung#0 (4/4)" in ready.json()["checks"]["saturated"], ready.text
        # A request to the saturated model waits max_parallel_wait (0.5 s), then is a 429.
        asked = time.monotonic()
        busy = c.post("/v1/interactions", json={"model": "hung", "input": "hi"})
        waited = time.monotonic() - asked
        assert "max_parallel_requests" in assert_error(busy, 429)["message"]
        assert busy.headers["retry-after"] == "1" and 0.5 <= waited < 5, waited
        flooding.join(60)
        assert [r.status_code for r in created] == [200] * 200
        # The runs that found no slot ended failed with that 429, not stuck in_progress.
        last = created[-1].json()["id"]
        record = wait_for(
            lambda: (r := c.get(f"/v1/interactions/{last}").json())["status"] != "in_progress" and r,
            timeout=10,
        )
        assert record["status"] == "failed" and "max_parallel_requests" in record["errors"][0]["message"]
        assert len(hung.upstream.requests) == 4
    assert time.monotonic() - started < 40


def test_a_key_has_a_cap_on_running_interactions(gateway_factory, upstream, hung):
    gateway = gateway_factory(with_hung_model(upstream, hung, max_background_per_key=3))
    body = {"model": "hung", "input": "hi", "background": True}
    with api(gateway) as c, api(gateway, OTHER_KEY) as other:
        for _ in range(3):
            assert c.post("/v1/interactions", json=body).status_code == 200
        error = assert_error(c.post("/v1/interactions", json=body), 429)
        assert "max_background_per_key" in error["message"]
        assert other.post("/v1/interactions", json=body).status_code == 200  # another key's own cap


def test_a_deployment_at_its_limit_is_skipped_for_another_of_its_group(gateway_factory, upstream, hung):
    cfg = with_hung_model(upstream, hung)
    hung_entry = cfg["model_list"][-1]
    hung_entry["litellm_params"].update(weight=1e6, max_parallel_requests=2)  # hung is picked first
    healthy = {**cfg["model_list"][0], "model_name": "hung"}
    cfg["model_list"].append(healthy)
    gateway = gateway_factory(cfg)
    with api(gateway) as c:
        for _ in range(2):
            c.post("/v1/interactions", json={"model": "hung", "input": "hi", "background": True})
        wait_for(lambda: len(hung.upstream.requests) == 2, timeout=10)
        before = len(upstream.upstream.requests)
        for _ in range(5):
            asked = time.monotonic()
            r = c.post("/v1/interactions", json={"model": "hung", "input": "hi", "store": False})
            assert r.status_code == 200 and r.headers["x-parley-model-id"] == "hung#1", r.text
            assert time.monotonic() - asked < 5  # no wait for a slot: the other deployment has room
    assert len(hung.upstream.requests) == 2 and len(upstream.upstream.requests) == before + 5


# -- back-pressure ---------------------------------------------------------------------------------
def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_clients_that_never_read_a_large_stream_hold_bounded_memory(upstream, tmp_path):
    cfg = config(upstream.url, database_url=f"sqlite:///{tmp_path}/pressure.db")
    cfg["model_list"][0]["litellm_params"]["timeout"] = 6  # what ends the unread streams
    upstream.upstream.default = Reply(text="lighthouse " * 2_000_000, chunk_size=20_000)  # 22 MB each
    proc, url = start_parley(cfg, tmp_path)
    port = int(url.rsplit(":", 1)[1])
    body = json.dumps({"model": "gemini-fake", "input": "hi", "stream": True}).encode()
    request = (
        b"POST /v1/interactions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        b"x-goog-api-key: " + MASTER_KEY.encode() + b"\r\ncontent-length: %d\r\n\r\n" % len(body) + body
    )
    try:
        before = rss_mb(proc.pid)
        clients = []
        for _ in range(5):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            s.connect(("127.0.0.1", port))
            s.sendall(request)  # and never read
            clients.append(s)
        started, peak = time.monotonic(), before
        while time.monotonic() - started < 9:  # past the 6 s deadline
            peak = max(peak, rss_mb(proc.pid))
            time.sleep(0.1)
        # Paced, a stream holds what the kernel's socket buffers took from it (some MB) plus 16
        # events; unpaced, all it could read in 6 s (measured: ~90 MB paced, ~155 MB unpaced).
        assert peak - before < 115, (before, peak)
        # The deadline ended each unread stream: failed, naming it.
        rows = wait_for(
            lambda: (
                (
                    r := sqlite3.connect(tmp_path / "pressure.db")
                    .execute("SELECT status, errors FROM interactions")
                    .fetchall()
                )
                and all(status != "in_progress" for status, _ in r)
                and r
            ),
            timeout=10,
        )
        assert len(rows) == 5 and all(status == "failed" for status, _ in rows), rows
        assert all("did not take the stream within the 6 s deadline" in errors for _, errors in rows), rows
        for s in clients:
            s.close()
    finally:
        stop(proc)
