"""Pacing OrderDesk calls to the store's own leaky bucket, so this app never causes a 429 itself.

OrderDesk gives every store one bucket of 20 requests that refills at 3 per second, shared by every
client of that store. The governor keeps the same bucket on our side and makes each HTTP attempt
*reserve* a slot first: the reservation returns how long to wait before sending (0 while tokens are
left). Reservations may drive the token count below zero; each one then waits until the refill has
paid for it, so callers queue in arrival order and the sends never exceed 20 + 3·t in any window of t
seconds, however many callers there are.

Requests reach OrderDesk some time after we send them, and not all equally late, so the pacing keeps
two margins:
* one token of headroom, so that jitter between consecutive requests never meets an empty bucket;
* when a burst starts from a full (idle) bucket, OrderDesk's refill only starts when it counts the
  first request, which on cold connections (new TLS handshakes) comes noticeably later than we sent
  it. Our refill therefore starts `START_LAG` seconds after the first reservation from a full bucket.
Together they cost about a second per burst, and keep real latency from turning into 429s.

The bucket is keyed by the OrderDesk store (base URL host + store id), not by our tenant or Store row:
two tenants that register the same OrderDesk store share OrderDesk's bucket, so they share ours.

Written here rather than taken from aiolimiter or limits: those reject or drop what exceeds the rate,
while every call here must be queued in arrival order against a bucket OrderDesk drains too, corrected
from its `X-Tokens-Remaining`, and shared by every process through one Redis script.

`LocalGovernor` paces one process (the default). With `REDIS_URL` set, `RedisGovernor` keeps the bucket
in Redis (one atomic Lua script: refill, reserve, return the wait) so every process shares it. If Redis
cannot be reached it falls back to the local bucket rather than stopping all OrderDesk traffic.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from django.conf import settings

from stores.per_loop import PerLoop

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

CAPACITY = 20  # OrderDesk: "Initial Bucket Size: 20 requests"
REFILL_PER_SECOND = 3.0  # "Refill Rate: 3 requests per second"
HEADROOM = 1.0  # tokens never spent by pacing, to absorb network jitter (see module docstring)
START_LAG = 1.0  # seconds between a burst's first send and the refill we count on (see module docstring)
# Besides our own estimate, trust OrderDesk's X-Tokens-Remaining only when it is clearly lower: the
# header is a whole number counted a moment before we read it.
OBSERVE_TOLERANCE = 1.0


@dataclass(frozen=True)
class Reservation:
    granted: bool
    # granted: seconds to wait before sending. Refused: seconds until a slot would have been free.
    wait: float


class Governor(Protocol):
    async def available(self, key: str) -> float:
        """Requests OrderDesk's bucket for `key` should hold now, by our count (for status pages)."""
        ...

    async def reserve(self, key: str, *, max_wait: float = math.inf) -> Reservation:
        """Reserve one request slot for `key` unless the wait would exceed `max_wait`."""
        ...

    async def observe(self, key: str, tokens_remaining: int) -> None:
        """OrderDesk reported `tokens_remaining`; lower our estimate if someone else used tokens."""
        ...


