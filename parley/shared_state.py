"""Router and rate-limit state shared by every worker and instance through Redis.

Configured as LiteLLM configures its router cache: ``router_settings.redis_url``, or
``redis_host`` / ``redis_port`` / ``redis_password``. Without it each process keeps its own state
(parley.router's ``_State``, parley.limits' buckets) and nothing here runs.

Each operation is one Lua script, so every read-decide-write is atomic across the fleet and costs
one round trip: ``pick`` filters a group's deployments (cooldown, rpm/tpm window), chooses one by the
routing strategy and takes a lease on it (in-flight count, request counted) in a single call.
Times are Redis' own clock (``TIME``), so instances never compare their clocks.

* per deployment (a hash): latency EWMA, cooldown end, rpm/tpm window start, requests and tokens
  in the window; plus a sorted set of recent failures and one of in-flight leases. A lease
  expires on its own, so a process that dies mid-request cannot leave a deployment "busy".
* per rate-limit bucket (a hash): a token bucket, as parley.limits keeps it locally.
* per virtual key (a hash and a sorted set): its rpm token bucket, its tpm minute window and its
  in-flight leases (max parallel requests), all checked and taken by one script (parley.keys).

Keys hold hashes of deployment names and API keys only: no URL, no key reaches Redis.

When Redis cannot be reached every call returns None and the caller carries on with its local
state: a warning is logged once, ``on_status`` reports the change (a metric, readiness), and after
``RETRY_SECONDS`` the next call tries Redis again; the first success restores shared state.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger("parley.shared_state")

RETRY_SECONDS = 1.0  # after a failure, Redis is tried again at most this often
SOCKET_TIMEOUT = 1.0  # a round trip on a healthy loopback/LAN Redis takes well under a millisecond
KEY_TTL = 86_400  # state of a deployment nobody routes to any more ages out after a day
PREFIX = "parley:"

T = TypeVar("T")

# KEYS: per deployment, its hash, failures zset and leases zset.
# ARGV: strategy, rand in [0, 1), lease seconds, lease token, then per deployment rpm, tpm, weight,
# tried (0/1). Returns {index (1-based), ""} for the chosen deployment, or {0, seconds until one is
# ready} when none is available.
PICK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local strategy, rand = ARGV[1], tonumber(ARGV[2])
local lease, token = tonumber(ARGV[3]), ARGV[4]
local n = #KEYS / 3
local ready, wait_min = {}, nil
for i = 1, n do
  local h, busy = KEYS[3 * i - 2], KEYS[3 * i]
  local a = 4 + 4 * (i - 1)
  local rpm, tpm = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local v = redis.call('HMGET', h, 'cd', 'ws', 'rq', 'tk', 'lat')
  local cd, ws = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  local rq, tk = tonumber(v[3]) or 0, tonumber(v[4]) or 0
  local rolled = now - ws >= 60
  if rolled then rq, tk = 0, 0 end
  local wait = math.max(0, cd - now)
  if (rpm > 0 and rq >= rpm) or (tpm > 0 and tk >= tpm) then
    wait = math.max(wait, ws + 60 - now)
  end
  if wait > 0 then
    if wait_min == nil or wait < wait_min then wait_min = wait end
  else
    redis.call('ZREMRANGEBYSCORE', busy, '-inf', now)
    ready[#ready + 1] = {i = i, lat = tonumber(v[5]), busy = redis.call('ZCARD', busy),
      weight = tonumber(ARGV[a + 3]), tried = ARGV[a + 4] == '1', rolled = rolled}
  end
end
if #ready == 0 then return {0, tostring(wait_min or 0)} end
-- A retry goes to a deployment this request has not tried yet, while there is one.
local fresh = {}
for _, d in ipairs(ready) do if not d.tried then fresh[#fresh + 1] = d end end
if #fresh > 0 then ready = fresh end
local function any(list) return list[math.min(#list, math.floor(rand * #list) + 1)] end
local chosen
if strategy == 'least-busy' then
  local low, ties = nil, {}
  for _, d in ipairs(ready) do
    if low == nil or d.busy < low then low, ties = d.busy, {d} elseif d.busy == low then ties[#ties + 1] = d end
  end
  chosen = any(ties)
elseif strategy == 'latency-based-routing' then
  local unmeasured = {}
  for _, d in ipairs(ready) do if d.lat == nil then unmeasured[#unmeasured + 1] = d end end
  if #unmeasured > 0 then chosen = any(unmeasured) else
    for _, d in ipairs(ready) do if chosen == nil or d.lat < chosen.lat then chosen = d end end
  end
else
  local total = 0
  for _, d in ipairs(ready) do total = total + d.weight end
  local r = rand * total
  for _, d in ipairs(ready) do
    chosen = d
    r = r - d.weight
    if r < 0 then break end
  end
end
local h, busy = KEYS[3 * chosen.i - 2], KEYS[3 * chosen.i]
if chosen.rolled then redis.call('HSET', h, 'ws', tostring(now), 'rq', 0, 'tk', 0) end
redis.call('HINCRBY', h, 'rq', 1)
redis.call('ZADD', busy, now + lease, token)
redis.call('EXPIRE', h, KEY_TTL)
redis.call('EXPIRE', busy, KEY_TTL)
return {chosen.i, ''}
""".replace("KEY_TTL", str(KEY_TTL))

