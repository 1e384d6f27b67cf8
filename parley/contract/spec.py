"""Contract validation against the OpenAPI 3.1 document (a 3.1 Schema Object is JSON Schema 2020-12).

    from parley.contract.spec import validate, parse_sse, assert_stream_valid

    validate("Interaction", body)            # AssertionError with instance path + reason
    events = assert_stream_valid(sse_text)   # framing + every event + ordering rules

The document is the generated JSON copy shipped in the installed package (`parley.generated`,
`interactions.openapi.json`); set PARLEY_OPENAPI to a .json/.yaml path to validate against another one.
Validators are compiled once per component.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match, relevance
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:parley:interactions-openapi"
MISMATCH = "parley_mismatch"  # set on a union error none of whose alternatives is a candidate
MAX_ERRORS = 5


@functools.cache
def spec() -> dict[str, Any]:
    override = os.environ.get("PARLEY_OPENAPI")
    if override:
        text = Path(override).read_text(encoding="utf-8")
        if override.endswith((".yaml", ".yml")):
            import yaml

            document: dict[str, Any] = yaml.safe_load(text)
            return document
        document = json.loads(text)
        return document
    document = json.loads(
        resources.files("parley.generated").joinpath("interactions.openapi.json").read_text("utf-8")
    )
    return document


@functools.cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(spec(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


@functools.cache
def validator(component: str) -> Draft202012Validator:
    if component not in spec()["components"]["schemas"]:
        raise KeyError(f"no schema named {component!r} in components/schemas")
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/components/schemas/{component}"},
        registry=_registry(),
        format_checker=FormatChecker(),
    )


# ------------------------------------------------------------------ readable errors


def _pointer(error: ValidationError) -> str:
    return "/" + "/".join(str(p) for p in error.absolute_path)


def _branch_errors(error: ValidationError) -> dict[int, list[ValidationError]]:
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    return branches


def _is_mismatch(sub: ValidationError, depth: int) -> bool:
    """The alternative failed on its discriminator tag or on the instance's basic type (directly or through
    a nested union none of whose alternatives fits): it was never a candidate."""
    rel = len(sub.absolute_path) - depth
    return (
        (sub.validator in ("const", "enum") and rel == 1)
        or (sub.validator == "type" and rel == 0)
        or (rel == 0 and bool(getattr(sub, MISMATCH, False)))
    )


def _name(alternative: dict[str, Any], index: int) -> str:
    """An alternative's schema name; a request's strict view (`ContentStrict`) reads as the schema
    it views (`Content`)."""
    if "$ref" in alternative:
        return _schema_name(alternative["$ref"])
    if alternative.get("type") == "array" and "$ref" in alternative.get("items", {}):
        return "array of " + _schema_name(alternative["items"]["$ref"])
    return str(alternative.get("type", f"alternative {index}"))


def _schema_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1].removesuffix("Strict")


def _resolve(error: ValidationError) -> tuple[list[ValidationError], tuple[int, int]]:
    """Descend into oneOf/anyOf failures the way a reader would: follow the discriminator, or else the
    alternative the instance resembles most, and report what is wrong inside it.
    Returns the leaf errors and (unknown discriminator tags, matched discriminator tags) below."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error], (0, 0)
    instance, schema = error.instance, error.schema
    if not isinstance(schema, dict):
        return [error], (0, 0)
    alternatives = schema[str(error.validator)]
    depth = len(error.absolute_path)
    branches = _branch_errors(error)
    disc = schema.get("discriminator")
    if disc and isinstance(instance, dict):
        prop, mapping = disc["propertyName"], disc.get("mapping", {})
        tag = instance.get(prop)
        if tag not in mapping:
            error.message = (
                f"missing discriminator {prop!r}" if tag is None else f"unknown {prop} {tag!r}"
            ) + f" (expected one of: {', '.join(mapping)})"
            return [error], (1, 0)
        for index, alternative in enumerate(alternatives):
            if alternative.get("$ref") == mapping[tag] and index in branches:
                leaves, (unknown, matched) = _combine(branches[index])
                return leaves, (unknown, matched + 1)
    scored = []
    for index, subs in sorted(branches.items()):
        leaves, counts = _combine(subs)
        if not any(_is_mismatch(sub, depth) for sub in subs):
            missing = sum(1 for leaf in leaves if leaf.validator == "required")
            # fewest missing properties / unknown tags, then fewest problems, then most tags recognised
            rank = (-(missing + counts[0]), -len(leaves), counts[1])
            scored.append((rank, index, leaves, counts))
    if not scored:
        setattr(error, MISMATCH, True)
        error.message = f"{json.dumps(instance)[:80]} is none of: " + ", ".join(
            _name(a, i) for i, a in enumerate(alternatives)
        )
        return [error], (0, 0)
    scored.sort(key=lambda item: item[0], reverse=True)
    top = [item for item in scored if item[0] == scored[0][0]]
    if len(top) == 1:
        return top[0][2], top[0][3]
    error.message = "matches none of: " + "; ".join(
        f"{_name(alternatives[index], index)} ({leaves[0].message})" for _, index, leaves, _ in top
    )
    return [error], top[0][3]


