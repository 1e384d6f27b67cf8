"""OpenAI-compatible Chat Completions: vLLM, Ollama, Groq, Together, DeepSeek, Mistral… and
`openai/X` with an api_base. Interactions steps become chat messages and the answer (JSON or
SSE chunks) becomes steps again. AzureAdapter reuses all of it with its own URL and auth."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson

from parley import wire
from parley.errors import UpstreamError, unsupported
from parley.events import STEP_DELTA, STEP_START, STEP_STOP, Delta, InteractionStatus, Step, Usage
from parley.providers.base import Deployment, HttpCodec, JsonObject, Outcome, StepEvent, StreamEnd, Turn
from parley.request import ToolChoice, output_format, tool_choice
from parley.transport import UpstreamRequest

OPENAI_BASE = "https://api.openai.com/v1"
# generation_config fields with a same-meaning Chat parameter.
SAME = {
    "temperature": "temperature",
    "top_p": "top_p",
    "seed": "seed",
    "stop_sequences": "stop",
    "thinking_level": "reasoning_effort",  # minimal|low|medium|high|xhigh are all reasoning_effort values
}
# tool_choice modes. `validated` (calls checked against the declared schema) is Chat's `auto` with
# strict function schemas, which is how Chat enforces them.
TOOL_MODES = {"auto": "auto", "any": "required", "none": "none", "validated": "auto"}
INCOMPLETE = {"length", "content_filter"}  # finish reasons that cut the answer short
DETAIL = {"low": "low", "medium": "auto", "high": "high", "ultra_high": "high"}
AUDIO_FORMATS = {"audio/wav": "wav", "audio/mp3": "mp3", "audio/mpeg": "mp3"}
# generation_config keys Chat honours (tool_choice goes with the tools, thinking_summaries filters
# the answer); any other key set is a 400.
CONFIG_KEYS = frozenset({*SAME, "max_output_tokens", "tool_choice", "thinking_summaries"})
SERVICE_TIERS = ("standard", "flex", "priority")


class ChatCompletionsAdapter(HttpCodec):
    name = "openai_chat"

    # --- where and how to call; AzureAdapter overrides these -------------------------------------

    def url(self, deployment: Deployment) -> str:
        return f"{(deployment.api_base or OPENAI_BASE).rstrip('/')}/chat/completions"

    def params(self, deployment: Deployment) -> dict[str, str]:
        return {}

    def headers(self, deployment: Deployment) -> dict[str, str]:
        return {"Authorization": f"Bearer {deployment.api_key}"} if deployment.api_key else {}

    def openai_hosted(self, deployment: Deployment) -> bool:
        """OpenAI's own models: they need `max_completion_tokens` (its reasoning models reject the
        `max_tokens` every compatible server takes) and take no reasoning back in messages."""
        return "api.openai.com" in self.url(deployment)

    # --- the codec ----------------------------------------------------------------------------------

    def request(self, turn: Turn, deployment: Deployment, *, stream: bool) -> UpstreamRequest:
        body = self.body(turn, deployment)
        if stream:
            body.update(stream=True, stream_options={"include_usage": True})
        return UpstreamRequest(
            "POST", self.url(deployment), self.headers(deployment), self.params(deployment), body
        )

    def outcome(self, answer: Any, turn: Turn) -> Outcome:
        return _outcome(answer, _summaries(turn))

    def decoder(self, turn: Turn) -> _StreamSteps:
        return _StreamSteps(_summaries(turn))

    # --- request translation --------------------------------------------------------------------

    def body(self, turn: Turn, deployment: Deployment) -> dict[str, Any]:
        turn = turn.within(deployment, config=CONFIG_KEYS, service_tiers=SERVICE_TIERS)
        request = turn.request
        body: dict[str, Any] = {
            "model": deployment.model,
            "messages": self.messages(turn, not self.openai_hosted(deployment)),
        }
        body.update(self.sampling(turn.generation_config, deployment))
        body.update(self.tools(turn.tools, tool_choice(request)))
        response_format = self.response_format(request)
        if response_format:
            body["response_format"] = response_format
        if request.get("service_tier") in ("flex", "priority"):  # `standard` is the default tier
            body["service_tier"] = request["service_tier"]
        return body

    def sampling(self, config: Mapping[str, Any], deployment: Deployment) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in config.items():
            if value is None or key not in SAME and key != "max_output_tokens":
                continue  # tool_choice goes with the tools; thinking_summaries filters the answer
            if key == "max_output_tokens":
                out["max_completion_tokens" if self.openai_hosted(deployment) else "max_tokens"] = value
            else:
                out[SAME[key]] = value
        return out

    def messages(self, turn: Turn, replay_reasoning: bool = True) -> list[JsonObject]:
        """History steps as chat messages: consecutive model-side steps make one assistant message,
        function results become `tool` messages answering their call ids."""
        messages: list[JsonObject] = (
            [{"role": "system", "content": turn.system_instruction}] if turn.system_instruction else []
        )
        # Reasoning is replayed only within the current turn (the tool-call loop): that is where
        # DeepSeek-style servers need it, and older turns' reasoning they ignore or reject.
        current = len(turn.history)  # no replay: every thought counts as an older turn's
        if replay_reasoning:
            current = max(
                (i for i, s in enumerate(turn.history) if s.get("type") == "user_input"), default=-1
            )
        assistant: JsonObject | None = None
        reasoning: list[str] = []
        for i, step in enumerate(turn.history):
            kind = step.get("type")
            if kind == "thought":
                if i > current:
                    reasoning += [b["text"] for b in step.get("summary") or [] if b.get("type") == "text"]
                continue
            if kind not in ("model_output", "function_call"):
                assistant, reasoning = None, []
            if kind == "user_input":
                messages.append({"role": "user", "content": self._user_content(step.get("content") or [])})
            elif kind == "function_result":
                messages.append(
                    {"role": "tool", "tool_call_id": step["call_id"], "content": self._result(step)}
                )
            elif kind in ("model_output", "function_call"):
                if assistant is None:
                    assistant = {"role": "assistant", "content": None}
                    messages.append(assistant)
                if reasoning:
                    assistant["reasoning_content"] = assistant.get("reasoning_content", "") + "".join(
                        reasoning
                    )
                    reasoning = []
                self._add_to_assistant(assistant, step)
            else:
                raise unsupported(self.name, f"'{kind}' steps in the conversation")
        return messages

    def _add_to_assistant(self, assistant: JsonObject, step: Step) -> None:
        if step["type"] == "function_call":
            arguments = orjson.dumps(step.get("arguments") or {}).decode()
            call = {
                "id": step["id"],
                "type": "function",
                "function": {"name": step["name"], "arguments": arguments},
            }
            assistant.setdefault("tool_calls", []).append(call)
            return
        for block in step.get("content") or []:
            if block.get("type") != "text":
                raise unsupported(self.name, f"{block.get('type')} content in model turns")
            assistant["content"] = (assistant["content"] or "") + block["text"]

    def _user_content(self, blocks: list[JsonObject]) -> str | list[JsonObject]:
        if len(blocks) == 1 and blocks[0].get("type") == "text":
            return str(blocks[0]["text"])  # the plain-string form every compatible server takes
        return [self._part(block) for block in blocks]

    def _part(self, block: JsonObject) -> JsonObject:
        kind, mime, data = block.get("type"), block.get("mime_type"), block.get("data")
        if kind == "text":
            return {"type": "text", "text": block["text"]}
        if kind == "image":
            url = f"data:{mime or 'image/png'};base64,{data}" if data else block.get("uri")
            image: JsonObject = {"url": url}
            if block.get("resolution"):
                image["detail"] = DETAIL[block["resolution"]]
            return {"type": "image_url", "image_url": image}
        if kind == "audio" and data and mime in AUDIO_FORMATS:
            return {"type": "input_audio", "input_audio": {"data": data, "format": AUDIO_FORMATS[mime]}}
        if kind == "document" and data and mime == "application/pdf":
            return {
                "type": "file",
                "file": {"filename": "document.pdf", "file_data": f"data:{mime};base64,{data}"},
            }
        raise unsupported(
            self.name,
            f"{kind} input ({mime or 'uri'}); it takes text, images, wav/mp3 audio data and PDF data",
        )

    def _result(self, step: Step) -> str:
        """A function result as tool-message text (Chat tool messages carry text only)."""
        result = step.get("result")
        if isinstance(result, list):
            kinds = {b.get("type") for b in result} - {"text"}
            if kinds:
                raise unsupported(
                    self.name, f"{', '.join(sorted(map(str, kinds)))} content in function results"
                )
            result = "\n".join(b["text"] for b in result)
        if step.get("is_error"):
            result = {"error": result}  # Chat has no error flag on tool messages: say it in the content
        return result if isinstance(result, str) else orjson.dumps(result).decode()

    def tools(self, tools: list[JsonObject], choice: ToolChoice) -> JsonObject:
        for tool in tools:
            if tool.get("type") != "function":
                raise unsupported(self.name, f"'{tool.get('type')}' tools")
        # Chat's own `allowed_tools` choice is OpenAI-only; offering just the allowed tools means
        # the same to every compatible server.
        offered = choice.offered(t["name"] for t in tools)
        tools = [t for t in tools if t["name"] in offered]
        if not tools:
            return {}
        mode = choice.mode or "auto"
        out: dict[str, Any] = {"tools": [_function(t, strict=mode == "validated") for t in tools]}
        if choice.mode is not None:
            out["tool_choice"] = TOOL_MODES[mode]
            if mode == "any" and len(tools) == 1:  # the named form, which older servers also take
                out["tool_choice"] = {"type": "function", "function": {"name": tools[0]["name"]}}
        return out

    def response_format(self, request: Mapping[str, Any]) -> dict[str, Any] | None:
        wanted = output_format(self.name, request)
        if wanted.schema is not None:
            # strict=False: Gemini-style schemas leave properties optional, which OpenAI's strict mode
            # rejects; vLLM, Ollama and Groq constrain decoding to the schema either way.
            name = re.sub(r"[^a-zA-Z0-9_-]", "_", str(wanted.schema.get("title") or "response"))[:64]
            schema = dict(wanted.schema)
            return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": False}}
        return {"type": "json_object"} if wanted.json else None


def _function(tool: JsonObject, strict: bool) -> JsonObject:
    function: JsonObject = {"name": tool["name"]}
    for key in ("description", "parameters"):
        if tool.get(key) is not None:
            function[key] = tool[key]
    if strict:
        function["strict"] = True
    return {"type": "function", "function": function}


# --- answer translation ---------------------------------------------------------------------------


def _summaries(turn: Turn) -> bool:
    return turn.generation_config.get("thinking_summaries") != "none"


def _reasoning(message: JsonObject) -> str:
    """vLLM and DeepSeek call it `reasoning_content`; Ollama, Groq and newer vLLM `reasoning`."""
    value = message.get("reasoning_content") or message.get("reasoning")
    return value if isinstance(value, str) else ""


def _arguments(raw: Any) -> JsonObject:
    if isinstance(raw, dict):
        return raw
    try:
        value = orjson.loads(raw) if raw and raw.strip() else {}
    except orjson.JSONDecodeError:
        value = None
    # Keep what the model produced rather than dropping it, as wire.StepAccumulator does.
    return value if isinstance(value, dict) else {"_raw": raw}


def _status(finish: str | None, calls: bool) -> InteractionStatus:
    if finish in INCOMPLETE:
        return "incomplete"
    return "requires_action" if calls else "completed"


def _usage(usage: JsonObject | None) -> Usage:
    if not usage:
        return {}
    thought = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    prompt = usage.get("prompt_tokens") or 0
    output = max((usage.get("completion_tokens") or 0) - thought, 0)  # completion_tokens include reasoning
    return {
        "total_input_tokens": prompt,
        "total_output_tokens": output,
        "total_thought_tokens": thought,
        "total_cached_tokens": (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0,
        "total_tokens": usage.get("total_tokens") or prompt + output + thought,
    }


def _outcome(data: JsonObject, summaries: bool) -> Outcome:
    if not data.get("choices"):
        raise UpstreamError(502, "upstream answered without choices")
    choice = data["choices"][0]
    message = choice.get("message") or {}
    steps: list[Step] = []
    if summaries and (reasoning := _reasoning(message)):
        steps.append({"type": "thought", "summary": [{"type": "text", "text": reasoning}]})
    text = message.get("content") or message.get("refusal")
    if text:
        steps.append({"type": "model_output", "content": [{"type": "text", "text": text}]})
    calls: list[Step] = [
        {
            "type": "function_call",
            "id": c.get("id") or wire.new_id("call_"),
            "name": c["function"]["name"],
            "arguments": _arguments(c["function"].get("arguments")),
        }
        for c in message.get("tool_calls") or []
    ]
    status = _status(choice.get("finish_reason"), bool(calls))
    return Outcome(steps + calls, status=status, usage=_usage(data.get("usage")), upstream_id=data.get("id"))


class _StreamSteps:
    """Chat chunks -> step events. A thought or text step closes when the output switches kind;
    function calls stay open to the end, since parallel calls may interleave their fragments.

    `feed` appends each chunk's events straight to one list (no generators, no step-building
    helpers per delta): it runs for every chunk of every Chat stream."""

    def __init__(self, summaries: bool):
        self.summaries = summaries
        self.started = 0
        self.open_kind: str | None = None  # the open thought/text step's type ...
        self.open_index = 0  # ... and index
        self.calls: dict[int, int] = {}  # upstream tool_calls[].index -> step index
        self.finish: str | None = None
        self.usage: Usage = {}
        self.upstream_id: str | None = None

    def feed(self, chunk: JsonObject) -> list[StepEvent]:
        if chunk.get("error"):
            raise _stream_error(chunk["error"])
        self.upstream_id = chunk.get("id") or self.upstream_id  # Azure's filter chunk has an empty id
        if chunk.get("usage"):
            self.usage = _usage(chunk["usage"])
        out: list[StepEvent] = []
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta")
            if delta:
                if self.summaries and (reasoning := _reasoning(delta)):
                    summary = {"type": "text", "text": reasoning}
                    self._text(out, "thought", {"type": "thought_summary", "content": summary})
                text = (delta.get("content") or "") + (delta.get("refusal") or "")
                if text:
                    self._text(out, "model_output", {"type": "text", "text": text})
                calls = delta.get("tool_calls")
                if calls:
                    for call in calls:
                        self._call(out, call)
            if self.finish is None and choice.get("finish_reason"):
                # The answer is complete (a usage chunk may follow): close every open step.
                self.finish = choice["finish_reason"]
                self._close(out)
                for index in self.calls.values():
                    out.append({"event_type": STEP_STOP, "index": index})
        return out

    @property
    def done(self) -> bool:
        return False  # Chat ends with `[DONE]` (or the end of the body), after the usage chunk

    def end(self) -> StreamEnd:
        if self.finish is None:
            raise UpstreamError(502, "upstream stream ended without a finish_reason (truncated)")
        # upstream_id is kept by the engine for tracing; Chat is stateless.
        return StreamEnd(_status(self.finish, bool(self.calls)), self.usage, self.upstream_id)

    def _start(self, out: list[StepEvent], step: Step) -> int:
        index = self.started
        self.started += 1
        out.append({"event_type": STEP_START, "index": index, "step": step})
        return index

    def _close(self, out: list[StepEvent]) -> None:
        if self.open_kind is not None:
            out.append({"event_type": STEP_STOP, "index": self.open_index})
            self.open_kind = None

    def _text(self, out: list[StepEvent], kind: str, delta: Delta) -> None:
        if self.open_kind != kind:
            self._close(out)
            self.open_index = self._start(out, {"type": kind})
            self.open_kind = kind
        out.append({"event_type": STEP_DELTA, "index": self.open_index, "delta": delta})

    def _call(self, out: list[StepEvent], call: JsonObject) -> None:
        function = call.get("function") or {}
        index = self.calls.get(call.get("index", 0))
        if index is None:
            self._close(out)
            step: Step = {
                "type": "function_call",
                "id": call.get("id") or wire.new_id("call_"),
                "name": function.get("name") or "",
                "arguments": {},
            }
            index = self.calls[call.get("index", 0)] = self._start(out, step)
        if function.get("arguments"):
            out.append(
                {
                    "event_type": STEP_DELTA,
                    "index": index,
                    "delta": {"type": "arguments_delta", "arguments": function["arguments"]},
                }
            )


def _stream_error(error: Any) -> UpstreamError:
    """An `{"error": …}` chunk: the upstream failed after its 200 went out."""
    message = error.get("message") if isinstance(error, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    status = code if isinstance(code, int) and 400 <= code < 600 else 500
    return UpstreamError(status, f"upstream stream error: {message or error}")
