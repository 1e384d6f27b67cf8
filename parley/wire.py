"""Small pieces of the Interactions wire format shared by the engine, the adapters and the SDK:
input normalisation, step accumulation from stream events, ids, timestamps and SSE framing."""

from __future__ import annotations

import binascii
import copy
import functools
import os
import time
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from parley.errors import ApiError
from parley.events import (
    ERROR,
    INTERACTION_COMPLETED,
    STEP_DELTA,
    STEP_START,
    STEP_STOP,
    Delta,
    InteractionSSEEvent,
    InteractionStatus,
    Step,
    Usage,
)

CONTENT_TYPES = frozenset({"text", "image", "audio", "document", "video"})
MEDIA_TYPES = CONTENT_TYPES - {"text"}
TERMINAL = frozenset({"completed", "failed", "cancelled", "incomplete", "requires_action", "budget_exceeded"})
_ENDS = (INTERACTION_COMPLETED, ERROR)  # a stream's last event


# base64's 64 characters, re-ordered as they sort in ASCII (and URL-safe): an id's text sorts as
# its bytes do.
_SORTED_B64 = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    b"-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
)


def new_id(prefix: str = "v1_") -> str:
    """The time in milliseconds (48 bits), then 96 random bits, as 24 URL-safe characters that sort
    by time. The store's keys (interactions, their events, spend rows) then grow at their B-trees'
    right edge: a random id put each create's row, index entry and events on random pages, and a
    short stream's commit wrote 9 pages to the WAL (strace), page splits and all."""
    raw = (time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(12)
    return prefix + binascii.b2a_base64(raw, newline=False).translate(_SORTED_B64).decode("ascii")


def now() -> str:
    """ISO-8601 UTC with seconds, the way the API writes `created` / `updated`."""
    return utc_second(int(time.time()))


@functools.lru_cache(maxsize=4)
def utc_second(second: int) -> str:
    # Formatted once per second: strftime was a measurable share of a gateway request.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj)


def sse(event: InteractionSSEEvent) -> bytes:
    """One SSE frame. Both `event:` and `data:`; the google SDK dispatches on data.event_type."""
    return b"event: " + event["event_type"].encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"


SSE_DONE = b"data: [DONE]\n\n"


def _text_blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, dict):
        return [content]
    return list(content or [])


def input_to_steps(value: Any) -> list[Step]:
    """The four `input` forms (string, one Content, Content[], Step[]) and the legacy Turn list,
    as a list of steps. Clients may send `user_input` with string content; we accept it."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "user_input", "content": _text_blocks(value)}]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ApiError(400, "`input` must be a string, a content object, or an array of content or steps.")
    if not value:
        return []
    if all(isinstance(v, dict) and "role" in v and "type" not in v for v in value):  # legacy turns
        return [
            {
                "type": "user_input" if v["role"] == "user" else "model_output",
                "content": _text_blocks(v.get("content")),
            }
            for v in value
        ]
    kinds = {isinstance(v, dict) and v.get("type") in CONTENT_TYPES for v in value}
    if kinds == {True}:
        return [{"type": "user_input", "content": value}]
    if True in kinds:
        raise ApiError(400, "`input` mixes content blocks and steps; send one or the other.")
    steps = []
    for step in value:
        if step.get("type") in ("user_input", "model_output") and not isinstance(
            step.get("content"), list | None
        ):
            step = {**step, "content": _text_blocks(step["content"])}
        steps.append(step)
    return steps


_SCALARS = frozenset({str, int, float, bool, type(None)})  # JSON values that are never shared


class StepAccumulator:
    """Rebuilds full steps from step.start / step.delta / step.stop events."""

    def __init__(self) -> None:
        self._steps: list[Step] = []
        # Deltas joined once, not concatenated as they come (`s += delta` copies all of `s` each
        # time: quadratic in a long answer): a function call's arguments, at its step.stop; text
        # that extends a step's last text part, when the steps are read.
        self._arguments: dict[int, list[str]] = {}
        self._text: dict[int, list[str]] = {}
        self._open: set[int] = set()  # started, not yet stopped

    def unstopped(self) -> list[int]:
        """The steps started and not stopped: a stream cut short stops them before it ends."""
        return sorted(self._open)

    @property
    def steps(self) -> list[Step]:
        for index in list(self._text):
            self._join(index)
        return self._steps

    def _join(self, index: int) -> None:
        if pieces := self._text.pop(index, None):
            part = self._steps[index]["content"][-1]
            part["text"] = "".join([part["text"], *pieces])

    def apply(self, event: Mapping[str, Any]) -> None:
        kind = event.get("event_type")
        if kind == STEP_START:
            index = event["index"]
            while len(self._steps) <= index:
                self._steps.append({})
            self._text.pop(index, None)  # the step is replaced, pieces and all
            self._open.add(index)
            step = event["step"]
            # Most steps start bare ({"type": …}): a plain copy is a deep one (4x cheaper).
            flat = all(type(value) in _SCALARS for value in step.values())
            self._steps[index] = dict(step) if flat else copy.deepcopy(step)
        elif kind == STEP_DELTA:
            index, delta = event["index"], event["delta"]
            if index in self._text and delta.get("type") != "text":
                self._join(index)  # other deltas may change the content: it must be whole
            self._delta(self._steps[index], index, delta)
        elif kind == STEP_STOP:
            index = event["index"]
            self._open.discard(index)
            self._join(index)
            if index in self._arguments:
                raw = "".join(self._arguments.pop(index))
                try:
                    self._steps[index]["arguments"] = orjson.loads(raw) if raw.strip() else {}
                except orjson.JSONDecodeError:
                    # Keep what the model produced rather than dropping it; clients see the raw text.
                    self._steps[index]["arguments"] = {"_raw": raw}

    def _delta(self, step: Step, index: int, delta: Delta) -> None:
        kind = delta.get("type")
        if kind == "text":  # most deltas: checked first, nothing copied
            content = step.setdefault("content", [])
            if content and content[-1].get("type") == "text":
                self._text.setdefault(index, []).append(delta["text"])
            else:
                content.append({"type": "text", "text": delta["text"]})
        elif kind in MEDIA_TYPES:
            step.setdefault("content", []).append({"type": kind, **delta})
        elif kind == "text_annotation_delta":
            content = step.setdefault("content", [])
            if not content or content[-1].get("type") != "text":
                content.append({"type": "text", "text": ""})
            content[-1].setdefault("annotations", []).extend(delta.get("annotations") or [])
        elif kind == "thought_summary":
            content = delta.get("content")
            summary = step.setdefault("summary", [])
            if content and content.get("type") == "text" and summary and summary[-1].get("type") == "text":
                summary[-1] = {
                    **summary[-1],
                    "text": summary[-1]["text"] + content.get("text", ""),
                }  # streamed pieces
            elif content:
                summary.append(content)
        elif kind == "thought_signature":
            step["signature"] = delta.get("signature")
        elif kind == "arguments_delta":
            self._arguments.setdefault(index, []).append(delta.get("arguments") or "")
        else:  # tool call / result deltas carry the step's own fields
            step.update({k: v for k, v in delta.items() if k != "type"})


def rebuilt_steps(history: list[Step], events: Iterable[Mapping[str, Any]]) -> list[Step]:
    """A run's timeline from its stored events: the history before it, then what it generated
    (all of it, or until it stopped)."""
    acc = StepAccumulator()
    for event in events:
        if event.get("event_type") in _ENDS:
            break  # what a stalled process stored after another ended its run is not its output
        acc.apply(event)  # only step.* events change steps
    return history + [step for step in acc.steps if step]


def characters(value: Any, skipped: frozenset[str] = frozenset()) -> int:
    """The characters of the strings in a JSON value, but for those under a `skipped` key: roughly
    its size, without encoding it."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(characters(v, skipped) for k, v in value.items() if k not in skipped)
    if isinstance(value, list):
        return sum(characters(v, skipped) for v in value)
    return 0


