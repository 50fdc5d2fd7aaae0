"""The time budget of the operation in progress.

`run_operation` opens one (30 s) around every operation that is not a batch; the OrderDesk client then
never lets a call outlive it, however many calls the operation makes (an update's fetch, re-check and
PUT, a conflict re-application, a folder lookup). Batches report progress and may legitimately run
longer; each of their calls keeps its own 30 s deadline.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar

_ends_at: ContextVar[float | None] = ContextVar("operation_ends_at", default=None)


@contextlib.contextmanager
def budget(seconds: float) -> Iterator[None]:
    token = _ends_at.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _ends_at.reset(token)


def remaining() -> float | None:
    """Seconds left in the current operation's budget, or None outside one."""
    ends_at = _ends_at.get()
    return None if ends_at is None else ends_at - time.monotonic()
