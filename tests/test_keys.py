"""Virtual keys, spend and budgets, CORS: the admin API and the Interactions API against real
gateways (SQLite and PostgreSQL) with a fake Gemini upstream, through raw HTTP and google-genai."""

from __future__ import annotations

import math
import time

import httpx
import pytest
from google import genai
from google.genai import _interactions as genai_errors

from parley.keys import CACHE_TTL
from tests.conftest import MASTER_KEY, OTHER_KEY, gemini_config
from tests.fakes.script import Reply

# gemini-3-flash-preview in genai-prices: $0.50 per million input tokens, $3 per million output;
# the fake answers with 11 input and 7 output tokens.
FAKE_COST = 11 * 0.5e-6 + 7 * 3e-6
LOG_RECORDS: list[dict] = []


def collect(record: dict) -> None:
    """A general_settings.callbacks entry: keeps the log records for the assertions."""
    LOG_RECORDS.append(record)


def admin(gateway) -> httpx.Client:
    return httpx.Client(base_url=gateway.url, headers={"Authorization": f"Bearer {MASTER_KEY}"}, timeout=60)


def as_key(gateway, key: str) -> httpx.Client:
    return httpx.Client(base_url=gateway.url, headers={"x-goog-api-key": key}, timeout=60)


def generate(gateway, **settings) -> dict:
    response = admin(gateway).post("/key/generate", json=settings)
    assert response.status_code == 200, response.text
    return response.json()


def create(gateway, key: str, **body):
    return as_key(gateway, key).post("/v1/interactions", json={"model": "gemini-fake", "input": "hi", **body})


@pytest.fixture(scope="module")
def keyed(gateway_factory, gemini_upstream):
    config = gemini_config(gemini_upstream.url, callbacks=["tests.test_keys:collect"])
    return gateway_factory(config)


def test_virtual_key_lifecycle(keyed, gemini_upstream):
    made = generate(keyed, key_alias="web-app", models=["gemini-fake"], metadata={"team": "a"})
    key, token = made["key"], made["token"]
    assert key.startswith("sk-") and len(token) == 64 and key not in made["key_name"]
    assert made["key_alias"] == "web-app" and made["spend"] == 0 and made["metadata"] == {"team": "a"}

    # It works on the Interactions routes like a configured key, through the unmodified SDK too.
    client = genai.Client(api_key=key, http_options={"base_url": keyed.url, "retry_options": {"attempts": 1}})
    interaction = client.interactions.create(model="gemini-fake", input="Tell me a joke.")
    assert interaction.status == "completed"
    assert client.interactions.get(interaction.id).output_text == "Hello from the fake upstream."

    # Its interactions are its own: neither the master key nor another virtual key sees them.
    assert admin(keyed).get(f"/v1/interactions/{interaction.id}").status_code == 404
    other = generate(keyed)["key"]
    assert as_key(keyed, other).get(f"/v1/interactions/{interaction.id}").status_code == 404
    assert as_key(keyed, other).delete(f"/v1/interactions/{interaction.id}").status_code == 404
    # The admin API sees any interaction, with its steps.
    seen = admin(keyed).get(f"/admin/interaction/{interaction.id}").json()
    assert [s["type"] for s in seen["steps"]] == ["user_input", "model_output"]

    # A JSON create carries its cost; the key's spend and the spend logs add it up.
    response = create(keyed, key)
    assert response.status_code == 200
    assert float(response.headers["x-parley-response-cost"]) == pytest.approx(FAKE_COST)
    info = admin(keyed).get("/key/info", params={"key": key}).json()
    assert info["key"] == token and info["info"]["spend"] == pytest.approx(2 * FAKE_COST)
    assert admin(keyed).get("/key/info", params={"key": token}).json()["info"]["key_alias"] == "web-app"
    logs = admin(keyed).get("/spend/logs", params={"api_key": key}).json()
    assert len(logs) == 2 and {r["model_group"] for r in logs} == {"gemini-fake"}
    assert logs[0]["spend"] == pytest.approx(FAKE_COST)
    assert (logs[0]["prompt_tokens"], logs[0]["completion_tokens"]) == (11, 7)
    # Newest first by second: the two creates may share one, so find the SDK's by its id.
    assert interaction.id in {r["interaction_id"] for r in logs}

    # Not allowed: a model outside the key's list (before any upstream call).
    before = len(gemini_upstream.upstream.requests)
    refused = as_key(keyed, key).post("/v1/interactions", json={"model": "smollm2", "input": "hi"})
    assert refused.status_code == 403 and "smollm2" in refused.json()["error"]["message"]
    assert len(gemini_upstream.upstream.requests) == before

    # Update, list, delete: the next request is refused at once.
    updated = admin(keyed).post("/key/update", json={"key": token, "key_alias": "renamed", "rpm_limit": 100})
    assert updated.status_code == 200 and updated.json()["rpm_limit"] == 100
    listed = {k["token"]: k for k in admin(keyed).get("/key/list").json()["keys"]}
    assert listed[token]["key_alias"] == "renamed" and "key" not in listed[token]
    deleted = admin(keyed).post("/key/delete", json={"keys": [key]})
    assert deleted.json() == {"deleted_keys": [token]}
    gone = create(keyed, key)
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "unauthenticated"
    assert admin(keyed).get("/key/info", params={"key": token}).status_code == 404