def _combine(subs: list[ValidationError]) -> tuple[list[ValidationError], tuple[int, int]]:
    leaves: list[ValidationError] = []
    unknown = matched = 0
    for sub in subs:
        sub_leaves, (sub_unknown, sub_matched) = _resolve(sub)
        leaves += sub_leaves
        unknown += sub_unknown
        matched += sub_matched
    return _without_echoes(leaves), (unknown, matched)


def _without_echoes(leaves: list[ValidationError]) -> list[ValidationError]:
    """Drop an `unevaluatedProperties` error when another error lies at or below its object: a
    subschema that fails yields no annotations, so its known properties read as unevaluated too
    (a closed create whose `input` is wrong also reports `'input' was unexpected`)."""

    def echo(leaf: ValidationError) -> bool:
        here = list(leaf.absolute_path)
        return leaf.validator == "unevaluatedProperties" and any(
            list(other.absolute_path)[: len(here)] == here
            and (len(other.absolute_path) > len(here) or other.validator != "unevaluatedProperties")
            for other in leaves
        )

    return [leaf for leaf in leaves if not echo(leaf)]


def explain(errors: list[ValidationError]) -> list[str]:
    leaves = _without_echoes([leaf for error in sorted(errors, key=relevance) for leaf in _resolve(error)[0]])
    lines = []
    for leaf in leaves[:MAX_ERRORS]:
        where = _pointer(leaf)
        lines.append(f"at {where if where != '/' else '(root)'}: {leaf.message}")
    if len(leaves) > MAX_ERRORS:
        lines.append(f"... and {len(leaves) - MAX_ERRORS} more")
    return lines


def errors_for(component: str, instance: Any) -> list[str]:
    """Readable problems of `instance` as a `component`; empty when valid."""
    return explain(list(validator(component).iter_errors(instance)))


def validate(component: str, instance: Any) -> None:
    problems = errors_for(component, instance)
    if problems:
        text = json.dumps(instance, ensure_ascii=False)
        text = text if len(text) <= 300 else text[:297] + "..."
        raise AssertionError(
            f"not a valid {component}:\n  " + "\n  ".join(problems) + f"\n  instance: {text}"
        )


def best_message(component: str, instance: Any) -> str | None:
    """jsonschema's own best_match message, for comparison/debugging."""
    error = best_match(validator(component).iter_errors(instance))
    return None if error is None else error.message


# ------------------------------------------------------------------ SSE


@dataclass
class SSEFrame:
    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None


