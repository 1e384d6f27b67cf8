"""Two Parley server processes sharing one real PostgreSQL see each other's interactions."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest
import yaml

from parley.contract.spec import assert_stream_valid
from tests.conftest import MASTER_KEY, gemini_config
from tests.fakes.script import Reply
from tests.fakes.server import free_port


def _start(config_path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "parley.cli",
            "--config",
            str(config_path),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/readiness").status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"parley on port {port} did not start")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def two_instances(pg_url, gemini_upstream, tmp_path_factory):
    config = gemini_config(gemini_upstream.url, database_url=pg_url)
    path = tmp_path_factory.mktemp("multi") / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    procs, clients = [], []
    try:
        for _ in range(2):
            port = free_port()
            procs.append(_start(path, port))
            clients.append(
                httpx.Client(
                    base_url=f"http://127.0.0.1:{port}", headers={"x-goog-api-key": MASTER_KEY}, timeout=30
                )
            )
        yield clients
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=15)


def test_created_on_one_is_read_continued_and_deleted_on_the_other(two_instances):
    a, b = two_instances
    first = a.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi"}).json()
    assert b.get(f"/v1/interactions/{first['id']}").json()["steps"][-1]["type"] == "model_output"
    follow = b.post(
        "/v1/interactions",
        json={"model": "gemini-fake", "input": "more", "previous_interaction_id": first["id"]},
    )
    assert follow.status_code == 200, follow.text
    timeline = a.get(f"/v1/interactions/{follow.json()['id']}").json()["steps"]
    assert [s["type"] for s in timeline] == ["user_input", "model_output", "user_input", "model_output"]
    assert b.delete(f"/v1/interactions/{first['id']}").status_code == 200
    assert a.get(f"/v1/interactions/{first['id']}").status_code == 404


def test_background_started_on_one_is_cancelled_from_the_other(two_instances, gemini_upstream):
    a, b = two_instances
    gemini_upstream.upstream.replies.append(Reply(delay=3))
    started = a.post(
        "/v1/interactions", json={"model": "gemini-fake", "input": "slow", "background": True}
    ).json()
    assert started["status"] == "in_progress"
    assert b.post(f"/v1/interactions/{started['id']}/cancel").json()["status"] == "cancelled"
    time.sleep(3.5)  # the upstream answers meanwhile; the cancel from the other instance still wins
    assert a.get(f"/v1/interactions/{started['id']}").json()["status"] == "cancelled"


def test_stream_from_one_resumes_on_the_other(two_instances, gemini_upstream):
    a, b = two_instances
    gemini_upstream.upstream.replies.append(Reply(text="0123456789", chunk_size=2))
    events = assert_stream_valid(
        a.post("/v1/interactions", json={"model": "gemini-fake", "input": "hi", "stream": True}).text
    )
    cut = events[3]
    resumed = b.get(
        f"/v1/interactions/{events[0]['interaction']['id']}",
        params={"stream": "true", "last_event_id": cut["event_id"]},
    )
    assert [e["event_id"] for e in assert_stream_valid(resumed.text, resumed=True)] == [
        e["event_id"] for e in events[4:]
    ]


def test_a_follower_on_the_other_instance_sees_a_cancelled_run_end(two_instances, gemini_upstream):
    """The cancel is stored at once; the run's own instance writes its ending up to a poll later.
    A follower on the cancelling instance must wait for that ending, not stop at the status."""
    a, b = two_instances
    gemini_upstream.upstream.replies.append(Reply(text="x" * 400, chunk_size=4, event_delay=0.05))
    body = {"model": "gemini-fake", "input": "slow", "background": True}
    ident = a.post("/v1/interactions", json=body).json()["id"]
    time.sleep(0.6)  # some deltas are stored: the follower starts mid-run
    events = _followed_while(
        b, ident, lambda: b.post(f"/v1/interactions/{ident}/cancel").json()["status"] == "cancelled"
    )
    assert events[-2]["event_type"] == "interaction.status_update" and events[-2]["status"] == "cancelled"
    assert events[-1]["event_type"] == "interaction.completed"
    assert events[-1]["interaction"]["status"] == "cancelled"


def test_a_stream_cancelled_on_the_other_instance_ends_cancelled_for_its_client(
    two_instances, gemini_upstream
):
    a, b = two_instances
    gemini_upstream.upstream.replies.append(Reply(text="y" * 400, chunk_size=4, event_delay=0.05))
    body = {"model": "gemini-fake", "input": "slow", "stream": True}
    answers = []

    def cancel(seen: list[str]) -> bool:
        ident = next(json.loads(x[6:]) for x in seen if x.startswith("data: {"))["interaction"]["id"]
        answers.append(b.post(f"/v1/interactions/{ident}/cancel").json())
        return True

    events = _read_while(a, cancel, "POST", "/v1/interactions", json=body)
    ident, (cancelled,) = events[0]["interaction"]["id"], answers
    assert events[-1]["interaction"]["status"] == "cancelled"
    text = "".join(e["delta"]["text"] for e in events if e["event_type"] == "step.delta")
    assert 0 < len(text) < 400  # stopped, not run to its end
    # The cancel answered once the run had saved what it streamed; a read agrees.
    assert cancelled["status"] == "cancelled" and cancelled["steps"][-1]["content"][0]["text"]
    stored = a.get(f"/v1/interactions/{ident}").json()
    assert stored["status"] == "cancelled" and stored["steps"][-1]["content"][0]["text"] == text


def test_a_background_run_deleted_on_the_other_instance_stops(two_instances, gemini_upstream):
    a, b = two_instances
    gemini_upstream.upstream.replies.append(Reply(text="z" * 800, chunk_size=4, event_delay=0.05))
    ident = a.post(
        "/v1/interactions", json={"model": "gemini-fake", "input": "slow", "background": True}
    ).json()["id"]
    time.sleep(0.6)
    assert b.delete(f"/v1/interactions/{ident}").status_code == 200
    admin = {"Authorization": f"Bearer {MASTER_KEY}"}
    deadline = time.monotonic() + 5  # the run alone would take 10 s
    while not (
        rows := [r for r in a.get("/spend/logs", headers=admin).json() if r["interaction_id"] == ident]
    ):
        assert time.monotonic() < deadline, "the deleted run did not stop"
        time.sleep(0.2)
    assert rows[0]["status"] == "cancelled"


def test_a_follower_of_a_run_deleted_meanwhile_is_told_so(two_instances, gemini_upstream):
    """The follower's instance finds the row gone: the stream ends with an error saying why,
    not cut short with no ending."""
    a, b = two_instances
    gemini_upstream.upstream.replies.append(Reply(text="d" * 800, chunk_size=4, event_delay=0.05))
    body = {"model": "gemini-fake", "input": "slow", "background": True}
    ident = a.post("/v1/interactions", json=body).json()["id"]
    time.sleep(0.6)
    events = _followed_while(b, ident, lambda: a.delete(f"/v1/interactions/{ident}").status_code == 200)
    assert events[-1]["event_type"] == "error"
    assert events[-1]["error"]["code"] == "not_found" and ident in events[-1]["error"]["message"]
    assert b.get(f"/v1/interactions/{ident}").status_code == 404


def _read_while(client: httpx.Client, act, method: str, path: str, **request) -> list[dict]:
    """A stream read from `client` until its first live delta, then `act(the lines so far)`
    (which must hold), then to its end: its events, validated."""
    with client.stream(method, path, **request) as r:
        lines = r.iter_lines()
        seen = []
        for line in lines:
            seen.append(line)
            if "step.delta" in line:
                break
        assert act(seen)
        seen += lines
    return assert_stream_valid("".join(line + "\n" for line in seen))


def _followed_while(client: httpx.Client, ident: str, act) -> list[dict]:
    """The stream of `ident` followed from `client`, with `act()` done once it relays a live delta."""
    return _read_while(client, lambda _: act(), "GET", f"/v1/interactions/{ident}", params={"stream": "true"})