def test_admin_api_needs_the_master_key(keyed):
    virtual = generate(keyed)["key"]
    for key in (OTHER_KEY, virtual):
        response = as_key(keyed, key).get("/key/list")
        assert response.status_code == 403, key
        assert response.json()["error"] == {
            "code": "permission_denied",
            "message": "The admin API needs the master key.",
        }
    assert httpx.get(f"{keyed.url}/key/list").status_code == 401
    # The master key in ?key= is not taken on admin routes (there `key` names a key).
    assert httpx.get(f"{keyed.url}/key/list", params={"key": MASTER_KEY}).status_code == 401


def test_admin_requests_are_validated(keyed):
    bad = admin(keyed).post("/key/generate", json={"max_budget": -1})
    assert bad.status_code == 400 and "max_budget" in bad.json()["error"]["message"]
    unknown = admin(keyed).post("/key/generate", json={"max_budjet": 5})
    assert unknown.status_code == 400 and "max_budjet" in unknown.json()["error"]["message"]
    window = admin(keyed).post("/key/generate", json={"budget_duration": "monthly"})
    assert window.status_code == 400 and "budget_duration" in window.json()["error"]["message"]
    missing = admin(keyed).post("/key/update", json={"key": "sk-nope", "rpm_limit": 3})
    assert missing.status_code == 404
    # Too large for the store's columns or a date: a 400 naming the field, not a 500.
    made = admin(keyed).post("/key/generate", json={}).json()["key"]
    huge = 99999999999999999999999
    for route, extra in (("/key/generate", {}), ("/key/update", {"key": made})):
        for field, value in (
            ("rpm_limit", huge),
            ("tpm_limit", 2**63),
            ("max_parallel_requests", 2**31),
            ("duration", "99999999999d"),
            ("budget_duration", "99999999999d"),
        ):
            r = admin(keyed).post(route, json={**extra, field: value})
            assert r.status_code == 400 and field in r.json()["error"]["message"], (route, field, r.text)
    assert (
        admin(keyed).post("/key/generate", json={"rpm_limit": 2**31 - 1, "duration": "36500d"}).status_code
        == 200
    )


def test_budget_is_enforced_before_the_upstream_and_resets(keyed, gemini_upstream):
    # A window long enough for the four requests below on a loaded machine.
    key = generate(keyed, max_budget=FAKE_COST * 1.5, budget_duration="6s")["key"]
    assert create(keyed, key).status_code == 200
    assert create(keyed, key).status_code == 200  # spent 1x: under the budget when it started
    before = len(gemini_upstream.upstream.requests)
    over = create(keyed, key)
    assert over.status_code == 400
    error = over.json()["error"]
    assert error["code"] == "budget_exceeded"
    assert f"${2 * FAKE_COST:.6f}" in error["message"] and f"${FAKE_COST * 1.5:.6f}" in error["message"]
    assert len(gemini_upstream.upstream.requests) == before  # refused before any upstream call
    # Streams and background runs are refused the same way.
    assert create(keyed, key, stream=True).status_code == 400
    deadline = time.monotonic() + 15
    while create(keyed, key).status_code == 400:  # the 6 s window ends, the spend starts at 0
        assert time.monotonic() < deadline, "budget window never reset"
        time.sleep(0.3)
    info = admin(keyed).get("/key/info", params={"key": key}).json()["info"]
    assert info["spend"] == pytest.approx(FAKE_COST)


def test_a_budget_window_that_has_ended_is_shown_reset(keyed):
    """/key/list (and the admin page built on it) shows a new window, as the key's next use would."""
    made = generate(keyed, max_budget=1.0, budget_duration="1s")
    assert create(keyed, made["key"]).status_code == 200
    time.sleep(2.1)
    (listed,) = [k for k in admin(keyed).get("/key/list").json()["keys"] if k["token"] == made["token"]]
    assert listed["spend"] == 0 and listed["budget_reset_at"] > time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime()
    )


