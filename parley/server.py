"""The gateway's ASGI app: Connexion 3 routes and validates requests from the spec's 3.0 copy
(generated from openapi/interactions.yaml) to the thin handlers in parley.handlers.

Connexion is adapted where it measurably fell short: body and parameter validation use compiled
jsonschema_rs validators (Connexion's Draft 4 ones cost ~2.5 ms per 2 KB body and get integers and
discriminators wrong); every error is the API's {"error": {"code", "message"}}; handlers come from
an explicit operationId table, so the spec holds no Python names; and security handlers check keys
against config.yaml.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from importlib import resources
from typing import Any

import connexion
import orjson
import yaml
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem, NonConformingResponseBody, ProblemException
from connexion.lifecycle import ConnexionResponse
from connexion.resolver import Resolution, Resolver
from connexion.security import NO_VALUE, ApiKeySecurityHandler, BearerSecurityHandler
from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator, JSONResponseBodyValidator
from connexion.validators import ParameterValidator as ConnexionParameterValidator
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from parley import drain, limits, pages
from parley.config import Settings
from parley.edges import Edges
from parley.engine import Engine, owner_of
from parley.errors import ApiError, error_body, store_failed
from parley.lane import CreateLane, DirectCreate
from parley.limits import Receive, Scope, Send
from parley.observability import Observability
from parley.shared_state import SharedState, redis_url
from parley.validation import compiled, describe

log = logging.getLogger(__name__)

SPEC_30 = "interactions.3.0.yaml"
SPEC_31_JSON = "interactions.openapi.json"
YOUNG_COLLECTION_THRESHOLD = 20_000  # gc: net new containers between young collections (see _lifespan)

_engine: contextvars.ContextVar[Engine] = contextvars.ContextVar("parley_engine")


def current_engine() -> Engine:
    """The engine of the app serving this request (handlers are module functions)."""
    return _engine.get()


def _generated(name: str) -> bytes:
    return resources.files("parley.generated").joinpath(name).read_bytes()


# -- request validation with compiled validators -------------------------------------------------
class RequestBodyValidator(JSONRequestBodyValidator):
    async def _parse(self, stream: AsyncIterator[bytes], scope: Scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw.strip():
            return None
        try:
            return orjson.loads(raw)  # also rejects bodies that are not UTF-8
        except orjson.JSONDecodeError as exc:
            raise BadRequestProblem(detail=f"Request body is not valid JSON: {exc}") from None

    def _validate(self, body: Any) -> None:
        if not self._nullable and body is None:
            raise BadRequestProblem(detail="Request body must not be empty")
        if not compiled(self._schema).is_valid(body):
            raise BadRequestProblem(detail=describe(self._schema, body))


class ResponseBodyValidator(JSONResponseBodyValidator):
    def _validate(self, body: Any) -> None:
        if not compiled(self._schema).is_valid(body):
            raise NonConformingResponseBody(detail=describe(self._schema, body))


class ParameterValidator(ConnexionParameterValidator):
    """Connexion deep-copies each parameter's schema and builds a Draft 4 validator for it on every
    request; valid values (nearly all of them) now take one compiled check, and only invalid ones
    go the original way, for its message."""

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        if value is not None and compiled(param.get("schema", param)).is_valid(value):
            return None
        error: str | None = ConnexionParameterValidator.validate_parameter(
            parameter_type, value, param, param_name
        )
        if error is None or error.startswith("Missing"):
            return error
        # jsonschema's message says what is wrong with the value, not which parameter it was.
        return f"Invalid {parameter_type} parameter '{param_name or param.get('name')}': {error}"

    def validate_path_parameter(self, param: dict[str, Any], request: Any) -> str | None:
        error: str | None = super().validate_path_parameter(param, request)
        if error and param["name"] == "api_version":  # /v2/interactions is a route that does not exist
            raise ProblemException(
                status=404,
                title="Not Found",
                detail="No such API version: this gateway serves /v1 and /v1beta.",
            )
        return error


# -- handlers and security -----------------------------------------------------------------------
class OperationTable(Resolver):
    """operationId -> handler function, from an explicit table (no Python names in the spec)."""

    def __init__(self) -> None:
        super().__init__()
        from parley.handlers import admin, health, interactions

        self.table: dict[str, Callable[..., Any]] = {
            "generateKey": admin.generate_key,
            "updateKey": admin.update_key,
            "deleteKey": admin.delete_key,
            "keyInfo": admin.key_info,
            "listKeys": admin.list_keys,
            "spendLogs": admin.spend_logs,
            "spendSummary": admin.spend_summary,
            "adminGetInteraction": admin.get_interaction,
            "deploymentHealth": admin.deployment_health,
            "createInteraction": interactions.create_interaction,
            "getInteraction": interactions.get_interaction,
            "deleteInteraction": interactions.delete_interaction,
            "cancelInteraction": interactions.cancel_interaction,
            "healthLiveliness": health.liveliness,
            "healthReadiness": health.readiness,
        }

    def resolve(self, operation: Any) -> Any:
        func = self.table.get(operation.operation_id)
        if func is None:
            raise ValueError(f"no handler for operationId {operation.operation_id!r}")
        return Resolution(func, operation.operation_id)


KeyCheck = Callable[[str | None], Awaitable[Any]]


def _key_check(keys: list[str], master_key: str | None) -> KeyCheck:
    """Keys are checked against config, then against the virtual keys in the store (cached); the
    owner of an interaction is the hash of its key either way. token_info carries the virtual
    key's record (`key`) and whether the caller holds the master key (`admin`)."""
    allowed = {owner_of(k) for k in keys}
    master = owner_of(master_key) if master_key else None

    async def check(key: str | None) -> Any:
        if key is None:
            return NO_VALUE
        owner = owner_of(key)
        if owner in allowed or not allowed:  # no keys configured: anyone may call
            return {"sub": owner, "key": None, "admin": owner == master}
        keys = current_engine().keys
        record = await keys.lookup(owner)
        if record is None:
            return None  # -> 401 "Provided ... is not valid"
        keys.check_expiry(record)
        return {"sub": owner, "key": record, "admin": False}

    return check


