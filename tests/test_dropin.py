"""A LiteLLM user's first contact, as LiteLLM documents it, against the fakes on loopback: model
strings, environment keys, `<PROVIDER>_API_BASE`, wildcards, the OpenAI-compatible long tail,
settings honoured or refused, and the small things (version, start-up lines, headers)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import httpx
import pytest
import yaml

import parley
import parley.sdk  # noqa: F401  (words the outputs deprecation)
from parley.cli import start_up_lines
from parley.config import ConfigError, parse
from parley.errors import ApiError
from parley.providers import PROVIDERS
from parley.router import Router
from parley.spend import Pricing
from tests.adapter_kit import make_turn
from tests.conftest import log_lines, log_until
from tests.fakes import openai_chat, openai_responses
from tests.fakes.script import Reply, Upstream
from tests.fakes.server import serve

# Every variable the registry reads: a test controls them all, so the machine's own keys never leak in.
PROVIDER_ENV = sorted(
    {v for row in PROVIDERS.values() for v in (*row.key_env, *row.base_env, *row.version_env)}
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in PROVIDER_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("PARLEY_CONFIG", raising=False)


@pytest.fixture(scope="module")
def chat_fake():
    upstream = Upstream()
    with serve(openai_chat.make_app(upstream)) as server:
        server.upstream = upstream
        yield server


@pytest.fixture(scope="module")
def responses_fake():
    upstream = Upstream()
    with serve(openai_responses.make_app(upstream)) as server:
        server.upstream = upstream
        yield server


@pytest.fixture(autouse=True)
def _reset(request):
    yield
    for name in ("chat_fake", "responses_fake"):
        if name in request.fixturenames:
            fake = request.getfixturevalue(name)
            fake.upstream.replies.clear()
            fake.upstream.requests.clear()


def run_python(code: str, cwd, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in PROVIDER_ENV and k != "PARLEY_CONFIG"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=environ | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def call(router: Router, model: str, text: str = "hi"):
    outcome, dep = await router.create(model, lambda dep: make_turn({"model": model, "input": text}))
    return outcome, dep


# -- 1. the documented curl: a deployment's whole litellm_params.model -------------------------------
SEED_CONFIG = """
model_list:
  - model_name: gemini-flash
    litellm_params:
      model: gemini/gemini-2.5-flash
      api_key: os.environ/GEMINI_API_KEY
general_settings:
  master_key: sk-1234
