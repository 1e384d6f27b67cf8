"""AzureAIAdapter against the fake Azure AI Foundry endpoint on loopback, and the fake against the
official openai client. The translation is the chat adapter's (test_provider_openai_chat.py); here:
URL, api-version, the api-key header, the environment fallbacks, end to end."""

from __future__ import annotations

import openai
import pytest

from parley.config import parse
from parley.errors import ApiError, UpstreamError
from parley.providers import adapter_for
from parley.providers.azure_ai import DEFAULT_API_VERSION, AzureAIAdapter
from parley.providers.base import Deployment
from parley.wire import output_text
from tests.adapter_kit import WEATHER, fake_fixtures, make_turn
from tests.fakes.azure_ai import make_app
from tests.fakes.script import Reply, chunks
from tests.provider_kit import check_outcome, collect, status, steps_of, usage

adapter = AzureAIAdapter()

fake, reset = fake_fixtures(make_app)


def deployment(fake, **kw) -> Deployment:
    fields = {
        "model_name": "mistral",
        "provider": "azure_ai",
        "model": "mistral-large-2411",
        "api_key": "foundry-key",
    }
    return Deployment(**{**fields, "api_base": fake.url + "/models", **kw})


def test_fake_speaks_to_the_openai_client(fake):
    client = openai.OpenAI(
        base_url=fake.url + "/models",
        api_key="unused",
        default_headers={"api-key": "foundry-key"},
        default_query={"api-version": DEFAULT_API_VERSION},
        max_retries=0,
    )
    answer = client.chat.completions.create(
        model="mistral-large-2411", messages=[{"role": "user", "content": "hi"}]
    )
    assert answer.choices[0].message.content == Reply().text
    request = fake.upstream.requests[-1]
    assert request["path"] == "/models/chat/completions" and request["query"] == {
        "api-version": DEFAULT_API_VERSION
    }
    text = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(
            model="mistral-large-2411", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        if c.choices
    )
    assert text == Reply().text
    keyless = openai.OpenAI(
        base_url=fake.url + "/models", api_key="x", default_query={"api-version": "v"}, max_retries=0
    )
    with pytest.raises(openai.AuthenticationError):
        keyless.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])


async def test_create(fake):
    config = {"max_output_tokens": 100, "temperature": 0.5}
    request = {
        "model": "mistral",
        "input": "hello",
        "system_instruction": "Be kind.",
        "generation_config": config,
    }
    outcome = check_outcome(await adapter.create(make_turn(request), deployment(fake)))
    sent = fake.upstream.requests[-1]
    assert sent["path"] == "/models/chat/completions"
    assert sent["query"] == {"api-version": DEFAULT_API_VERSION}
    assert sent["headers"]["api-key"] == "foundry-key" and "authorization" not in sent["headers"]
    assert sent["body"] == {
        "model": "mistral-large-2411",
        "messages": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "hello"}],
        "max_tokens": 100,
        "temperature": 0.5,
    }
    assert output_text(outcome.steps) == Reply().text and outcome.status == "completed"


async def test_stream_and_tools(fake):
    fake.upstream.replies.append(
        Reply(text="Checking.", chunk_size=4, tool_call=("get_weather", {"location": "Oslo"}))
    )
    request = {"model": "mistral", "input": "Weather?", "tools": [WEATHER]}
    events, end, error = await collect(
        adapter.stream(make_turn(request), deployment(fake, api_version="2024-10-01"))
    )
    assert error is None and status(end) == "requires_action" and usage(end)["total_tokens"] == 18
    assert fake.upstream.requests[-1]["query"] == {"api-version": "2024-10-01"}
    assert [e["delta"]["text"] for e in events if e.get("delta", {}).get("type") == "text"] == chunks(
        "Checking.", 4
    )
    text, call = steps_of(events)
    assert call["name"] == "get_weather" and call["arguments"] == {"location": "Oslo"}


async def test_environment_fallbacks(fake, monkeypatch):
    monkeypatch.setenv("AZURE_AI_API_BASE", fake.url + "/models/")
    monkeypatch.setenv("AZURE_AI_API_KEY", "env-key")
    dep = Deployment("m", "azure_ai", "Llama-3.3-70B-Instruct")
    await adapter.create(make_turn({"model": "m", "input": "hi"}), dep)
    assert fake.upstream.requests[-1]["headers"]["api-key"] == "env-key"


async def test_errors_and_missing_base(fake, monkeypatch):
    fake.upstream.replies.append(Reply(status=429, retry_after=2))
    with pytest.raises(UpstreamError) as caught:
        await adapter.create(make_turn({"model": "m", "input": "hi"}), deployment(fake))
    assert caught.value.status == 429 and caught.value.retry_after == 2
    monkeypatch.delenv("AZURE_AI_API_BASE", raising=False)
    with pytest.raises(ApiError, match="needs an api_base"):
        await adapter.create(make_turn({"model": "m", "input": "hi"}), deployment(fake, api_base=None))


def test_urls():
    def url(base: str) -> str:
        return adapter.url(Deployment("m", "azure_ai", "x", api_base=base))

    assert (
        url("https://res.services.ai.azure.com")
        == "https://res.services.ai.azure.com/models/chat/completions"
    )
    assert (
        url("https://res.services.ai.azure.com/models/")
        == "https://res.services.ai.azure.com/models/chat/completions"
    )
    assert (
        url("https://ep.eastus2.models.ai.azure.com")
        == "https://ep.eastus2.models.ai.azure.com/chat/completions"
    )
    assert url("https://ep.example/v1/chat/completions") == "https://ep.example/v1/chat/completions"


def test_registry_and_config():
    assert isinstance(adapter_for("azure_ai"), AzureAIAdapter)
    settings = parse(
        {
            "model_list": [
                {
                    "model_name": "mistral",
                    "litellm_params": {
                        "model": "azure_ai/mistral-large-2411",
                        "api_base": "https://res.services.ai.azure.com",
                        "api_key": "k",
                    },
                }
            ]
        }
    )
    [dep] = settings.deployments()
    assert (dep.provider, dep.model) == ("azure_ai", "mistral-large-2411")