def test_expired_key_is_refused(keyed):
    key = generate(keyed, duration="1s")["key"]
    assert create(keyed, key).status_code == 200
    time.sleep(2.1)
    response = create(keyed, key)
    assert response.status_code == 401 and "expired" in response.json()["error"]["message"]


def test_per_key_rpm_and_parallel_limits(keyed, gemini_upstream):
    key = generate(keyed, rpm_limit=2)["key"]
    assert [create(keyed, key).status_code for _ in range(2)] == [200, 200]
    limited = create(keyed, key)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "2 requests per minute" in limited.json()["error"]["message"]

    key = generate(keyed, max_parallel_requests=1)["key"]
    gemini_upstream.upstream.replies.append(Reply(delay=1.5))
    background = create(keyed, key, background=True)  # holds the one slot while it runs
    assert background.status_code == 200
    busy = create(keyed, key)
    assert busy.status_code == 429 and "1 parallel requests" in busy.json()["error"]["message"]
    interaction_id = background.json()["id"]
    deadline = time.monotonic() + 20
    while as_key(keyed, key).get(f"/v1/interactions/{interaction_id}").json()["status"] == "in_progress":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert create(keyed, key).status_code == 200  # the slot is free again


def test_rate_limit_rpm_gives_each_virtual_key_its_own_bucket(gateway_factory, gemini_upstream):
    gw = gateway_factory(gemini_config(gemini_upstream.url, rate_limit_rpm=2))
    first, second = generate(gw)["key"], generate(gw)["key"]
    assert [create(gw, first).status_code for _ in range(3)] == [200, 200, 429]
    # Another virtual key is not charged for the first one's requests...
    assert [create(gw, second).status_code for _ in range(2)] == [200, 200]
    # ...while made-up keys share one bucket among themselves (and are refused anyway).
    assert [create(gw, f"sk-made-up-{n}").status_code for n in range(3)] == [401, 401, 429]


def test_tpm_limit(keyed):
    key = generate(keyed, tpm_limit=20)["key"]
    assert create(keyed, key).status_code == 200  # 18 tokens: under 20 when it started
    assert create(keyed, key).status_code == 200
    limited = create(keyed, key)
    assert limited.status_code == 429 and "20 tokens per minute" in limited.json()["error"]["message"]


def test_stream_cost_is_recorded_and_logged(keyed, gemini_upstream):
    key = generate(keyed, key_alias="streamer")["key"]
    LOG_RECORDS.clear()
    gemini_upstream.upstream.replies.append(Reply(text="streamed", chunk_size=3))
    with as_key(keyed, key).stream(
        "POST", "/v1/interactions", json={"model": "gemini-fake", "input": "hi", "stream": True}
    ) as response:
        assert response.status_code == 200
        assert "x-parley-response-cost" not in response.headers  # known only at the stream's end
        body = response.read().decode()
    assert "interaction.completed" in body
    deadline = time.monotonic() + 10
    while not (logs := admin(keyed).get("/spend/logs", params={"api_key": key}).json()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert logs[0]["stream"] is True and logs[0]["spend"] == pytest.approx(FAKE_COST)
    assert [r["cost"] for r in LOG_RECORDS] == [pytest.approx(FAKE_COST)]
    metrics = httpx.get(f"{keyed.url}/metrics", headers={"Authorization": f"Bearer {MASTER_KEY}"}).text
    line = next(
        x for x in metrics.splitlines() if x.startswith('parley_spend_usd_total{model_group="gemini-fake"}')
    )
    assert float(line.split()[-1]) >= FAKE_COST


def test_spend_summary(keyed):
    key = generate(keyed)["key"]
    for _ in range(3):
        assert create(keyed, key).status_code == 200
    summary = admin(keyed).get("/spend/summary", params={"days": 7}).json()
    by_model = {m["model_group"]: m for m in summary["by_model"]}
    assert by_model["gemini-fake"]["spend"] >= 3 * FAKE_COST
    token = admin(keyed).get("/key/info", params={"key": key}).json()["key"]
    assert {k["api_key"]: k for k in summary["by_key"]}[token]["spend"] == pytest.approx(3 * FAKE_COST)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert summary["by_day"][-1]["day"] == today
    assert summary["total_unpriced_requests"] == 0 and by_model["gemini-fake"]["unpriced_requests"] == 0
    # Per day and model, as the admin page's chart draws it: the same totals, split.
    by_day_model = {(g["day"], g["model_group"]): g for g in summary["by_day_model"]}
    assert by_day_model[(today, "gemini-fake")]["requests"] >= 3
    assert sum(g["spend"] for g in summary["by_day_model"]) == pytest.approx(summary["total_spend"])
    assert summary["total_spend"] == pytest.approx(sum(d["spend"] for d in summary["by_day"]))
    health = admin(keyed).get("/admin/deployments").json()["deployments"]
    fake = next(d for d in health if d["model_group"] == "gemini-fake")
    assert (
        fake["priced"] is True and fake["cooldown_seconds"] == 0 and "upstream-key" not in fake["deployment"]
    )


def test_spend_logs_filters_as_litellm_names_them(keyed):
    key = generate(keyed)["key"]
    ids = [create(keyed, key).json()["id"] for _ in range(2)]

    def logs(**params) -> list[str]:
        r = admin(keyed).get("/spend/logs", params={"api_key": key, **params})
        assert r.status_code == 200, r.text
        return [row["request_id"] for row in r.json()]

    deadline = time.monotonic() + 10
    while len(logs()) < 2:  # spend rows are committed just after their answers
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert logs(request_id=ids[0]) == [ids[0]]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert sorted(logs(start_date=today, end_date=today)) == sorted(ids)  # a date alone: its whole day
    assert logs(end_date="2020-01-01") == [] and logs(start_date="2999-01-01T00:00:00Z") == []
    assert sorted(logs(end_date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))) == sorted(ids)
    assert sorted(logs(end_date="9999-12-31")) == sorted(ids)  # the calendar's last day: no end
    for name in ("start_date", "end_date"):
        for garbage in ("garbage", "0001-01-01T00:00:00+01:00"):  # the second is before year 1 in UTC
            bad = admin(keyed).get("/spend/logs", params={name: garbage})
            assert bad.status_code == 400 and name in bad.json()["error"]["message"], bad.text


