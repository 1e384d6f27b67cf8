"""A fake AWS Bedrock Runtime: ``POST /model/{modelId}/converse`` (JSON) and
``/converse-stream`` (the binary AWS event-stream), checked by boto3's own ``bedrock-runtime``
client in the tests.

Like the real service it:

* verifies the SigV4 signature with botocore, given the secret of the access key (``KEYS``): the
  credential scope must be ``<date>/<region>/bedrock/aws4_request`` for the fake's region,
  ``X-Amz-Date`` within five minutes, and the signature over method, path, headers and body hash
  must match; otherwise 403 ``InvalidSignatureException`` (``UnrecognizedClientException`` for an
  unknown key id), as AWS answers;
* validates the body against botocore's own Converse input shape (the AWS service model), and
  answers a 400 ``ValidationException`` for what Bedrock rejects besides: ``toolUse`` /
  ``toolResult`` blocks without a ``toolConfig``, tool results that do not answer the previous
  assistant message's calls, reasoning blocks whose signature the fake did not issue;
* answers errors as restJson does: the status, ``x-amzn-ErrorType: <Exception>`` and
  ``{"message"}``.

Scripted by `Reply` (or `BedrockReply`): ``thought`` becomes a signed ``reasoningContent`` block,
``tool_call`` a ``toolUse`` block (id ``tooluse_<n>``), a stop sequence in the text cuts it there
(``stop_sequence``), ``status`` answers the matching exception, ``exception_after`` sends an
exception frame after that many events of a stream.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import secrets
import struct
from dataclasses import dataclass
from typing import Any

import orjson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ParamValidationError
from botocore.model import Shape
from botocore.session import get_session
from botocore.validate import ParamValidator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.anthropic import signature
from tests.fakes.script import Reply, Upstream, chunks

REGION = "us-east-1"
KEYS = {"AKIDFAKEBEDROCK": "fake-secret-key/for+tests"}  # access key id -> secret
EXCEPTIONS = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}
MODEL = get_session().get_service_model("bedrock-runtime")
CONVERSE = MODEL.operation_model("Converse").input_shape


@dataclass
class BedrockReply(Reply):
    stop_reason: str | None = None  # force one, e.g. "guardrail_intervened"
    exception_after: int | None = None  # streams: an exception frame after N events
    exception: str = "throttlingException"  # which one (the stream union's member name)
    cache_read: int = 0


def make_app(upstream: Upstream) -> Starlette:
    async def converse(request: Request) -> Response:
        raw = await request.body()
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return error(400, "SerializationException", "Unable to parse the request body.")
        headers = dict(request.headers)
        reply = await upstream.next(request.url.path, headers, dict(request.query_params), body)
        if problem := verify(request, raw):
            return problem
        if reply.status != 200:
            return error(
                reply.status,
                EXCEPTIONS.get(reply.status, "InternalServerException"),
                reply.error_message,
                reply.retry_after,
            )
        if problem_text := check(request.path_params["model"], body):
            return error(400, "ValidationException", problem_text)
        message, stop_reason, usage = answer(body, reply)
        if request.url.path.endswith("/converse-stream"):
            return StreamingResponse(
                frames(message, stop_reason, usage, reply),
                media_type="application/vnd.amazon.eventstream",
                headers={"x-amzn-requestid": secrets.token_hex(16)},
            )
        return Response(
            orjson.dumps(
                {
                    "output": {"message": message},
                    "stopReason": stop_reason,
                    "usage": usage,
                    "metrics": {"latencyMs": 12},
                }
            ),
            media_type="application/json",
            headers={"x-amzn-requestid": secrets.token_hex(16)},
        )

    return Starlette(
        routes=[
            Route("/model/{model}/converse", converse, methods=["POST"]),
            Route("/model/{model}/converse-stream", converse, methods=["POST"]),
        ]
    )


def error(status: int, name: str, message: str, retry_after: float | None = None) -> Response:
    headers = {"x-amzn-ErrorType": f"{name}:http://internal.amazon.com/coral/com.amazon.bedrock/"}
    if retry_after is not None:
        headers["retry-after"] = f"{retry_after:g}"
    return Response(
        orjson.dumps({"message": message}), status_code=status, media_type="application/json", headers=headers
    )


# --- SigV4 ----------------------------------------------------------------------------------------


def verify(request: Request, body: bytes) -> Response | None:
    """Recompute the request's SigV4 signature with botocore and the key's known secret."""
    auth = request.headers.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return error(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    fields = dict(item.strip().split("=", 1) for item in auth.removeprefix("AWS4-HMAC-SHA256 ").split(","))
    key_id, date, region, service, terminal = fields.get("Credential", "////").split("/", 4)
    if key_id not in KEYS:
        return error(
            403, "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    stamp = request.headers.get("x-amz-date", "")
    if (region, service, terminal) != (REGION, "bedrock", "aws4_request") or not stamp.startswith(date):
        return error(
            403,
            "InvalidSignatureException",
            f"Credential should be scoped to a valid region and service: {fields['Credential']}",
        )
    try:
        when = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        return error(403, "InvalidSignatureException", "X-Amz-Date is malformed.")
    if abs((datetime.datetime.now(datetime.UTC) - when).total_seconds()) > 300:
        return error(403, "InvalidSignatureException", "Signature expired.")
    signed = fields.get("SignedHeaders", "").split(";")
    if not {"host", "x-amz-date"} <= set(signed):
        return error(403, "InvalidSignatureException", "host and x-amz-date must be signed.")
    path = request.scope["raw_path"].decode()
    query = request.scope["query_string"].decode()
    url = f"http://{request.headers['host']}{path}" + (f"?{query}" if query else "")
    replay = AWSRequest(
        method=request.method, url=url, data=body, headers={h: request.headers.get(h, "") for h in signed}
    )
    replay.context["timestamp"] = stamp
    token = request.headers.get("x-amz-security-token")
    signer = SigV4Auth(Credentials(key_id, KEYS[key_id], token), service, region)
    expected = signer.signature(signer.string_to_sign(replay, signer.canonical_request(replay)), replay)
    if not secrets.compare_digest(expected, fields.get("Signature", "")):
        return error(
            403,
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        )
    return None


# --- request checks -------------------------------------------------------------------------------


def _typed(value: Any, shape: Shape) -> Any:
    """The JSON body as botocore-typed params: blobs are base64 on the wire, bytes in the model."""
    if (
        getattr(shape, "is_document_type", False)
        or shape.type_name == "structure"
        and shape.metadata.get("document")
    ):
        return value
    if shape.type_name == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            return value
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _typed(v, shape.members[k]) if k in shape.members else v for k, v in value.items()}
    if shape.type_name == "list" and isinstance(value, list):
        return [_typed(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _typed(v, shape.value) for k, v in value.items()}
    return value


def check(model: str, body: dict) -> str | None:
    """What Bedrock answers a ValidationException for."""
    report = ParamValidator().validate(_typed({"modelId": model, **body}, CONVERSE), CONVERSE)
    if report.has_errors():
        return str(ParamValidationError(report=report.generate_report()))
    msgs = body["messages"]
    uses_tools = any("toolUse" in b or "toolResult" in b for m in msgs for b in m["content"])
    if uses_tools and not body.get("toolConfig"):
        return "The toolConfig field must be defined when using toolUse and toolResult content blocks."
    for i, message in enumerate(msgs):
        if i and message["role"] == msgs[i - 1]["role"]:
            return "A conversation must alternate between user and assistant roles."
        for block in message["content"]:
            text = (block.get("reasoningContent") or {}).get("reasoningText")
            if text and text.get("signature") != signature(text.get("text", "")):
                return f"messages.{i}: invalid reasoning signature"
        if message["role"] == "assistant":
            calls = {b["toolUse"]["toolUseId"] for b in message["content"] if "toolUse" in b}
            following = msgs[i + 1]["content"] if i + 1 < len(msgs) else None
            results = {b["toolResult"]["toolUseId"] for b in following or [] if "toolResult" in b}
            if following is not None and calls != results:
                return "Expected toolResult blocks at messages.{}.content for Ids: {}".format(
                    i + 1, ", ".join(sorted(calls))
                )
    if msgs[0]["role"] != "user":
        return "A conversation must start with a user message."
    if fmt := (body.get("outputConfig") or {}).get("textFormat"):
        try:
            orjson.loads(fmt["structure"]["jsonSchema"]["schema"])
        except orjson.JSONDecodeError:
            return "outputConfig.textFormat.structure.jsonSchema.schema is not valid JSON."
    return None


# --- answers --------------------------------------------------------------------------------------


def answer(body: dict, reply: Reply) -> tuple[dict, str, dict]:
    """The assistant message the model 'wrote', its stopReason and usage."""
    content: list[dict] = []
    if reply.thought is not None:
        content.append(
            {
                "reasoningContent": {
                    "reasoningText": {"text": reply.thought, "signature": signature(reply.thought)}
                }
            }
        )
    text, stop_reason = reply.text, "end_turn"
    for stop in (body.get("inferenceConfig") or {}).get("stopSequences") or []:
        if stop in text:
            text, stop_reason = text[: text.index(stop)], "stop_sequence"
    if text:
        content.append({"text": text})
    if reply.tool_call:
        name, arguments = reply.tool_call
        content.append(
            {"toolUse": {"toolUseId": f"tooluse_{secrets.token_hex(6)}", "name": name, "input": arguments}}
        )
        stop_reason = "tool_use"
    stop_reason = getattr(reply, "stop_reason", None) or stop_reason
    inputs, outputs = reply.usage
    usage = {"inputTokens": inputs, "outputTokens": outputs, "totalTokens": inputs + outputs}
    if getattr(reply, "cache_read", 0):
        usage["cacheReadInputTokens"] = reply.cache_read  # type: ignore[attr-defined]
        usage["totalTokens"] += reply.cache_read  # type: ignore[attr-defined]
    return {"role": "assistant", "content": content}, stop_reason, usage


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event-stream message: prelude (lengths + CRC), string headers, payload, CRC."""
    encoded = b"".join(
        struct.pack("!B", len(name))
        + name.encode()
        + struct.pack("!BH", 7, len(value.encode()))
        + value.encode()
        for name, value in headers.items()
    )
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack("!II", total, len(encoded))
    prelude += struct.pack("!I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + encoded + payload
    return message + struct.pack("!I", binascii.crc32(message) & 0xFFFFFFFF)


def event(kind: str, data: dict) -> bytes:
    # Bedrock pads each event's JSON with a "p" field so sizes do not leak the content.
    payload = orjson.dumps({**data, "p": "abcdefghijklmnopqrstuvwxyzABCDEF"[: 1 + len(kind)]})
    return frame(
        {":event-type": kind, ":content-type": "application/json", ":message-type": "event"}, payload
    )


def events(message: dict, stop_reason: str, usage: dict, reply: Reply) -> list[bytes]:
    out = [event("messageStart", {"role": "assistant"})]
    for index, block in enumerate(message["content"]):
        if "reasoningContent" in block:
            reasoning = block["reasoningContent"]["reasoningText"]
            for piece in chunks(reasoning["text"], reply.chunk_size):
                out.append(
                    event(
                        "contentBlockDelta",
                        {"contentBlockIndex": index, "delta": {"reasoningContent": {"text": piece}}},
                    )
                )
            delta = {"reasoningContent": {"signature": reasoning["signature"]}}
            out.append(event("contentBlockDelta", {"contentBlockIndex": index, "delta": delta}))
        elif "text" in block:
            for piece in chunks(block["text"], reply.chunk_size):
                out.append(event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": piece}}))
        else:
            use = block["toolUse"]
            start = {"toolUse": {"toolUseId": use["toolUseId"], "name": use["name"]}}
            out.append(event("contentBlockStart", {"contentBlockIndex": index, "start": start}))
            for piece in chunks(orjson.dumps(use["input"]).decode(), reply.chunk_size):
                out.append(
                    event(
                        "contentBlockDelta",
                        {"contentBlockIndex": index, "delta": {"toolUse": {"input": piece}}},
                    )
                )
        out.append(event("contentBlockStop", {"contentBlockIndex": index}))
    out.append(event("messageStop", {"stopReason": stop_reason}))
    out.append(event("metadata", {"usage": usage, "metrics": {"latencyMs": 12}}))
    return out


async def frames(message: dict, stop_reason: str, usage: dict, reply: Reply):
    for n, data in enumerate(events(message, stop_reason, usage, reply)):
        after = getattr(reply, "exception_after", None)
        if after is not None and n == after:
            name = reply.exception  # type: ignore[attr-defined]
            headers = {
                ":exception-type": name,
                ":content-type": "application/json",
                ":message-type": "exception",
            }
            yield frame(headers, orjson.dumps({"message": reply.error_message}))
            return
        if reply.cut_after is not None and n == reply.cut_after:
            raise ConnectionError("fake upstream dropped the connection")
        yield data