# KEYS: hash, failures, leases. ARGV: token, seconds taken, tokens used.
SUCCEEDED = """
redis.call('ZREM', KEYS[3], ARGV[1])
local elapsed = tonumber(ARGV[2])
local lat = tonumber(redis.call('HGET', KEYS[1], 'lat'))
if lat == nil then lat = elapsed else lat = 0.7 * lat + 0.3 * elapsed end
redis.call('HSET', KEYS[1], 'lat', tostring(lat))
redis.call('HINCRBY', KEYS[1], 'tk', tonumber(ARGV[3]))
redis.call('DEL', KEYS[2])
return 1
"""

# KEYS: hash, failures, leases. ARGV: token, retryable (0/1), answered 429 (0/1), allowed fails,
# cooldown seconds, alone in its group (0/1). Returns the cooldown's end (Redis clock, seconds since
# the epoch) when this failure started one, else "".
FAILED = """
redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[2] ~= '1' then return '' end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 60)
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('EXPIRE', KEYS[2], 120)
local fails = redis.call('ZCARD', KEYS[2])
local tripped = ARGV[3] == '1' or fails >= math.max(tonumber(ARGV[4]), 1)
if tripped and ARGV[6] ~= '1' then
  local until_ = now + tonumber(ARGV[5])
  redis.call('HSET', KEYS[1], 'cd', tostring(until_))
  redis.call('EXPIRE', KEYS[1], KEY_TTL)
  return tostring(until_)
end
return ''
""".replace("KEY_TTL", str(KEY_TTL))

# A token bucket: `per_minute` requests at once, refilled at `per_minute` a minute.
# KEYS: bucket. ARGV: per_minute, cost. Returns "0" when admitted, else seconds until it would be.
TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local cap, cost = tonumber(ARGV[1]), tonumber(ARGV[2])
local rate = cap / 60
local v = redis.call('HMGET', KEYS[1], 'n', 's')
local n, since = tonumber(v[1]) or cap, tonumber(v[2]) or now
n = math.min(cap, n + math.max(0, now - since) * rate)
local wait = '0'
if n >= cost then n = n - cost else wait = tostring((cost - n) / rate) end
redis.call('HSET', KEYS[1], 'n', tostring(n), 's', tostring(now))
redis.call('EXPIRE', KEYS[1], 120)
return wait
"""

# A virtual key's limits, decided together. KEYS: the key's hash (rpm bucket n/s, tpm window ws/tk)
# and its leases zset. ARGV: rpm, tpm, max parallel (0: no such limit), lease seconds, lease token.
# Returns {"", "0"} when admitted (a lease is taken when max parallel is set), else {the limit that
# refused: "rpm" | "tpm" | "parallel", seconds until it may admit}.
KEY_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rpm, tpm, par = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if par > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= par then return {'parallel', '1'} end
end
local v = redis.call('HMGET', KEYS[1], 'n', 's', 'ws', 'tk')
if tpm > 0 then
  local ws, tk = tonumber(v[3]) or 0, tonumber(v[4]) or 0
  if now - ws < 60 and tk >= tpm then return {'tpm', tostring(ws + 60 - now)} end
end
if rpm > 0 then
  local rate = rpm / 60
  local n, since = tonumber(v[1]) or rpm, tonumber(v[2]) or now
  n = math.min(rpm, n + math.max(0, now - since) * rate)
  if n < 1 then return {'rpm', tostring((1 - n) / rate)} end
  redis.call('HSET', KEYS[1], 'n', tostring(n - 1), 's', tostring(now))
  redis.call('EXPIRE', KEYS[1], KEY_TTL)
end
if par > 0 then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[5])
  redis.call('EXPIRE', KEYS[2], KEY_TTL)
end
return {'', '0'}
""".replace("KEY_TTL", str(KEY_TTL))