def test_price_override_and_unpriced_models(gateway_factory, gemini_upstream):
    config = gemini_config(gemini_upstream.url)
    config["model_list"][0]["litellm_params"].update(input_cost_per_token=0.001, output_cost_per_token=0.01)
    config["model_list"].append(
        {
            "model_name": "mystery",
            "litellm_params": {"model": "gemini/no-such-model-x", "api_base": gemini_upstream.url},
        }
    )
    gw = gateway_factory(config)
    response = create(gw, MASTER_KEY)
    assert float(response.headers["x-parley-response-cost"]) == pytest.approx(11 * 0.001 + 7 * 0.01)
    # No price known: the cost is unknown (no header), never a made-up 0 ...
    unknown = as_key(gw, MASTER_KEY).post("/v1/interactions", json={"model": "mystery", "input": "hi"})
    assert unknown.status_code == 200 and "x-parley-response-cost" not in unknown.headers
    # The summary counts it as unpriced: its spend is a floor, not a made-up total.
    summary = admin(gw).get("/spend/summary", params={"days": 1}).json()
    by_model = {g["model_group"]: g for g in summary["by_model"]}
    assert by_model["mystery"]["unpriced_requests"] == 1 and by_model["mystery"]["spend"] == 0
    assert by_model[config["model_list"][0]["model_name"]]["unpriced_requests"] == 0
    assert summary["total_unpriced_requests"] == 1 and summary["total_requests"] == 2
    # ... and a key with a budget may not use it: its spend could not be counted.
    key = generate(gw, max_budget=1)["key"]
    refused = as_key(gw, key).post("/v1/interactions", json={"model": "mystery", "input": "hi"})
    assert refused.status_code == 400 and "input_cost_per_token" in refused.json()["error"]["message"]


def test_keys_across_instances_sharing_postgresql(gateway_factory, gemini_upstream, pg_url):
    config = gemini_config(gemini_upstream.url)
    first = gateway_factory(config, database_url=pg_url)
    second = gateway_factory(config, database_url=pg_url)
    made = generate(first, max_budget=FAKE_COST * 0.5)
    key = made["key"]
    # Made on one instance, usable on the other at once (never looked up there before).
    response = create(second, key)
    assert response.status_code == 200
    interaction_id = response.json()["id"]
    assert as_key(first, key).get(f"/v1/interactions/{interaction_id}").status_code == 200
    # Its spend row is read at once on the instance that answered (written after the answer, it
    # is committed before a read), and by the other.
    for gateway in (second, first):
        (row,) = admin(gateway).get("/spend/logs", params={"api_key": key}).json()
        assert row["interaction_id"] == interaction_id and row["spend"] == pytest.approx(FAKE_COST)
    for _ in range(10):
        made_now = create(second, generate(first)["key"])
        rows = admin(second).get("/spend/logs", params={"request_id": made_now.json()["id"]}).json()
        assert len(rows) == 1, "a spend row not yet readable after its answer"
    # The spend was counted in the shared database: the first instance refuses the next request
    # once its cached copy expires.
    deadline = time.monotonic() + CACHE_TTL + 5
    while (r := create(first, key)).status_code != 400:
        assert time.monotonic() < deadline, "spend from the other instance never seen"
        time.sleep(0.25)
    assert r.json()["error"]["code"] == "budget_exceeded"
    # Deleted on one instance: the other refuses it within the cache TTL.
    other = generate(first)["key"]
    assert create(second, other).status_code == 200
    assert admin(first).post("/key/delete", json={"keys": [other]}).status_code == 200
    started = time.monotonic()
    while create(second, other).status_code == 200:
        assert time.monotonic() - started < CACHE_TTL + 5, "deleted key still accepted"
        time.sleep(0.25)
    assert math.isclose(CACHE_TTL, 5.0)