def parse_sse_frames(text: str) -> list[SSEFrame]:
    """Split an event-stream body into frames, enforcing the framing a careful server produces:
    known field names only, every event terminated by a blank line, nothing after `data: [DONE]`."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.strip() and not text.endswith("\n\n"):
        raise AssertionError("SSE: the last event is not terminated by a blank line (clients drop it)")
    frames: list[SSEFrame] = []
    done = False
    for number, block in enumerate(text.split("\n\n"), 1):
        fields: dict[str, list[str]] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name not in ("event", "data", "id", "retry"):
                raise AssertionError(f"SSE block {number}: unknown field {name!r} in line {line!r}")
            fields.setdefault(name, []).append(value)
        if not fields:
            continue
        if done:
            raise AssertionError(f"SSE block {number}: event after `data: [DONE]`")
        if "data" not in fields:
            raise AssertionError(f"SSE block {number}: no `data:` line ({fields})")
        for name in ("event", "id", "retry"):
            if len(fields.get(name, ())) > 1:
                raise AssertionError(f"SSE block {number}: repeated `{name}:` line")
        retry = fields.get("retry", [None])[0]
        if retry is not None and not retry.isdigit():
            raise AssertionError(f"SSE block {number}: `retry: {retry}` is not a number")
        frame = SSEFrame(
            data="\n".join(fields["data"]),
            event=fields.get("event", [None])[0],
            id=fields.get("id", [None])[0],
            retry=int(retry) if retry else None,
        )
        validate("InteractionSSEFrame", {k: v for k, v in vars(frame).items() if v is not None})
        done = frame.data == "[DONE]"
        frames.append(frame)
    return frames


def parse_sse(text: str) -> list[dict[str, Any]]:
    """The JSON payloads of an event stream, in order, without the `[DONE]` sentinel. Checks the framing,
    that every `data:` is a JSON object, and that an `event:` line (optional) names its `event_type`."""
    events = []
    for number, frame in enumerate(parse_sse_frames(text), 1):
        if frame.data == "[DONE]":
            continue
        try:
            payload = json.loads(frame.data)
        except json.JSONDecodeError as exc:
            raise AssertionError(
                f"SSE event #{number}: data is not JSON ({exc}): {frame.data[:200]!r}"
            ) from None
        if not isinstance(payload, dict):
            raise AssertionError(f"SSE event #{number}: data is not a JSON object: {frame.data[:200]!r}")
        if frame.event is not None and frame.event != payload.get("event_type"):
            raise AssertionError(
                f"SSE event #{number}: `event: {frame.event}` but event_type is {payload.get('event_type')!r}"
            )
        events.append(payload)
    return events


# Which delta types may appear inside which step; tool steps take the delta of their own name.
DELTAS_FOR_STEP = {
    "model_output": {"text", "text_annotation_delta", "image", "audio", "document", "video"},
    "thought": {"thought_summary", "thought_signature"},
    "function_call": {"arguments_delta"},
}
TERMINAL_EVENTS = ("interaction.completed", "error")


def assert_stream_valid(text: str, *, resumed: bool = False) -> list[dict[str, Any]]:
    """Validate a whole `text/event-stream` body and return its events.

    Every event must be a valid InteractionSSEEvent, and:
    * the first event is `interaction.created` (unless `resumed`, i.e. a replay after `last_event_id`);
    * the last is `interaction.completed` or `error`, and nothing follows it;
    * `step.start` indices are 0, 1, 2, ... in order; `step.delta` / `step.stop` refer to a started,
      not yet stopped step (a resumed stream may continue steps started before the resume point);
      every step is stopped before `interaction.completed`; deltas fit the step type;
    * `event_id`s are unique and the interaction id is the same throughout.
    """
    events = parse_sse(text)
    if not events:
        raise AssertionError("SSE: the stream has no events")

    def fail(number: int, event: dict[str, Any], reason: str) -> NoReturn:
        raise AssertionError(
            f"SSE event #{number} ({event.get('event_type')}, "
            f"{event.get('event_id', 'no event_id')}): {reason}"
        )

    for number, event in enumerate(events, 1):
        problems = errors_for("InteractionSSEEvent", event)
        if problems:
            fail(number, event, "not a valid InteractionSSEEvent:\n  " + "\n  ".join(problems))
    if not resumed and events[0]["event_type"] != "interaction.created":
        fail(1, events[0], "the first event must be interaction.created")
    if events[-1]["event_type"] not in TERMINAL_EVENTS:
        fail(len(events), events[-1], "the last event must be interaction.completed or error")

    open_steps: dict[int, str | None] = {}  # index -> step type (None: started before a resume point)
    stopped: set[int] = set()
    started = 0
    seen_ids: set[str] = set()
    interaction_id = None
    for number, event in enumerate(events, 1):
        kind = event["event_type"]
        if kind in TERMINAL_EVENTS and number != len(events):
            fail(number, event, "events follow the terminal event")
        event_id = event.get("event_id")
        if event_id is not None:
            if event_id in seen_ids:
                fail(number, event, f"duplicate event_id {event_id!r}")
            seen_ids.add(event_id)
        ident = event.get("interaction", {}).get("id") or event.get("interaction_id")
        if ident is not None:
            if interaction_id is not None and ident != interaction_id:
                fail(number, event, f"interaction id {ident!r} differs from {interaction_id!r}")
            interaction_id = ident
        if kind in ("step.start", "step.delta", "step.stop"):
            index = event["index"]
            if kind == "step.start":
                if index in open_steps or index in stopped:
                    fail(number, event, f"step {index} started twice")
                if not resumed and index != started:
                    fail(
                        number,
                        event,
                        f"step.start index {index}, expected {started} (indices start at 0, in order)",
                    )
                open_steps[index] = event["step"]["type"]
                started = max(started, index + 1)
                continue
            if index not in open_steps:
                if resumed and index not in stopped:
                    open_steps[index] = None
                else:
                    fail(
                        number,
                        event,
                        f"{kind} for step {index}, which is "
                        f"{'already stopped' if index in stopped else 'not started'}",
                    )
            if kind == "step.delta":
                step_type, delta_type = open_steps[index], event["delta"]["type"]
                if step_type is not None and delta_type not in DELTAS_FOR_STEP.get(step_type, {step_type}):
                    fail(number, event, f"a {delta_type!r} delta cannot extend a {step_type!r} step")
            else:
                del open_steps[index]
                stopped.add(index)
        if kind == "interaction.completed" and open_steps:
            fail(number, event, f"steps {sorted(open_steps)} were started but never stopped")
    return events
