"""Provider adapters, chosen by the LiteLLM-style prefix of `litellm_params.model`."""

from __future__ import annotations

import importlib

from parley.providers.base import Adapter, Deployment, Outcome, Turn

__all__ = ["Adapter", "Deployment", "Outcome", "Turn", "adapter_for", "split_model"]

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

# LiteLLM prefixes for OpenAI-compatible Chat Completions servers, with their default api_base.
CHAT_COMPATIBLE = {
    "hosted_vllm": None,
    "vllm": None,
    "openai_compatible": None,
    "ollama_chat": "http://localhost:11434/v1",
    "ollama": "http://localhost:11434/v1",
    "groq": "https://api.groq.com/openai/v1",
    "together_ai": "https://api.together.xyz/v1",
    "deepseek": "https://api.deepseek.com/v1",
    "mistral": "https://api.mistral.ai/v1",
}


def split_model(model: str, api_base: str | None) -> tuple[str, str, str | None]:
    """`litellm_params.model` -> (adapter key, upstream model id, default api_base).

    `openai/X` speaks the Responses API to OpenAI itself, and Chat Completions when an `api_base`
    points it at an OpenAI-compatible server (as LiteLLM does); `openai/responses/X` and
    `openai/chat/X` force one or the other."""
    prefix, sep, rest = model.partition("/")
    if not sep:
        raise ValueError(
            f"model '{model}' needs a provider prefix such as openai/, anthropic/, gemini/ or local/"
        )
    if prefix == "openai":
        kind, sep2, name = rest.partition("/")
        if sep2 and kind == "responses":
            return "openai", name, None
        if sep2 and kind == "chat":
            return "openai_chat", name, None
        return ("openai_chat" if api_base else "openai"), rest, None
    if prefix == "bedrock":  # LiteLLM's `bedrock/converse/<id>` names the route Parley always takes
        return "bedrock", rest.removeprefix("converse/"), None
    if prefix in CHAT_COMPATIBLE:
        return "openai_chat", rest, CHAT_COMPATIBLE[prefix]
    if prefix in _ADAPTERS:
        return prefix, rest, None
    known = sorted(set(_ADAPTERS) | set(CHAT_COMPATIBLE))
    raise ValueError(f"unknown provider '{prefix}' in model '{model}' (known: {', '.join(known)})")


_instances: dict[str, Adapter] = {}


def adapter_for(provider: str) -> Adapter:
    adapter = _instances.get(provider)
    if adapter is None:
        module, _, cls = _ADAPTERS[provider].partition(":")
        adapter = _instances[provider] = getattr(importlib.import_module(module), cls)()
    return adapter