def bucket_key(base_url: str, orderdesk_store_id: str) -> str:
    """The identity of OrderDesk's bucket: the API host and port, and the store id. The port is
    spelled out, so `https://app.orderdesk.me:443/…` and `https://app.orderdesk.me/…` share one."""
    parts = urlsplit(base_url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
    return f"{(parts.hostname or '').lower()}:{port}|{str(orderdesk_store_id).strip()}"


@dataclass
class _Bucket:
    tokens: float
    updated: float


class LocalGovernor:
    """An in-process bucket per store. Reservations are synchronous (no await between reading and
    writing the bucket), so it is safe for any number of tasks; a lock covers threads running their
    own event loops (async_to_sync)."""

    MAX_BUCKETS = 10_000

    def __init__(
        self,
        *,
        capacity: float = CAPACITY,
        refill_per_second: float = REFILL_PER_SECOND,
        headroom: float = HEADROOM,
        start_lag: float = START_LAG,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.usable = capacity - headroom
        self.headroom = headroom
        self.rate = refill_per_second
        self.start_lag = start_lag
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _refilled(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.MAX_BUCKETS:
                self._forget_full_buckets(now)
            bucket = self._buckets[key] = _Bucket(tokens=self.usable, updated=now)
        elif now > bucket.updated:  # `updated` lies ahead while a burst's start lag runs
            bucket.tokens = min(self.usable, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket

    def _forget_full_buckets(self, now: float) -> None:
        # A full bucket holds no information: a new one starts full too.
        for key, bucket in list(self._buckets.items()):
            if bucket.tokens + max(0.0, now - bucket.updated) * self.rate >= self.usable:
                del self._buckets[key]

    def reserve_now(self, key: str, *, max_wait: float = math.inf) -> Reservation:
        with self._lock:
            now = self.clock()
            bucket = self._refilled(key, now)
            after = bucket.tokens - 1
            # A slot in the future: paid for by the refill, which counts from `updated` (maybe ahead).
            wait = 0.0 if after >= 0 else max(0.0, bucket.updated - now) - after / self.rate
            if wait > max_wait:
                return Reservation(granted=False, wait=wait)
            if bucket.tokens >= self.usable:  # a burst starts: count on no refill before the lag
                bucket.updated = now + self.start_lag
            bucket.tokens = after
            return Reservation(granted=True, wait=wait)

    async def reserve(self, key: str, *, max_wait: float = math.inf) -> Reservation:
        return self.reserve_now(key, max_wait=max_wait)

    def observe_now(self, key: str, tokens_remaining: int) -> None:
        with self._lock:
            bucket = self._refilled(key, self.clock())
            if tokens_remaining < bucket.tokens + self.headroom - OBSERVE_TOLERANCE:
                bucket.tokens = tokens_remaining - self.headroom

    async def observe(self, key: str, tokens_remaining: int) -> None:
        self.observe_now(key, tokens_remaining)

    def estimate(self, key: str) -> float:
        """Tokens OrderDesk should have for `key` right now, by our count (for tests and diagnostics)."""
        with self._lock:
            return self._refilled(key, self.clock()).tokens + self.headroom

    async def available(self, key: str) -> float:
        return self.estimate(key)


# Redis keeps `tokens` and `updated` per bucket; each script refills, then reserves or corrects, in one
# atomic step, on Redis's own clock so processes on different machines agree. Numbers are returned as
# text because Redis truncates Lua numbers to integers.

# The bucket as it is now (what `LocalGovernor._refilled` does): `now`, and `tokens`/`updated` after
# the refill since `updated`; a missing bucket starts full. Expects `usable` and `rate` to be set.
_REFILL = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = usable
  updated = now
end
if now > updated then
  tokens = math.min(usable, tokens + (now - updated) * rate)
  updated = now
end
"""

_RESERVE_SCRIPT = (
    """
local usable = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local start_lag = tonumber(ARGV[5])
"""
    + _REFILL
    + """
local after = tokens - 1
local wait = 0
if after < 0 then wait = (updated - now) - after / rate end
if wait > max_wait then
  return {0, string.format('%.6f', wait)}
end
if tokens >= usable then updated = now + start_lag end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', after), 'updated', string.format('%.6f', updated))
redis.call('EXPIRE', KEYS[1], ttl)
return {1, string.format('%.6f', wait)}
"""
)

# The bucket as it is now, without reserving or writing anything.
_PEEK_SCRIPT = (
    """
local usable = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
"""
    + _REFILL
    + """
return string.format('%.6f', tokens)
"""
)

_OBSERVE_SCRIPT = (
    """
local usable = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local headroom = tonumber(ARGV[3])
local remaining = tonumber(ARGV[4])
local tolerance = tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])
"""
    + _REFILL
    + """
if remaining < tokens + headroom - tolerance then
  tokens = remaining - headroom
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens),
           'updated', string.format('%.6f', updated))