# Tokens a key's request used, in its fixed one-minute tpm window. KEYS: the key's hash. ARGV: tokens.
KEY_USED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ws = tonumber(redis.call('HGET', KEYS[1], 'ws')) or 0
if now - ws >= 60 then
  redis.call('HSET', KEYS[1], 'ws', tostring(now), 'tk', tonumber(ARGV[1]))
else
  redis.call('HINCRBY', KEYS[1], 'tk', tonumber(ARGV[1]))
end
redis.call('EXPIRE', KEYS[1], KEY_TTL)
return 1
""".replace("KEY_TTL", str(KEY_TTL))

# A lease still held: its expiry moves on. KEYS: leases zset. ARGV: token, lease seconds.
RENEW = """
local t = redis.call('TIME')
return redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) + tonumber(ARGV[2]), ARGV[1])
"""


def redis_url(router_settings: Any) -> str | None:
    """The Redis URL configured in router_settings (LiteLLM's names), or None."""
    url: str | None = getattr(router_settings, "redis_url", None)
    host: str | None = getattr(router_settings, "redis_host", None)
    if url:
        return url
    if not host:
        return None
    port = getattr(router_settings, "redis_port", None) or 6379
    return f"redis://{host}:{port}/0"


@dataclass(frozen=True)
class Slot:
    """A deployment as the shared state knows it: its keys (by a hash of its name) and limits."""

    keys: tuple[str, str, str]  # hash, failures, leases
    rpm: int
    tpm: int
    weight: float

    @classmethod
    def of(cls, name: str, identity: str, rpm: int | None, tpm: int | None, weight: float) -> Slot:
        digest = hashlib.sha256(f"{name}\0{identity}".encode()).hexdigest()[:24]
        base = f"{PREFIX}dep:{digest}"
        return cls((base, base + ":fails", base + ":busy"), int(rpm or 0), int(tpm or 0), float(weight))


@dataclass(frozen=True)
class KeyAdmission:
    refused_by: str  # "" when admitted, else the limit that refused: "rpm", "tpm" or "parallel"
    wait: float = 0.0  # when refused: seconds until it may admit
    token: str = ""  # when admitted under max parallel: the lease to hand back (release_key)


def _key_keys(key_hash: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"key\0{key_hash}".encode()).hexdigest()[:32]
    return f"{PREFIX}key:{digest}", f"{PREFIX}key:{digest}:busy"


@dataclass(frozen=True)
class Picked:
    index: int | None  # position in the slots passed to pick(); None: none is available
    token: str = ""  # the lease to hand back to succeeded / failed / release
    wait: float = 0.0  # when none is available: seconds until one will be


class SlotView(TypedDict):
    """One slot as the fleet sees it (SharedState.snapshot)."""

    in_flight: int
    latency: float | None  # seconds, EWMA of successful calls
    recent_failures: int
    cooldown_seconds: float


class SharedState:
    """Redis-backed state; every method returns None when Redis is unavailable (use local state)."""

    def __init__(
        self,
        url: str,
        password: str | None = None,
        on_status: Callable[[bool], None] | None = None,
    ):
        self.url, self.password = url, password
        self.on_status = on_status  # called with False when Redis goes away, True when it is back
        self.on_fallback: Callable[[], None] | None = None  # each call answered by local state instead
        self.up = True  # as far as we know; readiness reports it
        self.failures = 0  # calls that fell back to local state
        self._retry_at = 0.0
        self._client: aioredis.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scripts: dict[str, Any] = {}

    def _redis(self) -> aioredis.Redis:
        # A client belongs to the event loop it was first used on (tests and the SDK may run several).
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = aioredis.Redis.from_url(
                self.url,
                password=self.password,
                socket_timeout=SOCKET_TIMEOUT,
                socket_connect_timeout=SOCKET_TIMEOUT,
                retry=Retry(NoBackoff(), 0),  # a failure falls back at once; RETRY_SECONDS paces retries
                decode_responses=True,
            )
            self._loop = loop
            self._scripts = {
                name: self._client.register_script(text)
                for name, text in (
                    ("pick", PICK),
                    ("succeeded", SUCCEEDED),
                    ("failed", FAILED),
                    ("take", TAKE),
                    ("key_admit", KEY_ADMIT),
                    ("key_used", KEY_USED),
                    ("renew", RENEW),
                )
            }
        return self._client

    async def _call(self, script: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        return await self._guard(lambda: self._scripts[script](keys=list(keys), args=list(args)))

    async def _guard(self, call: Callable[[], Awaitable[T]]) -> T | None:
        """`call()`'s result, or None when Redis is (known to be) unreachable."""
        if not self.up and time.monotonic() < self._retry_at:
            self._fell_back()
            return None
        try:
            self._redis()
            result = await call()
        except (RedisError, OSError) as exc:
            self._fell_back()
            self._retry_at = time.monotonic() + RETRY_SECONDS
            if self.up:
                self.up = False
                log.warning(
                    "Redis unreachable (%s); routing and rate limits continue on this process's own "
                    "state until it is back",
                    type(exc).__name__,
                )
                self._status(False)
            return None
        if not self.up:
            self.up = True
            log.warning("Redis reachable again; routing and rate limits are shared again")
            self._status(True)
        return result

    def _fell_back(self) -> None:
        self.failures += 1
        if self.on_fallback is not None:
            self.on_fallback()

    def _status(self, up: bool) -> None:
        if self.on_status is not None:
            self.on_status(up)

    # -- router ---------------------------------------------------------------------------------
    async def pick(
        self, slots: Sequence[Slot], tried: Sequence[bool], strategy: str, rand: float, lease: float
    ) -> Picked | None:
        token = uuid.uuid4().hex
        args: list[Any] = [strategy, repr(rand), repr(lease), token]
        keys: list[str] = []
        for slot, was_tried in zip(slots, tried, strict=True):
            keys.extend(slot.keys)
            args.extend((slot.rpm, slot.tpm, repr(slot.weight), "1" if was_tried else "0"))
        result = await self._call("pick", keys, args)
        if result is None:
            return None
        index, wait = int(result[0]), result[1]
        if index == 0:
            return Picked(None, wait=float(wait or 0))
        return Picked(index - 1, token)

    async def succeeded(self, slot: Slot, token: str, elapsed: float, tokens: int) -> bool:
        """Record a success; False when Redis is unavailable (the lease then expires on its own)."""
        return await self._call("succeeded", slot.keys, [token, repr(elapsed), int(tokens)]) is not None

    async def failed(
        self,
        slot: Slot,
        token: str,
        *,
        retryable: bool,
        status_429: bool,
        allowed_fails: int,
        cooldown: float,
        alone: bool,
    ) -> float | None:
        """The end of the cooldown this failure started (Unix time), 0.0 if none; None: no Redis."""
        args = [token, int(retryable), int(status_429), allowed_fails, repr(cooldown), int(alone)]
        result = await self._call("failed", slot.keys, args)
        if result is None:
            return None
        return float(result) if result else 0.0

    async def snapshot(self, slots: Sequence[Slot]) -> list[SlotView] | None:
        """Each slot's state as the fleet sees it (for the admin page): in_flight, latency,
        recent_failures, cooldown_seconds. A plain read, not atomic: it only informs."""

        async def read() -> list[Any]:
            async with self._redis().pipeline(transaction=False) as pipe:
                pipe.time()
                for slot in slots:
                    pipe.hmget(slot.keys[0], "lat", "cd")
                    pipe.zcard(slot.keys[1])
                    pipe.zcard(slot.keys[2])
                return list(await pipe.execute())

        result = await self._guard(read)
        if result is None:
            return None
        seconds, micros = result[0]
        now = float(seconds) + float(micros) / 1e6
        out: list[SlotView] = []
        for i in range(len(slots)):
            (lat, cd), fails, busy = result[1 + 3 * i : 4 + 3 * i]
            out.append(
                {
                    "in_flight": int(busy),
                    "latency": float(lat) if lat else None,
                    "recent_failures": int(fails),
                    "cooldown_seconds": round(max(0.0, float(cd or 0) - now), 1),
                }
            )
        return out

    async def release(self, slot: Slot, token: str) -> None:
        """Give a lease back without an outcome (the request was cancelled)."""
        if not self.up and time.monotonic() < self._retry_at:
            return
        try:
            await self._redis().zrem(slot.keys[2], token)
        except (RedisError, OSError):
            pass  # the lease expires on its own

    # -- rate limits ----------------------------------------------------------------------------
    async def take(self, bucket: str, per_minute: int, cost: int = 1) -> float | None:
        """Spend `cost` from a fleet-wide token bucket of `per_minute`: 0.0 when admitted, else the
        seconds until it would be; None when Redis is unavailable. `bucket` names what is limited
        (e.g. "rpm:" + a key hash); it is hashed again, so any string is safe."""
        key = PREFIX + "bucket:" + hashlib.sha256(bucket.encode()).hexdigest()[:32]
        result = await self._call("take", [key], [per_minute, cost])
        return None if result is None else float(result)

    # -- virtual keys ---------------------------------------------------------------------------
    async def admit_key(
        self, key_hash: str, rpm: int, tpm: int, parallel: int, lease: float
    ) -> KeyAdmission | None:
        """A virtual key's rpm, tpm and max parallel limits (0: none), across the fleet, in one
        atomic step; None when Redis is unavailable. Under max parallel an admitted request holds a
        lease for `lease` seconds: renew it (renew_key) while the request runs, hand it back at the
        end (release_key)."""
        token = uuid.uuid4().hex if parallel else ""
        result = await self._call("key_admit", _key_keys(key_hash), [rpm, tpm, parallel, repr(lease), token])
        if result is None:
            return None
        refused_by, wait = result
        return KeyAdmission(refused_by, float(wait), "" if refused_by else token)

    async def key_used(self, key_hash: str, tokens: int) -> bool:
        """Count a request's tokens in the key's tpm window; False when Redis is unavailable."""
        return await self._call("key_used", _key_keys(key_hash)[:1], [int(tokens)]) is not None

    async def renew_key(self, key_hash: str, token: str, lease: float) -> None:
        await self._call("renew", _key_keys(key_hash)[1:], [token, repr(lease)])

    async def release_key(self, key_hash: str, token: str) -> None:
        await self._guard(lambda: self._redis().zrem(_key_keys(key_hash)[1], token))

    async def ping(self) -> bool:
        """Whether Redis answers now (readiness asks; a success restores shared state)."""
        self._retry_at = 0.0
        return await self._guard(lambda: self._redis().ping()) is not None

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.aclose()
            except (RedisError, OSError, RuntimeError):
                pass  # closing on a loop that is gone, or a server that is gone: nothing to free


__all__ = ["KeyAdmission", "Picked", "SharedState", "Slot", "redis_url"]
