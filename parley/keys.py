"""Virtual keys: issued by the admin API, stored as their SHA-256 only, with per-key allowed models,
rpm/tpm and parallel-request limits, a USD budget per window, an expiry and metadata.

A key's hash is also the owner of the interactions it creates, exactly like a configured key's.

Hot path: `lookup` serves from a per-process cache (`CACHE_TTL` seconds); this process's own
updates and deletes invalidate it at once, another process's (sharing PostgreSQL) are seen within
the TTL. A key's spend grows in the database by one atomic UPDATE per request (any process), and
in this process's cached copy right away, so a budget holds across processes within the TTL.
"""

from __future__ import annotations

import asyncio
import math
import re
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from parley.errors import ApiError
from parley.limits import key_hash
from parley.shared_state import SharedState
from parley.store import KeyRecord, Store

CACHE_TTL = 5.0  # seconds a key (or its absence) is trusted without asking the database
MAX_CACHED = 10_000
KEY_PREFIX = "sk-"
_DURATION = re.compile(r"^(\d+)(s|m|h|d)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION_DAYS = 36_500  # a hundred years
_HASH = re.compile(r"^[0-9a-f]{64}$")
KEY_LEASE = 60.0  # a fleet-wide parallel slot, renewed every third of it while its request runs


def parse_duration(value: str, field: str) -> timedelta:
    """`30s`, `15m`, `12h`, `30d` (LiteLLM's forms) -> timedelta; anything else is a 400 naming the field."""
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if not match or int(match.group(1)) == 0:
        raise ApiError(400, f"`{field}` must look like 30s, 15m, 12h or 30d; got {value!r}.")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_DURATION_DAYS * 86400:  # a date past it would not fit a datetime
        raise ApiError(400, f"`{field}` must be at most {MAX_DURATION_DAYS}d; got {value!r}.")
    return timedelta(seconds=seconds)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ceil_second(moment: datetime) -> datetime:
    """Up to the whole second `iso` shows: a key never expires, nor a budget window ends, before
    the duration it was given."""
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def utcnow() -> datetime:
    return datetime.now(UTC)


def hash_of(key_or_hash: str) -> str:
    """Admin calls name a key by the key itself or by its hash (`token`, as /key/list shows it)."""
    return key_or_hash if _HASH.match(key_or_hash) else key_hash(key_or_hash)


def public(key: KeyRecord) -> dict[str, Any]:
    """A key as the admin API shows it: never the key, only its hash (`token`) and its name."""
    return {
        "token": key.key_hash,
        "key_name": key.key_name,
        "key_alias": key.key_alias,
        "models": key.models,
        "rpm_limit": key.rpm_limit,
        "tpm_limit": key.tpm_limit,
        "max_parallel_requests": key.max_parallel_requests,
        "max_budget": key.max_budget,
        "budget_duration": key.budget_duration,
        "budget_reset_at": key.budget_reset_at,
        "spend": round(key.spend, 10),
        "expires": key.expires,
        "metadata": key.metadata,
        "created_at": key.created,
        "updated_at": key.updated,
    }


def _settings(body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The columns a generate/update body sets (the spec has validated the types)."""
    out: dict[str, Any] = {}
    for name in ("key_alias", "models", "rpm_limit", "tpm_limit", "max_parallel_requests", "max_budget"):
        if name in body:
            out[name] = body[name]
    if "metadata" in body:
        out["metadata"] = body["metadata"] or {}
    if "models" in out:
        out["models"] = out["models"] or []
    if "budget_duration" in body:
        duration = body["budget_duration"]
        out["budget_duration"] = duration
        out["budget_reset_at"] = (
            iso(ceil_second(now + parse_duration(duration, "budget_duration"))) if duration else None
        )
    if "duration" in body:  # LiteLLM's name for the key's lifetime
        duration = body["duration"]
        out["expires"] = iso(ceil_second(now + parse_duration(duration, "duration"))) if duration else None
    return out


@dataclass
class _Usage:
    """This process's per-key limiter state (rpm bucket, tpm minute window, requests in flight)."""

    tokens: float
    as_of: float
    window_start: float = 0.0
    window_tokens: int = 0
    in_flight: int = 0

    def tpm_window(self, now: float) -> None:
        """Start a new tpm minute when the current one is over."""
        if now - self.window_start >= 60:
            self.window_start, self.window_tokens = now, 0


class KeyLimiter:
    """Per-key rpm (token bucket: bursts up to rpm, refilled at rpm per minute), tpm (tokens used in
    the current minute) and max parallel requests. With Redis (`shared`) the limits are the fleet's,
    decided in one atomic step; this process's own state decides while Redis is unreachable."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, shared: SharedState | None = None):
        self.clock = clock
        self.shared = shared
        self._state: dict[str, _Usage] = {}
        self._background: set[asyncio.Task[Any]] = set()  # lease hand-backs and tpm counts in flight
        self._renewals: set[asyncio.Task[Any]] = set()  # one per request holding a fleet-wide slot

    def _of(self, key: KeyRecord, now: float) -> _Usage:
        state = self._state.get(key.key_hash)
        if state is None:
            state = self._state[key.key_hash] = _Usage(tokens=float(key.rpm_limit or 0), as_of=now)
        return state

    async def admit(self, key: KeyRecord) -> Callable[[], None]:
        """Take a request slot or raise 429; returns the release to call when the request ends."""
        if key.rpm_limit is None and key.tpm_limit is None and key.max_parallel_requests is None:
            return _nothing
        if self.shared is not None:
            admission = await self.shared.admit_key(
                key.key_hash,
                key.rpm_limit or 0,
                key.tpm_limit or 0,
                key.max_parallel_requests or 0,
                KEY_LEASE,
            )
            if admission is not None:  # else Redis is unreachable: this process's own state decides
                if admission.refused_by:
                    raise _limited(_limit_of(key, admission.refused_by), admission.wait)
                return self._held(key.key_hash, admission.token) if admission.token else _nothing
        return self._admit_here(key)

    def _admit_here(self, key: KeyRecord) -> Callable[[], None]:
        now = self.clock()
        state = self._of(key, now)
        if key.max_parallel_requests is not None and state.in_flight >= key.max_parallel_requests:
            raise _limited(_limit_of(key, "parallel"), 1)
        if key.tpm_limit is not None:
            state.tpm_window(now)
            if state.window_tokens >= key.tpm_limit:
                raise _limited(_limit_of(key, "tpm"), state.window_start + 60 - now)
        if key.rpm_limit is not None:
            rate = key.rpm_limit / 60.0
            state.tokens = min(float(key.rpm_limit), state.tokens + (now - state.as_of) * rate)
            state.as_of = now
            if state.tokens < 1.0:
                raise _limited(_limit_of(key, "rpm"), (1.0 - state.tokens) / rate)
            state.tokens -= 1.0
        state.in_flight += 1

        def release() -> None:
            state.in_flight -= 1

        return _once(release)

    def _held(self, key_hash: str, token: str) -> Callable[[], None]:
        """The release of a fleet-wide parallel slot. The lease is renewed while the request runs,
        so a long run keeps its slot and a dead process's slots free themselves within KEY_LEASE."""
        assert self.shared is not None
        shared = self.shared

        async def renew() -> None:
            while True:
                await asyncio.sleep(KEY_LEASE / 3)
                await shared.renew_key(key_hash, token, KEY_LEASE)

        renewing = self._start(renew(), self._renewals)

        def release() -> None:
            renewing.cancel()
            self._start(shared.release_key(key_hash, token))

        return _once(release)

    def used(self, key: KeyRecord, tokens: int) -> None:
        if key.tpm_limit is None or not tokens:
            return
        if self.shared is None:
            self._used_here(key, tokens)
            return
        shared = self.shared

        async def count() -> None:
            if not await shared.key_used(key.key_hash, tokens):
                self._used_here(key, tokens)  # Redis is unreachable: counted where it can be

        self._start(count())  # off the answer's path

    def _used_here(self, key: KeyRecord, tokens: int) -> None:
        now = self.clock()
        state = self._of(key, now)
        state.tpm_window(now)
        state.window_tokens += tokens

    def _start(
        self, work: Coroutine[Any, Any, None], tasks: set[asyncio.Task[Any]] | None = None
    ) -> asyncio.Task[None]:
        tasks = self._background if tasks is None else tasks
        task = asyncio.ensure_future(work)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task

    async def close(self) -> None:
        """Stop renewing (the runs are over), then let hand-backs and token counts reach Redis."""
        for task in self._renewals:
            task.cancel()
        await asyncio.gather(*self._renewals, *self._background, return_exceptions=True)


def _window_ended(key: KeyRecord) -> bool:
    return bool(key.budget_reset_at and key.budget_duration and iso(utcnow()) >= key.budget_reset_at)


def _limit_of(key: KeyRecord, which: str) -> str:
    return {
        "rpm": f"{key.rpm_limit} requests per minute",
        "tpm": f"{key.tpm_limit} tokens per minute",
        "parallel": f"{key.max_parallel_requests} parallel requests",
    }[which]


def _nothing() -> None:
    return None


def _once(release: Callable[[], None]) -> Callable[[], None]:
    """`release`, run the first time it is called only (a request's ending may call it twice)."""
    done = False

    def once() -> None:
        nonlocal done
        if not done:
            done = True
            release()

    return once


def _limited(what: str, wait: float) -> ApiError:
    seconds = max(1, math.ceil(wait))
    return ApiError(
        429,
        f"This key's limit of {what} is reached; retry in {seconds} s.",
        code="rate_limited",
        headers={"Retry-After": str(seconds)},
    )


class Keys:
    """Issue, look up, update and delete virtual keys; check a key before a request."""

    def __init__(
        self, store: Store, clock: Callable[[], float] = time.monotonic, shared: SharedState | None = None
    ):
        self.store = store
        self.clock = clock
        self.limiter = KeyLimiter(clock, shared)
        self._cache: dict[str, tuple[float, KeyRecord | None]] = {}

    # -- admin ----------------------------------------------------------------------------------
    async def generate(self, body: dict[str, Any]) -> tuple[str, KeyRecord]:
        now = utcnow()
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        values: dict[str, Any] = {
            "key_alias": None,
            "models": [],
            "rpm_limit": None,
            "tpm_limit": None,
            "max_parallel_requests": None,
            "max_budget": None,
            "budget_duration": None,
            "budget_reset_at": None,
            "expires": None,
            "metadata": {},
            **_settings(body, now),
        }
        record = KeyRecord(
            key_hash=key_hash(key),
            key_name=f"{key[:5]}…{key[-4:]}",
            spend=0.0,
            created=iso(now),
            updated=iso(now),
            **values,
        )
        await self.store.insert_key(record)
        self._cache.pop(record.key_hash, None)
        return key, record

    async def update(self, key_or_hash: str, body: dict[str, Any]) -> KeyRecord:
        h = hash_of(key_or_hash)
        values = _settings(body, utcnow())
        values["updated"] = iso(utcnow())
        record = await self.store.update_key(h, **values)
        self._cache.pop(h, None)
        if record is None:
            raise ApiError(404, "No such key.")
        return record

    async def delete(self, keys_or_hashes: list[str]) -> list[str]:
        deleted = []
        for item in keys_or_hashes:
            h = hash_of(item)
            if await self.store.delete_key(h):
                deleted.append(h)
            self._cache.pop(h, None)
        return deleted

    async def info(self, key_or_hash: str) -> KeyRecord:
        record = await self.lookup(hash_of(key_or_hash), fresh=True)
        if record is None:
            raise ApiError(404, "No such key.")
        return record

    # -- per request ----------------------------------------------------------------------------
    async def lookup(self, h: str, fresh: bool = False) -> KeyRecord | None:
        """The virtual key with this hash, or None; cached for CACHE_TTL seconds. A budget window
        that has ended is reset here (once, whichever process gets there first)."""
        now = self.clock()
        hit = self._cache.get(h)
        if hit is not None and not fresh and now - hit[0] < CACHE_TTL:
            record = hit[1]
        else:
            record = await self.store.get_key(h)
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[h] = (now, record)
        if record is not None and _window_ended(record):
            record = await self._new_window(record)
            self._cache[h] = (now, record)
        return record

    async def listed(self) -> list[KeyRecord]:
        """Every key, each budget window that has ended reset (as its next use would)."""
        keys: list[KeyRecord] = []
        for key in await self.store.list_keys():
            current = await self._new_window(key) if _window_ended(key) else key
            if current is not None:  # not deleted meanwhile
                keys.append(current)
        return keys

    async def _new_window(self, record: KeyRecord) -> KeyRecord | None:
        """Start the key's next budget window (once, whichever process gets there first)."""
        assert record.budget_duration is not None and record.budget_reset_at is not None
        window = parse_duration(record.budget_duration, "budget_duration")
        next_reset = iso(ceil_second(utcnow() + window))
        await self.store.reset_budget(record.key_hash, record.budget_reset_at, next_reset)
        return await self.store.get_key(record.key_hash)

    def check_expiry(self, key: KeyRecord) -> None:
        if key.expires and iso(utcnow()) >= key.expires:
            raise ApiError(401, f"This key expired at {key.expires}.", code="key_expired")

    async def admit(
        self, key: KeyRecord, model: str, group: str, priced: Callable[[str], bool]
    ) -> Callable[[], None]:
        """Before any upstream call: the model is allowed, the budget not spent, the limits not hit.
        Returns the release of the request's parallel slot."""
        if key.models and model not in key.models and group not in key.models:
            raise ApiError(
                403,
                f"This key may not use model '{model}' (allowed: {', '.join(key.models)}).",
                code="permission_denied",
            )
        if key.max_budget is not None:
            if key.spend >= key.max_budget:
                window = f"; the budget resets at {key.budget_reset_at}" if key.budget_reset_at else ""
                raise ApiError(
                    400,
                    f"Budget exceeded: this key has spent ${key.spend:.6f} of its ${key.max_budget:.6f} "
                    f"budget{window}.",
                    code="budget_exceeded",
                )
            if not priced(group):
                raise ApiError(
                    400,
                    f"This key has a budget, but the price of model '{model}' is unknown, so its spend "
                    "could not be counted; set input_cost_per_token/output_cost_per_token on its deployments.",
                    code="budget_exceeded",
                )
        return await self.limiter.admit(key)

    def spent(self, key: KeyRecord, cost: float | None, tokens: int) -> None:
        """After a request: count its tokens (tpm) and its cost in this process's cached copy."""
        self.limiter.used(key, tokens)
        if cost:
            hit = self._cache.get(key.key_hash)
            if hit is not None and hit[1] is not None:
                hit[1].spend += cost


__all__ = ["CACHE_TTL", "KeyLimiter", "Keys", "hash_of", "parse_duration", "public"]
