"""config.yaml: LiteLLM's format is read as LiteLLM reads it, and bad config names the bad field."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from parley.config import ConfigError, load, parse
from parley.router import Router

LITELLM_STYLE = """
model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-5.1
      api_key: os.environ/PARLEY_TEST_OPENAI_KEY
      weight: 2
      rpm: 60
  - model_name: gpt
    litellm_params:
      model: azure/prod-gpt
      api_base: https://example.openai.azure.com
      api_key: os.environ/PARLEY_TEST_AZURE_KEY
      api_version: "2024-10-21"
      timeout: 12
  - model_name: qwen
    litellm_params: {model: hosted_vllm/Qwen/Qwen3-8B, api_base: "http://gpu:8000/v1"}
  - model_name: compat
    litellm_params: {model: openai/llama3, api_base: "http://ollama:11434/v1"}
  - model_name: claude
    litellm_params: {model: anthropic/claude-sonnet-4-5}
    model_info: {mode: chat}
litellm_settings:
  num_retries: 3
  fallbacks: [{gpt: [claude]}]
general_settings:
  master_key: os.environ/PARLEY_TEST_MASTER
"""


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("PARLEY_TEST_OPENAI_KEY", "sk-openai")
    monkeypatch.setenv("PARLEY_TEST_AZURE_KEY", "azure-key")
    monkeypatch.setenv("PARLEY_TEST_MASTER", "sk-master")


def test_a_litellm_config_is_read_as_litellm_reads_it(env):
    settings = parse(yaml.safe_load(LITELLM_STYLE))
    deps = {(d.model_name, d.provider): d for d in settings.deployments()}
    assert deps[("gpt", "openai")].api_key == "sk-openai"
    assert deps[("gpt", "openai")].params["weight"] == 2 and deps[("gpt", "openai")].params["rpm"] == 60
    azure = deps[("gpt", "azure")]
    assert (azure.model, azure.api_version, azure.timeout) == ("prod-gpt", "2024-10-21", 12)
    assert deps[("qwen", "openai_chat")].model == "Qwen/Qwen3-8B"
    assert deps[("compat", "openai_chat")].api_base == "http://ollama:11434/v1"  # openai/ + api_base: Chat
    assert settings.keys == ["sk-master"]
    # litellm_settings' retries and fallbacks reach the router
    assert settings.router_settings.num_retries == 3
    assert Router(settings)._groups_to_try("gpt") == ["gpt", "claude"]


@pytest.mark.parametrize(
    "config, field",
    [
        (
            {
                "model_list": [
                    {
                        "model_name": "m",
                        "litellm_params": {"model": "local/x", "api_key": "os.environ/PARLEY_NOPE"},
                    }
                ]
            },
            "model_list[0].litellm_params.api_key: environment variable PARLEY_NOPE is not set",
        ),
        (
            {
                "model_list": [{"model_name": "m", "litellm_params": {"model": "local/x"}}],
                "general_settings": {"master_key": "os.environ/PARLEY_TEST_EMPTY"},
            },
            "general_settings.master_key: environment variable PARLEY_TEST_EMPTY is empty",
        ),
        (
            {
                "model_list": [{"model_name": "m", "litellm_params": {"model": "local/x"}}],
                "general_settings": {"master_key": " "},
            },
            "general_settings.master_key: Value error, is empty",
        ),
        (
            {
                "model_list": [{"model_name": "m", "litellm_params": {"model": "local/x"}}],
                "general_settings": {"metrics_key": ""},
            },
            "general_settings.metrics_key: Value error, is empty",
        ),
        (
            {
                "model_list": [{"model_name": "m", "litellm_params": {"model": "local/x"}}],
                "general_settings": {"master_key": "sk-1", "api_keys": ["sk-2", ""]},
            },
            "general_settings.api_keys: Value error, holds an empty key",
        ),
        (
            {
                "model_list": [
                    {
                        "model_name": "m",
                        "litellm_params": {"model": "openai/x", "api_base": "http://u:secret@h:p0rt/v1"},
                    }
                ]
            },
            "model_list[0].litellm_params.api_base: not a URL with a valid port",
        ),
        (
            {
                "model_list": [
                    {"model_name": "m", "litellm_params": {"model": "openai/x", "api_base": "ftp://h/v1"}}
                ]
            },
            "model_list[0].litellm_params.api_base: not an http(s) URL with a host",
        ),
        (
            {"model_list": [{"model_name": "m", "litellm_params": {"model": "cohere/x"}}]},
            "model_list[0].litellm_params.model: unknown provider 'cohere'",
        ),
        (
            {"model_list": [{"model_name": "m", "litellm_params": {"model": "mystery-7b"}}]},
            "model_list[0].litellm_params.model: model 'mystery-7b' needs a provider prefix",
        ),
        (
            {"model_list": [{"model_name": "m", "litellm_params": {"model": "local/x", "timeout": -1}}]},
            "model_list[0].litellm_params.timeout",
        ),
        ({"model_list": [{"model_name": "m", "litellm_params": {}}]}, "model_list[0].litellm_params.model"),
        ({"model_list": []}, "model_list"),
        (
            {
                "model_list": [{"model_name": "m", "litellm_params": {"model": "local/x"}}],
                "router_settings": {"num_retries": "many"},
            },
            "router_settings.num_retries",
        ),
        (
            {
                "model_list": [{"model_name": "m", "litellm_params": {"model": "local/x"}}],
                "router_settings": {"routing_strategy": "round-robin"},
            },
            "router_settings.routing_strategy",
        ),
        (
            {
                "model_list": [{"model_name": "m", "litellm_params": {"model": "local/x"}}],
                "router_settings": {"fallbacks": [{"m": ["nowhere"]}]},
            },
            "unknown model_name 'nowhere'",
        ),
        (
            {
                "model_list": [{"model_name": "m", "litellm_params": {"model": "local/x"}}],
                "general_settings": {"database_url": "mysql://x"},
            },
            "general_settings.database_url",
        ),
        (["not", "a", "mapping"], "expected a mapping"),
    ],
)
def test_bad_config_names_the_field(config, field, monkeypatch):
    monkeypatch.setenv("PARLEY_TEST_EMPTY", "")
    with pytest.raises(ConfigError) as caught:
        parse(config)
    assert field in str(caught.value) and "secret" not in str(caught.value)
    assert str(caught.value).startswith("config: ")  # which file, then which field


def test_bad_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model_list: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load(bad)
    with pytest.raises(ConfigError, match="cannot read config"):
        load(tmp_path / "missing.yaml")


def test_the_default_config_serves_the_local_model_under_honest_names():
    (dep,) = load().deployments()
    assert (dep.model_name, dep.provider, dep.model) == ("smollm2", "local", "smollm2")
    router = Router(load())
    assert router.group_for("smollm2") == "smollm2"
    assert router.group_for("local/smollm2") == "smollm2"  # a deployment's whole litellm_params.model


def start_server(tmp_path, config_text: str) -> subprocess.CompletedProcess:
    """`parley --config` on a config that must not start: the process ends on its own."""
    config = tmp_path / "config.yaml"
    config.write_text(config_text)
    return subprocess.run(
        [sys.executable, "-m", "parley.cli", "--config", str(config), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_server_refuses_to_start_on_bad_config(tmp_path):
    result = start_server(tmp_path, "model_list:\n  - model_name: m\n    litellm_params: {model: nope/x}\n")
    assert result.returncode == 2
    assert "model_list[0].litellm_params.model: unknown provider 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ("litellm_settings:\n  success_callback: [langfuse]\n", "litellm_settings.success_callback[0]"),
        ("litellm_settings:\n  callbacks: [langfuse]\n", "litellm_settings.callbacks[0]"),
        ("general_settings:\n  callbacks: ['nosuchmodule:fn']\n", "general_settings.callbacks[0]"),
    ],
)
def test_callbacks_that_cannot_be_loaded_stop_start_up_before_it_serves(tmp_path, settings, named, workers):
    """As LiteLLM's configs name them ("langfuse"): checked with the rest of the config, before the
    banner and before any worker starts; a worker that died of it left `--workers 2` up with no one
    listening."""
    database = f"  database_url: sqlite:///{tmp_path}/parley.db\n"  # none in the working directory
    settings += database if settings.startswith("general_settings") else "general_settings:\n" + database
    config = tmp_path / "config.yaml"
    config.write_text(
        "model_list:\n  - model_name: m\n    litellm_params: {model: local/smollm2}\n" + settings
    )
    result = subprocess.run(
        [sys.executable, "-m", "parley.cli", "--config", str(config), "--port", "1", "--workers", workers],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert f"parley: bad config: {named}" in result.stderr
    assert "Traceback" not in result.stderr and "serving" not in result.stderr


def test_litellm_callbacks_otel_is_honoured_not_warned_about():
    settings = parse(
        {
            "model_list": [{"model_name": "m", "litellm_params": {"model": "local/x"}}],
            "litellm_settings": {"callbacks": ["otel"]},
        }
    )
    assert settings.warnings == []


def test_an_unknown_key_far_from_any_lists_every_key_the_section_takes():
    with pytest.raises(ConfigError) as refused:
        parse({"model_list": [], "general_settings": {"zzzqqq": 1}})
    listed = str(refused.value).split("valid keys: ")[1]
    for key in ("master_key", "metrics_key", "run_lease_seconds", "drain_grace_seconds", "allowed_origins"):
        assert key in listed, listed


def test_an_unreachable_database_fails_start_up_naming_the_field(tmp_path):
    from tests.fakes.server import free_port

    result = start_server(
        tmp_path,
        "model_list:\n  - model_name: m\n    litellm_params: {model: local/smollm2}\n"
        f"general_settings:\n  database_url: postgresql://parley:s3cret@127.0.0.1:{free_port()}/parley\n",
    )
    assert result.returncode == 2
    assert "general_settings.database_url: cannot open" in result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_stream_timeout_and_max_parallel_requests_are_honoured_per_deployment():
    settings = parse(
        {
            "model_list": [
                {"model_name": "a", "litellm_params": {"model": "local/x", "stream_timeout": 5}},
                {"model_name": "b", "litellm_params": {"model": "local/y", "max_parallel_requests": 3}},
            ],
            "router_settings": {"stream_timeout": 20, "timeout": 90},
        }
    )
    a, b = settings.deployments()
    assert (a.stream_timeout, a.timeout, b.stream_timeout) == (5, 90, 20)
    assert b.params["max_parallel_requests"] == 3 and not settings.warnings
    for bad in ({"stream_timeout": 0}, {"max_parallel_requests": 0}):
        with pytest.raises(ConfigError, match=next(iter(bad))):
            parse({"model_list": [{"model_name": "m", "litellm_params": {"model": "local/x", **bad}}]})
