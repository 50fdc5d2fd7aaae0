"""Serialising our own read-modify-write cycles on one OrderDesk record, across every process.

OrderDesk has no conditional PUT, so two of our updaters of the same order would each fetch, merge and
PUT, and the second PUT would silently drop the first one's change (the date_updated check before the
PUT cannot close that window: both updaters pass it before either PUTs). Updates of one record
therefore queue behind a lock keyed by (kind, tenant, store, record id), taken in two steps:

1. an asyncio lock, so the updaters of one process queue among themselves without polling;
2. a lock every process of the deployment sees, chosen from the configuration:
   - Redis (REDIS_URL): `SET key token NX PX ttl`, released by a script that deletes the key only if
     it still holds our token, and kept alive while held (the TTL is renewed every third of it), so a
     crashed process frees the record within LOCK_TTL seconds and a slow one never loses it;
   - PostgreSQL without Redis: a session advisory lock (`pg_advisory_lock`) on a connection of its
     own, freed by `pg_advisory_unlock` or, if the process dies, by the connection closing;
   - otherwise (SQLite, one process): the asyncio lock alone.

Waiting longer than `wait` seconds, or a lock service that does not answer, is a Conflict: nothing is
written then, rather than writing without the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
import weakref
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import redis.asyncio as redis
from django.conf import settings
from django.db import connections
from psycopg import sql
from redis.exceptions import RedisError

from kernel.errors import Conflict
from stores.per_loop import PerLoop

logger = logging.getLogger(__name__)

LOCK_TTL = 45  # seconds: longer than one operation's upstream deadline (30 s) plus the re-apply loop
LOCK_WAIT = 30.0
KEY_PREFIX = "oda:record-lock:"

# Delete / extend the key only while it still holds our token: never another holder's lock.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
_EXTEND = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
)

_local: weakref.WeakValueDictionary[tuple, asyncio.Lock] = weakref.WeakValueDictionary()
_redis_clients: dict[str, PerLoop[redis.Redis]] = {}


def _local_lock(key: tuple) -> asyncio.Lock:
    # Keyed by the running loop too: an asyncio.Lock must not be shared between event loops.
    loop_key = (id(asyncio.get_running_loop()), *key)
    lock = _local.get(loop_key)
    if lock is None:
        lock = asyncio.Lock()
        _local[loop_key] = lock
    return lock


def backend() -> str:
    """Which lock the processes share: "redis", "postgresql" or "process" (this process only)."""
    if settings.REDIS_URL:
        return "redis"
    if connections["default"].vendor == "postgresql":
        return "postgresql"
    return "process"


def _busy(label: str) -> Conflict:
    return Conflict(
        f"Another update of {label} is still running; try again in a few seconds.", retry_after=2.0
    )


def _unavailable(label: str, exc: Exception) -> Conflict:
    logger.warning("Record lock unavailable for %s: %s", label, exc)
    return Conflict(
        f"{label} could not be locked for the update (the lock service did not answer); nothing was "
        "written. Try again in a few seconds.",
        retry_after=2.0,
    )


@contextlib.asynccontextmanager
async def record_lock(
    kind: str, tenant_id: object, store_id: object, record_id: object, *, label: str, wait: float = LOCK_WAIT
) -> AsyncIterator[None]:
    key = (kind, str(tenant_id), str(store_id), str(record_id))
    deadline = time.monotonic() + wait
    local = _local_lock(key)  # held here: the registry only keeps it weakly
    try:
        async with asyncio.timeout(wait):
            await local.acquire()
    except TimeoutError:
        raise _busy(label) from None
    try:
        shared = backend()
        name = KEY_PREFIX + ":".join(key)
        if shared == "redis":
            async with _redis_lock(name, label=label, deadline=deadline):
                yield
        elif shared == "postgresql":
            async with _advisory_lock(name, label=label, deadline=deadline):
                yield
        else:
            yield
    finally:
        local.release()


# --- Redis -------------------------------------------------------------------------------------------


def _redis_client() -> redis.Redis:
    url = settings.REDIS_URL
    per_loop = _redis_clients.get(url)
    if per_loop is None:
        per_loop = _redis_clients.setdefault(
            url, PerLoop(lambda: redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5))
        )
    return per_loop.get()


@contextlib.asynccontextmanager
async def _redis_lock(name: str, *, label: str, deadline: float) -> AsyncIterator[None]:
    client = _redis_client()
    token = secrets.token_hex(16)
    ttl_ms = LOCK_TTL * 1000
    delay = 0.01
    try:
        while not await client.set(name, token, nx=True, px=ttl_ms):
            if time.monotonic() >= deadline:
                raise _busy(label)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)
    except RedisError as exc:
        raise _unavailable(label, exc) from exc
    keeper = asyncio.create_task(_keep_alive(client, name, token, ttl_ms))
    try:
        yield
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        try:
            await client.eval(_RELEASE, 1, name, token)
        except RedisError as exc:  # the TTL frees it
            logger.warning("Record lock %s not released: %s", name, exc)


async def _keep_alive(client: redis.Redis, name: str, token: str, ttl_ms: int) -> None:
    """Renew the TTL while the holder works, so a slow update never outlives its lock."""
    while True:
        await asyncio.sleep(ttl_ms / 3000)
        try:
            if not await client.eval(_EXTEND, 1, name, token, ttl_ms):
                logger.error("Record lock %s was lost while held (expired or deleted)", name)
                return
        except RedisError as exc:
            logger.warning("Record lock %s not renewed: %s", name, exc)


# --- PostgreSQL --------------------------------------------------------------------------------------


def _advisory_key(name: str) -> int:
    # A stable signed 64-bit number for the name (pg_advisory_lock takes a bigint).
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def _conninfo() -> dict[str, Any]:
    """The default database's connection parameters (the test database during tests)."""
    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return params


@contextlib.asynccontextmanager
async def _advisory_lock(name: str, *, label: str, deadline: float) -> AsyncIterator[None]:
    key = _advisory_key(name)
    try:
        conn = await psycopg.AsyncConnection.connect(autocommit=True, connect_timeout=5, **_conninfo())
    except psycopg.Error as exc:
        raise _unavailable(label, exc) from exc
    try:
        remaining_ms = max(1, int((deadline - time.monotonic()) * 1000))
        try:
            await conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(f"{remaining_ms}ms")))
            await conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        except psycopg.errors.LockNotAvailable:
            raise _busy(label) from None
        except psycopg.Error as exc:
            raise _unavailable(label, exc) from exc
        try:
            yield
        finally:
            with contextlib.suppress(psycopg.Error):  # closing the connection frees it anyway
                await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
    finally:
        await conn.close()