"""


def test_the_documented_curl_runs_verbatim(monkeypatch, gateway_factory, gemini_upstream):
    monkeypatch.setenv("GEMINI_API_KEY", "sk-gemini")
    monkeypatch.setenv("GEMINI_API_BASE", gemini_upstream.url)
    gateway = gateway_factory(yaml.safe_load(SEED_CONFIG))
    result = subprocess.run(
        [
            "curl",
            "-s",
            "-w",
            "\n%{http_code}",
            "-X",
            "POST",
            f"{gateway.url}/v1beta/interactions",
            "-H",
            "Content-Type: application/json",
            "-H",
            "Authorization: Bearer sk-1234",
            "-d",
            '{"model": "gemini/gemini-2.5-flash", "input": "Tell me a short joke about programming."}',
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    body, _, status = result.stdout.rpartition("\n")
    assert status == "200", result.stdout
    sent = gemini_upstream.upstream.requests[-1]
    assert sent["body"]["model"] == "gemini-2.5-flash"
    assert sent["headers"]["x-goog-api-key"] == "sk-gemini"
    assert yaml.safe_load(body)["model"] == "gemini/gemini-2.5-flash"
    # And by its model_name, as before.
    r = httpx.post(
        f"{gateway.url}/v1beta/interactions",
        json={"model": "gemini-flash", "input": "hi"},
        headers={"Authorization": "Bearer sk-1234"},
    )
    assert r.status_code == 200
    # Who answered, in the headers: the interaction, the deployment (model_name#index) and provider.
    assert r.headers["x-parley-interaction-id"] == r.json()["id"]
    assert (r.headers["x-parley-model-id"], r.headers["x-parley-provider"]) == ("gemini-flash#0", "gemini")
    streamed = httpx.post(
        f"{gateway.url}/v1beta/interactions",
        json={"model": "gemini/gemini-2.5-flash", "input": "hi", "stream": True},
        headers={"Authorization": "Bearer sk-1234"},
    )
    assert streamed.status_code == 200 and streamed.headers["x-parley-model-id"] == "gemini-flash#0"
    assert streamed.headers["x-parley-interaction-id"] in streamed.text


def test_an_unknown_model_is_a_404_listing_the_names(monkeypatch):
    config = {
        "model_list": [
            {"model_name": f"m{i}", "litellm_params": {"model": "local/smollm2"}} for i in range(25)
        ]
    }
    router = Router(parse(config))
    with pytest.raises(ApiError) as caught:
        router.group_for("gemini/gemini-2.5-flash")
    error = caught.value
    assert error.status == 404 and error.code == "not_found"
    assert "m0, m1" in error.message and "m19" in error.message and "m20," not in error.message
    assert "and 5 more" in error.message
    with pytest.raises(ApiError) as caught:  # a key with a model list sees only its names
        router.group_for("nope", allowed=["m3", "m7"])
    assert "Model names: m3, m7." in caught.value.message


def test_an_unknown_bare_name_is_pointed_at_the_prefixed_names_served():
    def unknown(model_list: list[dict[str, object]], model: str) -> str:
        with pytest.raises(ApiError) as caught:
            Router(parse({"model_list": model_list})).group_for(model)
        assert caught.value.status == 404
        return caught.value.message

    wildcard = {"model_name": "openai/*", "litellm_params": {"model": "openai/*"}}
    named = {"model_name": "fast", "litellm_params": {"model": "anthropic/claude-haiku-4-5"}}
    assert unknown([wildcard, named], "gpt-4o").endswith("Did you mean openai/gpt-4o?")
    assert "Did you mean anthropic/claude-haiku-4-5?" in unknown([named], "claude-haiku-4-5")
    # Where no prefixed name is served either, no prefix is suggested.
    message = unknown([named], "gpt-4o")
    assert (
        "Did you mean" not in message and "prefix" not in message and message.endswith("Model names: fast.")
    )


# -- 2. provider inference from environment keys ------------------------------------------------------
def test_sdk_quick_start_with_gemini_api_key(tmp_path, gemini_upstream):
    code = """
        import parley
        interaction = parley.create_interaction(model="gemini/gemini-2.5-flash", input="Hello")
        print(interaction.model, parley.output_text(interaction))
        """
    result = run_python(code, tmp_path, GEMINI_API_KEY="sk-gemini", GEMINI_API_BASE=gemini_upstream.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "gemini/gemini-2.5-flash Hello from the fake upstream."
    sent = gemini_upstream.upstream.requests[-1]
    assert sent["body"]["model"] == "gemini-2.5-flash" and sent["headers"]["x-goog-api-key"] == "sk-gemini"


def test_sdk_bare_openai_name_uses_openai_api_key(tmp_path, responses_fake):
    code = """
        import parley
        print(parley.output_text(parley.create_interaction(model="gpt-4o", input="Hello")))
        """
    result = run_python(
        code, tmp_path, OPENAI_API_KEY="sk-openai", OPENAI_BASE_URL=responses_fake.url + "/v1"
    )
    assert result.returncode == 0, result.stderr
    sent = responses_fake.upstream.requests[-1]
    assert sent["body"]["model"] == "gpt-4o" and sent["headers"]["authorization"] == "Bearer sk-openai"


@pytest.mark.parametrize(
    "model, variable",
    [
        ("gemini/gemini-2.5-flash", "GEMINI_API_KEY"),
        ("gemini-2.5-flash", "GEMINI_API_KEY"),
        ("gpt-4o", "OPENAI_API_KEY"),
        ("o3-mini", "OPENAI_API_KEY"),
        ("openai/gpt-4o", "OPENAI_API_KEY"),
        ("claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
        ("anthropic/claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
        ("azure/my-deployment", "AZURE_API_KEY"),
        ("groq/llama-3.3-70b", "GROQ_API_KEY"),
    ],
)
def test_a_missing_key_is_a_401_naming_the_variable(model, variable):
    router = Router(parley.config.load())  # the embedded default, as `parley` without --config
    with pytest.raises(ApiError) as caught:
        router.group_for(model)
    assert caught.value.status == 401 and caught.value.code == "unauthenticated"
    assert f"set {variable}" in caught.value.message


def test_the_embedded_default_never_answers_another_model(tmp_path):
    """No key, no config: provider names are a 401, unknown names a 404, never SmolLM2's answer."""
    code = """
        import parley
        for model in ("gemini/gemini-2.5-flash", "gemini-3-flash-preview", "mystery-model", "cohere/command-r"):
            try:
                parley.create_interaction(model=model, input="Hello")
                print(model, "ANSWERED")
            except parley.ApiError as error:
                print(model, error.status, error.message)
        """
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("gemini/gemini-2.5-flash 401") and "GEMINI_API_KEY" in lines[0]
    assert lines[1].startswith("gemini-3-flash-preview 401")
    assert lines[2].startswith("mystery-model 404") and "smollm2" in lines[2] and "prefix" in lines[2]
    assert lines[3].startswith("cohere/command-r 404") and "unknown provider 'cohere'" in lines[3]
    assert "ANSWERED" not in result.stdout


