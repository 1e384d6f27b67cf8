"""Checks the bedrock / vertex_ai / azure_ai adapter tests share: spec-valid steps and usage, and a
drained stream split into its step events, its end and the error that ended it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from parley.contract import spec
from parley.errors import UpstreamError
from parley.providers.base import Outcome
from parley.wire import StepAccumulator
from tests.adapter_kit import drain


def check_outcome(outcome: Outcome) -> Outcome:
    for step in outcome.steps:
        spec.validate("Step", step)
    spec.validate("Usage", outcome.usage)
    return outcome


async def collect(stream: AsyncIterator[Any]) -> tuple[list[dict], Any, UpstreamError | None]:
    """(step events, the stream's end, the UpstreamError that ended it instead)."""
    items, error = await drain(stream)
    end = items.pop() if items and not _is_step_event(items[-1]) else None
    for event in items:
        assert event["event_type"] in ("step.start", "step.delta", "step.stop"), event
    if end is not None:
        spec.validate("Usage", _field(end, "usage"))
    return items, end, error


def steps_of(events: list[dict]) -> list[dict]:
    acc = StepAccumulator()
    for event in events:
        spec.validate("InteractionSSEEvent", {**event, "event_id": "evt_1"})
        acc.apply(event)
    for step in acc.steps:
        spec.validate("Step", step)
    return acc.steps


def status(end: Any) -> str:
    return str(_field(end, "status"))


def usage(end: Any) -> dict:
    return dict(_field(end, "usage"))


def _is_step_event(item: Any) -> bool:
    return isinstance(item, dict) and str(item.get("event_type", "")).startswith("step.")


def _field(end: Any, name: str) -> Any:
    if isinstance(end, dict):  # the pre-codec shape: {"event_type": "interaction.completed", ...}
        return end["interaction"][name]
    return getattr(end, name)
