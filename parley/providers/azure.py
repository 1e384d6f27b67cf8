"""Azure OpenAI: Chat Completions on a named deployment. The translation is the chat adapter's;
only the URL (deployment path + dated `api-version`) and the `api-key` header differ, plus what
OpenAI's own models need (`max_completion_tokens`, no reasoning replay). Azure's error bodies and
its Retry-After / retry-after-ms headers are what parley.transport already reads."""

from __future__ import annotations

from parley.errors import ApiError
from parley.providers.base import Deployment
from parley.providers.openai_chat import ChatCompletionsAdapter

# The newest dated data-plane version, and the first that takes everything the chat translation
# sends (max_completion_tokens, reasoning_effort, json_schema, stream_options). Pin another with
# `api_version` per deployment.
DEFAULT_API_VERSION = "2025-04-01-preview"


class AzureAdapter(ChatCompletionsAdapter):
    name = "azure"

    def url(self, deployment: Deployment) -> str:
        if not deployment.api_base:
            raise ApiError(
                500,
                f"Azure deployment '{deployment.model_name}' needs an api_base "
                "(https://<resource>.openai.azure.com).",
            )
        return f"{deployment.api_base.rstrip('/')}/openai/deployments/{deployment.model}/chat/completions"

    def params(self, deployment: Deployment) -> dict[str, str]:
        return {"api-version": deployment.api_version or DEFAULT_API_VERSION}

    def headers(self, deployment: Deployment) -> dict[str, str]:
        return {"api-key": deployment.api_key} if deployment.api_key else {}

    def openai_hosted(self, deployment: Deployment) -> bool:
        return True  # Azure serves OpenAI's models
