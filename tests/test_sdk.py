"""The in-process SDK (parley.sdk) end to end, without mocks: the same Engine and Router as the
server, against the session's fake Gemini upstream on loopback and the local SmolLM2 model."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

import parley
from parley.config import ConfigError, parse
from parley.errors import ApiError
from parley.generated.models import (
    Interaction,
    InteractionCompletedEvent,
    InteractionCreatedEvent,
    StepDelta,
    StepStart,
    StepStop,
)
from tests.conftest import gemini_config
from tests.fakes.script import Reply

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FAKE_TEXT = "Hello from the fake upstream."
SMALL = {"max_output_tokens": 8}


@pytest.fixture
def sdk(gemini_upstream):
    """The SDK configured with a dict: `gemini-fake` -> the fake upstream, `smollm2` -> local."""
    settings = parley.configure(gemini_config(gemini_upstream.url))
    assert settings.general_settings.database_url == "sqlite:///:memory:"  # the config sets none
    return parley


def wait_for(interaction_id: str, timeout: float = 10) -> Interaction:
    deadline = time.monotonic() + timeout
    while (got := parley.interactions.get(interaction_id)).status in ("queued", "in_progress"):
        assert time.monotonic() < deadline, f"{interaction_id} still {got.status}"
        time.sleep(0.02)
    return got


def wait_for_upstream(upstream, before: int = 0) -> None:
    """Until the upstream has received a request beyond the first `before` ones."""
    deadline = time.monotonic() + 10
    while len(upstream.upstream.requests) <= before:
        assert time.monotonic() < deadline, "the upstream got no request"
        time.sleep(0.01)


def python(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "PARLEY_CONFIG"} | env
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=environ, capture_output=True, text=True, timeout=300
    )


# -- the public surface ----------------------------------------------------------------------------
def test_public_names():
    assert parley.create_interaction == parley.interactions.create
    assert parley.acreate_interaction == parley.interactions.acreate
    assert parley.ApiError is ApiError
    assert parley.Interaction is Interaction
    assert parley.Client is parley.client.Client and parley.AsyncClient is parley.client.AsyncClient
    assert set(parley.__all__) <= set(dir(parley))
    with pytest.raises(AttributeError):
        parley.no_such_name  # noqa: B018


def test_import_is_light(tmp_path):
    code = textwrap.dedent(
        """
        import sys
        import parley
        assert not [m for m in sys.modules if m.startswith("parley.")], sorted(sys.modules)
        from parley import create_interaction, acreate_interaction, ApiError, interactions
        heavy = {"llama_cpp", "connexion", "starlette", "uvicorn", "parley.server", "parley.providers.local"}
        assert not heavy & set(sys.modules), heavy & set(sys.modules)
        """
    )
    result = python(code, tmp_path)
    assert result.returncode == 0, result.stderr


# -- create / get ------------------------------------------------------------------------------------
def test_create_returns_an_interaction_with_steps_and_outputs(sdk, gemini_upstream):
    interaction = sdk.create_interaction(model="gemini-fake", input="Tell me a joke.")
    assert isinstance(interaction, Interaction)
    assert interaction.status == "completed" and interaction.object == "interaction"
    assert [s.type for s in interaction.steps] == ["model_output"]  # this turn's steps
    assert interaction.steps[-1].content[-1].text == FAKE_TEXT
    assert interaction.outputs[-1].text == FAKE_TEXT  # the legacy shape still works
    assert sdk.output_text(interaction) == FAKE_TEXT
    assert interaction.usage.total_tokens == 18
    sent = gemini_upstream.upstream.requests[-1]
    assert sent["body"]["model"] == "gemini-3-flash-preview"
    assert sent["headers"]["x-goog-api-key"] == "upstream-key"

    fetched = sdk.interactions.get(interaction.id)
    assert [s.type for s in fetched.steps] == ["user_input", "model_output"]  # the whole timeline
    assert fetched.steps[0].content[0].text == "Tell me a joke."
    assert sdk.output_text(fetched) == FAKE_TEXT


def test_create_body_fields_are_keyword_arguments(sdk, gemini_upstream):
    interaction = sdk.create_interaction(
        model="gemini-fake",
        input=[{"type": "text", "text": "Hi"}],
        system_instruction="Be brief.",
        generation_config={"max_output_tokens": 50, "thinking_level": "low"},
        labels={"team": "sdk"},
        previous_interaction_id=None,  # None means "not sent"
        extra_body={"service_tier": "flex"},  # extra_body carries spec fields as they are
    )
    assert interaction.system_instruction == "Be brief." and interaction.labels == {"team": "sdk"}
    sent = gemini_upstream.upstream.requests[-1]["body"]
    assert sent["system_instruction"] == "Be brief." and sent["service_tier"] == "flex"
    assert sent["generation_config"]["max_output_tokens"] == 50
    assert "previous_interaction_id" not in sent
    # A field the spec does not define is refused as the HTTP server refuses it.
    with pytest.raises(ApiError) as caught:
        sdk.create_interaction(model="gemini-fake", input="Hi", extra_body={"x_custom": True})
    assert caught.value.status == 400
    assert (
        caught.value.message == 'Invalid JSON payload received. Unknown name "x_custom": Cannot find field.'
    )
    # Inside nested objects too, named with their path in the body (not pydantic's union labels).
    nested = {
        "generation_config": {"temprature": 0.5},
        "input": [{"type": "user_input", "content": [{"type": "text", "text": "Hi", "lang": "en"}]}],
        "tools": [{"type": "function", "name": "f", "strict": True}],
    }
    where = {"generation_config": "generation_config", "input": "input[0].content[0]", "tools": "tools[0]"}
    for field, value in nested.items():
        with pytest.raises(ApiError) as caught:
            sdk.create_interaction(**{"model": "gemini-fake", "input": "Hi", field: value})
        name = {"generation_config": "temprature", "input": "lang", "tools": "strict"}[field]
        assert caught.value.status == 400
        assert caught.value.message == (
            f"Invalid JSON payload received. Unknown name \"{name}\" at '{where[field]}': Cannot find field."
        )


def test_function_tools_as_generated_models(sdk, gemini_upstream):
    from parley.generated.models import Function

    gemini_upstream.upstream.replies.append(Reply(tool_call=("get_weather", {"location": "Boston"})))
    tool = Function(
        type="function",
        name="get_weather",
        description="Weather for a city.",
        parameters={"type": "object", "properties": {"location": {"type": "string"}}},
    )
    first = sdk.create_interaction(model="gemini-fake", input="Weather in Boston?", tools=[tool])
    assert first.status == "requires_action"
    call = next(s for s in first.steps if s.type == "function_call")
    assert call.name == "get_weather" and call.arguments == {"location": "Boston"}
    assert gemini_upstream.upstream.requests[-1]["body"]["tools"][0]["name"] == "get_weather"

    second = sdk.create_interaction(
        model="gemini-fake",
        previous_interaction_id=first.id,
        tools=[tool],
        input=[{"type": "function_result", "call_id": call.id, "name": "get_weather", "result": "7C"}],
    )
    assert second.status == "completed"
    types = [s.type for s in sdk.interactions.get(second.id).steps]
    assert types.index("function_call") + 1 == types.index("function_result")


def test_previous_interaction_id_continues_the_conversation(sdk):
    first = sdk.create_interaction(model="gemini-fake", input="My name is Ada.")
    second = sdk.create_interaction(
        model="gemini-fake", input="What is my name?", previous_interaction_id=first.id
    )
    assert second.previous_interaction_id == first.id
    steps = sdk.interactions.get(second.id).steps
    assert [s.type for s in steps] == ["user_input", "model_output", "user_input", "model_output"]
    assert steps[0].content[0].text == "My name is Ada." and steps[2].content[0].text == "What is my name?"


def test_previous_interaction_id_with_the_stateless_local_model(sdk):
    first = sdk.create_interaction(model="smollm2", input="Say hello.", generation_config=SMALL)
    second = sdk.create_interaction(
        model="smollm2", input="And again.", previous_interaction_id=first.id, generation_config=SMALL
    )
    assert second.status in ("completed", "incomplete") and sdk.output_text(second)
    types = [s.type for s in sdk.interactions.get(second.id).steps]
    assert types == ["user_input", "model_output", "user_input", "model_output"]


# -- streams -----------------------------------------------------------------------------------------
def test_stream_yields_typed_events(sdk, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(text="streamed words arrive in pieces", chunk_size=5))
    stream = sdk.create_interaction(model="gemini-fake", input="hi", stream=True)
    assert isinstance(stream, parley.Stream)
    events = list(stream)
    assert isinstance(events[0], InteractionCreatedEvent) and isinstance(
        events[-1], InteractionCompletedEvent
    )
    assert any(isinstance(e, StepStart) for e in events) and any(isinstance(e, StepStop) for e in events)
    deltas = [e for e in events if isinstance(e, StepDelta)]
    assert len(deltas) == 7
    text = "".join(e.delta.text for e in deltas if e.delta.type == "text")
    assert text == "streamed words arrive in pieces"
    assert [e.event_id for e in events] == [f"evt_{i}" for i in range(1, len(events) + 1)]
    assert sdk.output_text(sdk.interactions.get(events[0].interaction.id)) == text


def test_stream_can_stop_early(sdk, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(text="abcdefghij" * 20, chunk_size=2))
    with sdk.create_interaction(model="gemini-fake", input="hi", stream=True) as stream:
        created = next(stream)
        assert isinstance(next(e for e in stream if isinstance(e, StepDelta)), StepDelta)
    assert list(stream) == []  # closed
    # Closing a foreground stream stops its run, unless the run had already finished.
    assert wait_for(created.interaction.id).status in ("cancelled", "completed")
    assert sdk.create_interaction(model="gemini-fake", input="still fine").status == "completed"


def test_stream_resumes_after_last_event_id(sdk, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(text="abcdefghij", chunk_size=2))
    events = list(sdk.create_interaction(model="gemini-fake", input="hi", stream=True))
    cut = next(e for e in events if isinstance(e, StepDelta))
    resumed = list(sdk.interactions.get(events[0].interaction.id, stream=True, last_event_id=cut.event_id))
    assert [e.event_id for e in resumed] == [e.event_id for e in events[events.index(cut) + 1 :]]


def test_stream_errors_before_the_first_event_raise(sdk, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(status=400, error_message="bad thing"))
    with pytest.raises(ApiError) as err:
        sdk.create_interaction(model="gemini-fake", input="hi", stream=True)
    assert err.value.status == 400 and "bad thing" in err.value.message


# -- background, cancel, delete -----------------------------------------------------------------------
def test_background_completes_and_is_pollable(sdk):
    started = sdk.create_interaction(model="gemini-fake", input="hi", background=True)
    assert started.status == "in_progress"
    done = wait_for(started.id)
    assert done.status == "completed" and sdk.output_text(done) == FAKE_TEXT


def test_background_cancel(sdk, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(delay=5))  # the upstream stalls; we cancel meanwhile
    started = sdk.create_interaction(model="gemini-fake", input="Take your time.", background=True)
    assert started.status == "in_progress"
    wait_for_upstream(gemini_upstream)  # cancel while the upstream is at work
    assert sdk.interactions.cancel(started.id).status == "cancelled"
    assert sdk.interactions.get(started.id).status == "cancelled"
    done = sdk.create_interaction(model="gemini-fake", input="hi")
    with pytest.raises(ApiError) as err:
        sdk.interactions.cancel(done.id)  # a finished interaction cannot be cancelled
    assert err.value.status == 400


def test_delete_then_get_is_404(sdk):
    interaction = sdk.create_interaction(model="gemini-fake", input="hi")
    assert sdk.interactions.delete(interaction.id) is None
    with pytest.raises(parley.ApiError) as err:
        sdk.interactions.get(interaction.id)
    assert (err.value.status, err.value.code) == (404, "not_found")
    with pytest.raises(ApiError):
        sdk.interactions.delete(interaction.id)


# -- errors ------------------------------------------------------------------------------------------
def test_unknown_model_is_404(sdk):
    with pytest.raises(ApiError) as err:
        sdk.create_interaction(model="no-such-model", input="hi")
    assert (err.value.status, err.value.code) == (404, "not_found")
    assert "no-such-model" in err.value.message


def test_bad_requests(sdk):
    with pytest.raises(ApiError) as err:
        sdk.create_interaction(model="gemini-fake", input="hi", generation_config={"max_output_tokens": 0})
    assert err.value.status == 400 and "generation_config/max_output_tokens" in err.value.message
    with pytest.raises(ApiError) as err:
        sdk.create_interaction(model="gemini-fake")
    assert err.value.status == 400 and "input" in err.value.message
    with pytest.raises(ApiError) as err:
        sdk.create_interaction(model="gemini-fake", input="hi", store=False, background=True)
    assert err.value.status == 400
    with pytest.raises(TypeError, match="temprature"):
        sdk.create_interaction(model="gemini-fake", input="hi", temprature=0.2)


def test_upstream_errors_keep_their_status(sdk, gemini_upstream):
    gemini_upstream.upstream.replies.append(Reply(status=429, error_message="slow down"))
    with pytest.raises(ApiError) as err:
        sdk.create_interaction(model="gemini-fake", input="hi")
    assert err.value.status in (429, 503) and err.value.code


# -- async twins -------------------------------------------------------------------------------------
async def test_async_create_get_stream_cancel_delete(sdk, gemini_upstream):
    interaction = await sdk.acreate_interaction(model="gemini-fake", input="hi")
    assert interaction.outputs[-1].text == FAKE_TEXT and interaction.steps[-1].type == "model_output"
    assert (await sdk.interactions.aget(interaction.id)).steps[0].type == "user_input"

    gemini_upstream.upstream.replies.append(Reply(text="async pieces", chunk_size=3))
    stream = await sdk.interactions.acreate(model="gemini-fake", input="hi", stream=True)
    assert isinstance(stream, parley.AsyncStream)
    events = [e async for e in stream]
    assert isinstance(events[0], InteractionCreatedEvent) and isinstance(
        events[-1], InteractionCompletedEvent
    )
    assert "".join(e.delta.text for e in events if isinstance(e, StepDelta)) == "async pieces"
    replay = await sdk.interactions.aget(events[0].interaction.id, stream=True)
    async with replay:
        assert [e.event_id async for e in replay] == [e.event_id for e in events]

    gemini_upstream.upstream.replies.append(Reply(delay=5))
    before = len(gemini_upstream.upstream.requests)
    started = await sdk.interactions.acreate(model="gemini-fake", input="slow", background=True)
    await asyncio.to_thread(wait_for_upstream, gemini_upstream, before)
    assert (await sdk.interactions.acancel(started.id)).status == "cancelled"
    await sdk.interactions.adelete(started.id)
    with pytest.raises(ApiError) as err:
        await sdk.interactions.aget(started.id)
    assert err.value.status == 404


async def test_async_calls_run_concurrently_and_continue(sdk, gemini_upstream):
    gemini_upstream.upstream.replies.extend(Reply(delay=0.5) for _ in range(4))
    started = time.monotonic()
    answers = await asyncio.gather(
        *(sdk.acreate_interaction(model="gemini-fake", input=f"q{i}") for i in range(4))
    )
    assert time.monotonic() - started < 1.5  # concurrent on the SDK loop, not one after another
    assert len({a.id for a in answers}) == 4 and all(a.status == "completed" for a in answers)
    follow = await sdk.acreate_interaction(
        model="gemini-fake", input="more", previous_interaction_id=answers[0].id
    )
    assert len((await sdk.interactions.aget(follow.id)).steps) == 4


async def test_async_errors(sdk):
    with pytest.raises(ApiError) as err:
        await sdk.acreate_interaction(model="no-such-model", input="hi")
    assert err.value.status == 404


async def test_sync_api_works_inside_a_running_loop(sdk):
    # e.g. a notebook cell or an async app calling the sync API: it blocks this loop, never deadlocks
    assert sdk.create_interaction(model="gemini-fake", input="hi").status == "completed"
    for interaction in [sdk.create_interaction(model="gemini-fake", input="hi")]:
        assert (await sdk.interactions.aget(interaction.id)).status == "completed"


async def test_a_background_run_outlives_the_loop_that_started_it(sdk):
    # asyncio.run() in a thread: its loop is gone before the interaction finishes
    started = await asyncio.to_thread(
        asyncio.run, sdk.acreate_interaction(model="gemini-fake", input="hi", background=True)
    )
    done = await asyncio.to_thread(wait_for, started.id)
    assert done.status == "completed"


# -- configuration -----------------------------------------------------------------------------------
def test_default_config_answers_with_the_local_model(monkeypatch, tmp_path):
    for var in ("PARLEY_CONFIG", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = parley.configure()
    assert settings.general_settings.database_url == "sqlite:///:memory:"
    assert not any(e.litellm_params.api_key for e in settings.model_list)
    with pytest.raises(ApiError) as caught:  # a Gemini name is Gemini or an error, never SmolLM2
        parley.create_interaction(model="gemini-3-flash-preview", input="Say hello.")
    assert caught.value.status == 401 and "GEMINI_API_KEY" in caught.value.message
    interaction = parley.create_interaction(model="smollm2", input="Say hello.", generation_config=SMALL)
    assert interaction.status in ("completed", "incomplete") and parley.output_text(interaction)
    assert interaction.usage.total_output_tokens > 0
    assert list(tmp_path.iterdir()) == []  # no parley.db in the working directory


def test_parley_config_env_and_yaml_path(monkeypatch, tmp_path, gemini_upstream):
    database = tmp_path / "store" / "sdk.db"
    config = gemini_config(gemini_upstream.url, database_url=f"sqlite:///{database}")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("PARLEY_CONFIG", str(path))
    settings = parley.configure()
    assert settings.general_settings.database_url == f"sqlite:///{database}"  # set in the file: kept
    interaction = parley.create_interaction(model="gemini-fake", input="hi")
    assert parley.output_text(interaction) == FAKE_TEXT
    assert database.exists()

    # The same store from a fresh engine (a Settings object this time): the interaction is there.
    parley.configure(parse(config))
    assert parley.interactions.get(interaction.id).status == "completed"
    parley.configure(path)
    assert parley.interactions.get(interaction.id).status == "completed"


def test_bad_config_raises_at_configure(tmp_path):
    with pytest.raises(ConfigError, match="model_list"):
        parley.configure({"model_list": []})
    with pytest.raises(ConfigError, match="cannot read config"):
        parley.configure(tmp_path / "missing.yaml")


def test_reconfigure_switches_the_store(sdk):
    interaction = sdk.create_interaction(model="gemini-fake", input="hi")
    parley.configure(gemini_config("http://127.0.0.1:9"))  # a new in-memory store
    with pytest.raises(ApiError) as err:
        parley.interactions.get(interaction.id)
    assert err.value.status == 404


def test_exit_interrupts_running_background_interactions(tmp_path, gemini_upstream):
    """At interpreter exit the SDK closes its engine: a stored run ends failed/interrupted (nobody
    cancelled it), not left in_progress."""
    gemini_upstream.upstream.replies.append(Reply(delay=3))  # long enough: the script exits at once
    config = gemini_config(gemini_upstream.url, database_url=f"sqlite:///{tmp_path / 'exit.db'}")
    code = textwrap.dedent(
        f"""
        import parley
        parley.configure({config!r})
        print(parley.create_interaction(model="gemini-fake", input="slow", background=True).id)
        """
    )
    started = time.monotonic()
    result = python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60  # it exits: a fresh interpreter's imports take most of this
    parley.configure(config)
    ended = parley.interactions.get(result.stdout.strip())
    assert ended.status == "failed" and ended.errors[0].code == "interrupted"


# -- the README quick-start ----------------------------------------------------------------------------
def test_readme_quickstart_runs_as_written(tmp_path):
    """The README's SDK quick-start (the python block of its "Python SDK" section), run as
    `python -c` in an empty directory with no config and no API key (the embedded default)."""
    section = README.read_text().split("## Python SDK", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    result = python(snippet, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(("completed", "incomplete")) and "model_output" in lines[0]
    assert all(line.strip() for line in lines[1:3])  # two answers
    assert lines[-1] == "404 not_found Interaction v1_no-such-id was not found."
    assert list(tmp_path.iterdir()) == []  # the default store is in memory
