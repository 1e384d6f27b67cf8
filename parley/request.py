"""The shared parts of a create request, read once with the same meaning for every provider.

* `output_format`: `response_format` (one format or a list; `text` with `mime_type` / `schema`, or
  the legacy bare JSON Schema next to `response_mime_type`) -> `OutputFormat`;
* `tool_choice`: `generation_config.tool_choice` (a mode, or `allowed_tools`) -> `ToolChoice`; an
  allowed tool that the request does not declare is a 400, whatever the provider;
* `reject_unsupported`: the request fields and `generation_config` keys a provider cannot honour
  are a 400 (`errors.unsupported`), or, under the deployment's `drop_params`, left out and
  reported (log line, `x-parley-dropped-params`); never silently dropped.

Codecs translate these results into their upstream's own fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
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
    drop: bool = False,
) -> Mapping[str, Any]:
    """The request without what the provider cannot honour: a set `generation_config` key outside
    `config`, a set request field in `fields`, response_modalities other than text, a
    `service_tier` outside `service_tiers` (None: any tier). Each is a 400 (`errors.unsupported`);
    with `drop` (LiteLLM's drop_params) it is left out instead and its name noted for this
    request's log line and `x-parley-dropped-params` header (`dropped_params`)."""
    dropped: list[str] = []
    trimmed = dict(request)

    def refuse(name: str, what: str | None = None) -> None:
        if not drop:
            raise unsupported(provider, what or name)
        dropped.append(name)

    honoured = frozenset(config)
    generation = dict(request.get("generation_config") or {})
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
        _note_dropped(dropped)
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


def _note_dropped(names: list[str]) -> None:
    holder = _dropped.get()
    if holder is not None:
        holder[:] = names
