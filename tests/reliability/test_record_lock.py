"""The per-record lock of records/locks.py excludes holders in other processes, on each backend.

Another process is modelled by another thread running its own event loop: it shares nothing with this
one but the lock backend (its own asyncio locks, its own Redis client or database connection).
"""

from __future__ import annotations

import asyncio
import os
import threading

import pytest
from django.db import connection

from kernel.errors import Conflict
from records import locks


def _in_other_loop(coro_factory):
    """Run a coroutine in a fresh event loop on another thread; its result or exception."""
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = asyncio.run(coro_factory())
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return outcome


async def _try_lock(record_id: str, wait: float) -> str:
    async with locks.record_lock("order", 1, 2, record_id, label="Order 7", wait=wait):
        return "locked"


async def _holds_out_another_process(record_id: str) -> None:
    async with locks.record_lock("order", 1, 2, record_id, label="Order 7"):
        blocked = await asyncio.to_thread(_in_other_loop, lambda: _try_lock(record_id, 0.3))
        assert isinstance(blocked.get("error"), Conflict), blocked
        assert "Another update of Order 7 is still running" in str(blocked["error"])
        other_record = await asyncio.to_thread(_in_other_loop, lambda: _try_lock(record_id + "-b", 0.3))
        assert other_record == {"result": "locked"}
    free = await asyncio.to_thread(_in_other_loop, lambda: _try_lock(record_id, 0.3))
    assert free == {"result": "locked"}


@pytest.fixture
def redis_lock(settings):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis (REDIS_URL)")
    settings.REDIS_URL = os.environ["REDIS_URL"]
    assert locks.backend() == "redis"


async def test_the_redis_lock_holds_out_another_process(redis_lock):
    await _holds_out_another_process("redis-1")


async def test_the_redis_lock_is_released_only_by_its_holder(redis_lock):
    client = locks._redis_client()
    name = locks.KEY_PREFIX + "order:1:2:redis-2"
    async with locks.record_lock("order", 1, 2, "redis-2", label="Order 7"):
        await client.set(name, "someone-else", px=60_000)  # as if ours had expired and been taken
    assert await client.get(name) == b"someone-else"
    await client.delete(name)


async def test_the_redis_lock_is_renewed_while_held(redis_lock, monkeypatch):
    monkeypatch.setattr(locks, "LOCK_TTL", 1)
    client = locks._redis_client()
    name = locks.KEY_PREFIX + "order:1:2:redis-3"
    async with locks.record_lock("order", 1, 2, "redis-3", label="Order 7"):
        await asyncio.sleep(1.5)  # longer than the TTL: only the renewal keeps the key
        assert await client.get(name) is not None
    assert await client.get(name) is None


@pytest.mark.django_db(transaction=True)
async def test_the_advisory_lock_holds_out_another_process(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    settings.REDIS_URL = ""
    assert locks.backend() == "postgresql"
    await _holds_out_another_process("pg-1")


@pytest.mark.django_db
async def test_without_a_shared_backend_updaters_of_one_process_queue(settings):
    settings.REDIS_URL = ""
    if connection.vendor != "sqlite":
        pytest.skip("the in-process lock is the SQLite configuration's")
    assert locks.backend() == "process"
    order: list[str] = []

    async def update(name: str) -> None:
        async with locks.record_lock("order", 1, 2, "local-1", label="Order 7"):
            order.append(f"{name} in")
            await asyncio.sleep(0.05)
            order.append(f"{name} out")

    await asyncio.gather(update("a"), update("b"))
    assert order == ["a in", "a out", "b in", "b out"]
    with pytest.raises(Conflict):
        async with locks.record_lock("order", 1, 2, "local-2", label="Order 7"):
            await _try_lock("local-2", 0.1)
