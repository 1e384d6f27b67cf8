"""Parse answers with the generated pydantic models, tolerating types this client does not know yet.

The generated unions are closed: a step, content block or event whose `type` / `event_type` is not in
the spec fails validation. A newer server adds such types, so this client keeps them as raw dicts
instead of raising:

* an unknown entry of a list (a step in `Interaction.steps`, a content block, ...) stays in place as
  the dict the server sent, inside an otherwise typed model;
* any other unknown member (the `step` of a `step.start`, the `delta` of a `step.delta`, an unknown
  `event_type`) makes the whole event a raw dict.

Any other mismatch is a malformed answer and raises `InvalidResponse`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from parley.generated.models import Interaction, InteractionSSEEvent

__all__ = ["InvalidResponse", "RawEvent", "parse_event", "parse_interaction"]

M = TypeVar("M")
RawEvent = dict[str, Any]
Path = tuple[str | int, ...]

EVENTS: TypeAdapter[InteractionSSEEvent] = TypeAdapter(InteractionSSEEvent)
INTERACTION: TypeAdapter[Interaction] = TypeAdapter(Interaction)
TAG_KEYS = ("type", "event_type")
MAX_ROUNDS = 8  # nested unknown members are peeled off one level per round


class InvalidResponse(ValueError):
    """The answer is not what the spec says (and not merely a newer type)."""


def _data_path(data: Any, loc: tuple[str | int, ...]) -> Path | None:
    """The path of pydantic error location `loc` inside `data`. pydantic adds a label after each union
    it descends into (the discriminator tag, or 'list[...]' / 'str' for the branches of a plain union);
    those labels are not keys of the data and are skipped."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            if any(node.get(key) == part for key in TAG_KEYS) or part not in node:
                continue  # a union label, not a member
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str):
            continue
        else:
            return None
        path.append(part)
    return tuple(path)


def _unknown_members(data: Any, error: ValidationError) -> list[Path] | None:
    """Paths of the members with an unknown tag, or None when there are none. Errors in
    the other branches of a plain union next to an unknown tag (e.g. `content: str | list[Content]`)
    are the same problem seen from another branch: they are ignored here, and any that remain once the
    unknown members are taken out fail the next round."""
    unknown: list[Path] = []
    for item in error.errors():
        if item["type"] == "union_tag_invalid":
            path = _data_path(data, item["loc"])
            if path is None:
                return None
            unknown.append(path)
    return unknown or None


def _get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def _attr(model: Any, key: str | int) -> Any:
    if isinstance(key, int):
        return model[key]
    if isinstance(model, dict):
        return model[key]
    for name, field in type(model).model_fields.items():
        if key in (name, field.alias):
            return getattr(model, name)
    raise KeyError(key)


def _validate(adapter: TypeAdapter[M], data: Any) -> M | RawEvent:
    """`adapter.validate_python(data)`, with unknown list entries kept as dicts in place; a raw dict
    when an unknown member is not a list entry."""
    removed: list[tuple[Path, Any]] = []
    for _ in range(MAX_ROUNDS):
        try:
            value = adapter.validate_python(data)
        except ValidationError as exc:
            paths = _unknown_members(data, exc)
            if paths is None:
                raise InvalidResponse(str(exc)) from None
            if any(not path or not isinstance(path[-1], int) for path in paths):
                return _raw(data, removed)
            if not removed:
                data = _copy(data)
            for path in sorted(set(paths), reverse=True):  # later indices first: earlier ones stay valid
                container = _get(data, path[:-1])
                removed.append((path, container.pop(path[-1])))
            continue
        for path, member in reversed(removed):  # re-insert in the order they were taken out
            container = value
            for part in path[:-1]:
                container = _attr(container, part)
            container.insert(path[-1], member)
        return value
    raise InvalidResponse(f"more than {MAX_ROUNDS} levels of unknown types")


def _copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data


def _raw(data: Any, removed: list[tuple[Path, Any]]) -> RawEvent:
    for path, member in reversed(removed):
        _get(data, path[:-1]).insert(path[-1], member)
    if not isinstance(data, dict):
        raise InvalidResponse(f"expected a JSON object, got {type(data).__name__}")
    return data


def parse_event(data: Any) -> InteractionSSEEvent | RawEvent:
    """One SSE `data:` payload: a typed event, or the raw dict for an event this client does not know."""
    return _validate(EVENTS, data)


def parse_interaction(data: Any) -> Interaction:
    """An Interaction; steps and content blocks of unknown types stay as dicts in their lists."""
    value = _validate(INTERACTION, data)
    if not isinstance(value, BaseModel):
        raise InvalidResponse("an interaction whose unknown members are not list entries")
    return value
