"""What every provider implements, and the shape an HTTP provider takes: a codec over the transport.

The outer interface (`Adapter`), which the router calls:

* ``await adapter.create(turn, deployment) -> Outcome`` for JSON requests;
* ``adapter.stream(turn, deployment)``: an async iterator of Interactions step events
  (``step.start`` / ``step.delta`` / ``step.stop``, and ``interaction.status_update`` if the
  upstream reports one), without ``event_id``s, then exactly one `StreamEnd` (status, usage, the
  upstream's own id): an internal result, never a public event. It yields them in batches
  (non-empty lists, as they come: a read's worth). The engine owns ids, event ids,
  ``interaction.created`` / ``interaction.completed`` and storage.

On failure raise ``UpstreamError`` (the router retries by status and labels it with the provider)
or ``ApiError`` for a request the provider cannot serve (``errors.unsupported``: a 400).

An HTTP provider is a `Codec`: it only translates, and `parley.transport` does all the I/O.

* ``request(turn, deployment, stream=...) -> UpstreamRequest``: method, url, headers, query and
  JSON body of the upstream call. Parse the request's shared parts with `parley.request`
  (response_format, tool_choice, unsupported fields) so every provider reads them alike.
* ``async sign(request, deployment)`` (optional): runs after the body is serialised into
  ``request.content``; set headers from the final bytes (AWS SigV4) or from an async credential
  (e.g. a google-auth token refreshed in a thread and cached until near expiry).
* ``outcome(answer, turn) -> Outcome``: the decoded JSON answer.
* ``decoder(turn) -> StreamDecoder``: ``feed(upstream event)`` yields step events, ``done`` says
  the upstream has ended its answer (stop reading), ``end() -> StreamEnd`` (or UpstreamError when
  the stream was cut short).
* ``framing() -> transport.Framing`` (optional): how the streamed body is cut into upstream events;
  SSE with JSON data by default, a binary event-stream decoder for AWS.

Subclass `HttpCodec` for the defaults and the `create` / `stream` that drive the transport. A
provider that is not HTTP (llama.cpp in-process) implements `Adapter` directly.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeAlias

from parley import transport
from parley.errors import UnsupportedError, UpstreamError, unsupported
from parley.events import (
    InteractionStatus,
    InteractionStatusUpdate,
    Step,
    StepDelta,
    StepStart,
    StepStop,
    Usage,
)
from parley.request import UNSUPPORTED_FIELDS, reject_unsupported
from parley.transport import Framing, SSEFraming, UpstreamRequest

# An Interactions stream event as adapters produce it (step.*, interaction.status_update), without
# event_id (the engine numbers events).
StepEvent: TypeAlias = StepStart | StepDelta | StepStop | InteractionStatusUpdate
# A JSON object in a provider's own wire format (a request body, an answer, a content block, a
# chunk): the provider's API defines its shape, and codecs read it as documented there.
JsonObject: TypeAlias = dict[str, Any]


@dataclass(frozen=True)
class Deployment:
    """One upstream a model group can route to (a `model_list` entry of config.yaml)."""

    model_name: str  # the public name clients send as `model`
    provider: str  # adapter key: gemini, openai, openai_chat, anthropic, azure, local
    model: str  # the upstream's model id, provider prefix stripped
    api_base: str | None = None
    api_key: str | None = None
    api_version: str | None = None  # Azure's ?api-version=
    timeout: float | None = None  # seconds for a whole answer, a stream's included (default 600)
    stream_timeout: float | None = None  # seconds to a stream's first event, and between events (60)
    params: Mapping[str, Any] = field(default_factory=dict)  # remaining litellm_params (rpm, tpm, weight…)
    name: str = ""  # how logs and metrics name it: model_info.id, else model_name#index in its group
    # Set when neither config nor environment supplied what this provider needs (its key, or the
    # base URL of a server you run): the variable to set. Such a deployment answers 401 naming it.
    missing_env: str | None = None
    # The registry prefix the model string named or implied (groq, bedrock, openai…): several
    # prefixes share one adapter, and x-parley-provider names this one.
    prefix: str = ""
    # LiteLLM's drop_params (per deployment, else litellm_settings): a parameter this provider
    # cannot honour is dropped and reported instead of being a 400 (parley.request).
    drop_params: bool = False
    # LiteLLM's additional_drop_params, as the Interactions fields they name (parley.request):
    # never sent to this deployment, and reported when a request carried them.
    additional_drop: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The provider as the config names it (groq, deepseek…): x-parley-provider and errors."""
        return self.prefix or self.provider

    @property
    def id(self) -> str:
        """Stable identity, used to know whether a previous turn ran on this same upstream."""
        return f"{self.provider}/{self.model}@{self.api_base or ''}"


@dataclass
class Turn:
    """What an adapter answers: the create body plus the whole conversation as steps."""

    request: Mapping[str, Any]  # the create body as the client sent it (already spec-validated)
    history: list[Step]  # previous turns' steps + this turn's input, as Interactions steps
    previous_upstream_id: str | None = None  # upstream's own id of the previous turn, same deployment only

    @property
    def system_instruction(self) -> str | None:
        value = self.request.get("system_instruction")
        return value if isinstance(value, str) else None

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.request.get("tools") or [])

    @property
    def generation_config(self) -> Mapping[str, Any]:
        config = self.request.get("generation_config")
        return config if isinstance(config, Mapping) else {}

    @property
    def response_format(self) -> Any:
        return self.request.get("response_format")

    def within(
        self,
        deployment: Deployment,
        *,
        config: Iterable[str],
        fields: Iterable[str] = UNSUPPORTED_FIELDS,
        service_tiers: Iterable[str] | None = None,
        tools: Iterable[str] = ("function",),
    ) -> Turn:
        """This turn within what the deployment's provider can honour: anything else is the 400 of
        `reject_unsupported` (naming the provider as the config does), or, under the deployment's
        drop_params, left out. `tools`: the tool types it runs (the codecs here run function tools
        only; Gemini, which runs them all, does not come through here)."""
        request = reject_unsupported(
            deployment.label,
            self.request,
            config=config,
            fields=fields,
            service_tiers=service_tiers,
            tools=tools,
            drop=deployment.drop_params,
        )
        return replace(self, request=request)


