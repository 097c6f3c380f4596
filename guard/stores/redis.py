"""``redis://HOST:PORT/DB`` (or ``rediss://``): counters shared by every gateway instance.

Every read-modify-write is one Lua script, registered once and run by ``EVALSHA``: Redis
runs a script alone, so two instances can never both read the old usage and both fit.
Numbers cross the script boundary as strings formatted ``%.17g`` both ways, because Redis
truncates a Lua number in a reply to an integer and Lua's own ``tostring`` keeps only 14
digits; in the scripts the arithmetic is IEEE doubles, the same as Python's.

A budget key is four Redis keys sharing one hash tag (a cluster keeps them on one node):
``m`` (settled spend, the running sum of live holds, expiry), ``r`` (live reservations:
id -> amount), ``z`` (the same ids scored by ``hold_until``) and ``x`` (reservations whose
hold ran out, kept so a late settle still charges them once). Every operation costs
O(log n) in the live holds, not O(n): Redis runs scripts on its one thread, so a budget
with thousands of requests in flight must not rescan them all on each call.
Keys get TTLs from ``expires_at`` minus the injected ``now``: Redis's clock only collects
garbage, the expiry the callers see is decided on ``now`` like in every other backend.

Failures are :class:`StoreError` naming ``host:port``, never the URL's credentials; a
call is never retried, since a retried reserve or hit would count twice.

A ``redis.asyncio`` connection only works on the event loop that opened it, and callers
such as ``check_request_sync`` run each call in a new loop (``asyncio.run``); so the store
keeps one client (and pool) per running loop, closed when that loop shuts down.
"""

from __future__ import annotations

import asyncio
import math
import threading
import weakref
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisClusterException, RedisError

from guard.stores import rules
from guard.stores.base import Admission, RateResult, Reservation, Store, StoreError
from guard.stores.redis_topology import SINGLE, Topology, open_client, parse

#: Seconds to connect and to wait for each answer, unless the URL says ``?timeout=``.
DEFAULT_TIMEOUT = 0.5

PRELUDE = f"""
local TOLERANCE = {rules.FIT_TOLERANCE!r}
local function fmt(x) return string.format('%.17g', x) end
local function open(now)  -- settled, held, expires_at (nil: no such key); drops an expired key
  local meta = redis.call('HMGET', KEYS[1], 'settled', 'held', 'expires_at')
  local expires_at = tonumber(meta[3])
  if expires_at and expires_at <= now then
    redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
    return 0, 0, nil
  end
  return tonumber(meta[1]) or 0, tonumber(meta[2]) or 0, expires_at
end
local function unhold(held, amount)  -- running sum of live holds; exactly 0 when none is left
  if redis.call('ZCARD', KEYS[3]) == 0 then return 0 end
  return math.max(held - amount, 0)
end
local function purge(held, now_text)  -- holds that ran out stop counting and move to x
  local ended = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now_text)
  if #ended == 0 then return held end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now_text)
  local gone = 0
  for _, id in ipairs(ended) do
    local amount = redis.call('HGET', KEYS[2], id)
    redis.call('HDEL', KEYS[2], id)
    redis.call('HSET', KEYS[4], id, amount)
    gone = gone + tonumber(amount)
  end
  return unhold(held, gone)
end
local function take(held, id)  -- drops a reservation: new held, and whether to charge it
  local amount = redis.call('HGET', KEYS[2], id)
  if amount then
    redis.call('HDEL', KEYS[2], id)
    redis.call('ZREM', KEYS[3], id)
    return unhold(held, tonumber(amount)), true
  end
  return held, redis.call('HDEL', KEYS[4], id) == 1
end
local function save(settled, held, expires_at, now)  -- TTLs from the injected now
  redis.call('HSET', KEYS[1], 'settled', fmt(settled), 'held', fmt(held),
             'expires_at', fmt(expires_at))
  local ms = string.format('%d', math.max(1000, math.ceil((expires_at - now) * 1000)))
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ms) end
end
"""