def test_the_server_without_config_infers_providers(monkeypatch, gateway_factory, gemini_upstream):
    monkeypatch.setenv("GEMINI_API_KEY", "sk-gemini")
    monkeypatch.setenv("GEMINI_API_BASE", gemini_upstream.url)
    default = yaml.safe_load(parley.config.DEFAULT_CONFIG.read_text())
    del default["general_settings"]
    gateway = gateway_factory(default)
    ok = httpx.post(f"{gateway.url}/v1/interactions", json={"model": "gemini-2.5-flash", "input": "hi"})
    assert ok.status_code == 200, ok.text
    assert gemini_upstream.upstream.requests[-1]["body"]["model"] == "gemini-2.5-flash"
    missing = httpx.post(f"{gateway.url}/v1/interactions", json={"model": "claude-sonnet-4-5", "input": "hi"})
    assert missing.status_code == 401
    assert "ANTHROPIC_API_KEY" in missing.json()["error"]["message"]


# -- wildcards ------------------------------------------------------------------------------------------
async def test_wildcard_litellm_model_takes_the_requested_name(monkeypatch, chat_fake):
    monkeypatch.setenv("GROQ_API_KEY", "sk-groq")
    monkeypatch.setenv("GROQ_API_BASE", chat_fake.url + "/v1")
    config = {
        "model_list": [
            {"model_name": "groq/*", "litellm_params": {"model": "groq/*"}},
            {"model_name": "fast-*", "litellm_params": {"model": "groq/*"}},
            {"model_name": "*", "litellm_params": {"model": "*"}},
        ]
    }
    router = Router(parse(config))
    _, dep = await call(router, "groq/llama-3.3-70b")
    assert chat_fake.upstream.requests[-1]["body"]["model"] == "llama-3.3-70b"
    assert (dep.model_name, dep.provider) == ("groq/llama-3.3-70b", "openai_chat")
    await call(router, "fast-llama-3.1-8b")  # the model_name's `*` fills the litellm model's
    assert chat_fake.upstream.requests[-1]["body"]["model"] == "llama-3.1-8b"
    await call(router, "groq/gemma2")  # `*` -> `*`: the whole name, its provider inferred
    assert chat_fake.upstream.requests[-1]["body"]["model"] == "gemma2"
    assert router.group_for("groq/llama-3.3-70b") == "groq/llama-3.3-70b"  # built once, kept


def test_wildcard_model_names_prefer_the_most_specific():
    config = {
        "model_list": [
            {"model_name": "*", "litellm_params": {"model": "local/smollm2"}},
            {"model_name": "openai/gpt-4*", "litellm_params": {"model": "openai/gpt-4o", "api_key": "k"}},
        ]
    }
    router = Router(parse(config))
    assert router.group_for("openai/gpt-4.1") == "openai/gpt-4*"
    assert router.group_for("anything") == "*"


def test_a_whole_litellm_model_picks_only_its_deployments():
    config = {
        "model_list": [
            {"model_name": "gpt", "litellm_params": {"model": "openai/gpt-5.1", "api_key": "k"}},
            {"model_name": "gpt", "litellm_params": {"model": "anthropic/claude-x", "api_key": "k"}},
        ]
    }
    router = Router(parse(config))
    group = router.group_for("anthropic/claude-x")
    assert [s.deployment.model for s in router._groups[group]] == ["claude-x"]
    assert router.group_for("gpt") == "gpt"


# -- 3. the OpenAI-compatible long tail, table-driven ------------------------------------------------
CHAT_ROWS = sorted(p for p, row in PROVIDERS.items() if row.dialect == "chat")


def test_the_registry_covers_the_long_tail():
    wanted = """groq together_ai fireworks_ai deepseek mistral openrouter xai perplexity cerebras deepinfra
    nvidia_nim hosted_vllm vllm lm_studio ollama ollama_chat llamafile github sambanova novita nebius
    hyperbolic featherless_ai friendliai dashscope moonshot volcengine huggingface""".split()
    assert set(wanted) <= set(CHAT_ROWS)
    assert PROVIDERS["ollama"].base(None, {}) == "http://localhost:11434/v1"
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    missing = [p for p in PROVIDERS if f"`{p}/`" not in readme]
    assert not missing, f"README provider table lacks {missing}"


@pytest.mark.parametrize("prefix", CHAT_ROWS)
async def test_each_chat_provider_reaches_the_chat_fake_through_its_api_base(prefix, monkeypatch, chat_fake):
    row = PROVIDERS[prefix]
    base = chat_fake.url if row.path else chat_fake.url + "/v1"  # Ollama's base has no /v1
    monkeypatch.setenv(row.base_env[0], base)
    monkeypatch.setenv(row.key_env[0], f"sk-{prefix}")
    router = Router(parse({"model_list": [{"model_name": "*", "litellm_params": {"model": "*"}}]}))
    outcome, dep = await call(router, f"{prefix}/some-org/some-model")
    request = chat_fake.upstream.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "some-org/some-model"
    assert request["headers"]["authorization"] == f"Bearer sk-{prefix}"
    assert outcome.steps[-1]["content"][0]["text"] == "Hello from the fake upstream."