@dataclass
class Outcome:
    """A finished (non-streamed) upstream answer."""

    steps: list[Step]
    status: InteractionStatus = "completed"  # completed | requires_action | incomplete
    usage: Usage = field(default_factory=Usage)
    upstream_id: str | None = None


@dataclass(frozen=True)
class StreamEnd:
    """How a stream ended: the last item an adapter's stream yields (internal, never sent out)."""

    status: InteractionStatus = "completed"  # completed | requires_action | incomplete
    usage: Usage = field(default_factory=Usage)
    upstream_id: str | None = None  # the upstream's own id for this turn, kept to chain the next


# An adapter's stream: step events, then one StreamEnd, in batches as they come (non-empty lists,
# a read's worth: every hop of an async generator costs per item). The router closes it (aclose)
# to abandon an attempt, so it is a generator, not just an iterator.
AdapterStream: TypeAlias = AsyncGenerator[list[StepEvent | StreamEnd], None]


class Adapter(Protocol):
    name: str

    async def create(self, turn: Turn, deployment: Deployment) -> Outcome: ...

    def stream(self, turn: Turn, deployment: Deployment) -> AdapterStream: ...


class StreamDecoder(Protocol):
    """One stream's translation state: upstream events in, step events out."""

    @property
    def done(self) -> bool: ...  # the upstream said its answer is complete: stop reading

    def feed(self, event: Any) -> Iterable[StepEvent]: ...

    def end(self) -> StreamEnd: ...


class Codec(Protocol):
    name: str

    def request(self, turn: Turn, deployment: Deployment, *, stream: bool) -> UpstreamRequest: ...

    async def sign(self, request: UpstreamRequest, deployment: Deployment) -> None: ...

    def outcome(self, answer: Any, turn: Turn) -> Outcome: ...

    def decoder(self, turn: Turn) -> StreamDecoder: ...

    def framing(self) -> Framing: ...


# What a malformed upstream answer raises inside a codec that indexes it as documented.
MALFORMED = (KeyError, IndexError, TypeError, AttributeError, ValueError)


class HttpCodec:
    """Defaults for a `Codec`, and the `Adapter` calls that run it over the transport."""

    name = "http"

    def request(self, turn: Turn, deployment: Deployment, *, stream: bool) -> UpstreamRequest:
        raise NotImplementedError

    def outcome(self, answer: Any, turn: Turn) -> Outcome:
        raise NotImplementedError

    def decoder(self, turn: Turn) -> StreamDecoder:
        raise NotImplementedError

    async def sign(self, request: UpstreamRequest, deployment: Deployment) -> None:
        """Nothing to sign: the key is a plain header set in `request`."""

    def framing(self) -> Framing:
        return SSEFraming()

    def _request(self, turn: Turn, deployment: Deployment, *, stream: bool) -> UpstreamRequest:
        """`request`, whose 400 for an unsupported feature names the provider as configured: the
        codec serves several (openai_chat: groq, deepseek…; openai: azure)."""
        try:
            return self.request(turn, deployment, stream=stream)
        except UnsupportedError as exc:
            raise unsupported(deployment.label, exc.feature) from None

    async def create(self, turn: Turn, deployment: Deployment) -> Outcome:
        request = self._request(turn, deployment, stream=False)
        answer = await transport.send_json(
            request, timeout=deployment.timeout, sign=self._signer(deployment), pool=pool(deployment)
        )
        try:
            return self.outcome(answer, turn)
        except MALFORMED as exc:
            raise _malformed(exc) from exc

    async def stream(self, turn: Turn, deployment: Deployment) -> AdapterStream:
        request = self._request(turn, deployment, stream=True)
        decoder, framing = self.decoder(turn), self.framing()
        decode = framing.decode
        events = transport.send_stream(
            request,
            framing,
            timeout=deployment.timeout,
            stream_timeout=deployment.stream_timeout,
            sign=self._signer(deployment),
            pool=pool(deployment),
        )
        async with aclosing(events):
            async for batch in events:
                translated: list[StepEvent | StreamEnd] = []
                failure: Exception | None = None
                try:
                    for event in batch:
                        translated.extend(decoder.feed(decode(event)))
                        if decoder.done:
                            break
                except Exception as exc:  # an error event, or a malformed one
                    failure = exc
                if translated:  # what came before it goes out first, as one event at a time did
                    yield translated
                if isinstance(failure, MALFORMED):
                    raise _malformed(failure) from failure
                if failure is not None:
                    raise failure
                if decoder.done:
                    break
        yield [decoder.end()]

    def _signer(self, deployment: Deployment) -> transport.Sign:
        async def sign(request: UpstreamRequest) -> None:
            await self.sign(request, deployment)

        return sign


def pool(deployment: Deployment) -> transport.Pool | None:
    """The deployment's own connection pool when it has a `max_parallel_requests`, else the shared one."""
    limit = deployment.params.get("max_parallel_requests")
    return transport.Pool(deployment.id, int(limit)) if limit else None


def _malformed(exc: BaseException) -> UpstreamError:
    return UpstreamError(502, f"answered something unreadable ({type(exc).__name__}: {exc})")
