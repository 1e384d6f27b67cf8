"""Provider adapters, and the registry that maps a LiteLLM-style model prefix to one of them.

`PROVIDERS` is the one table of what LiteLLM users write before the `/` of `litellm_params.model`:
which adapter (dialect) speaks to it, its default api_base, and the environment variables that
supply its key, base URL and API version, by LiteLLM's names. The OpenAI-compatible long tail is
data here, not code: each row is the Chat Completions adapter with another URL and key.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass

from parley.providers.base import Adapter, Deployment, Outcome, Turn

__all__ = [
    "PROVIDERS",
    "Adapter",
    "Deployment",
    "Outcome",
    "Provider",
    "Turn",
    "adapter_for",
    "bare_provider",
    "resolve",
    "split_model",
]

# adapter key -> "module:Class"; imported on first use so that, e.g., llama.cpp loads only if needed.
_ADAPTERS = {
    "gemini": "parley.providers.gemini:GeminiAdapter",
    "openai": "parley.providers.openai_responses:OpenAIResponsesAdapter",
    "openai_chat": "parley.providers.openai_chat:ChatCompletionsAdapter",
    "anthropic": "parley.providers.anthropic:AnthropicAdapter",
    "azure": "parley.providers.azure:AzureAdapter",
    "azure_ai": "parley.providers.azure_ai:AzureAIAdapter",
    "bedrock": "parley.providers.bedrock:BedrockAdapter",
    "vertex_ai": "parley.providers.vertex_ai:VertexAIAdapter",
    "local": "parley.providers.local:LocalAdapter",
}
# Dialects that are not an adapter of their own name.
_DIALECTS = {"chat": "openai_chat", "responses": "openai"}


@dataclass(frozen=True)
class Provider:
    """One row of the registry."""

    prefix: str  # what precedes the first `/` of litellm_params.model
    dialect: str  # "chat" (Chat Completions), "responses" (OpenAI Responses) or a native adapter key
    api_base: str | None = None  # default; None: the adapter's own default, or required (see below)
    key_env: tuple[str, ...] = ()  # first one set wins; the first is the one error messages name
    base_env: tuple[str, ...] = ()  # `<PROVIDER>_API_BASE` overrides, as LiteLLM reads them
    version_env: tuple[str, ...] = ()
    key_required: bool = True  # local servers (vLLM, Ollama, LM Studio…) take no key
    base_required: bool = False  # no public endpoint: the deployment must say where the server is
    path: str = ""  # quirk: a suffix the api_base needs (Ollama serves OpenAI's API under /v1)

    @property
    def adapter(self) -> str:
        return _DIALECTS.get(self.dialect, self.dialect)

    def key(self, environ: Mapping[str, str]) -> str | None:
        return next((environ[v] for v in self.key_env if environ.get(v)), None)

    def base(self, configured: str | None, environ: Mapping[str, str]) -> str | None:
        base = configured or next((environ[v] for v in self.base_env if environ.get(v)), None)
        base = base or self.api_base
        if base and self.path and not base.rstrip("/").endswith(self.path):
            base = base.rstrip("/") + self.path
        return base

    def version(self, environ: Mapping[str, str]) -> str | None:
        return next((environ[v] for v in self.version_env if environ.get(v)), None)


def _chat(
    prefix: str,
    api_base: str | None,
    *keys: str,
    bases: tuple[str, ...] = (),
    key_required: bool = True,
    base_required: bool = False,
    path: str = "",
) -> Provider:
    """An OpenAI-compatible Chat Completions provider; by default `<PREFIX>_API_KEY` and
    `<PREFIX>_API_BASE`, as LiteLLM names them."""
    upper = prefix.upper()
    return Provider(
        prefix,
        "chat",
        api_base,
        key_env=keys or (f"{upper}_API_KEY",),
        base_env=bases or (f"{upper}_API_BASE",),
        key_required=key_required,
        base_required=base_required,
        path=path,
    )


PROVIDERS: dict[str, Provider] = {
    row.prefix: row
    for row in (
        # Native adapters.
        Provider(
            "gemini", "gemini", key_env=("GEMINI_API_KEY", "GOOGLE_API_KEY"), base_env=("GEMINI_API_BASE",)
        ),
        Provider(
            "openai",
            "responses",
            key_env=("OPENAI_API_KEY",),
            base_env=("OPENAI_API_BASE", "OPENAI_BASE_URL"),
        ),
        Provider(
            "anthropic",
            "anthropic",
            key_env=("ANTHROPIC_API_KEY",),
            base_env=("ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL"),
        ),
        Provider(
            "azure",
            "azure",
            key_env=("AZURE_API_KEY", "AZURE_OPENAI_API_KEY"),
            base_env=("AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT"),
            version_env=("AZURE_API_VERSION", "OPENAI_API_VERSION"),
            base_required=True,
        ),
        Provider(
            "azure_ai",
            "azure_ai",
            key_env=("AZURE_AI_API_KEY",),
            base_env=("AZURE_AI_API_BASE",),
            base_required=True,
        ),
        # AWS and Google credentials come from their SDKs' own chains (botocore, google-auth).
        Provider("bedrock", "bedrock", key_required=False),
        Provider("vertex_ai", "vertex_ai", key_required=False),
        Provider("local", "local", key_required=False),
        # OpenAI-compatible Chat Completions: hosted.
        _chat("groq", "https://api.groq.com/openai/v1"),
        _chat(
            "together_ai",
            "https://api.together.xyz/v1",
            "TOGETHER_API_KEY",
            "TOGETHER_AI_API_KEY",
            "TOGETHERAI_API_KEY",
        ),
        _chat(
            "fireworks_ai",
            "https://api.fireworks.ai/inference/v1",
            "FIREWORKS_API_KEY",
            "FIREWORKS_AI_API_KEY",
            "FIREWORKSAI_API_KEY",
            bases=("FIREWORKS_API_BASE", "FIREWORKS_AI_API_BASE"),
        ),
        _chat("deepseek", "https://api.deepseek.com/beta"),
        _chat("mistral", "https://api.mistral.ai/v1"),
        _chat("openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "OR_API_KEY"),
        _chat("xai", "https://api.x.ai/v1"),
        _chat(
            "perplexity",
            "https://api.perplexity.ai",
            "PERPLEXITYAI_API_KEY",
            "PERPLEXITY_API_KEY",
            bases=("PERPLEXITY_API_BASE", "PERPLEXITYAI_API_BASE"),
        ),
        _chat("cerebras", "https://api.cerebras.ai/v1"),
        _chat("deepinfra", "https://api.deepinfra.com/v1/openai"),
        _chat("nvidia_nim", "https://integrate.api.nvidia.com/v1"),
        _chat("github", "https://models.inference.ai.azure.com"),
        _chat("sambanova", "https://api.sambanova.ai/v1"),
        _chat("novita", "https://api.novita.ai/v3/openai"),
        _chat("nebius", "https://api.studio.nebius.ai/v1"),
        _chat("hyperbolic", "https://api.hyperbolic.xyz/v1"),
        _chat(
            "featherless_ai",
            "https://api.featherless.ai/v1",
            "FEATHERLESS_AI_API_KEY",
            "FEATHERLESS_API_KEY",
            bases=("FEATHERLESS_AI_API_BASE", "FEATHERLESS_API_BASE"),
        ),
        _chat(
            "friendliai",
            "https://api.friendli.ai/serverless/v1",
            "FRIENDLIAI_API_KEY",
            "FRIENDLI_TOKEN",
            bases=("FRIENDLIAI_API_BASE", "FRIENDLI_API_BASE"),
        ),
        _chat("dashscope", "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"),
        _chat("moonshot", "https://api.moonshot.ai/v1"),
        _chat("volcengine", "https://ark.cn-beijing.volces.com/api/v3", "VOLCENGINE_API_KEY", "ARK_API_KEY"),
        _chat(
            "huggingface",
            "https://router.huggingface.co/v1",
            "HF_TOKEN",
            "HUGGINGFACE_API_KEY",
            bases=("HUGGINGFACE_API_BASE", "HF_API_BASE"),
        ),
        # OpenAI-compatible Chat Completions: servers you run (no key needed).
        _chat("hosted_vllm", None, base_required=True, key_required=False),
        _chat(
            "vllm",
            None,
            bases=("VLLM_API_BASE", "HOSTED_VLLM_API_BASE"),
            base_required=True,
            key_required=False,
        ),
        _chat("openai_compatible", None, "OPENAI_API_KEY", base_required=True, key_required=False),
        _chat("lm_studio", "http://localhost:1234/v1", key_required=False),
        _chat("ollama", "http://localhost:11434", path="/v1", key_required=False),
        _chat(
            "ollama_chat",
            "http://localhost:11434",
            bases=("OLLAMA_API_BASE",),
            path="/v1",
            key_required=False,
        ),
        _chat("llamafile", "http://127.0.0.1:8080/v1", key_required=False),
    )
}

# Names LiteLLM routes without a prefix (OpenAI's and Anthropic's model families; Gemini's, which
# the google-genai SDK sends bare).
_BARE = (
    ("gpt-", "openai"),
    ("chatgpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("claude-", "anthropic"),
    ("gemini-", "gemini"),
)


def bare_provider(model: str) -> str | None:
    """The provider of a model name sent without a prefix, if it is one LiteLLM infers."""
    return next((provider for start, provider in _BARE if model.startswith(start)), None)


def split_model(model: str, api_base: str | None = None) -> tuple[str, str, str | None]:
    """`litellm_params.model` -> (adapter key, upstream model id, default api_base)."""
    row, name = resolve(model, api_base)
    return row.adapter, name, row.api_base


def resolve(model: str, api_base: str | None = None) -> tuple[Provider, str]:
    """`litellm_params.model` -> (registry row, upstream model id), or ValueError saying why.

    `openai/X` speaks the Responses API to OpenAI itself, and Chat Completions when a configured
    `api_base` points it at an OpenAI-compatible server (as LiteLLM does); `openai/responses/X` and
    `openai/chat/X` force one or the other. Bare OpenAI, Anthropic and Gemini names are inferred."""
    prefix, sep, rest = model.partition("/")
    if not sep or not rest:
        inferred = bare_provider(model)
        if inferred is None:
            raise ValueError(
                f"model '{model}' needs a provider prefix such as gemini/, openai/, anthropic/ or local/"
            )
        prefix, rest = inferred, model
    if prefix == "openai":
        kind, sep2, name = rest.partition("/")
        if sep2 and kind in ("responses", "chat"):
            return (PROVIDERS["openai"] if kind == "responses" else _OPENAI_CHAT), name
        return (_OPENAI_CHAT if api_base else PROVIDERS["openai"]), rest
    if prefix == "bedrock":  # LiteLLM's `bedrock/converse/<id>` names the route Parley always takes
        rest = rest.removeprefix("converse/")
    row = PROVIDERS.get(prefix)
    if row is None:
        raise ValueError(
            f"unknown provider '{prefix}' in model '{model}' (known: {', '.join(sorted(PROVIDERS))})"
        )
    return row, rest


# `openai/chat/X`, and `openai/X` with a configured api_base: OpenAI's key, Chat Completions.
_OPENAI_CHAT = Provider(
    "openai",
    "chat",
    key_env=("OPENAI_API_KEY",),
    base_env=("OPENAI_API_BASE", "OPENAI_BASE_URL"),
    key_required=False,  # the configured server may take no key; OpenAI's is sent when set
)


_instances: dict[str, Adapter] = {}


def adapter_for(provider: str) -> Adapter:
    adapter = _instances.get(provider)
    if adapter is None:
        module, _, cls = _ADAPTERS[provider].partition(":")
        adapter = _instances[provider] = getattr(importlib.import_module(module), cls)()
    return adapter