# -- 4. settings honoured or refused --------------------------------------------------------------
@pytest.mark.parametrize(
    "config, message",
    [
        (
            {"general_settings": {"master_kye": "sk-1"}},
            "general_settings.master_kye: unknown key; did you mean master_key?",
        ),
        (
            {"model_list": [{"model_name": "m", "litellm_params": {"model": "local/x", "temprature": 0.5}}]},
            "model_list[0].litellm_params.temprature: unknown key; did you mean temperature?",
        ),
        (
            {"router_settings": {"num_retires": 2}},
            "router_settings.num_retires: unknown key; did you mean num_retries?",
        ),
        ({"litellm_setings": {}}, "litellm_setings: unknown key; did you mean litellm_settings?"),
        (
            {"model_list": [{"model_name": "m", "litelm_params": {"model": "local/x"}}]},
            "did you mean litellm_params?",
        ),
    ],
)
def test_an_unknown_key_stops_start_up_naming_the_nearest_valid_one(config, message):
    base = {"model_list": [{"model_name": "m", "litellm_params": {"model": "local/smollm2"}}]}
    with pytest.raises(ConfigError) as caught:
        parse({**base, **config})
    assert message in str(caught.value)


def test_litellm_keys_parley_does_not_implement_are_start_up_warnings():
    settings = parse(
        {
            "model_list": [
                {"model_name": "m", "litellm_params": {"model": "local/smollm2", "max_budget": 5}}
            ],
            "litellm_settings": {"cache": True},
            "router_settings": {"model_group_alias": {"a": "m"}},
            "general_settings": {"alerting": ["slack"], "master_key": "sk-1"},
        }
    )
    text = "\n".join(settings.warnings)
    for key in (
        "litellm_settings.cache",
        "router_settings.model_group_alias",
        "general_settings.alerting",
        "model_list[0].litellm_params.max_budget",
    ):
        assert f"{key}: a LiteLLM setting that Parley does not implement" in text
    lines = "\n".join(start_up_lines(settings, "127.0.0.1", 4000))
    assert "auth: on (1 key)" in lines and "litellm_settings.cache" in lines and "WARNING" not in lines


def test_start_up_lines_say_what_is_served_and_warn_loudly_without_keys(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "sk-gemini")
    settings = parley.config.load()
    lines = "\n".join(start_up_lines(settings, "0.0.0.0", 4000))
    assert f"parley {parley.__version__}: serving http://0.0.0.0:4000" in lines
    assert "models: smollm2; local/*; provider models whose key is set: gemini/* (GEMINI_API_KEY)" in lines
    assert "store: sqlite:///parley.db" in lines and "local model:" in lines
    assert "auth: OFF" in lines and "ANYONE who can reach 0.0.0.0:4000" in lines
    with_db = parse(
        {
            "model_list": [{"model_name": "m", "litellm_params": {"model": "local/smollm2"}}],
            "general_settings": {"database_url": "postgresql://parley:s3cret@db/parley"},
        }
    )
    assert "s3cret" not in "\n".join(start_up_lines(with_db, "h", 1))
    # An IPv6 address in a URL is bracketed: http://::1:4000 is no URL.
    assert "serving http://[::1]:4000" in "\n".join(start_up_lines(settings, "::1", 4000))


