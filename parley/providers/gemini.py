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
``interaction.completed`` becomes the final ``{"event_type": "interaction.completed",
"interaction": {"status", "usage", "upstream_id"}}`` — ``upstream_id`` being the upstream's own
interaction id, which the engine keeps as the next turn's ``previous_upstream_id`` (left out, as
is ``Outcome.upstream_id``, when the client sent ``store: false``: the upstream keeps nothing).

An upstream ``error`` event, a ``failed`` interaction, or a stream that ends before
``interaction.completed`` raise ``UpstreamError``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import orjson
from httpx_sse import EventSource, SSEError

from parley.errors import CODES, UpstreamError
from parley.providers.base import (
    Deployment,
    Outcome,
    Turn,
    http_client,
    raise_for_upstream,
    request_timeout,
    transport_error,
)

DEFAULT_API_BASE = "https://generativelanguage.googleapis.com"
DEFAULT_API_VERSION = "v1beta"
RELAYED = frozenset({"step.start", "step.delta", "step.stop", "interaction.status_update"})
# Input the upstream may echo at the head of its steps; the model itself never produces these.
ECHOED = frozenset({"user_input", "function_result"})

# Error-event codes -> an HTTP-like status for UpstreamError (string codes of the spec, Google's
# canonical ones, or a plain int); anything else is a 502.
_STATUS = {code: status for status, code in reversed(CODES.items())}  # the first status of a code wins
_STATUS.update(invalid_argument=400, resource_exhausted=429, unavailable=503, internal=500)


class GeminiAdapter:
    name = "gemini"

    def _url(self, deployment: Deployment) -> str:
        base = (deployment.api_base or DEFAULT_API_BASE).rstrip("/")
        return f"{base}/{deployment.api_version or DEFAULT_API_VERSION}/interactions"

    def _headers(self, deployment: Deployment, accept: str) -> dict[str, str]:
        headers = {"Accept": accept}
        if deployment.api_key:
            headers["x-goog-api-key"] = deployment.api_key
        return headers

    def _kwargs(self, deployment: Deployment) -> dict[str, Any]:
        timeout = request_timeout(deployment)
        return {} if timeout is None else {"timeout": timeout}

    def body(self, turn: Turn, deployment: Deployment, stream: bool) -> dict:
        body = {k: v for k, v in turn.request.items() if k not in ("background", "stream")}
        body["model"] = deployment.model
        if turn.previous_upstream_id:
            body["previous_interaction_id"] = turn.previous_upstream_id
        elif body.pop("previous_interaction_id", None) is not None:
            body["input"] = turn.history
        if stream:
            body["stream"] = True
        return body

    async def create(self, turn: Turn, deployment: Deployment) -> Outcome:
        try:
            return await self._create(turn, deployment)
        except UpstreamError as exc:
            if not _expired(turn, exc):
                raise
        return await self._create(replace(turn, previous_upstream_id=None), deployment)

    async def stream(self, turn: Turn, deployment: Deployment) -> AsyncIterator[dict]:
        relayed = False
        try:
            async for event in self._stream(turn, deployment):
                relayed = True
                yield event
            return
        except UpstreamError as exc:
            if relayed or not _expired(turn, exc):
                raise
        async for event in self._stream(replace(turn, previous_upstream_id=None), deployment):
            yield event

    async def _create(self, turn: Turn, deployment: Deployment) -> Outcome:
        try:
            response = await http_client().post(
                self._url(deployment),
                json=self.body(turn, deployment, stream=False),
                headers=self._headers(deployment, "application/json"),
                **self._kwargs(deployment),
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc) from exc
        await raise_for_upstream(response)
        try:
            data = response.json()
        except ValueError as exc:
            raise UpstreamError(502, f"upstream answered non-JSON: {response.text[:200]}") from exc
        status = data.get("status") or "completed"
        if status == "failed":
            raise UpstreamError(502, _failure(data))
        steps = list(data.get("steps") or [])
        while steps and steps[0].get("type") in ECHOED:
            steps.pop(0)
        return Outcome(
            steps=steps, status=status, usage=data.get("usage") or {}, upstream_id=_chainable(turn, data)
        )

    async def _stream(self, turn: Turn, deployment: Deployment) -> AsyncIterator[dict]:
        upstream_id = None
        final = None
        try:
            async with http_client().stream(
                "POST",
                self._url(deployment),
                json=self.body(turn, deployment, stream=True),
                headers=self._headers(deployment, "text/event-stream"),
                **self._kwargs(deployment),
            ) as response:
                await raise_for_upstream(response)
                async for sse in EventSource(response).aiter_sse():
                    if sse.data.strip() == "[DONE]":
                        break
                    if not sse.data.strip():
                        continue
                    try:
                        event = orjson.loads(sse.data)
                    except orjson.JSONDecodeError as exc:
                        raise UpstreamError(502, f"upstream sent invalid SSE data: {sse.data[:200]}") from exc
                    kind = event.get("event_type")
                    if kind == "interaction.created":
                        upstream_id = (event.get("interaction") or {}).get("id")
                    elif kind in RELAYED:
                        yield {k: v for k, v in event.items() if k not in ("event_id", "interaction_id")}
                    elif kind == "error":
                        raise _error_event(event.get("error") or {})
                    elif kind == "interaction.completed":
                        final = event.get("interaction") or {}
                        break
        except SSEError as exc:  # a 200 that is not text/event-stream
            raise UpstreamError(502, f"upstream did not stream: {exc}") from exc
        except httpx.HTTPError as exc:
            raise transport_error(exc) from exc
        if final is None:
            raise UpstreamError(0, "upstream stream ended before interaction.completed")
        status = final.get("status") or "completed"
        if status == "failed":
            raise UpstreamError(502, _failure(final))
        done = {"status": status, "usage": final.get("usage") or {}}
        if upstream_id := _chainable(turn, {"id": final.get("id") or upstream_id}):
            done["upstream_id"] = upstream_id
        yield {"event_type": "interaction.completed", "interaction": done}


def _chainable(turn: Turn, interaction: dict) -> str | None:
    """The upstream id, if the upstream kept the interaction (a `store: false` one cannot be chained)."""
    return interaction.get("id") if turn.request.get("store", True) is not False else None


def _expired(turn: Turn, exc: UpstreamError) -> bool:
    """The upstream no longer has the previous interaction (retention is short): resend the history."""
    return exc.status == 404 and bool(turn.previous_upstream_id)


def _error_event(error: dict) -> UpstreamError:
    code = error.get("code")
    if isinstance(code, int) and 400 <= code < 600:
        status = code
    else:
        status = _STATUS.get(str(code).lower(), 502)
    return UpstreamError(status, f"upstream stream error ({code}): {error.get('message') or 'no message'}")


def _failure(interaction: dict) -> str:
    messages = [e.get("message") for e in interaction.get("errors") or [] if isinstance(e, dict)]
    return "upstream interaction failed" + (
        f": {'; '.join(m for m in messages if m)}" if any(messages) else ""
    )