redis.call('EXPIRE', KEYS[1], ttl)
return 1
"""
)


class RedisGovernor:
    """The same bucket in Redis, shared by every process that uses this Redis database."""

    PREFIX = "oda:governor:"

    def __init__(
        self,
        url: str,
        *,
        capacity: float = CAPACITY,
        refill_per_second: float = REFILL_PER_SECOND,
        headroom: float = HEADROOM,
        start_lag: float = START_LAG,
        fallback: LocalGovernor | None = None,
    ):
        self.url = url
        self.usable = capacity - headroom
        self.headroom = headroom
        self.rate = refill_per_second
        self.start_lag = start_lag
        # An idle bucket is full again after usable/rate seconds; keep it a little longer than that.
        self.ttl = math.ceil(self.usable / self.rate + start_lag) + 60
        self.fallback = fallback or LocalGovernor(
            capacity=capacity, refill_per_second=refill_per_second, headroom=headroom, start_lag=start_lag
        )
        # redis.asyncio connections belong to the event loop that opened them: one client per loop.
        self._per_loop = PerLoop(lambda: _RedisHandles.open(url))

    async def reserve(self, key: str, *, max_wait: float = math.inf) -> Reservation:
        from redis.exceptions import RedisError

        handles = self._per_loop.get()
        limit = min(max_wait, 1e9)
        try:
            granted, wait = await handles.reserve(
                keys=[self.PREFIX + key], args=[self.usable, self.rate, limit, self.ttl, self.start_lag]
            )
        except (RedisError, OSError) as exc:
            logger.warning("Rate governor: Redis unavailable (%s); pacing in this process only.", exc)
            return self.fallback.reserve_now(key, max_wait=max_wait)
        return Reservation(granted=bool(int(granted)), wait=float(wait))

    async def available(self, key: str) -> float:
        from redis.exceptions import RedisError

        handles = self._per_loop.get()
        try:
            tokens = await handles.peek(keys=[self.PREFIX + key], args=[self.usable, self.rate])
        except (RedisError, OSError):
            return self.fallback.estimate(key)
        return float(tokens) + self.headroom

    async def observe(self, key: str, tokens_remaining: int) -> None:
        from redis.exceptions import RedisError

        handles = self._per_loop.get()
        try:
            await handles.observe(
                keys=[self.PREFIX + key],
                args=[self.usable, self.rate, self.headroom, tokens_remaining, OBSERVE_TOLERANCE, self.ttl],
            )
        except (RedisError, OSError) as exc:
            logger.warning("Rate governor: Redis unavailable (%s); pacing in this process only.", exc)
            self.fallback.observe_now(key, tokens_remaining)

    async def aclose(self) -> None:
        """Close this event loop's Redis connections (tests and shutdown)."""
        handles = self._per_loop.pop()
        if handles is not None:
            await handles.client.aclose()


@dataclass
class _RedisHandles:
    client: Redis
    reserve: Callable
    observe: Callable
    peek: Callable

    @classmethod
    def open(cls, url: str) -> _RedisHandles:
        import redis.asyncio as redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        return cls(
            client=client,
            reserve=client.register_script(_RESERVE_SCRIPT),
            observe=client.register_script(_OBSERVE_SCRIPT),
            peek=client.register_script(_PEEK_SCRIPT),
        )


_local_governor = LocalGovernor()
_redis_governors: dict[str, RedisGovernor] = {}
_registry_lock = threading.Lock()


def default_governor() -> Governor:
    """The process-wide governor: on Redis when REDIS_URL is set, in this process otherwise."""
    url = settings.REDIS_URL
    if not url:
        return _local_governor
    with _registry_lock:
        governor = _redis_governors.get(url)
        if governor is None:
            governor = _redis_governors[url] = RedisGovernor(url, fallback=_local_governor)
        return governor
