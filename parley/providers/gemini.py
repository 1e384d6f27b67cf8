"""Gemini native: the Interactions API itself, passed through.

`litellm_params.model: gemini/<model>` → ``POST {api_base}/{version}/interactions`` with
``x-goog-api-key``. ``api_base`` defaults to ``https://generativelanguage.googleapis.com`` and the
version segment is ``deployment.api_version`` or ``v1beta`` (the Interactions API is served on both
``v1`` and ``v1beta``; set ``api_version: v1`` to use the GA path).

The client's create body goes upstream unchanged (tools of every type, generation_config,
response_format, safety_settings, labels, fields Parley does not know …), except:

* ``model`` becomes the deployment's model; ``stream`` is set per call; ``background`` is Parley's
  business and is stripped;
* conversation state: when the previous turn ran on this same upstream
  (``turn.previous_upstream_id``), that id is sent as ``previous_interaction_id`` with the client's
  own ``input``; otherwise a client ``previous_interaction_id`` (a Parley id, meaningless upstream)
  is dropped and ``input`` becomes the whole conversation as steps (``turn.history``);
* ``store`` is forwarded as the client set it (upstream default true, so the next turn can chain).

If the upstream answers 404 to a ``previous_interaction_id`` (its retention is short), the turn is
sent once more with the whole history instead.

Answers: a JSON Interaction becomes an ``Outcome`` without the input steps the upstream may echo
(leading ``user_input`` / ``function_result`` steps). A stream is relayed event by event: upstream
``interaction.created`` is dropped (its id is kept), ``event_id``s and the status update's
``interaction_id`` are stripped, ``step.*`` events pass unchanged, and the upstream
``interaction.completed`` becomes the stream's `StreamEnd` (status, usage, upstream_id) —
``upstream_id`` being the upstream's own interaction id, which the engine keeps as the next turn's
``previous_upstream_id`` (left out, as is ``Outcome.upstream_id``, when the client sent
``store: false``: the upstream keeps nothing).

An upstream ``error`` event, a ``failed`` interaction, or a stream that ends before
``interaction.completed`` raise ``UpstreamError``.
"""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import replace
from typing import Any, cast

from parley.errors import CODES, UpstreamError
from parley.events import (
    ERROR,
    INTERACTION_COMPLETED,
    INTERACTION_CREATED,
    INTERACTION_STATUS_UPDATE,
    STEP_DELTA,
    STEP_START,
    STEP_STOP,
    InteractionStatus,
    Usage,
)
from parley.providers.base import AdapterStream, Deployment, HttpCodec, Outcome, StepEvent, StreamEnd, Turn
from parley.request import tool_choice
from parley.transport import UpstreamRequest

DEFAULT_API_BASE = "https://generativelanguage.googleapis.com"
DEFAULT_API_VERSION = "v1beta"
RELAYED = frozenset({STEP_START, STEP_DELTA, STEP_STOP, INTERACTION_STATUS_UPDATE})
# Input the upstream may echo at the head of its steps; the model itself never produces these.
ECHOED = frozenset({"user_input", "function_result"})

# Error-event codes -> an HTTP-like status for UpstreamError (string codes of the spec, Google's
# canonical ones, or a plain int); anything else is a 502.
_STATUS = {code: status for status, code in reversed(CODES.items())}  # the first status of a code wins
_STATUS.update(invalid_argument=400, resource_exhausted=429, unavailable=503, internal=500)


