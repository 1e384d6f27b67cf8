"""config.yaml, compatible with LiteLLM's proxy config: `model_list` entries with `litellm_params`
(`model`, `api_key`, `api_base`, `api_version`, `timeout`, `rpm`, `tpm`, `weight` …), values of the
form `os.environ/VAR`, `router_settings`, `litellm_settings` and `general_settings.master_key`.

A setting is honoured or refused, never ignored: bad config fails at start-up with a ConfigError
that names the offending field; an unknown key fails naming the nearest valid one; a LiteLLM key
that Parley does not implement is a start-up warning (`Settings.warnings`) naming it.

Keys and base URLs left out of a deployment come from the environment, by LiteLLM's variable names
(`GEMINI_API_KEY`, `OPENAI_API_BASE`, … see parley.providers.PROVIDERS)."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StrictBool, ValidationError, field_validator

from parley import transport
from parley.providers import Deployment, resolve
from parley.request import drop_names

DEFAULT_CONFIG = Path(__file__).with_name("default_config.yaml")


class ConfigError(ValueError):
    pass


# -- every key a config may hold -------------------------------------------------------------------
@dataclass
class Keys:
    """The keys of one config section: those Parley honours, and LiteLLM's others, which start the
    gateway with a warning naming them. Any other key stops start-up. A field of the section's
    pydantic model (GeneralSettings…) is honoured without being listed here; a key read from
    elsewhere (an adapter's litellm_params) is listed in `honoured`."""

    honoured: set[str]
    litellm_only: set[str] = field(default_factory=set)

    def known(self) -> set[str]:
        return self.honoured | self.litellm_only


KEYS: dict[str, Keys] = {
    "": Keys(
        {"model_list", "router_settings", "litellm_settings", "general_settings"},
        {
            "environment_variables",
            "include",
            "callback_settings",
            "guardrails",
            "credential_list",
            "mcp_servers",
            "vector_store_registry",
            "search_tools",
            "prompts",
            "files_settings",
            "finetune_settings",
            "assistant_settings",
        },
    ),
    "model_list[]": Keys({"model_name", "litellm_params", "model_info"}),
    "litellm_params": Keys(
        {
            "model",
            "api_key",
            "api_base",
            "api_version",
            "timeout",
            "rpm",
            "tpm",
            "weight",
            "input_cost_per_token",  # parley.spend
            "output_cost_per_token",
            "max_tokens",  # every provider: the default generation_config.max_output_tokens
            "supports_reasoning",  # openai responses
            "vertex_project",  # vertex_ai
            "vertex_location",
            "vertex_credentials",
            "aws_access_key_id",  # bedrock
            "aws_secret_access_key",
            "aws_session_token",
            "aws_region_name",
            "aws_bedrock_runtime_endpoint",
            "model_path",  # local: a GGUF file
            "n_ctx",
            "n_threads",
        },
        {
            "max_retries",
            "organization",
            "custom_llm_provider",
            "region_name",
            "aws_profile_name",
            "aws_role_name",
            "aws_session_name",
            "aws_web_identity_token",
            "azure_ad_token",
            "tenant_id",
            "client_id",
            "client_secret",
            "input_cost_per_second",
            "output_cost_per_second",
            "merge_reasoning_content_in_choices",
            "use_in_pass_through",
            "use_litellm_proxy",
            "tags",
            "order",
            "max_budget",
            "budget_duration",
            "litellm_credential_name",
            "configurable_clientside_auth_params",
            "extra_headers",
            "headers",
            "temperature",
            "top_p",
            "max_completion_tokens",
            "stop",
            "seed",
            "frequency_penalty",
            "presence_penalty",
            "response_format",
            "tool_choice",
            "reasoning_effort",
            "thinking",
            "mock_response",
            "cache_control_injection_points",
        },
    ),
    "router_settings": Keys(
        {
            "routing_strategy",
            "num_retries",
            "retry_after",
            "timeout",
            "fallbacks",
            "context_window_fallbacks",
            "allowed_fails",
            "cooldown_time",
        },
        {
            "model_group_alias",
            "default_litellm_params",
            "enable_pre_call_checks",
            "routing_strategy_args",
            "cache_responses",
            "cache_kwargs",
            "default_fallbacks",
            "content_policy_fallbacks",
            "retry_policy",
            "allowed_fails_policy",
            "disable_cooldowns",
            "provider_budget_config",
            "model_group_retry_policy",
            "enable_tag_filtering",
            "max_fallbacks",
            "optional_pre_call_checks",
            "set_verbose",
            "debug_level",
            "polling_interval",
            "client_ttl",
        },
    ),
    "litellm_settings": Keys(
        {
            "num_retries",
            "request_timeout",
            "fallbacks",
            "context_window_fallbacks",
            "success_callback",
            "failure_callback",
            "drop_params",
            "callbacks",  # ["otel"]: parley.tracing
        },
        {
            "service_callback",
            "cache",
            "cache_params",
            "set_verbose",
            "json_logs",
            "turn_off_message_logging",
            "redact_user_api_key_info",
            "default_team_settings",
            "max_budget",
            "budget_duration",
            "modify_params",
            "default_fallbacks",
            "content_policy_fallbacks",
            "telemetry",
            "enable_preview_features",
            "return_response_headers",
            "disable_end_user_cost_tracking",
            "max_internal_user_budget",
            "upperbound_key_generate_params",
            "default_internal_user_params",
            "default_key_generate_params",
            "key_generation_settings",
            "force_ipv4",
            "ssl_verify",
            "allowed_fails",
            "public_model_groups",
            "enable_json_schema_validation",
            "global_disable_no_log_param",
            "max_end_user_budget",
        },
    ),
    "general_settings": Keys(
        {
            "master_key",
            "api_keys",
            "database_url",
            "max_request_body_bytes",
            "rate_limit_rpm",
            "log_prompts",
            "validate_responses",
            "callbacks",  # parley.observability: "module:function" per request
        },
        {
            "alerting",
            "alerting_threshold",
            "alert_types",
            "alert_to_webhook_url",
            "database_connection_pool_limit",
            "database_connection_timeout",
            "disable_spend_logs",
            "disable_master_key_return",
            "enforce_user_param",
            "store_model_in_db",
            "store_prompts_in_spend_logs",
            "proxy_batch_write_at",
            "ui_access_mode",
            "allowed_routes",
            "admin_only_routes",
            "public_routes",
            "custom_auth",
            "custom_key_generate",
            "pass_through_endpoints",
            "background_health_checks",
            "health_check_interval",
            "health_check_details",
            "max_parallel_requests",
            "global_max_parallel_requests",
            "infer_model_from_keys",
            "disable_reset_budget",
            "use_redis_transaction_buffer",
            "maximum_spend_logs_retention_period",
            "forward_client_headers_to_llm_api",
            "user_header_name",
            "litellm_key_header_name",
            "key_management_system",
            "key_management_settings",
            "use_azure_key_vault",
            "use_google_kms",
            "database_type",
            "otel",
            "enable_jwt_auth",
            "litellm_jwtauth",
            "enforced_params",
        },
    ),
}


def _check_keys(node: Any, section: str, where: str, warnings: list[str]) -> None:
    if not isinstance(node, Mapping):
        return  # the schema below says what is wrong with it
    keys = KEYS[section]
    model = _MODELS.get(section)
    honoured = keys.honoured | (set(model.model_fields) if model else set())
    for key in node:
        path = f"{where}.{key}" if where else str(key)
        if key in honoured:
            continue
        if key in keys.litellm_only:
            warnings.append(f"{path}: a LiteLLM setting that Parley does not implement; it has no effect")
        else:
            close = difflib.get_close_matches(str(key), sorted(keys.known() | honoured), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else f" (valid keys: {', '.join(sorted(honoured))})"
            raise ConfigError(f"{path}: unknown key{hint}")


def check_keys(data: Mapping[str, Any], source: str) -> list[str]:
    """Refuse unknown keys (naming the nearest valid one); return warnings for LiteLLM keys that
    Parley does not implement."""
    warnings: list[str] = []
    try:
        _check_keys(data, "", "", warnings)
        for section in ("router_settings", "litellm_settings", "general_settings"):
            _check_keys(data.get(section), section, section, warnings)
        entries = data.get("model_list")
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            _check_keys(entry, "model_list[]", f"model_list[{i}]", warnings)
            if isinstance(entry, Mapping):
                _check_keys(
                    entry.get("litellm_params"), "litellm_params", f"model_list[{i}].litellm_params", warnings
                )
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return warnings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LiteLLMParams(BaseModel):
    # Keys are vetted by check_keys (KEYS); the rest reach adapters as Deployment.params.
    model_config = ConfigDict(extra="allow")
    model: str
    api_key: str | None = None
    api_base: str | None = None
    api_version: str | None = None
    timeout: float | None = Field(default=None, gt=0)  # seconds for a whole answer (default 600)
    # Seconds to a stream's first event and between two events (default 60); `timeout` still
    # bounds the whole stream.
    stream_timeout: float | None = Field(default=None, gt=0)
    rpm: int | None = Field(default=None, gt=0)
    tpm: int | None = Field(default=None, gt=0)
    weight: float = Field(default=1.0, gt=0)
    # Attempts in flight on this deployment at once (per process), and its own connection pool's
    # size: a deployment at its limit is skipped like a busy one (parley.router).
    max_parallel_requests: int | None = Field(default=None, gt=0)
    # USD per token, overriding the genai-prices table for this deployment (parley.spend).
    input_cost_per_token: float | None = Field(default=None, ge=0)
    output_cost_per_token: float | None = Field(default=None, ge=0)
    # The output cap of a request that sets none (generation_config.max_output_tokens), as LiteLLM
    # sends a deployment's max_tokens with each call; the request's own cap wins.
    max_tokens: int | None = Field(default=None, gt=0)
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
    # True: drop what the provider cannot honour (reported), instead of a 400. None: litellm_settings'.
    drop_params: StrictBool | None = None
    # Request parameters never sent to this deployment (LiteLLM's names or Interactions fields;
    # parley.request.drop_names maps them), dropped and reported.
    additional_drop_params: list[str] | None = None


PRICE_KEYS = ("input_cost_per_token", "output_cost_per_token")


class ModelInfoPrices(BaseModel):
    """The prices a LiteLLM model_info may carry (LiteLLM registers them as the model's cost)."""

    input_cost_per_token: float | None = Field(default=None, ge=0)
    output_cost_per_token: float | None = Field(default=None, ge=0)


class ModelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model_name: str = Field(min_length=1)
    litellm_params: LiteLLMParams
    # Free-form, as in LiteLLM: `id` names the deployment; its prices are used when litellm_params
    # has none (ModelInfoPrices); the rest is description Parley has no use for.
    model_info: dict[str, Any] = Field(default_factory=dict)

    @field_validator("model_info")
    @classmethod
    def _prices(cls, value: dict[str, Any]) -> dict[str, Any]:
        ModelInfoPrices.model_validate({k: value[k] for k in PRICE_KEYS if k in value})
        return value


class RouterSettings(BaseModel):
    model_config = ConfigDict(extra="allow")
    routing_strategy: Literal["simple-shuffle", "least-busy", "latency-based-routing"] = "simple-shuffle"
    num_retries: int = Field(default=0, ge=0, le=10)
    retry_after: float = Field(default=0.0, ge=0)  # minimum seconds between retries
    timeout: float | None = Field(default=None, gt=0)
    stream_timeout: float | None = Field(default=None, gt=0)
    # How long a request waits for a free slot when every deployment of its group is at its
    # max_parallel_requests, before a 429.
    max_parallel_wait: float = Field(default=5.0, ge=0)
    fallbacks: list[dict[str, list[str]]] = Field(default_factory=list)
    # Where a request goes when the upstream says the conversation exceeds its context window.
    context_window_fallbacks: list[dict[str, list[str]]] = Field(default_factory=list)
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

    @field_validator("master_key", "metrics_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        # An empty key is a mistake, not a choice: taken as "no key", it would turn auth off.
        if value is not None and not value.strip():
            raise ValueError("is empty: set a key, or leave the setting out to run without one")
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys(cls, value: list[str]) -> list[str]:
        if any(not key.strip() for key in value):
            raise ValueError("holds an empty key")
        return value

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
    # A running interaction's lease: renewed by its process, failed as `interrupted` by any
    # instance once it has expired (the process died). SIGTERM lets runs finish for the grace.
    run_lease_seconds: float = Field(default=30.0, gt=0)
    drain_grace_seconds: float = Field(default=30.0, ge=0)
    # Interactions (background, or stored streams) one key may have running at once; beyond: 429.
    max_background_per_key: int = Field(default=100, gt=0)

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

    @property
    def warnings(self) -> list[str]:
        """What start-up should say: LiteLLM keys Parley does not implement, deployments without a key."""
        return list(self._warnings)

    _warnings: list[str] = PrivateAttr(default_factory=list)

    def deployments(self) -> list[Deployment]:
        """The deployments of entries naming one upstream model. An entry whose
        `litellm_params.model` is a wildcard (`*`, `gemini/*`) becomes a deployment per requested
        name, when a request arrives (Router)."""
        return [
            self.deployment(entry, entry.litellm_params.model, entry.model_name)
            for entry in self.model_list
            if not is_wildcard(entry.litellm_params.model)
        ]

    def _name(self, entry: ModelEntry, model_name: str) -> str:
        """How logs, metrics and x-parley-model-id name a deployment: model_info.id, else
        model_name#index in its group (a wildcard's deployments: the requested name's)."""
        if entry.model_info.get("id") is not None:
            return str(entry.model_info["id"])
        same = [e for e in self.model_list if e.model_name == entry.model_name]
        return f"{model_name}#{next(i for i, e in enumerate(same) if e is entry)}"

    def deployment(
        self, entry: ModelEntry, model: str, model_name: str, environ: Mapping[str, str] = os.environ
    ) -> Deployment:
        """The deployment of `entry` for the upstream `model` (its litellm_params.model, or what a
        wildcard there became). Keys and base URLs the entry leaves out come from `environ`.
        ValueError when the provider is unknown."""
        p = entry.litellm_params
        row, upstream = resolve(model, p.api_base)
        api_key = p.api_key or row.key(environ)
        api_base = row.base(p.api_base, environ)
        missing = None
        # A deployment that names its own server (a proxy, a self-hosted endpoint) may take no key.
        if row.key_required and row.key_env and not api_key and not p.api_base:
            missing = row.key_env[0]
        elif row.base_required and not api_base:
            missing = row.base_env[0] if row.base_env else "litellm_params.api_base"
        return Deployment(
            model_name=model_name,
            provider=row.adapter,
            model=upstream,
            api_base=api_base,
            api_key=api_key,
            api_version=p.api_version or row.version(environ),
            timeout=p.timeout or self.router_settings.timeout,
            stream_timeout=p.stream_timeout or self.router_settings.stream_timeout,
            params={
                **{k: entry.model_info[k] for k in PRICE_KEYS if entry.model_info.get(k) is not None},
                **{k: v for k, v in p.model_dump().items() if k not in _TYPED and v is not None},
            },
            name=self._name(entry, model_name),
            missing_env=missing,
            prefix=row.prefix,
            drop_params=bool(self.litellm_settings.get("drop_params"))
            if p.drop_params is None
            else p.drop_params,
            additional_drop=tuple(
                dict.fromkeys(
                    field for entry in p.additional_drop_params or () for field in drop_names(entry)
                )
            ),
        )


_TYPED = {
    "model",
    "api_key",
    "api_base",
    "api_version",
    "timeout",
    "stream_timeout",
    "drop_params",
    "additional_drop_params",
}
# Config sections whose pydantic fields are honoured keys (see Keys).
_MODELS: dict[str, type[BaseModel]] = {
    "": Settings,
    "model_list[]": ModelEntry,
    "litellm_params": LiteLLMParams,
    "router_settings": RouterSettings,
    "general_settings": GeneralSettings,
}


def is_wildcard(name: str) -> bool:
    return any(c in name for c in "*?[")


def pattern(name: str) -> re.Pattern[str]:
    """A wildcard model_name as a regex whose groups are what each `*` matched."""
    return re.compile(
        "".join("(.*)" if c == "*" else "." if c == "?" else re.escape(c) for c in name) + r"\Z"
    )


def fill(template: str, name_pattern: str, requested: str) -> str:
    """The upstream model a wildcard `litellm_params.model` becomes for a requested name, as in
    LiteLLM: `*` alone takes the whole name; otherwise each `*` takes what the model_name's `*`
    matched (`gemini/*` for `gemini/*` and `gemini/gemini-2.5-flash` is `gemini/gemini-2.5-flash`)."""
    if template == "*":
        return requested
    match = pattern(name_pattern).match(requested)
    parts = list(match.groups()) if match else []
    if len(parts) != template.count("*"):
        parts = [requested] * template.count("*")
    out = template
    for part in parts:
        out = out.replace("*", part, 1)
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
        if not os.environ[var].strip():  # an empty master_key would leave the gateway open
            raise ConfigError(f"{path}: environment variable {var} is empty")
        return os.environ[var]
    return node


def _field(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse(data: Any, source: str = "config") -> Settings:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    warnings = check_keys(data, source)
    try:
        data = _resolve_env(data, "")
    except ConfigError as exc:  # named like every other error: the file, then the field
        raise ConfigError(f"{source}: {exc}") from None
    # LiteLLM also accepts retries/fallbacks/timeouts under litellm_settings; honour them there too.
    router = data.get("router_settings") or {}
    litellm = data.get("litellm_settings") or {}
    for key in ("num_retries", "fallbacks", "context_window_fallbacks", "request_timeout"):
        target = "timeout" if key == "request_timeout" else key
        if key in litellm and target not in router:
            router[target] = litellm[key]
    data["router_settings"] = router
    if not isinstance(litellm.get("drop_params", False), bool):
        raise ConfigError(f"{source}: litellm_settings.drop_params: must be true or false")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{source}: {_field(first['loc'])}: {first['msg']}") from None
    for i, entry in enumerate(settings.model_list):
        where = f"{source}: model_list[{i}]"
        model = entry.litellm_params.model
        _check_base(entry.litellm_params.api_base, f"{where}.litellm_params.api_base")
        for j, name in enumerate(entry.litellm_params.additional_drop_params or ()):
            try:
                if not drop_names(name):
                    warnings.append(
                        f"model_list[{i}].litellm_params.additional_drop_params[{j}]: Parley never sends "
                        f"'{name}' upstream (an Interactions request has no such field); nothing to drop"
                    )
            except ValueError as exc:
                raise ConfigError(f"{where}.litellm_params.additional_drop_params[{j}]: {exc}") from None
        try:
            if is_wildcard(model):
                if model != "*":  # `gemini/*`: the prefix must be one we know
                    resolve(model.replace("*", "x").replace("?", "x"), entry.litellm_params.api_base)
                continue
            dep = settings.deployment(entry, model, entry.model_name)
        except ValueError as exc:
            raise ConfigError(f"{where}.litellm_params.model: {exc}") from None
        if "base_model" in entry.model_info:
            warnings.append(
                f"model_list[{i}].model_info.base_model: Parley prices a deployment by its "
                "litellm_params.model; set input_cost_per_token/output_cost_per_token for this one"
            )
        if entry.litellm_params.api_base is None:  # checked above when the entry gives it
            _check_base(dep.api_base, f"{where}: the api_base of {model} (from the environment)")
        if dep.missing_env and dep.missing_env.endswith("_API_BASE"):
            raise ConfigError(
                f"{where}.litellm_params.api_base: {model} needs the URL of its server "
                f"(api_base, or set {dep.missing_env})"
            )
        if dep.missing_env:
            warnings.append(
                f"model_list[{i}] ({entry.model_name}): no API key for {model}: set {dep.missing_env} "
                "or litellm_params.api_key; until then its requests answer 401"
            )
    names = [e.model_name for e in settings.model_list]
    for kind in ("fallbacks", "context_window_fallbacks"):
        for rule in getattr(settings.router_settings, kind):
            for group, targets in rule.items():
                for name in [group, *targets]:
                    if name not in names and not any(
                        is_wildcard(n) and pattern(n).match(name) for n in names
                    ):
                        raise ConfigError(f"{source}: router_settings.{kind}: unknown model_name '{name}'")
    settings._warnings = warnings
    return settings


def _check_base(url: str | None, where: str) -> None:
    """A base URL the transport cannot use stops start-up, not every request later. The URL is not
    repeated: it may carry credentials."""
    if url is None:
        return
    try:
        transport.check_url(url)
    except transport.InvalidURLError as exc:
        raise ConfigError(f"{where}: {exc}") from None


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
