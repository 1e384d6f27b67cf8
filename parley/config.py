"""config.yaml, compatible with LiteLLM's proxy config: `model_list` entries with `litellm_params`
(`model`, `api_key`, `api_base`, `api_version`, `timeout`, `rpm`, `tpm`, `weight` …), values of the
form `os.environ/VAR`, `router_settings`, `litellm_settings` and `general_settings.master_key`.

Bad config fails at start-up with a ConfigError that names the offending field."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from parley.providers import Deployment, split_model

DEFAULT_CONFIG = Path(__file__).with_name("default_config.yaml")


class ConfigError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LiteLLMParams(BaseModel):
    # Unknown litellm_params are kept (LiteLLM has many); the ones we use are typed.
    model_config = ConfigDict(extra="allow")
    model: str
    api_key: str | None = None
    api_base: str | None = None
    api_version: str | None = None
    timeout: float | None = Field(default=None, gt=0)
    stream_timeout: float | None = Field(default=None, gt=0)
    rpm: int | None = Field(default=None, gt=0)
    tpm: int | None = Field(default=None, gt=0)
    weight: float = Field(default=1.0, gt=0)
    max_retries: int | None = Field(default=None, ge=0)
    # USD per token, overriding the genai-prices table for this deployment (parley.spend).
    input_cost_per_token: float | None = Field(default=None, ge=0)
    output_cost_per_token: float | None = Field(default=None, ge=0)
    # bedrock/: AWS credentials and endpoint (else the AWS_* environment / botocore's chain).
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    aws_session_token: str | None = None
    aws_region_name: str | None = None
    aws_bedrock_runtime_endpoint: str | None = None
    # vertex_ai/: project, location (`global` too) and a service-account key (path or JSON text).
    vertex_project: str | None = None
    vertex_location: str | None = None
    vertex_credentials: str | None = None


class ModelEntry(BaseModel):
    model_config = ConfigDict(extra="allow")  # model_info and friends are accepted and ignored
    model_name: str = Field(min_length=1)
    litellm_params: LiteLLMParams


class RouterSettings(BaseModel):
    model_config = ConfigDict(extra="allow")
    routing_strategy: Literal["simple-shuffle", "least-busy", "latency-based-routing"] = "simple-shuffle"
    num_retries: int = Field(default=0, ge=0, le=10)
    retry_after: float = Field(default=0.0, ge=0)  # minimum seconds between retries
    timeout: float | None = Field(default=None, gt=0)
    fallbacks: list[dict[str, list[str]]] = Field(default_factory=list)
    allowed_fails: int = Field(default=3, ge=0)
    cooldown_time: float = Field(default=30.0, ge=0)
    # Shared router state and rate limits for several workers/instances (parley.shared_state).
    redis_url: str | None = None
    redis_host: str | None = None
    redis_port: int | None = Field(default=None, gt=0, lt=65536)
    redis_password: str | None = None


class GeneralSettings(BaseModel):
    model_config = ConfigDict(extra="allow")
    master_key: str | None = None
    api_keys: list[str] = Field(default_factory=list)  # further keys besides the master key
    database_url: str = "sqlite:///parley.db"
    max_request_body_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    rate_limit_rpm: int | None = Field(default=None, gt=0)  # per API key
    log_prompts: bool = False
    metrics_key: str | None = None  # a key for /metrics only (scrapers), besides the master key
    otel_endpoint: str | None = None  # OTLP/HTTP collector for traces (parley.tracing)
    validate_responses: bool = False  # response validation against the spec (on in tests)
    # Browser origins allowed to call the API (CORS); ["*"] for any. Default: none.
    allowed_origins: list[str] = Field(default_factory=list)

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not origin.startswith(("http://", "https://")):
                raise ValueError(f"{origin!r} is not an origin like https://app.example.com (or '*')")
            if origin.endswith("/"):
                raise ValueError(f"{origin!r}: an origin has no path, not even '/'")
        return value

    # Slow clients (parley.slow_clients): seconds to send the headers, then the whole body.
    client_header_timeout: float = Field(default=10.0, gt=0)
    client_body_timeout: float = Field(default=60.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _db_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value


class Settings(BaseModel):
    model_config = ConfigDict(extra="allow")
    model_list: list[ModelEntry] = Field(min_length=1)
    router_settings: RouterSettings = Field(default_factory=RouterSettings)
    litellm_settings: dict[str, Any] = Field(default_factory=dict)
    general_settings: GeneralSettings = Field(default_factory=GeneralSettings)

    @property
    def keys(self) -> list[str]:
        keys = list(self.general_settings.api_keys)
        if self.general_settings.master_key:
            keys.insert(0, self.general_settings.master_key)
        return keys

    def deployments(self) -> list[Deployment]:
        out = []
        seen: dict[str, int] = {}
        for entry in self.model_list:
            p = entry.litellm_params
            index = seen[entry.model_name] = seen.get(entry.model_name, -1) + 1
            info = getattr(entry, "model_info", None) or (entry.model_extra or {}).get("model_info") or {}
            alias = info.get("id") if isinstance(info, dict) else getattr(info, "id", None)
            provider, model, default_base = split_model(p.model, p.api_base)
            known = {"model", "api_key", "api_base", "api_version", "timeout"}
            out.append(
                Deployment(
                    model_name=entry.model_name,
                    provider=provider,
                    model=model,
                    api_base=(p.api_base or default_base or None),
                    api_key=p.api_key,
                    api_version=p.api_version,
                    timeout=p.timeout or self.router_settings.timeout,
                    params={k: v for k, v in p.model_dump().items() if k not in known and v is not None},
                    name=str(alias) if alias else f"{entry.model_name}#{index}",
                )
            )
        return out


def _resolve_env(node: Any, path: str) -> Any:
    """Replace `os.environ/VAR` strings by the variable's value, naming the field if it is unset."""
    if isinstance(node, dict):
        return {k: _resolve_env(v, f"{path}.{k}" if path else str(k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_env(v, f"{path}[{i}]") for i, v in enumerate(node)]
    if isinstance(node, str) and node.startswith("os.environ/"):
        var = node.removeprefix("os.environ/")
        if var not in os.environ:
            raise ConfigError(f"{path}: environment variable {var} is not set")
        return os.environ[var]
    return node


def _field(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse(data: Any, source: str = "config") -> Settings:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    data = _resolve_env(data, "")
    # LiteLLM also accepts retries/fallbacks under litellm_settings; honour them there too.
    router = data.setdefault("router_settings", {}) or {}
    for key in ("num_retries", "fallbacks", "request_timeout"):
        if key in (data.get("litellm_settings") or {}) and key not in router:
            router["timeout" if key == "request_timeout" else key] = data["litellm_settings"][key]
    data["router_settings"] = router
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{source}: {_field(first['loc'])}: {first['msg']}") from None
    for i, entry in enumerate(settings.model_list):
        try:
            split_model(entry.litellm_params.model, entry.litellm_params.api_base)
        except ValueError as exc:
            raise ConfigError(f"{source}: model_list[{i}].litellm_params.model: {exc}") from None
    names = {e.model_name for e in settings.model_list}
    for rule in settings.router_settings.fallbacks:
        for group, targets in rule.items():
            for name in [group, *targets]:
                if name not in names:
                    raise ConfigError(f"{source}: router_settings.fallbacks: unknown model_name '{name}'")
    return settings


def load(path: str | Path | None = None) -> Settings:
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse(data, str(path))
