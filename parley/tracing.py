"""OpenTelemetry traces, off unless configured, as LiteLLM's proxy turns them on:
``litellm_settings.callbacks: ["otel"]``, or ``general_settings.otel_endpoint``.

Spans go over OTLP/HTTP (protobuf) to ``general_settings.otel_endpoint``, else to what the standard
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or LiteLLM's
``OTEL_ENDPOINT``) say, else the OTLP default (localhost:4318). ``OTEL_SERVICE_NAME`` names the
service (default ``parley``).

One span per generation request (a create), with a child span per upstream attempt, so retries and
fallbacks are visible. Attributes follow the OpenTelemetry GenAI semantic conventions
(``gen_ai.operation.name``, ``gen_ai.provider.name``, ``gen_ai.request.model``,
``gen_ai.response.model``, ``gen_ai.usage.input_tokens``, ``gen_ai.usage.output_tokens``) plus a few
``parley.*`` ones (model group, deployment name, status). A client's W3C ``traceparent`` makes the
request span its child; each upstream call carries the attempt span's ``traceparent``. The prompt
(``gen_ai.input.messages``) and the answer (``gen_ai.output.messages``, the conventions' assistant
message with text, reasoning and tool-call parts) are recorded only when
``general_settings.log_prompts`` is true, and never otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, set_span_in_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from parley.config import ConfigError, Settings

OPERATION = "chat"  # GenAI semconv: an Interactions create is a chat completion
# Parley's provider keys -> gen_ai.provider.name (the semantic conventions' well-known values).
PROVIDER_NAMES = {
    "gemini": "gcp.gemini",
    "openai": "openai",
    "openai_chat": "openai",
    "anthropic": "anthropic",
    "azure": "azure.ai.openai",
    "local": "llama_cpp",
}
KNOWN_CALLBACKS = ("otel",)


def enabled(settings: Settings) -> bool:
    """Whether the config asks for traces; an unknown `litellm_settings.callbacks` entry is refused."""
    callbacks = settings.litellm_settings.get("callbacks") or []
    if not isinstance(callbacks, list):
        raise ConfigError('litellm_settings.callbacks: must be a list, e.g. ["otel"]')
    for i, name in enumerate(callbacks):
        if name not in KNOWN_CALLBACKS:
            raise ConfigError(
                f"litellm_settings.callbacks[{i}]: {name!r} is not supported by this gateway "
                f'(supported: "otel"; Python callbacks go in general_settings.callbacks)'
            )
    return "otel" in callbacks or bool(settings.general_settings.otel_endpoint)


def _endpoint(configured: str | None) -> str | None:
    """OTLP/HTTP traces URL: a bare collector address gets the standard /v1/traces path."""
    url = configured or os.environ.get("OTEL_ENDPOINT")  # LiteLLM's name
    if not url:
        return None  # the exporter reads the standard OTEL_EXPORTER_OTLP_* variables itself
    return url if url.rstrip("/").endswith("/v1/traces") else url.rstrip("/") + "/v1/traces"


def _headers(carrier: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in carrier}


class Tracing:
    def __init__(self, settings: Settings, processor: SpanProcessor | None = None):
        self.log_prompts = bool(settings.general_settings.log_prompts)
        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or "parley"})
        self.provider = TracerProvider(resource=resource)
        if processor is None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            processor = BatchSpanProcessor(
                OTLPSpanExporter(endpoint=_endpoint(settings.general_settings.otel_endpoint))
            )
        self.provider.add_span_processor(processor)
        self.tracer = self.provider.get_tracer("parley")
        self.propagator = TraceContextTextMapPropagator()

    def request_span(self, raw_headers: Iterable[tuple[bytes, bytes]], name: str) -> Span:
        """The span of one generation request, a child of the client's traceparent if it sent one."""
        parent = self.propagator.extract(_headers(raw_headers))
        return self.tracer.start_span(
            name, context=parent, kind=SpanKind.SERVER, attributes={"gen_ai.operation.name": OPERATION}
        )

    def attempt_span(self, parent: Span | None, deployment: Any) -> Span:
        context = set_span_in_context(parent) if parent is not None else Context()
        return self.tracer.start_span(
            f"{OPERATION} {deployment.model}",
            context=context,
            kind=SpanKind.CLIENT,
            attributes={
                "gen_ai.operation.name": OPERATION,
                "gen_ai.provider.name": PROVIDER_NAMES.get(deployment.provider, deployment.provider),
                "gen_ai.request.model": deployment.model,
                "parley.model_group": deployment.model_name,
                "parley.deployment": deployment.name or deployment.model_name,
            },
        )

    def traceparent(self, span: Span) -> dict[str, str]:
        """Headers that make an upstream call a child of `span`."""
        carrier: dict[str, str] = {}
        self.propagator.inject(carrier, context=set_span_in_context(span))
        return carrier

    @staticmethod
    def end_attempt(span: Span, attempt: Any, usage: Mapping[str, Any] | None) -> None:
        if attempt.error is None:
            span.set_attribute("gen_ai.response.model", attempt.deployment.model)
            _set_usage(span, usage or {})
        else:
            error = attempt.error
            span.set_attribute(
                "error.type", "timeout" if error.timeout else str(error.status or "connection_error")
            )
            span.set_status(Status(StatusCode.ERROR))
        span.end()

    def finish_request(
        self,
        span: Span,
        record: Mapping[str, Any],
        deployment: Any,
        prompt: Any,
        output: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """`prompt` and `output` (the turn's steps) are only passed, and only recorded, with log_prompts."""
        span.update_name(f"{OPERATION} {record['model']}")
        span.set_attribute("gen_ai.request.model", record["model"])
        span.set_attribute("parley.model_group", record["model_group"])
        span.set_attribute("parley.status", record["status"] or "unknown")
        span.set_attribute("parley.attempts", record["attempts"])
        if deployment is not None:
            span.set_attribute(
                "gen_ai.provider.name", PROVIDER_NAMES.get(deployment.provider, deployment.provider)
            )
            span.set_attribute("gen_ai.response.model", deployment.model)
            span.set_attribute("parley.deployment", record["deployment"] or "")
        tokens = record["tokens"]
        span.set_attribute("gen_ai.usage.input_tokens", tokens["input"])
        span.set_attribute("gen_ai.usage.output_tokens", tokens["output"])
        if self.log_prompts and prompt is not None:
            span.set_attribute("gen_ai.input.messages", orjson.dumps(prompt).decode())
        if self.log_prompts and output:
            messages = output_messages(output, record["status"])
            span.set_attribute("gen_ai.output.messages", orjson.dumps(messages).decode())
        if record["status"] == "failed":
            span.set_status(Status(StatusCode.ERROR))

    def shutdown(self) -> None:
        self.provider.shutdown()


# An interaction's status -> the conventions' finish_reason (others pass through as they are).
FINISH_REASONS = {"completed": "stop", "requires_action": "tool_call", "failed": "error"}


def output_messages(steps: Sequence[Mapping[str, Any]], status: str | None) -> list[dict[str, Any]]:
    """A turn's output steps as GenAI `gen_ai.output.messages`: one assistant message whose parts
    keep the steps' order. Media parts say what they are, never carry their bytes."""
    parts: list[dict[str, Any]] = []
    for step in steps:
        kind = step.get("type")
        if kind == "model_output":
            for block in step.get("content") or []:
                if block.get("type") == "text":
                    parts.append({"type": "text", "content": block.get("text", "")})
                else:
                    parts.append({k: v for k, v in block.items() if k in ("type", "mime_type", "uri")})
        elif kind == "thought":
            text = "".join(s.get("text", "") for s in step.get("summary") or [] if s.get("type") == "text")
            parts.append({"type": "reasoning", "content": text})
        elif kind == "function_call":
            parts.append(
                {
                    "type": "tool_call",
                    "id": step.get("id"),
                    "name": step.get("name"),
                    "arguments": step.get("arguments", {}),
                }
            )
        elif kind:
            parts.append({"type": kind})
    reason = FINISH_REASONS.get(status or "", status or "error")
    return [{"role": "assistant", "parts": parts, "finish_reason": reason}]


def _set_usage(span: Span, usage: Mapping[str, Any]) -> None:
    for attribute, names in (
        ("gen_ai.usage.input_tokens", ("total_input_tokens", "input_tokens")),
        ("gen_ai.usage.output_tokens", ("total_output_tokens", "output_tokens")),
    ):
        for name in names:
            value = usage.get(name)
            if isinstance(value, int | float):
                span.set_attribute(attribute, int(value))
                break


__all__ = ["Tracing", "enabled", "output_messages"]