# Strings a tokenizer does not read as text: media bytes and links, ids, signatures, type tags.
_NOT_TEXT = frozenset({"data", "uri", "mime_type", "id", "call_id", "type", "signature"})
CHARS_PER_TOKEN = 4  # the common rule of thumb for English text


def estimated_usage(prompt: Any, output: list[Step]) -> Usage:
    """Token counts for a turn whose upstream never reported them (stopped by a cancel, a client
    that left or an error midway, or recovered after its process died), from its text: a
    character count over CHARS_PER_TOKEN. Media inputs are not counted, so it errs low. Spend and
    budgets use it: a turn stopped just before its usage arrives must not cost nothing."""
    given = -(-characters(prompt, _NOT_TEXT) // CHARS_PER_TOKEN)
    made = -(-characters(output, _NOT_TEXT) // CHARS_PER_TOKEN)
    return {"total_input_tokens": given, "total_output_tokens": made, "total_tokens": given + made}


def settled_status(status: InteractionStatus, steps: list[Step]) -> InteractionStatus:
    """The real API sometimes reports `completed` while a function call it emitted waits for its
    result; clients key on `requires_action`, so a turn that ends with an unanswered call says so."""
    if status != "completed":
        return status
    answered = {step.get("call_id") for step in steps if step.get("type") == "function_result"}
    pending = any(step.get("type") == "function_call" and step.get("id") not in answered for step in steps)
    return "requires_action" if pending else status


def output_text(steps: list[Step]) -> str:
    """Text of the trailing model_output steps, the way the SDK's `output_text` reads it."""
    parts: list[str] = []
    for step in reversed(steps):
        if step.get("type") == "thought":
            continue
        if step.get("type") != "model_output":
            break
        parts.insert(
            0, "".join(c.get("text", "") for c in step.get("content") or [] if c.get("type") == "text")
        )
    return "".join(parts)


def legacy_outputs(steps: list[Step]) -> list[dict[str, Any]]:
    """The pre-2026-05 `outputs[]`: the generated content of this turn as flat content blocks,
    so older clients reading `response.outputs[-1].text` keep working."""
    outputs: list[dict[str, Any]] = []
    for step in steps:
        kind = step.get("type")
        if kind == "model_output":
            outputs.extend(step.get("content") or [])
        elif kind == "thought":
            outputs.append({k: v for k, v in step.items() if k in ("type", "signature", "summary")})
        elif kind == "function_call":
            outputs.append(
                {
                    "type": "function_call",
                    "id": step["id"],
                    "name": step["name"],
                    "arguments": step.get("arguments", {}),
                }
            )
    return outputs