RESERVE = """
local id, amount, limit, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local settled, held, expires_at = open(now)
held = purge(held, ARGV[4])
local used = settled + held
if not (used + amount <= limit + TOLERANCE) then
  if expires_at then save(settled, held, expires_at, now) end
  return {0, fmt(used)}
end
redis.call('HSET', KEYS[2], id, ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[5], id)
save(settled, held + amount, math.max(expires_at or 0, tonumber(ARGV[6])), now)
return {1, fmt(used + amount)}
"""

SETTLE = """
local now = tonumber(ARGV[3])
local settled, held, expires_at = open(now)
if not expires_at then return '0' end
local charged
held, charged = take(purge(held, ARGV[3]), ARGV[1])
if charged then settled = settled + tonumber(ARGV[2]) end
save(settled, held, expires_at, now)
return fmt(settled + held)
"""

RELEASE = """
local now = tonumber(ARGV[2])
local settled, held, expires_at = open(now)
if not expires_at then return 0 end
held = take(purge(held, ARGV[2]), ARGV[1])
save(settled, held, expires_at, now)
return 0
"""

USAGE = """
local now = tonumber(ARGV[1])
local settled, held, expires_at = open(now)
if not expires_at then return '0' end
held = purge(held, ARGV[1])
save(settled, held, expires_at, now)
return fmt(settled + held)
"""

HIT = """
local amount, limit, weight = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = 0
if #KEYS > 1 then previous = tonumber(redis.call('GET', KEYS[2]) or '0') end
if previous * weight + current + amount <= limit + TOLERANCE then
  current = current + amount
  redis.call('SET', KEYS[1], fmt(current), 'PX', ARGV[4])
  return {1, fmt(current), fmt(previous)}
end
return {0, fmt(current), fmt(previous)}
"""

def _arg(value: float) -> str:
    """A float as the Lua side reads it back exactly (``repr`` round-trips; Lua has no 'inf')."""
    return repr(value) if math.isfinite(value) else ("1e999" if value > 0 else "-1e999")


def _tagged(key: str) -> str:
    """``key`` inside a hash tag, so that every Redis key of one budget or rate limit lands
    in one cluster slot (a script may only touch keys of one slot). Redis hashes the text
    between the first ``{`` and the next ``}``, or the whole name when that text is empty:
    a key that is empty or starts with ``}`` gets a tag of its own, in a separate namespace
    (``guard:!``) so it never collides with a plain key's name."""
    if key and not key.startswith("}"):
        return f"{{{key}}}"
    return f"!{{!}}{key}"


def _budget_keys(key: str) -> list[str]:
    return [f"guard:{_tagged(key)}:{part}" for part in "mrzx"]


def client_options(url: str) -> tuple[str, float]:
    """The URL without guard's own ``timeout`` query parameter, and that timeout."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    timeouts = [value for name, value in query if name == "timeout"]
    try:
        timeout = float(timeouts[-1]) if timeouts else DEFAULT_TIMEOUT
    except ValueError:
        timeout = math.nan
    if not (timeout > 0 and math.isfinite(timeout)):
        raise StoreError(f"Redis store URL: timeout must be a positive number of seconds, "
                         f"got {timeouts[-1]!r}")
    rest = urlencode([(name, value) for name, value in query if name != "timeout"])
    return urlunsplit(parts._replace(query=rest)), timeout


SCRIPTS = {"reserve": RESERVE, "settle": SETTLE, "release": RELEASE, "usage": USAGE,
           "hit": HIT}


class _Client:
    """The client of one event loop, its scripts, and what closes it with the loop."""

    def __init__(self, url: str, timeout: float, topology: Topology | None) -> None:
        self.others: list[Any] = []  # a Sentinel URL's clients of the Sentinels
        if topology is not None:
            self.redis, self.others = open_client(topology, timeout)
        else:
            self.redis = redis.asyncio.Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 0), decode_responses=True)
        self.scripts = {name: self.redis.register_script(PRELUDE + body)
                        for name, body in SCRIPTS.items()}
        self.lifetime = self._lifetime()

    async def _lifetime(self) -> AsyncGenerator[None, None]:
        """Started on the loop, so the loop's shutdown (``shutdown_asyncgens``) closes us."""
        try:
            yield
        finally:
            for client in (self.redis, *self.others):
                await client.aclose()


