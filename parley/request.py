"""The shared parts of a create request, read once with the same meaning for every provider.

* `output_format`: `response_format` (one format or a list; `text` with `mime_type` / `schema`, or
  the legacy bare JSON Schema next to `response_mime_type`) -> `OutputFormat`;
* `tool_choice`: `generation_config.tool_choice` (a mode, or `allowed_tools`) -> `ToolChoice`; an
  allowed tool that the request does not declare is a 400, whatever the provider;
* `reject_unsupported`: the request fields, `generation_config` keys and tools a provider cannot
  honour are a 400 (`errors.unsupported`), or, under the deployment's `drop_params`, left out and
  reported (log line, `x-parley-dropped-params`); never silently dropped;
* `drop_names` / `drop_additional`: a deployment's `additional_drop_params` (LiteLLM's names or
  Interactions field paths) as the fields they mean, left out of what goes upstream and reported.

Codecs translate these results into their upstream's own fields.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from parley.errors import ApiError, unsupported

MEDIA_OUTPUTS = frozenset({"image", "audio", "video", "document"})
JSON = "application/json"
PLAIN = "text/plain"
TOOL_MODES = frozenset({"auto", "any", "none", "validated"})


@dataclass(frozen=True)
class OutputFormat:
    """The text answer asked for: plain text, JSON, or JSON conforming to `schema`."""

    json: bool = False
    schema: Mapping[str, Any] | None = None


def output_format(provider: str, request: Mapping[str, Any]) -> OutputFormat:
    """What `response_format` (+ legacy `response_mime_type`) asks for. Media output, more than one
    text format and mime types other than text/plain and application/json are `unsupported`."""
    formats = request.get("response_format")
    items: list[Any] = formats if isinstance(formats, list) else [formats] if formats else []
    mime = request.get("response_mime_type")
    schema: Mapping[str, Any] | None = None
    texts = 0
    for item in items:
        kind = item.get("type") if isinstance(item, Mapping) else None
        if not isinstance(kind, str):  # a legacy schema's `type` may be a list
            kind = None
        if kind in MEDIA_OUTPUTS:
            raise unsupported(provider, f"{kind} output")
        if kind == "text":
            texts += 1
            mime = item.get("mime_type") or mime
            schema = item.get("schema", schema)
        elif isinstance(item, Mapping):  # legacy: the item is itself the JSON Schema
            texts += 1
            schema = item
    if texts > 1:
        raise unsupported(provider, "more than one text response_format")
    if schema is not None:
        if mime not in (None, JSON):
            raise unsupported(provider, f"a response schema with mime_type '{mime}'")
        return OutputFormat(json=True, schema=schema)
    if mime == JSON:
        return OutputFormat(json=True)
    if mime not in (None, PLAIN):
        raise unsupported(provider, f"response_format mime_type '{mime}'")
    return OutputFormat()


@dataclass(frozen=True)
class ToolChoice:
    """`mode` (auto | any | none | validated; None when the client did not set one) and the tools
    the model may call (None: all of them)."""

    mode: str | None = None
    allowed: tuple[str, ...] | None = None

    def offered(self, names: Iterable[str]) -> list[str]:
        """The declared tool names the model may use, in declaration order."""
        return [n for n in names if self.allowed is None or n in self.allowed]


def tool_choice(request: Mapping[str, Any]) -> ToolChoice:
    """`generation_config.tool_choice`, checked against the request's tools: an allowed tool the
    request does not declare is a 400 (an MCP server's tools are not listed, so they pass)."""
    config = request.get("generation_config") or {}
    choice = config.get("tool_choice")
    if choice is None:
        return ToolChoice()
    if isinstance(choice, str):
        return ToolChoice(mode=_mode(choice))
    allowed = choice.get("allowed_tools") or {}
    mode = _mode(allowed.get("mode") or "auto")
    names = allowed.get("tools")
    if names is None:
        return ToolChoice(mode=mode)
    tools: Sequence[Mapping[str, Any]] = request.get("tools") or []
    if not any(t.get("type") == "mcp_server" for t in tools):
        declared = {t.get("name") for t in tools}
        unknown = sorted(set(names) - declared)
        if unknown:
            raise ApiError(400, f"tool_choice.allowed_tools names undeclared tools: {', '.join(unknown)}")
    return ToolChoice(mode=mode, allowed=tuple(names))


def _mode(mode: str) -> str:
    if mode not in TOOL_MODES:
        raise ApiError(400, f"tool_choice mode '{mode}' is not one of {', '.join(sorted(TOOL_MODES))}.")
    return mode


# Request fields only Gemini serves: a 400 (or dropped) for every other provider unless it says so.
UNSUPPORTED_FIELDS: tuple[str, ...] = ("safety_settings", "cached_content")


def reject_unsupported(
    provider: str,
    request: Mapping[str, Any],
    *,
    config: Iterable[str],
    fields: Iterable[str] = UNSUPPORTED_FIELDS,
    service_tiers: Iterable[str] | None = None,
    tools: Iterable[str] | None = None,
    drop: bool = False,
) -> Mapping[str, Any]:
    """The request without what the provider cannot honour: a set `generation_config` key outside
    `config`, a set request field in `fields`, response_modalities other than text, a
    `service_tier` outside `service_tiers` (None: any tier). Each is a 400 (`errors.unsupported`);
    with `drop` (LiteLLM's drop_params) it is left out instead and its name noted for this
    request's log line and `x-parley-dropped-params` header (`dropped_params`).
    Under `drop` only: tools whose type is not in `tools` (None: any) are left out (`tools.<type>`),
    and `generation_config.tool_choice` with them when no tool is left; without `drop` the codec
    refuses them in its own words."""
    dropped: list[str] = []
    trimmed = dict(request)
    runnable = None if tools is None else frozenset(tools)
    offered: list[Any] = list(request.get("tools") or [])
    if drop and runnable is not None and offered:
        kept = [t for t in offered if isinstance(t, Mapping) and t.get("type") in runnable]
        for tool in offered:
            if tool not in kept:
                name = f"tools.{tool.get('type') if isinstance(tool, Mapping) else '?'}"
                if name not in dropped:
                    dropped.append(name)
        if kept:
            trimmed["tools"] = kept
        else:
            del trimmed["tools"]

    def refuse(name: str, what: str | None = None) -> None:
        if not drop:
            raise unsupported(provider, what or name)
        dropped.append(name)

    honoured = frozenset(config)
    generation = dict(request.get("generation_config") or {})
    if "tools" in request and "tools" not in trimmed and generation.get("tool_choice") is not None:
        dropped.append("generation_config.tool_choice")  # it would name tools that are gone
        del generation["tool_choice"]
    for key, value in list(generation.items()):
        if value is not None and key not in honoured:
            refuse(f"generation_config.{key}")
            del generation[key]
    if "generation_config" in request:
        trimmed["generation_config"] = generation
    for name in fields:
        if request.get(name):
            refuse(name)
            del trimmed[name]
    if set(request.get("response_modalities") or ["text"]) - {"text"}:
        refuse("response_modalities", "response_modalities other than text")
        del trimmed["response_modalities"]
    tier = request.get("service_tier")
    if tier and service_tiers is not None and tier not in service_tiers:
        refuse("service_tier", f"service_tier '{tier}'")
        del trimmed["service_tier"]
    if dropped:
        note_dropped(dropped)
    return trimmed if dropped else request


# The names the last upstream call of this request dropped. The engine gives each request its own
# list (`collect_dropped`); a retry on another deployment replaces what an earlier attempt dropped.
_dropped: ContextVar[list[str] | None] = ContextVar("parley_dropped_params", default=None)


def collect_dropped() -> list[str]:
    """A fresh list that this request's dropped parameter names will be written to."""
    names: list[str] = []
    _dropped.set(names)
    return names


def forget_dropped() -> None:
    """A new attempt (retry, fallback) starts: nothing is dropped yet."""
    holder = _dropped.get()
    if holder is not None:
        holder.clear()


def note_dropped(names: Iterable[str]) -> None:
    """This attempt left `names` out of what it sends upstream (each named once)."""
    holder = _dropped.get()
    if holder is not None:
        holder.extend(name for name in names if name not in holder)


# -- additional_drop_params -------------------------------------------------------------------
# LiteLLM's names (OpenAI's parameters) for the Interactions fields they mean. `tools` takes
# `tool_choice` with it: a choice among tools that are gone would be refused upstream.
LITELLM_NAMES: dict[str, tuple[str, ...]] = {
    "temperature": ("generation_config.temperature",),
    "top_p": ("generation_config.top_p",),
    "max_tokens": ("generation_config.max_output_tokens",),
    "max_completion_tokens": ("generation_config.max_output_tokens",),
    "max_output_tokens": ("generation_config.max_output_tokens",),
    "stop": ("generation_config.stop_sequences",),
    "seed": ("generation_config.seed",),
    "reasoning_effort": ("generation_config.thinking_level",),
    "tool_choice": ("generation_config.tool_choice",),
    "tools": ("tools", "generation_config.tool_choice"),
    "response_format": ("response_format", "response_mime_type"),
    "modalities": ("response_modalities",),
}
# LiteLLM (OpenAI) parameters an Interactions request has no field for: Parley never sends them,
# so there is nothing to drop (a start-up warning says so).
NEVER_SENT = frozenset(
    {
        "user",
        "n",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "presence_penalty",
        "frequency_penalty",
        "parallel_tool_calls",
        "stream_options",
        "functions",
        "function_call",
        "prediction",
        "audio",
        "web_search_options",
        "metadata",
        "extra_headers",
    }
)
# Create fields that say what to answer and how, not how the model should generate: never dropped.
NOT_DROPPABLE = frozenset(
    {
        "model",
        "agent",
        "input",
        "stream",
        "store",
        "background",
        "previous_interaction_id",
        "continuation_token",
    }
)


@cache
def droppable() -> frozenset[str]:
    """The Interactions fields a deployment may drop: the create request's fields (except those
    in NOT_DROPPABLE) and `generation_config.<key>`, as the spec's generated models define them."""
    from parley.generated.models import CreateModelInteraction, GenerationConfig

    def names(model: type[Any]) -> set[str]:
        return {field.alias or name for name, field in model.model_fields.items()}

    return frozenset(
        (names(CreateModelInteraction) - NOT_DROPPABLE)
        | {f"generation_config.{key}" for key in names(GenerationConfig)}
    )


def drop_names(entry: str) -> tuple[str, ...]:
    """The Interactions fields an `additional_drop_params` entry names: a LiteLLM name (mapped),
    a droppable create field or `generation_config.<key>`; () for a LiteLLM parameter Parley never
    sends. Anything else is a ValueError naming the nearest valid entry."""
    if entry in LITELLM_NAMES:
        return LITELLM_NAMES[entry]
    if entry in droppable():
        return (entry,)
    if entry in NEVER_SENT:
        return ()
    if entry in NOT_DROPPABLE:
        raise ValueError(f"'{entry}' cannot be dropped: it says what to answer, not how")
    valid = sorted(droppable() | set(LITELLM_NAMES) | NEVER_SENT)
    close = difflib.get_close_matches(entry, valid, n=1, cutoff=0.6)
    hint = (
        f"; did you mean {close[0]}?"
        if close
        else f" (one of: {', '.join(sorted(LITELLM_NAMES))}, or a field)"
    )
    raise ValueError(f"'{entry}' names no request parameter Parley knows{hint}")


def with_max_tokens(request: Mapping[str, Any], max_tokens: int | None) -> Mapping[str, Any]:
    """`request` with a deployment's `litellm_params.max_tokens` as its output cap when it sets
    none (generation_config.max_output_tokens); the same object otherwise."""
    if max_tokens is None:
        return request
    config = request.get("generation_config")
    config = config if isinstance(config, Mapping) else {}
    if config.get("max_output_tokens") is not None:
        return request
    return {**request, "generation_config": {**config, "max_output_tokens": max_tokens}}


def drop_additional(request: Mapping[str, Any], fields: Iterable[str]) -> Mapping[str, Any]:
    """`request` without the `fields` (from `drop_names`) it carries, each noted for this
    attempt's log line and `x-parley-dropped-params`; the same object when none is present."""
    trimmed: dict[str, Any] | None = None
    generation: dict[str, Any] | None = None
    dropped: list[str] = []
    for field in fields:
        head, _, key = field.partition(".")
        if key:
            config = request.get(head)
            if isinstance(config, Mapping) and config.get(key) is not None:
                trimmed = trimmed if trimmed is not None else dict(request)
                generation = generation if generation is not None else dict(config)
                generation.pop(key, None)
                trimmed[head] = generation
                dropped.append(field)
        elif request.get(field) is not None:
            trimmed = trimmed if trimmed is not None else dict(request)
            trimmed.pop(field, None)
            dropped.append(field)
    if trimmed is None:
        return request
    note_dropped(dropped)
    return trimmed