def _security_map(check: KeyCheck) -> dict[str, type]:
    class ApiKeyHandler(ApiKeySecurityHandler):
        def _resolve_func(self, scheme: Any) -> Callable[..., Awaitable[Any]]:
            return lambda key, required_scopes=None: check(key)

    class BearerHandler(BearerSecurityHandler):
        def _resolve_func(self, scheme: Any) -> Callable[..., Awaitable[Any]]:
            return lambda token: check(token)

    return {"apiKey": ApiKeyHandler, "bearer": BearerHandler}


# -- errors in the API's shape -------------------------------------------------------------------
def _error(
    status: int, message: str, code: str | None = None, headers: Mapping[str, str] | None = None
) -> ConnexionResponse:
    body = error_body(status, message, code)
    return ConnexionResponse(
        status_code=status, mimetype="application/json", headers=dict(headers or {}), body=orjson.dumps(body)
    )


_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _allow_for(spec: dict[str, Any]) -> Callable[[str], str]:
    """path -> the `Allow` value for a 405. Connexion routes each operation separately, so
    Starlette's own Allow names only the first route that matched the path (GET, not DELETE)."""
    table = []
    for path, item in spec.get("paths", {}).items():
        methods = [m.upper() for m in _METHODS if m in item]
        if "GET" in methods and "HEAD" not in methods:
            methods.append("HEAD")
        table.append((re.compile("^" + re.sub(r"\{[^/}]+\}", "[^/]+", path) + "$"), methods))

    def allow(path: str) -> str:
        return ", ".join(dict.fromkeys(m for pattern, ms in table if pattern.match(path) for m in ms))

    return allow