class RedisStore(Store):
    """``redis.asyncio`` clients with connection pools: one per event loop that uses us."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client_url, self._timeout = client_options(url)
        self._topology: Topology | None = None
        if url.partition("://")[0].lower() in SINGLE:
            try:
                options = parse_url(self._client_url)
            except ValueError as exc:
                raise StoreError(f"bad Redis store URL: {exc}") from exc
            self._where = f"{options.get('host', 'localhost')}:{options.get('port', 6379)}"
            self._secret = options.get("password")
        else:
            self._topology = parse(self._client_url)
            self._where, self._secret = self._topology.where, self._topology.password
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Client] = (
            weakref.WeakKeyDictionary())
        self._lock = threading.Lock()

    async def reserve(self, key: str, amount: float, limit: float, *, now: float,
                      hold_until: float, expires_at: float) -> Admission:
        amount = rules.check_amount("amount", amount)
        reservation = Reservation(key, rules.new_id(), amount, hold_until)
        admitted, used = await self._run("reserve", _budget_keys(key), reservation.id,
                                         _arg(amount), _arg(limit), _arg(now),
                                         _arg(hold_until), _arg(expires_at))
        return Admission(admitted == 1, float(used), limit,
                         reservation if admitted == 1 else None)

    async def settle(self, reservation: Reservation, actual: float, *, now: float) -> float:
        actual = rules.check_amount("actual", actual)
        used = await self._run("settle", _budget_keys(reservation.key), reservation.id,
                               _arg(actual), _arg(now))
        return float(used)

    async def release(self, reservation: Reservation, *, now: float) -> None:
        await self._run("release", _budget_keys(reservation.key), reservation.id, _arg(now))

    async def usage(self, key: str, *, now: float) -> float:
        return float(await self._run("usage", _budget_keys(key), _arg(now)))

    async def hit(self, key: str, amount: float, limit: float, *, now: float, window: float,
                  sliding: bool) -> RateResult:
        amount = rules.check_amount("amount", amount)
        at = rules.window_at(now, window, sliding)
        name = f"guard:rate:{_tagged(key)}:{at.length!r}:"
        keys = [name + str(at.index)] + ([name + str(at.index - 1)] if sliding else [])
        ttl_ms = max(1, math.ceil(at.ttl * 1000))
        allowed, current_text, previous_text = await self._run(
            "hit", keys, _arg(amount), _arg(limit), _arg(at.weight), str(ttl_ms))
        current, previous = float(current_text), float(previous_text)
        if allowed == 1:
            return RateResult(True, at.count(current, previous), limit, 0.0)
        wait = rules.retry_after(at, current, previous, amount, limit)
        return RateResult(False, at.count(current, previous), limit, wait)

    async def close(self) -> None:
        """Close this loop's client (other loops' clients close when their loop shuts down)."""
        with self._lock:
            client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.lifetime.aclose()

    async def _client(self) -> _Client:
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._clients.get(loop)
            if client is None:
                client = self._clients[loop] = _Client(self._client_url, self._timeout,
                                                           self._topology)
                started = True
            else:
                started = False
        if started:
            await anext(client.lifetime)
        return client

    async def _run(self, script: str, keys: list[str], *args: str) -> Any:
        try:
            client = await self._client()
            return await client.scripts[script](keys=keys, args=args)
        except (RedisError, RedisClusterException, OSError) as exc:
            raise StoreError(f"Redis store at {self._where}: {self._redact(exc)}") from exc

    def _redact(self, exc: Exception) -> str:
        message = f"{type(exc).__name__}: {exc}"
        return message.replace(self._secret, "***") if self._secret else message