class GeminiAdapter(HttpCodec):
    name = "gemini"

    def request(self, turn: Turn, deployment: Deployment, *, stream: bool) -> UpstreamRequest:
        base = (deployment.api_base or DEFAULT_API_BASE).rstrip("/")
        url = f"{base}/{deployment.api_version or DEFAULT_API_VERSION}/interactions"
        headers = {"Accept": "text/event-stream" if stream else "application/json"}
        if deployment.api_key:
            headers["x-goog-api-key"] = deployment.api_key
        return UpstreamRequest("POST", url, headers, body=self.body(turn, deployment, stream))

    def body(self, turn: Turn, deployment: Deployment, stream: bool) -> dict[str, Any]:
        tool_choice(turn.request)  # the one check Parley makes: allowed tools must be declared
        body = {k: v for k, v in turn.request.items() if k not in ("background", "stream")}
        body["model"] = deployment.model
        if turn.previous_upstream_id:
            body["previous_interaction_id"] = turn.previous_upstream_id
        elif body.pop("previous_interaction_id", None) is not None:
            body["input"] = turn.history
        if stream:
            body["stream"] = True
        return body

    def outcome(self, answer: Any, turn: Turn) -> Outcome:
        status, usage = _ending(answer)
        steps = list(answer.get("steps") or [])
        while steps and steps[0].get("type") in ECHOED:
            steps.pop(0)
        return Outcome(steps=steps, status=status, usage=usage, upstream_id=_chainable(turn, answer))

    def decoder(self, turn: Turn) -> StreamRelay:
        return StreamRelay(turn)

    # The upstream forgets interactions after a while: a 404 for the previous one resends the history.

    async def create(self, turn: Turn, deployment: Deployment) -> Outcome:
        try:
            return await super().create(turn, deployment)
        except UpstreamError as exc:
            if not _expired(turn, exc):
                raise
        return await super().create(replace(turn, previous_upstream_id=None), deployment)

    async def stream(self, turn: Turn, deployment: Deployment) -> AdapterStream:
        # Each inner stream is closed here when this one is: left to the collector, its finalizer
        # costs a thread-safe loop wake-up and a task per stream (the engine stops reading at the
        # StreamEnd, so the inner stream is never run to its end).
        relayed = False
        try:
            async with aclosing(super().stream(turn, deployment)) as events:
                async for batch in events:
                    relayed = True
                    yield batch
            return
        except UpstreamError as exc:
            if relayed or not _expired(turn, exc):
                raise
        async with aclosing(super().stream(replace(turn, previous_upstream_id=None), deployment)) as events:
            async for batch in events:
                yield batch


class StreamRelay:
    """Upstream Interactions events -> the adapter's: `interaction.created` is dropped (its id kept),
    `event_id`s and the status update's `interaction_id` stripped, `step.*` passed unchanged."""

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.upstream_id: str | None = None
        self.final: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        return self.final is not None

    def feed(self, event: Any) -> list[StepEvent]:
        kind = event.get("event_type")
        if kind in RELAYED:
            # The upstream speaks the same API: its event is ours, less the ids the engine assigns
            # (taken out in place: the decoded event is this relay's own, and no copy is made).
            event.pop("event_id", None)
            event.pop("interaction_id", None)
            return [cast(StepEvent, event)]
        if kind == INTERACTION_CREATED:
            self.upstream_id = (event.get("interaction") or {}).get("id")
        elif kind == ERROR:
            raise _error_event(event.get("error") or {})
        elif kind == INTERACTION_COMPLETED:
            self.final = event.get("interaction") or {}
        return []

    def end(self) -> StreamEnd:
        final = self.final
        if final is None:
            raise UpstreamError(0, "upstream stream ended before interaction.completed")
        status, usage = _ending(final)
        upstream_id = _chainable(self.turn, {"id": final.get("id") or self.upstream_id})
        return StreamEnd(status, usage, upstream_id)


def _ending(interaction: dict[str, Any]) -> tuple[InteractionStatus, Usage]:
    """The status and usage of the upstream's (final) interaction, as the same API's types; a
    failed one is an UpstreamError."""
    status = interaction.get("status") or "completed"
    if status == "failed":
        raise UpstreamError(502, _failure(interaction))
    return cast(InteractionStatus, status), cast(Usage, interaction.get("usage") or {})


def _chainable(turn: Turn, interaction: dict[str, Any]) -> str | None:
    """The upstream id, if the upstream kept the interaction (a `store: false` one cannot be chained)."""
    return interaction.get("id") if turn.request.get("store", True) is not False else None


def _expired(turn: Turn, exc: UpstreamError) -> bool:
    """The upstream no longer has the previous interaction (retention is short): resend the history."""
    return exc.status == 404 and bool(turn.previous_upstream_id)


def _error_event(error: dict[str, Any]) -> UpstreamError:
    code = error.get("code")
    if isinstance(code, int) and 400 <= code < 600:
        status = code
    else:
        status = _STATUS.get(str(code).lower(), 502)
    return UpstreamError(status, f"upstream stream error ({code}): {error.get('message') or 'no message'}")


def _failure(interaction: dict[str, Any]) -> str:
    messages = [e.get("message") for e in interaction.get("errors") or [] if isinstance(e, dict)]
    return "upstream interaction failed" + (
        f": {'; '.join(m for m in messages if m)}" if any(messages) else ""
    )