def _body_required(spec: dict[str, Any]) -> Callable[[str, str], bool]:
    """(method, path) -> whether that operation takes a request body (the spec's `requestBody`)."""
    table = [
        (re.compile("^" + re.sub(r"\{[^/}]+\}", "[^/]+", path) + "$"), method.upper())
        for path, item in spec.get("paths", {}).items()
        for method, op in item.items()
        if method in _METHODS and isinstance(op, dict) and op.get("requestBody")
    ]

    def required(method: str, path: str) -> bool:
        return any(m == method and pattern.match(path) for pattern, m in table)

    return required


def _register_errors(app: connexion.AsyncApp, allow: Callable[[str], str] | None = None) -> None:
    app.add_error_handler(ApiError, lambda req, e: _error(e.status, e.message, e.code, e.headers))
    app.add_error_handler(
        ProblemException,
        lambda req, e: _error(e.status, _problem_message(e), None, e.headers),
    )
    app.add_error_handler(UnicodeDecodeError, lambda req, e: _error(400, "Request body is not valid UTF-8."))

    def http_error(req: Any, e: HTTPException) -> ConnexionResponse:
        headers = dict(e.headers or {})
        if e.status_code == 405 and allow is not None and (methods := allow(req.url.path)):
            headers = {k: v for k, v in headers.items() if k.lower() != "allow"} | {"Allow": methods}
        return _error(e.status_code, str(e.detail), None, headers)

    app.add_error_handler(HTTPException, http_error)

    def store_error(req: Any, e: SQLAlchemyError) -> ConnexionResponse:
        failed = store_failed(e)
        return _error(failed.status, failed.message, failed.code)

    app.add_error_handler(SQLAlchemyError, store_error)

    def internal_error(req: Any, e: Exception) -> ConnexionResponse:
        log.error("unhandled error in %s %s", req.method, req.url.path, exc_info=e)  # a bug: say where
        return _error(500, "Internal error.")

    app.add_error_handler(Exception, internal_error)


def _problem_message(e: ProblemException) -> str:
    # Connexion's parameter errors carry the whole schema dump after a blank line: keep the sentence.
    message = str(e.detail or e.title).split("\n\n")[0]
    if e.status == 401:
        message += ". Send the key as `x-goog-api-key: KEY`, `Authorization: Bearer KEY` or `?key=KEY`."
    return message