def test_cors(gateway_factory, gemini_upstream):
    origin = "http://app.example.test"
    preflight_headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-goog-api-key,x-goog-api-client",
    }
    closed = gateway_factory(gemini_config(gemini_upstream.url))
    response = httpx.options(f"{closed.url}/v1/interactions", headers=preflight_headers)
    assert "access-control-allow-origin" not in response.headers  # default: no origin is allowed

    gw = gateway_factory(gemini_config(gemini_upstream.url, allowed_origins=[origin]))
    response = httpx.options(f"{gw.url}/v1/interactions", headers=preflight_headers)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "x-goog-api-key" in response.headers["access-control-allow-headers"].lower()
    assert "POST" in response.headers["access-control-allow-methods"]
    other = httpx.options(
        f"{gw.url}/v1/interactions", headers={**preflight_headers, "Origin": "http://evil.test"}
    )
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    created = httpx.post(
        f"{gw.url}/v1/interactions",
        json={"model": "gemini-fake", "input": "hi"},
        headers={"Origin": origin, "x-goog-api-key": MASTER_KEY},
    )
    assert created.status_code == 200 and created.headers["access-control-allow-origin"] == origin
    assert "x-parley-response-cost" in created.headers["access-control-expose-headers"].lower()

    anyone = gateway_factory(gemini_config(gemini_upstream.url, allowed_origins=["*"]))
    response = httpx.options(f"{anyone.url}/v1/interactions", headers=preflight_headers)
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == "*"


def test_genai_sdk_errors_for_budget(keyed):
    key = generate(keyed, max_budget=0)["key"]
    client = genai.Client(api_key=key, http_options={"base_url": keyed.url, "retry_options": {"attempts": 1}})
    with pytest.raises(genai_errors.BadRequestError) as caught:
        client.interactions.create(model="gemini-fake", input="hi")
    assert "Budget exceeded" in str(caught.value)


def test_an_unexpected_error_is_a_500_in_the_apis_shape_and_is_logged(
    gateway_factory, gemini_upstream, monkeypatch, caplog
):
    server = gateway_factory(gemini_config(gemini_upstream.url))
    engine = server._server.config.app.engine  # the Gateway's, started by the server's lifespan

    async def broken() -> list:
        raise RuntimeError("a bug")

    monkeypatch.setattr(engine.store, "list_keys", broken)
    with caplog.at_level("ERROR", logger="parley.server"):
        r = admin(server).get("/key/list")
    assert r.status_code == 500 and r.json() == {"error": {"code": "internal", "message": "Internal error."}}
    (record,) = [r for r in caplog.records if r.name == "parley.server"]
    assert "GET /key/list" in record.getMessage() and "a bug" in str(record.exc_info[1])


def test_a_virtual_key_reads_its_own_info_as_in_litellm(keyed):
    mine, theirs = generate(keyed, key_alias="mine"), generate(keyed, key_alias="theirs")
    for params in ({}, {"key": mine["key"]}, {"key": mine["token"]}):
        r = as_key(keyed, mine["key"]).get("/key/info", params=params)
        assert r.status_code == 200, r.text
        assert r.json()["key"] == mine["token"] and r.json()["info"]["key_alias"] == "mine"
    other = as_key(keyed, mine["key"]).get("/key/info", params={"key": theirs["token"]})
    assert other.status_code == 403 and "master key" in other.json()["error"]["message"]
    assert (
        admin(keyed).get("/key/info", params={"key": theirs["key"]}).json()["info"]["key_alias"] == "theirs"
    )
    unnamed = admin(keyed).get("/key/info")
    assert unnamed.status_code == 404 and "?key=" in unnamed.json()["error"]["message"]
    assert as_key(keyed, mine["key"]).get("/key/list").status_code == 403  # the rest stays the master key's
