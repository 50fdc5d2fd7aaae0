"""One object per running event loop, for clients whose connections must never cross loops.

uvicorn runs one loop, so in production this is one object per process; tests and async_to_sync
create other loops (in other threads). Objects of closed loops are dropped: their connections died
with the loop.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable


class PerLoop[T]:
    """The running loop's `T`, made by `factory` the first time that loop asks for it."""

    def __init__(self, factory: Callable[[], T]):
        self._factory = factory
        self._entries: dict[int, tuple[weakref.ref[asyncio.AbstractEventLoop], T]] = {}
        self._lock = threading.Lock()

    def get(self) -> T:
        loop = asyncio.get_running_loop()
        with self._lock:
            for loop_id, (ref, _value) in list(self._entries.items()):
                other = ref()
                if other is None or other.is_closed():
                    del self._entries[loop_id]
            entry = self._entries.get(id(loop))
            if entry is None or entry[0]() is not loop:
                entry = (weakref.ref(loop), self._factory())
                self._entries[id(loop)] = entry
            return entry[1]

    def pop(self) -> T | None:
        """Forget the running loop's object and return it (for the caller to close), if it had one."""
        loop = asyncio.get_running_loop()
        with self._lock:
            entry = self._entries.pop(id(loop), None)
        return None if entry is None else entry[1]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