# -- the app -------------------------------------------------------------------------------------
class Gateway:
    """ASGI entry point: sets the engine for the handlers, serves the spec and /metrics, and puts
    the request limits and observability (parley.limits, parley.observability) in front."""

    def __init__(self, settings: Settings, engine: Engine | None = None):
        self.settings = settings
        self.engine = engine
        spec = yaml.safe_load(_generated(SPEC_30))
        if not settings.keys:
            # No keys configured: the embedded default answers anyone (anonymous is allowed).
            spec["security"] = [*spec.get("security", []), {}]
        check = _key_check(settings.keys, settings.general_settings.master_key)
        self.app = connexion.AsyncApp(__name__, lifespan=self._lifespan, security_map=_security_map(check))
        self.app.add_api(
            spec,
            resolver=OperationTable(),
            validate_responses=settings.general_settings.validate_responses,
            # /docs is Parley's own page (Swagger UI 5, which renders OpenAPI 3.1: parley.pages).
            swagger_ui_options=connexion.options.SwaggerUIOptions(swagger_ui=False, serve_spec=False),
            validator_map={
                "parameter": ParameterValidator,
                "body": MediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": RequestBodyValidator}),
                "response": MediaTypeDict({**VALIDATOR_MAP["response"], "*/*json": ResponseBodyValidator}),
            },
        )
        _register_errors(self.app, _allow_for(spec))
        # A well-formed create skips Connexion's per-request machinery (parley.lane); with response
        # validation on, every answer goes Connexion's way, where that check lives.
        self._lane = (
            None
            if settings.general_settings.validate_responses
            else CreateLane(spec, check, OperationTable().table["createInteraction"], _problem_message)
        )
        self._spec_json = _generated(SPEC_31_JSON)
        # One Redis-backed state (when configured) for the router and the rate limits.
        if engine is not None:
            self.shared = engine.router.shared
        else:
            url = redis_url(settings.router_settings)
            self.shared = SharedState(url, settings.router_settings.redis_password) if url else None
        # Outermost first: metrics and the log line's request scope, then the edge checks (content
        # type, one key), then the limits, then the app.
        self.observability = Observability(settings)
        limited, rate_limit = limits.wrap(
            self._serve,
            settings.general_settings,
            settings.keys,
            self.observability.rejected,
            shared=self.shared,
            is_virtual_key=self._is_virtual_key,
        )
        self._pipeline = self.observability.middleware(
            Edges(limited, _body_required(spec), self.observability.rejected)
        )
        # A well-formed create goes past all of those layers in one step (parley.lane).
        self._direct = None
        if self._lane is not None:
            from parley.handlers import interactions

            self._direct = DirectCreate(
                self._lane,
                interactions.create_direct,
                self.observability,
                settings.general_settings.max_request_body_bytes,
                rate_limit,
                _engine,
                lambda: self.engine,
            )
        self._asgi = pages.with_cors(self._route, settings.general_settings.allowed_origins)
        if engine is not None:
            self.observability.attach(engine)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Any) -> AsyncIterator[None]:
        drain.watch_signals()  # SIGTERM drains (uvicorn's handlers are in place by now)
        own = self.engine is None
        forget: Callable[[], None] = _nothing
        if own:
            self.engine = await Engine.open(self.settings, self.shared, start=False)
            self.observability.attach(self.engine)  # a given engine was attached in __init__
            await self.engine.start()  # what it recovers is logged and counted
            loop, engine = asyncio.get_running_loop(), self.engine
            grace = max(self.settings.general_settings.drain_grace_seconds - drain.ENDING_MARGIN, 0.0)
            forget = drain.on_begin(
                lambda: loop.call_soon_threadsafe(loop.call_later, grace, engine.interrupt)
            )
        # What start-up built (modules, the spec, validators, the engine: ~150k objects) lives as
        # long as the process: out of the collector's sight, a full collection scans only what
        # requests made (it scanned all of it: ~100 ms every few dozen long streams).
        gc.freeze()
        # A stream's read holds hundreds of events alive at once, and each 700 new containers
        # (CPython's default) started a collection that scanned them and the older ones they
        # joined: ~3 collections, ~4% of a 500-event stream's CPU. Request objects are freed by
        # reference counting, not by the collector; it is left for the rare cycles, every
        # YOUNG_COLLECTION_THRESHOLD net new containers (a few MB at most).
        gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
        try:
            yield
        finally:
            forget()
            if own and self.engine is not None:
                await self.engine.close()
            self.observability.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._direct is not None and self._direct.takes(scope):
                await self._direct(scope, receive, send, self._pipeline)
                return
            path = scope["path"]
            if path == "/openapi.json":
                await _send_bytes(send, 200, self._spec_json, b"application/json")
                return
            if path == "/metrics":
                await self.observability.serve_metrics(scope, send)
                return
            if (page := pages.find(path)) is not None:
                await pages.serve(page, scope, send)
                return
        await self._pipeline(scope, receive, send)

    async def _is_virtual_key(self, key_hash: str) -> bool:
        """For the rate limit's buckets: the same cached lookup the key check makes next."""
        return self.engine is not None and await self.engine.keys.lookup(key_hash) is not None

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _engine.set(self.engine) if self.engine is not None else None
        try:
            if self._lane is not None and scope["type"] == "http":
                await self._lane(scope, receive, send, self.app)
            else:
                await self.app(scope, receive, send)
        finally:
            if token is not None:
                _engine.reset(token)


async def _send_bytes(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _nothing() -> None:
    return None


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Gateway:
    from parley.config import load

    return Gateway(settings or load(), engine)


__all__ = ["Gateway", "create_app", "current_engine"]
