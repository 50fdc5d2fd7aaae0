"""Single-flight: concurrent callers asking for the same thing share one piece of work.

    flights = SingleFlight[str, bool]()
    ok = await flights.run(key, lambda: expensive(key))

Without it, every request that misses a cache at the same moment does the expensive work itself (a
bcrypt check, an upstream fetch that spends a rate-limit token), and they all do it again each time
the cache expires. With it, the first caller starts the work as a task and every caller that arrives
while it runs awaits that same task.

- Per event loop: a task belongs to its loop, so callers on another loop (another thread) start their
  own flight. uvicorn runs one loop, so in production this is one flight per process.
- Nothing is cached: the flight is forgotten the moment it ends, so an error reaches every caller that
  was waiting and the next caller tries afresh.
- The work runs shielded from its callers: a caller that is cancelled (a client that went away, a
  timeout) stops waiting, but the work goes on for the others.
- The task runs in a copy of the first caller's context (request context, span recorder, deadline).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Awaitable, Callable, Hashable


class SingleFlight[K: Hashable, T]:
    def __init__(self) -> None:
        self._flights: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[K, asyncio.Task[T]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()  # the per-loop table is shared by every thread's loop

    def _table(self) -> dict[K, asyncio.Task[T]]:
        loop = asyncio.get_running_loop()
        with self._lock:
            table = self._flights.get(loop)
            if table is None:
                table = self._flights[loop] = {}
            return table

    async def run(self, key: K, work: Callable[[], Awaitable[T]]) -> T:
        """`work()`'s result; if a flight for `key` is already running on this loop, its result instead
        (or its exception)."""
        table = self._table()
        # No await between the lookup and the insert: on one loop nobody else can slip in between.
        task = table.get(key)
        if task is None:
            task = asyncio.ensure_future(work())
            table[key] = task
            task.add_done_callback(lambda done: _land(table, key, done))
        return await asyncio.shield(task)

    def in_flight(self) -> int:
        """How many flights are running on this loop (for tests and diagnostics)."""
        return len(self._table())


def _land[K, T](table: dict[K, asyncio.Task[T]], key: K, done: asyncio.Task[T]) -> None:
    if table.get(key) is done:
        del table[key]
    if not done.cancelled():
        # Mark the exception retrieved: when every caller was cancelled nobody else will read it, and
        # asyncio would log "exception was never retrieved" for a failure that was already handled.
        done.exception()