def test_the_server_refuses_a_misspelt_master_key(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n  - model_name: m\n    litellm_params: {model: local/smollm2}\n"
        "general_settings:\n  master_kye: sk-1\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "parley.cli", "--config", str(config), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "general_settings.master_kye: unknown key; did you mean master_key?" in result.stderr


async def test_context_window_fallbacks(monkeypatch, chat_fake):
    config = {
        "model_list": [
            {
                "model_name": "small",
                "litellm_params": {"model": "groq/small", "api_base": chat_fake.url + "/v1", "api_key": "k"},
            },
            {
                "model_name": "big",
                "litellm_params": {"model": "groq/big", "api_base": chat_fake.url + "/v1", "api_key": "k"},
            },
        ],
        "litellm_settings": {"context_window_fallbacks": [{"small": ["big"]}]},
    }
    router = Router(parse(config))
    chat_fake.upstream.replies.append(
        Reply(status=400, error_message="This model's maximum context length is 8192 tokens.")
    )
    outcome, dep = await call(router, "small")
    assert dep.model_name == "big"
    assert [r["body"]["model"] for r in chat_fake.upstream.requests] == ["small", "big"]
    # Any other 400 is the request's fault: no fallback.
    chat_fake.upstream.replies.append(Reply(status=400, error_message="bad temperature"))
    with pytest.raises(ApiError) as caught:
        await call(router, "small")
    # Labelled with the provider the config names, as x-parley-provider is, not the codec's name.
    assert caught.value.status == 400 and caught.value.message == "provider 'groq': HTTP 400: bad temperature"


# -- 4b. drop_params: what a provider cannot honour is dropped and named, or a 400 -----------------
UNHONOURED = {
    "safety_settings": [{"type": "harassment", "threshold": "block_none"}],
    "generation_config": {"max_output_tokens": 20, "speech_config": [{"voice": "Kore"}]},
}
UNHONOURED_NAMES = "generation_config.speech_config, safety_settings"


def drop_config(base: str, drop: bool | None, *, per_deployment: bool | None = None) -> dict:
    params = {"model": "groq/llama-3.3-70b", "api_base": base, "api_key": "sk-groq"}
    if per_deployment is not None:
        params["drop_params"] = per_deployment
    config: dict = {"model_list": [{"model_name": "g", "litellm_params": params}]}
    if drop is not None:
        config["litellm_settings"] = {"drop_params": drop}
    return config


def test_drop_params_is_a_setting_not_a_warning():
    on = parse(drop_config("http://127.0.0.1:1/v1", True))
    assert on.deployments()[0].drop_params and not any("drop_params" in w for w in on.warnings)
    assert not parse(drop_config("http://127.0.0.1:1/v1", None)).deployments()[0].drop_params
    # A deployment's own setting wins over litellm_settings', both ways.
    assert not parse(drop_config("http://x/v1", True, per_deployment=False)).deployments()[0].drop_params
    assert parse(drop_config("http://x/v1", False, per_deployment=True)).deployments()[0].drop_params
    with pytest.raises(ConfigError, match="litellm_settings.drop_params: must be true or false"):
        parse(drop_config("http://x/v1", "yes"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"model_list\[0\].litellm_params.drop_params"):
        parse(drop_config("http://x/v1", None, per_deployment="yes"))  # type: ignore[arg-type]


def test_drop_params_through_the_gateway_openai_chat(gateway_factory, chat_fake, capsys):
    refusing = gateway_factory(drop_config(chat_fake.url + "/v1", None))
    body = {"model": "g", "input": "hi", **UNHONOURED}
    r = httpx.post(f"{refusing.url}/v1beta/interactions", json=body, timeout=60)
    assert r.status_code == 400 and r.json()["error"]["code"] == "unsupported"
    assert "generation_config.speech_config" in r.json()["error"]["message"]
    assert r.json()["error"]["message"].startswith("Provider 'groq' does not support")  # as configured
    # So is what the codec itself refuses while translating (a tool type Chat Completions lacks).
    tool = {"model": "g", "input": "hi", "tools": [{"type": "google_search"}]}
    for stream in (False, True):
        r = httpx.post(f"{refusing.url}/v1beta/interactions", json={**tool, "stream": stream}, timeout=60)
        assert r.status_code == 400 and r.json()["error"] == {
            "code": "unsupported",
            "message": "Provider 'groq' does not support 'google_search' tools.",
        }
    assert not chat_fake.upstream.requests

    dropping = gateway_factory(drop_config(chat_fake.url + "/v1", True))
    capsys.readouterr()
    r = httpx.post(f"{dropping.url}/v1beta/interactions", json=body, timeout=60)
    assert r.status_code == 200, r.text
    assert r.headers["x-parley-dropped-params"] == UNHONOURED_NAMES
    assert r.headers["x-parley-provider"] == "groq"  # the prefix written, not the adapter key
    sent = chat_fake.upstream.requests[-1]["body"]
    assert sent["max_tokens"] == 20 and "safety_settings" not in sent and "speech_config" not in str(sent)
    (line,) = log_lines(log_until(capsys, 1))
    assert line["dropped_params"] == UNHONOURED_NAMES.split(", ")
    # A stream names them in its headers too; a request with nothing to drop gets no header.
    streamed = httpx.post(f"{dropping.url}/v1beta/interactions", json={**body, "stream": True}, timeout=60)
    assert streamed.status_code == 200 and streamed.headers["x-parley-dropped-params"] == UNHONOURED_NAMES
    plain = httpx.post(f"{dropping.url}/v1beta/interactions", json={"model": "g", "input": "hi"}, timeout=60)
    assert plain.status_code == 200 and "x-parley-dropped-params" not in plain.headers


def test_drop_params_anthropic(monkeypatch, gateway_factory):
    from tests.fakes.anthropic import make_app

    upstream = Upstream()
    with serve(make_app(upstream)) as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
        monkeypatch.setenv("ANTHROPIC_API_BASE", fake.url)
        entry = {"model_name": "claude", "litellm_params": {"model": "anthropic/claude-sonnet-4-5"}}
        refusing = gateway_factory({"model_list": [entry]})
        body = {"model": "claude", "input": "hi", "service_tier": "flex", **UNHONOURED}
        r = httpx.post(f"{refusing.url}/v1beta/interactions", json=body, timeout=60)
        assert r.status_code == 400 and "generation_config.speech_config" in r.json()["error"]["message"]
        dropping = gateway_factory({"model_list": [entry], "litellm_settings": {"drop_params": True}})
        r = httpx.post(f"{dropping.url}/v1beta/interactions", json=body, timeout=60)
        assert r.status_code == 200, r.text
        assert r.headers["x-parley-dropped-params"] == f"{UNHONOURED_NAMES}, service_tier"
        assert r.headers["x-parley-provider"] == "anthropic"
        sent = upstream.requests[-1]["body"]
        assert sent["max_tokens"] == 20 and "service_tier" not in sent


async def test_drop_params_local_model():
    from parley.providers.base import Deployment
    from parley.providers.local import LocalAdapter
    from parley.request import collect_dropped

    request = {
        "input": "Say hi.",
        "generation_config": {"max_output_tokens": 4, "seed": 1, "thinking_level": "high"},
        "cached_content": "cachedContents/abc",
    }
    strict = Deployment(model_name="smollm2", provider="local", model="smollm2")
    with pytest.raises(ApiError) as caught:
        await LocalAdapter().create(make_turn(request), strict)
    assert caught.value.status == 400 and "generation_config.thinking_level" in caught.value.message
    dropped = collect_dropped()
    lenient = Deployment(model_name="smollm2", provider="local", model="smollm2", drop_params=True)
    outcome = await LocalAdapter().create(make_turn(request), lenient)
    assert outcome.steps and dropped == ["generation_config.thinking_level", "cached_content"]


def test_drop_params_defer_loading_on_openai_responses():
    """Responses has no deferred tool loading: a 400, or under drop_params the tool offered up front."""
    from parley.providers.base import Deployment
    from parley.providers.openai_responses import request_body
    from parley.request import collect_dropped

    tool = {"type": "function", "name": "lookup", "parameters": {"type": "object"}, "defer_loading": True}
    turn = make_turn({"input": "hi", "tools": [tool]})
    strict = Deployment("m", "openai", "gpt-4o", api_key="sk")
    with pytest.raises(ApiError, match="defer_loading on function tools"):
        request_body(turn, strict)
    dropped = collect_dropped()
    sent = request_body(turn, Deployment("m", "openai", "gpt-4o", api_key="sk", drop_params=True))
    assert [t["name"] for t in sent["tools"]] == ["lookup"] and "defer_loading" not in sent["tools"][0]
    assert dropped == ["tools.defer_loading"]


def test_reject_unsupported_trims_only_under_drop():
    from parley.request import reject_unsupported

    request = {"input": "x", "response_modalities": ["text", "image"], "generation_config": {"top_p": 1}}
    with pytest.raises(ApiError, match="response_modalities other than text"):
        reject_unsupported("p", request, config={"top_p"})
    trimmed = reject_unsupported("p", request, config={"top_p"}, drop=True)
    assert trimmed == {"input": "x", "generation_config": {"top_p": 1}}
    assert request["response_modalities"] == ["text", "image"]  # the client's body is left as sent
    kept = {"input": "x", "generation_config": {"top_p": 1}}
    assert reject_unsupported("p", kept, config={"top_p"}, drop=True) is kept


def test_drop_params_non_function_tools_and_schemaless_json_on_anthropic(monkeypatch, gateway_factory):
    """Anthropic runs function tools only and has no JSON mode without a schema: a 400 each, or,
    under drop_params, left out and named. A media input it cannot take is never dropped."""
    from tests.fakes.anthropic import make_app

    upstream = Upstream()
    with serve(make_app(upstream)) as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
        monkeypatch.setenv("ANTHROPIC_API_BASE", fake.url)
        entry = {"model_name": "claude", "litellm_params": {"model": "anthropic/claude-sonnet-4-5"}}
        body = {
            "model": "claude",
            "input": "hi",
            "tools": [FUNCTION_TOOL, {"type": "google_search"}, {"type": "code_execution"}],
            "response_format": {"type": "text", "mime_type": "application/json"},
        }
        refusing = gateway_factory({"model_list": [entry]})
        r = httpx.post(f"{refusing.url}/v1beta/interactions", json=body, timeout=60)
        assert r.status_code == 400 and "'google_search' tools" in r.json()["error"]["message"]
        no_tools = {k: v for k, v in body.items() if k != "tools"}
        r = httpx.post(f"{refusing.url}/v1beta/interactions", json=no_tools, timeout=60)
        assert r.status_code == 400 and "JSON output without a schema" in r.json()["error"]["message"]
        assert not upstream.requests

        dropping = gateway_factory({"model_list": [entry], "litellm_settings": {"drop_params": True}})
        r = httpx.post(f"{dropping.url}/v1beta/interactions", json=body, timeout=60)
        assert r.status_code == 200, r.text
        assert (
            r.headers["x-parley-dropped-params"]
            == "tools.google_search, tools.code_execution, response_format"
        )
        sent = upstream.requests[-1]["body"]
        assert [t["name"] for t in sent["tools"]] == ["get_weather"] and "output_config" not in sent
        audio = {"type": "audio", "data": "AAAA", "mime_type": "audio/wav"}
        r = httpx.post(f"{dropping.url}/v1beta/interactions", json={**no_tools, "input": [audio]}, timeout=60)
        assert r.status_code == 400 and r.json()["error"]["code"] == "unsupported"
        assert "audio" in r.json()["error"]["message"] and len(upstream.requests) == 1


FUNCTION_TOOL = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def test_drop_params_built_in_tools_on_chat_take_tool_choice_with_them(gateway_factory, chat_fake):
    body = {
        "model": "g",
        "input": "hi",
        "tools": [{"type": "google_search"}],
        "generation_config": {"tool_choice": "any"},
    }
    refusing = gateway_factory(drop_config(chat_fake.url + "/v1", None))
    r = httpx.post(f"{refusing.url}/v1beta/interactions", json=body, timeout=60)
    assert r.status_code == 400 and "'google_search' tools" in r.json()["error"]["message"]
    dropping = gateway_factory(drop_config(chat_fake.url + "/v1", True))
    r = httpx.post(f"{dropping.url}/v1beta/interactions", json=body, timeout=60)
    assert r.status_code == 200, r.text
    # No tool is left, so a tool_choice would ask for one that is not there: it goes too.
    assert r.headers["x-parley-dropped-params"] == "tools.google_search, generation_config.tool_choice"
    sent = chat_fake.upstream.requests[-1]["body"]
    assert "tools" not in sent and "tool_choice" not in sent


async def test_drop_params_tools_on_the_local_model():
    from parley.providers.base import Deployment
    from parley.providers.local import LocalAdapter
    from parley.request import collect_dropped

    request = {"input": "Say hi.", "tools": [FUNCTION_TOOL], "generation_config": {"max_output_tokens": 4}}
    strict = Deployment(model_name="smollm2", provider="local", model="smollm2")
    with pytest.raises(ApiError, match="function tools"):
        await LocalAdapter().create(make_turn(request), strict)
    dropped = collect_dropped()
    lenient = Deployment(model_name="smollm2", provider="local", model="smollm2", drop_params=True)
    outcome = await LocalAdapter().create(make_turn(request), lenient)
    assert outcome.steps and dropped == ["tools.function"]


# -- additional_drop_params ---------------------------------------------------------------------------
def additional_config(base: str, names: list) -> dict:
    params = {"model": "groq/llama-3.3-70b", "api_base": base, "api_key": "sk-groq"}
    return {
        "model_list": [{"model_name": "g", "litellm_params": {**params, "additional_drop_params": names}}]
    }


def test_additional_drop_params_names_are_mapped_or_refused():
    settings = parse(
        additional_config("http://x/v1", ["max_tokens", "stop", "tools", "generation_config.seed"])
    )
    assert settings.deployments()[0].additional_drop == (
        "generation_config.max_output_tokens",
        "generation_config.stop_sequences",
        "tools",
        "generation_config.tool_choice",
        "generation_config.seed",
    )
    assert not any("additional_drop_params" in w for w in settings.warnings)  # honoured, not "no effect"
    never = parse(additional_config("http://x/v1", ["user"]))
    assert never.deployments()[0].additional_drop == ()
    assert any("additional_drop_params[0]: Parley never sends 'user'" in w for w in never.warnings)
    with pytest.raises(
        ConfigError, match=r"additional_drop_params\[1\]: 'temprature' .*did you mean temperature\?"
    ):
        parse(additional_config("http://x/v1", ["seed", "temprature"]))
    with pytest.raises(ConfigError, match="'input' cannot be dropped"):
        parse(additional_config("http://x/v1", ["input"]))
    with pytest.raises(ConfigError, match="tools\\[\\*\\].input_examples' names no request parameter"):
        parse(additional_config("http://x/v1", ["tools[*].input_examples"]))


def test_additional_drop_params_through_the_gateway(gateway_factory, chat_fake, capsys):
    gateway = gateway_factory(additional_config(chat_fake.url + "/v1", ["temperature", "max_tokens", "seed"]))
    config = {"temperature": 0.5, "max_output_tokens": 20, "seed": 7, "top_p": 0.9}
    capsys.readouterr()
    r = httpx.post(
        f"{gateway.url}/v1beta/interactions",
        json={"model": "g", "input": "hi", "generation_config": config},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    names = "generation_config.temperature, generation_config.max_output_tokens, generation_config.seed"
    assert r.headers["x-parley-dropped-params"] == names
    sent = chat_fake.upstream.requests[-1]["body"]
    assert sent["top_p"] == 0.9 and not {"temperature", "max_tokens", "max_completion_tokens", "seed"} & set(
        sent
    )
    (line,) = log_lines(log_until(capsys, 1))
    assert line["dropped_params"] == names.split(", ")
    plain = httpx.post(f"{gateway.url}/v1beta/interactions", json={"model": "g", "input": "hi"}, timeout=60)
    assert plain.status_code == 200 and "x-parley-dropped-params" not in plain.headers


def test_additional_drop_params_on_gemini_which_drops_nothing_else(gateway_factory, gemini_upstream):
    from tests.conftest import MASTER_KEY, gemini_config

    config = gemini_config(gemini_upstream.url)
    config["model_list"][0]["litellm_params"]["additional_drop_params"] = [
        "response_format",
        "safety_settings",
    ]
    gateway = gateway_factory(config)
    body = {
        "model": "gemini-fake",
        "input": "hi",
        "response_format": {"type": "text", "mime_type": "application/json"},
        "safety_settings": [{"type": "harassment", "threshold": "block_none"}],
        "service_tier": "flex",
    }
    r = httpx.post(
        f"{gateway.url}/v1beta/interactions", json=body, headers={"x-goog-api-key": MASTER_KEY}, timeout=60
    )
    assert r.status_code == 200, r.text
    assert r.headers["x-parley-dropped-params"] == "response_format, safety_settings"
    sent = gemini_upstream.upstream.requests[-1]["body"]
    assert sent["service_tier"] == "flex" and not {"response_format", "safety_settings"} & set(sent)


# -- 6. small things ----------------------------------------------------------------------------------
def test_version():
    result = subprocess.run(
        [sys.executable, "-m", "parley.cli", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip() == f"parley {parley.__version__}"
    assert parley.__version__[0].isdigit()


def test_outputs_is_deprecated_with_a_way_out():
    interaction = parley.Interaction.model_validate(
        {
            "id": "v1_x",
            "status": "completed",
            "created": "2026-01-01T00:00:00Z",
            "updated": "2026-01-01T00:00:00Z",
            "outputs": [{"type": "text", "text": "hi"}],
        }
    )
    with pytest.warns(DeprecationWarning, match=r"parley\.output_text\(interaction\)"):
        assert interaction.outputs[-1].text == "hi"


SEEN: list[tuple[str, str]] = []


def on_success(record: dict) -> None:
    SEEN.append(("success", record["status"]))


def on_failure(record: dict) -> None:
    SEEN.append(("failure", record["status"]))


def test_success_and_failure_callbacks_take_parley_callback_names(gateway_factory, gemini_upstream):
    config = {
        "model_list": [
            {
                "model_name": "g",
                "litellm_params": {"model": "gemini/x", "api_base": gemini_upstream.url, "api_key": "k"},
            }
        ],
        "litellm_settings": {
            "success_callback": ["tests.test_dropin:on_success"],
            "failure_callback": ["tests.test_dropin:on_failure"],
        },
    }
    gateway = gateway_factory(config)
    SEEN.clear()
    # Headroom for a loaded machine (httpx's default 5 s read timeout tripped under load).
    hi = {"model": "g", "input": "hi"}
    assert httpx.post(f"{gateway.url}/v1/interactions", json=hi, timeout=60).status_code == 200
    gemini_upstream.upstream.replies.append(Reply(status=400))
    assert httpx.post(f"{gateway.url}/v1/interactions", json=hi, timeout=60).status_code == 400
    assert SEEN == [("success", "completed"), ("failure", "failed")]
    with pytest.raises(ConfigError, match=r"litellm_settings.success_callback\[0\]"):
        from parley.observability import Observability

        Observability(parse({**config, "litellm_settings": {"success_callback": ["langfuse"]}}))


# -- a deployment's max_tokens and model_info prices, as LiteLLM honours them ---------------------
def test_a_deployments_max_tokens_caps_a_request_that_sets_none(gateway_factory, chat_fake):
    config = additional_config(chat_fake.url + "/v1", [])
    config["model_list"][0]["litellm_params"]["max_tokens"] = 100
    gateway = gateway_factory(config)

    def sent(generation_config: dict | None) -> dict:
        body = {"model": "g", "input": "hi"}
        if generation_config is not None:
            body["generation_config"] = generation_config
        r = httpx.post(f"{gateway.url}/v1beta/interactions", json=body, timeout=60)
        assert r.status_code == 200, r.text
        return chat_fake.upstream.requests[-1]["body"]

    assert sent(None)["max_tokens"] == 100
    assert sent({"temperature": 0.5})["max_tokens"] == 100
    assert sent({"max_output_tokens": 7})["max_tokens"] == 7  # the request's own cap wins


def test_model_info_prices_price_the_deployment_and_bad_ones_stop_start_up():
    config = additional_config("http://x/v1", [])
    config["model_list"][0]["model_info"] = {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}
    dep = parse(config).deployments()[0]
    assert Pricing([dep]).cost(dep, {"total_input_tokens": 10, "total_output_tokens": 5}) == 2e-5
    config["model_list"][0]["litellm_params"]["input_cost_per_token"] = 3e-6  # litellm_params win
    dep = parse(config).deployments()[0]
    assert Pricing([dep]).cost(dep, {"total_input_tokens": 10, "total_output_tokens": 5}) == 4e-5
    config["model_list"][0]["model_info"] = {"input_cost_per_token": -1}
    with pytest.raises(ConfigError, match=r"model_list\[0\].model_info"):
        parse(config)
    config["model_list"][0]["litellm_params"]["max_tokens"] = "lots"
    config["model_list"][0]["model_info"] = {}
    with pytest.raises(ConfigError, match=r"model_list\[0\].litellm_params.max_tokens"):
        parse(config)
    config["model_list"][0]["litellm_params"]["max_tokens"] = 10
    config["model_list"][0]["model_info"] = {"base_model": "azure/gpt-4o"}
    assert any("model_info.base_model" in w for w in parse(config).warnings)
