"""Several Parley processes as one fleet: router state and rate limits shared through a real Redis,
/metrics the same from every worker. Real processes on loopback, a real redis-server (scripts/redis.sh),
a real PostgreSQL, fake Gemini upstreams in this process."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from parley.shared_state import SharedState
from tests.adapter_kit import fakes_fixtures
from tests.conftest import MASTER_KEY, OTHER_KEY
from tests.fakes import gemini as gemini_fake
from tests.fakes.script import Reply
from tests.fakes.server import LiveServer, free_port
from tests.redis_server import RedisServer

THIRD_KEY = "sk-parley-third"
LIMITED_KEY = "sk-parley-limited"
SPARE_KEYS = [f"sk-parley-spare-{i}" for i in range(30)]  # for tests that must stay under the key limit
START_SECONDS = 90  # a process start under a loaded machine


class Instance:
    """`parley --config … --port …` as a child process; its stderr goes to a file for the test."""

    def __init__(self, config: Path, workers: int = 1, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = config.with_name(f"parley-{self.port}.log")
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "parley.cli", "--config", str(config), "--port", str(self.port)]
                + ["--log-level", "warning", "--workers", str(workers)],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )

    def wait_ready(self) -> Instance:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if httpx.get(f"{self.url}/health/readiness").status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"parley on port {self.port} did not start:\n{self.log.read_text()[-2000:]}"
                )
            time.sleep(0.1)

    def client(self, key: str = MASTER_KEY) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"x-goog-api-key": key}, timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_fleet(tmp_path: Path, config: dict, n: int, workers: int = 1) -> list[Instance]:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    fleet = [Instance(path, workers) for _ in range(n)]  # started together, waited for together
    try:
        return [i.wait_ready() for i in fleet]
    except BaseException:
        for i in fleet:
            i.stop()
        raise


def upstream_entry(model_name: str, fake: LiveServer, **params) -> dict:
    return {
        "model_name": model_name,
        "litellm_params": {
            "model": "gemini/gemini-3-flash-preview",
            "api_base": fake.url,
            "api_key": "upstream-key",
            **params,
        },
    }


fakes, _reset_module_fakes = fakes_fixtures(gemini_fake.make_app, "AB")


def fleet_config(fakes, redis_url: str, database_url: str, **general) -> dict:
    return {
        "model_list": [
            upstream_entry("solo", fakes["A"]),
            upstream_entry("limited", fakes["A"], rpm=6),
            upstream_entry("pair", fakes["A"]),
            upstream_entry("pair", fakes["B"]),
        ],
        "router_settings": {
            "redis_url": redis_url,
            "num_retries": 1,
            "allowed_fails": 1,
            "cooldown_time": 60,
        },
        "general_settings": {
            "master_key": MASTER_KEY,
            "api_keys": [OTHER_KEY, THIRD_KEY, LIMITED_KEY, *SPARE_KEYS],
            "database_url": database_url,
            **general,
        },
    }


def create(client: httpx.Client, model: str) -> httpx.Response:
    return client.post("/v1/interactions", json={"model": model, "input": "hi"})


@pytest.fixture(scope="module")
def three(fakes, redis_server, pg_url, tmp_path_factory):
    """Three instances sharing one Redis and one PostgreSQL; every key is limited to 6 rpm."""
    redis_server.flush()
    config = fleet_config(fakes, redis_server.url, pg_url, rate_limit_rpm=6)
    fleet = start_fleet(tmp_path_factory.mktemp("three"), config, 3)
    yield fleet
    for instance in fleet:
        instance.stop()


def test_a_6_rpm_key_limit_admits_6_requests_across_three_instances(three):
    clients = [i.client(LIMITED_KEY) for i in three]
    codes = [create(c, "solo").status_code for c in itertools.islice(itertools.cycle(clients), 9)]
    assert codes == [200] * 6 + [429] * 3
    # Each instance answered some of the refusals: the limit is the fleet's, not per instance.
    assert all(create(c, "solo").status_code == 429 for c in clients)


def test_a_6_rpm_deployment_takes_6_requests_across_three_instances(three, fakes):
    # Two keys, so that no key reaches its own 6 rpm: only the deployment's rpm refuses.
    clients = [i.client(key) for i in three for key in (OTHER_KEY, THIRD_KEY)]
    answers = [create(c, "limited") for c in itertools.islice(itertools.cycle(clients), 9)]
    assert [r.status_code for r in answers] == [200] * 6 + [503] * 3
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
    assert len(fakes["A"].upstream.requests) == 6


def test_a_deployment_cooled_down_on_one_instance_is_skipped_by_the_others(three, fakes):
    a, b = fakes["A"], fakes["B"]
    a.upstream.default = Reply(status=500)  # A fails; B answers; one failure cools A down (60 s)
    keys = iter(SPARE_KEYS)  # a key per request: the key limit (6 rpm) is not what this is about
    for _ in range(20):  # the shuffle picks A sooner or later; the retry then goes to B
        assert create(three[0].client(next(keys)), "pair").status_code == 200
        if a.upstream.requests:
            break
    assert len(a.upstream.requests) == 1
    sent_to_b = len(b.upstream.requests)
    for instance in three[1:]:
        for _ in range(4):
            assert create(instance.client(next(keys)), "pair").status_code == 200
    assert len(a.upstream.requests) == 1  # nobody else sent A anything while it cools down
    assert len(b.upstream.requests) == sent_to_b + 8
    # Every instance's admin page shows the fleet's view: A cooling down, with its one failure.
    for instance in three:
        rows = instance.client().get("/admin/deployments").json()["deployments"]
        (row_a,) = [r for r in rows if r["deployment"] == "pair#0"]
        assert 0 < row_a["cooldown_seconds"] <= 60 and row_a["recent_failures"] == 1


@pytest.fixture(scope="module")
def keyed(fakes, redis_server, pg_url, tmp_path_factory):
    """Three instances for virtual keys' own limits: no rate_limit_rpm (at the edge, every virtual
    key shares the bucket of keys it does not know, which would refuse first)."""
    config = fleet_config(fakes, redis_server.url, pg_url)
    fleet = start_fleet(tmp_path_factory.mktemp("keyed"), config, 3)
    yield fleet
    for instance in fleet:
        instance.stop()


def virtual_key(instance: Instance, **limits) -> str:
    made = instance.client().post("/key/generate", json=limits)
    assert made.status_code == 200, made.text
    return made.json()["key"]


def test_a_virtual_key_rpm_limit_holds_across_three_instances(keyed):
    key = virtual_key(keyed[0], rpm_limit=3)
    clients = [i.client(key) for i in keyed]
    codes = [create(c, "solo").status_code for c in itertools.islice(itertools.cycle(clients), 5)]
    assert codes == [200] * 3 + [429] * 2


def test_a_virtual_key_tpm_limit_holds_across_three_instances(keyed):
    # Each answer uses 18 tokens. No instance alone sees more than 18 of the key's 30 tpm; the
    # fleet has seen 36 after two requests, so every instance refuses the third.
    key = virtual_key(keyed[0], tpm_limit=30)
    first, second, third = (i.client(key) for i in keyed)
    assert create(first, "solo").status_code == 200
    assert create(second, "solo").status_code == 200
    # Tokens are counted just after each answer, off its path (as LiteLLM does): give the second
    # answer's count its Redis round trip before asking again (under load it can lag the answer).
    time.sleep(0.5)
    for client in (third, first, second):
        refused = create(client, "solo")
        assert refused.status_code == 429, refused.text
        assert "30 tokens per minute" in refused.json()["error"]["message"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_a_virtual_key_max_parallel_requests_holds_across_three_instances(keyed, fakes):
    key = virtual_key(keyed[0], max_parallel_requests=1)
    first, second, third = (i.client(key) for i in keyed)
    fakes["A"].upstream.replies.append(Reply(delay=3))
    running = first.post("/v1/interactions", json={"model": "solo", "input": "hi", "background": True})
    assert running.status_code == 200, running.text  # holds the key's one slot while it runs
    for client in (second, third):
        busy = create(client, "solo")
        assert busy.status_code == 429, busy.text
        assert "1 parallel requests" in busy.json()["error"]["message"]
    deadline = time.monotonic() + 30
    while first.get(f"/v1/interactions/{running.json()['id']}").json()["status"] == "in_progress":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert create(second, "solo").status_code == 200  # the slot was handed back fleet-wide
    assert create(third, "solo").status_code == 200


async def test_a_key_slot_lease_lasts_while_renewed_and_expires_when_not(redis_server):
    """The lease behind max_parallel_requests: a process that dies mid-request stops renewing, and
    its slot frees itself; a long run that keeps renewing keeps it."""
    shared = SharedState(redis_server.url)
    try:
        held = await shared.admit_key("kh-lease", 0, 0, 1, 1.0)
        assert held is not None and held.refused_by == "" and held.token
        assert (await shared.admit_key("kh-lease", 0, 0, 1, 1.0)).refused_by == "parallel"
        await shared.renew_key("kh-lease", held.token, 3.0)
        await asyncio.sleep(1.5)  # past the first lease, within the renewed one
        assert (await shared.admit_key("kh-lease", 0, 0, 1, 1.0)).refused_by == "parallel"
        await shared.release_key("kh-lease", held.token)
        abandoned = await shared.admit_key("kh-lease", 0, 0, 1, 1.0)  # never renewed nor released
        assert abandoned.refused_by == ""
        await asyncio.sleep(1.5)
        assert (await shared.admit_key("kh-lease", 0, 0, 1, 1.0)).refused_by == ""
    finally:
        await shared.close()


def metrics(instance: Instance) -> str:
    # A new connection per scrape: each may land on another worker.
    r = httpx.get(f"{instance.url}/metrics", headers={"Authorization": f"Bearer {MASTER_KEY}"})
    assert r.status_code == 200
    return r.text


def sample(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


def test_redis_stopped_and_restarted_mid_test(fakes, pg_url, tmp_path):
    redis = RedisServer().start()
    fleet = []
    try:
        config = fleet_config(fakes, redis.url, pg_url, rate_limit_rpm=4)
        fleet = start_fleet(tmp_path, config, 2)
        one, two = fleet

        def admitted(key: str, on: list[Instance], n: int) -> list[int]:
            clients = [i.client(key) for i in on]
            return [create(c, "solo").status_code for c in itertools.islice(itertools.cycle(clients), n)]

        assert admitted(MASTER_KEY, fleet, 5) == [200] * 4 + [429]  # shared
        assert httpx.get(f"{one.url}/health/readiness").json()["router_state"] == "redis"

        redis.stop()
        # Served on each process's own state: 4 per instance for a fresh key, and no errors.
        assert admitted(OTHER_KEY, [one], 5) == [200] * 4 + [429]
        assert admitted(OTHER_KEY, [two], 4) == [200] * 4
        ready = httpx.get(f"{one.url}/health/readiness")
        assert ready.status_code == 200 and ready.json()["router_state"] == "local (redis unreachable)"
        text = metrics(one)
        assert sample(text, "parley_redis_up") == 0
        assert sample(text, "parley_redis_fallbacks_total") >= 5

        redis.start()  # same port, empty
        deadline = time.monotonic() + 30
        while httpx.get(f"{one.url}/health/readiness").json()["router_state"] != "redis":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        while httpx.get(f"{two.url}/health/readiness").json()["router_state"] != "redis":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert admitted(THIRD_KEY, fleet, 5) == [200] * 4 + [429]  # shared again
        assert sample(metrics(one), "parley_redis_up") == 1
    finally:
        for instance in fleet:
            instance.stop()
        redis.remove()
    for instance in fleet:  # one warning when Redis went away, one when it came back
        log = instance.log.read_text()
        assert log.count("Redis unreachable") == 1, log[-3000:]
        assert log.count("Redis reachable again") == 1, log[-3000:]


def test_metrics_are_the_same_from_every_worker(fakes, redis_server, pg_url, tmp_path):
    config = fleet_config(fakes, redis_server.url, pg_url)
    (instance,) = start_fleet(tmp_path, config, 1, workers=2)
    try:
        for _ in range(10):
            with instance.client() as c:  # new connections: the requests spread over both workers
                assert create(c, "solo").status_code == 200
        scrapes = [metrics(instance) for _ in range(8)]
        assert sample(scrapes[0], "parley_requests_total", model_group="solo", status="completed") == 10
        assert sample(scrapes[0], "parley_upstream_attempts_total", deployment="solo#0", outcome="ok") == 10
        assert all(s == scrapes[0] for s in scrapes)
        assert "127.0.0.1" not in scrapes[0] and "upstream-key" not in scrapes[0]
    finally:
        instance.stop()
