"""The admin API (master key only): virtual keys, spend, any interaction, deployment health.
LiteLLM's shapes where LiteLLM has them (/key/generate, /key/update, /key/delete, /key/info,
/key/list, /spend/logs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from parley.errors import ApiError
from parley.events import Interaction
from parley.keys import hash_of, iso, public
from parley.observability import deployment_label
from parley.server import current_engine
from parley.store import SpendRecord


def _require_admin(token_info: dict[str, Any] | None) -> None:
    if not (token_info or {}).get("admin"):
        if not current_engine().settings.general_settings.master_key:
            raise ApiError(403, "The admin API needs general_settings.master_key to be set.")
        raise ApiError(403, "The admin API needs the master key.")


async def generate_key(body: dict[str, Any], token_info: dict[str, Any] | None = None) -> dict[str, Any]:
    _require_admin(token_info)
    key, record = await current_engine().keys.generate(body)
    return {"key": key, **public(record)}


async def update_key(body: dict[str, Any], token_info: dict[str, Any] | None = None) -> dict[str, Any]:
    _require_admin(token_info)
    settings = {k: v for k, v in body.items() if k != "key"}
    return public(await current_engine().keys.update(body["key"], settings))


async def delete_key(body: dict[str, Any], token_info: dict[str, Any] | None = None) -> dict[str, Any]:
    _require_admin(token_info)
    deleted = await current_engine().keys.delete(body["keys"])
    if not deleted:
        raise ApiError(404, "None of these keys exists.")
    return {"deleted_keys": deleted}


async def key_info(key: str | None = None, token_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Any key's for the master key; a virtual key's own for that key, as LiteLLM answers it."""
    caller = (token_info or {}).get("key")  # the KeyRecord of a virtual key that asks
    if not (token_info or {}).get("admin"):
        if caller is not None and (key is None or hash_of(key) == caller.key_hash):
            key = caller.key_hash
        else:
            _require_admin(token_info)  # refuses: someone else's key, or a caller with none of its own
    if key is None:  # the master key asks about itself: it is configured, not a virtual key
        raise ApiError(
            404, "The master key is not a virtual key; name one with `?key=` (the key or its token)."
        )
    record = await current_engine().keys.info(key)
    return {"key": record.key_hash, "info": public(record)}


async def list_keys(token_info: dict[str, Any] | None = None) -> dict[str, Any]:
    _require_admin(token_info)
    return {"keys": [public(k) for k in await current_engine().keys.listed()]}


def _spend_row(row: SpendRecord) -> dict[str, Any]:
    return {
        "request_id": row.request_id,
        "api_key": row.key_hash,
        "interaction_id": row.interaction_id,
        "model": row.model,
        "model_group": row.model_group,
        "deployment": row.deployment,
        "status": row.status,
        "prompt_tokens": row.input_tokens,
        "completion_tokens": row.output_tokens,
        "total_tokens": row.input_tokens + row.output_tokens,
        "spend": row.cost,
        "latency_ms": row.latency_ms,
        "stream": bool(row.stream),
        "startTime": row.started,
    }


async def spend_logs(
    api_key: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    request_id: str | None = None,
    limit: int = 100,
    token_info: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    _require_admin(token_info)
    rows = await current_engine().store.spend_logs(
        key_hash=hash_of(api_key) if api_key else None,
        since=_moment(start_date, "start_date") if start_date else None,
        before=_moment(end_date, "end_date", end=True) if end_date else None,
        request_id=request_id,
        limit=limit,
    )
    return [_spend_row(r) for r in rows]


def _moment(value: str, name: str, end: bool = False) -> str | None:
    """An ISO-8601 date or time as the spend rows' `started` is written (UTC, to the second), for
    comparing as text. An `end` is exclusive: the next day for a date alone, else the next second;
    None (no end) when that is past the calendar's last second (`9999-12-31`, as "no end")."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(
            400, f"`{name}` must be an ISO-8601 date or time, e.g. 2026-11-01; got {value[:40]!r}."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        if end:
            moment = moment.replace(microsecond=0)
            moment += timedelta(days=1) if len(value) == len("2026-11-01") else timedelta(seconds=1)
        return iso(moment)
    except OverflowError:  # past year 9999 (or before year 1) once in UTC
        if end and moment.year > 1:
            return None
        raise ApiError(400, f"`{name}` is outside the years 1 to 9999 in UTC; got {value[:40]!r}.") from None


async def spend_summary(days: int = 30, token_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Requests, tokens and USD per day, per model group and per key over the last `days` days. A
    request with no known price adds nothing to `spend` and one to `unpriced_requests`."""
    _require_admin(token_info)
    since = (datetime.now(UTC) - timedelta(days=days - 1)).strftime("%Y-%m-%d")
    totals = await current_engine().store.spend_totals(since_day=since)

    def summed(*fields: str) -> list[dict[str, Any]]:
        out: dict[tuple[str, ...], dict[str, Any]] = {}
        for row in totals:
            names = tuple(row[field] for field in fields)
            group = out.setdefault(
                names,
                {
                    **dict(zip(fields, names, strict=True)),
                    "requests": 0,
                    "input_tokens": 0,
                    "output_tokens": 0,
                    "spend": 0.0,
                    "unpriced_requests": 0,
                },
            )
            group["requests"] += row["requests"]
            group["input_tokens"] += int(row["input_tokens"] or 0)
            group["output_tokens"] += int(row["output_tokens"] or 0)
            group["spend"] += float(row["cost"] or 0.0)
            group["unpriced_requests"] += row["requests"] - row["priced"]
        return [out[names] for names in sorted(out)]

    by_key = summed("key_hash")
    for group in by_key:
        group["api_key"] = group.pop("key_hash")
    return {
        "since": since,
        "total_spend": sum(float(r["cost"] or 0.0) for r in totals),
        "total_requests": sum(r["requests"] for r in totals),
        "total_unpriced_requests": sum(r["requests"] - r["priced"] for r in totals),
        "by_day": summed("day"),
        "by_model": summed("model_group"),
        "by_day_model": summed("day", "model_group"),
        "by_key": by_key,
    }


async def get_interaction(id: str, token_info: dict[str, Any] | None = None) -> Interaction:
    """Any interaction with its whole timeline, whoever created it."""
    _require_admin(token_info)
    engine = current_engine()
    record = await engine.store.get_any(id)
    if record is None:
        raise ApiError(404, f"Interaction {id} was not found.")
    return engine.view(record, record.steps, timeline=True)


async def deployment_health(token_info: dict[str, Any] | None = None) -> dict[str, Any]:
    _require_admin(token_info)
    engine = current_engine()
    return {
        "deployments": [
            {
                **state,
                "deployment": deployment_label(state["deployment"]),
                "priced": engine.pricing.known(state["deployment"]),
            }
            for state in await engine.router.fleet_health()
        ]
    }
