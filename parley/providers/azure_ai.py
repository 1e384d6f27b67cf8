"""Azure AI Foundry model inference (Mistral, Llama, DeepSeek, Phi … deployed in Foundry): the
OpenAI-compatible Chat Completions dialect, so the translation is the chat adapter's; only the
URL, the `api-version` query parameter and the `api-key` header differ, as in LiteLLM's
`azure_ai/` provider.

`api_base` (else `AZURE_AI_API_BASE`) is the endpoint: a Foundry resource
(`https://<resource>.services.ai.azure.com`, whose inference routes live under `/models`) or a
serverless endpoint (`https://<name>.<region>.models.ai.azure.com`); `/chat/completions` is
appended unless it is already there. The key is `api_key`, else `AZURE_AI_API_KEY`.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from parley.errors import ApiError
from parley.providers.base import Deployment
from parley.providers.openai_chat import ChatCompletionsAdapter

# The model-inference API's version (Foundry answers 400 without one); pin another with `api_version`.
DEFAULT_API_VERSION = "2024-05-01-preview"


class AzureAIAdapter(ChatCompletionsAdapter):
    name = "azure_ai"

    def url(self, deployment: Deployment) -> str:
        base = deployment.api_base or os.environ.get("AZURE_AI_API_BASE")
        if not base:
            raise ApiError(
                500,
                f"Azure AI deployment '{deployment.model_name}' needs an api_base (or AZURE_AI_API_BASE), "
                "e.g. https://<resource>.services.ai.azure.com.",
            )
        root = base.rstrip("/")
        if root.endswith("/chat/completions"):
            return root
        host = urlsplit(root).hostname or ""
        if host.endswith(".services.ai.azure.com") and not root.endswith("/models"):
            root += "/models"
        return f"{root}/chat/completions"

    def params(self, deployment: Deployment) -> dict[str, str]:
        return {"api-version": deployment.api_version or DEFAULT_API_VERSION}

    def headers(self, deployment: Deployment) -> dict[str, str]:
        key = deployment.api_key or os.environ.get("AZURE_AI_API_KEY")
        return {"api-key": key} if key else {}

    def openai_hosted(self, deployment: Deployment) -> bool:
        return False  # Foundry's catalogue models take `max_tokens` and replay reasoning
