"""The fault suite: Parley under hostile input, slow clients, leaking upstreams, and (further down)
killed processes, hung and trickling upstreams. Real servers and real sockets on loopback; small
configured deadlines keep it fast."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import yaml

from parley.contract.spec import validate
from tests.conftest import MASTER_KEY, OTHER_KEY, gemini_config
from tests.fakes import gemini as gemini_fake
from tests.fakes.script import Reply, Upstream
from tests.fakes.server import LiveServer, free_port

URL_SECRET = "fx-UPSTREAM-SECRET-4411"


@pytest.fixture(scope="module")
def upstream():
    fake = Upstream()
    server = LiveServer(gemini_fake.make_app(fake)).start()
    server.upstream = fake
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _reset_upstream(upstream):
    yield
    upstream.upstream.replies.clear()
    upstream.upstream.requests.clear()
    upstream.upstream.default = Reply()


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
def test_a_body_that_is_not_declared_json_is_415(gw):
    body = json.dumps({"model": "gemini-fake", "input": "hi"}).encode()
    with api(gw) as c:
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


def test_a_model_name_with_control_characters_is_a_400_on_postgresql(gateway_factory, upstream, pg_url):
    cfg = config(upstream.url)
    cfg["model_list"].append({"model_name": "*", "litellm_params": {"model": "local/smollm2"}})
    wildcard = gateway_factory(cfg, database_url=pg_url)
    with api(wildcard) as c:
        for model in ("a\x00b", "tab\tname", "line\nbreak"):
            assert_error(
                c.post("/v1/interactions", json={"model": model, "input": "hi", "background": True}), 400
            )


def test_two_different_keys_in_one_request_are_a_401(gateway_factory, upstream):
    gateway = gateway_factory(config(upstream.url, rate_limit_rpm=3))
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
    with api(gw) as c:
        # A small request first, so the model is loaded and its vocabulary known.
        warm = c.post(
            "/v1/interactions",
            json={
                "model": "smollm2",
                "input": "hi",
                "store": False,
                "generation_config": {"max_output_tokens": 2},
            },
        )
        assert warm.status_code == 200, warm.text
        results: dict[str, float] = {}

        def small():
            started = time.monotonic()
            r = c.post(
                "/v1/interactions",
                json={
                    "model": "smollm2",
                    "input": "hi",
                    "store": False,
                    "generation_config": {"max_output_tokens": 2},
                },
            )
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


def test_slowloris_connections_are_closed_by_the_read_deadlines(upstream, tmp_path):
    cfg = config(upstream.url, client_header_timeout=1, client_body_timeout=2)
    proc, url = start_parley(cfg, tmp_path)
    try:
        port = int(url.rsplit(":", 1)[1])
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
        body_stall.sendall(
            b"POST /v1/interactions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
            b"x-goog-api-key: " + MASTER_KEY.encode() + b'\r\ncontent-length: 100\r\n\r\n{"model"'
        )
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
