"""A circuit breaker per (tenant, store): stop calling an OrderDesk store that keeps failing.

Closed: every attempt goes through; 5 consecutive failed attempts (timeouts, connection errors, 5xx)
open it. Any answer that shows the store is reachable (2xx, 3xx, 4xx, 429) resets the count.
Open: for 30 s every attempt fails at once with UpstreamUnavailable and no upstream call.
Half-open: after those 30 s exactly one attempt (the probe) goes through while everyone else still
fails fast; its success closes the breaker, its failure opens it for another 30 s.

State lives in this process. Per-process is enough: a breaker protects the caller from waiting on a
dead store, and each process learns that within 5 attempts.

Written here rather than taken from pybreaker or aiobreaker: those wrap a callable and are synchronous
or thread-based, while this judges each HTTP attempt (not each call) from its answer, keeps one state
per store key and lets exactly one asyncio caller probe a half-open store; the whole is 90 lines.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from kernel import metrics
from kernel.errors import UpstreamUnavailable

FAILURE_THRESHOLD = 5
OPEN_SECONDS = 30.0


@dataclass
class _State:
    failures: int = 0
    opened_at: float | None = None  # set while open or half-open
    probing: bool = False  # the half-open probe is in flight


@dataclass(frozen=True)
class BreakerSnapshot:
    failures: int
    open: bool
    retry_in: int | None  # seconds until the next probe may go through, while open


class CircuitBreaker:
    def __init__(
        self,
        *,
        threshold: int = FAILURE_THRESHOLD,
        open_seconds: float = OPEN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[Hashable, bool], None] | None = None,
    ):
        self.threshold = threshold
        self.open_seconds = open_seconds
        self.clock = clock
        # Told (key, is_open) when a circuit opens or closes: the process-wide breaker's metrics.
        self.on_change = on_change
        self._states: dict[Hashable, _State] = {}
        self._lock = threading.Lock()

    def acquire(self, key: Hashable) -> bool:
        """Permission for one attempt. Returns True when the attempt is the half-open probe (the caller
        must then report its outcome, or `release` it if no outcome came). Raises UpstreamUnavailable
        while the circuit is open."""
        with self._lock:
            state = self._states.get(key)
            if state is None or state.opened_at is None:
                return False
            remaining = state.opened_at + self.open_seconds - self.clock()
            if remaining > 0 or state.probing:
                wait = max(1, math.ceil(remaining))
                raise UpstreamUnavailable(
                    "OrderDesk keeps failing for this store, so calls are paused "
                    f"(circuit open, retry in {wait} s).",
                    retry_after=wait,
                )
            state.probing = True
            return True

    def success(self, key: Hashable) -> None:
        """The store answered: close the circuit and reset the failure count."""
        with self._lock:
            state = self._states.pop(key, None)
        if state is not None and state.opened_at is not None:
            self._changed(key, is_open=False)

    def failure(self, key: Hashable) -> None:
        with self._lock:
            state = self._states.setdefault(key, _State())
            state.failures += 1
            opens = state.opened_at is None and state.failures >= self.threshold
            if state.probing or state.failures >= self.threshold:
                state.opened_at = self.clock()
                state.probing = False
        if opens:
            self._changed(key, is_open=True)

    def _changed(self, key: Hashable, *, is_open: bool) -> None:
        if self.on_change is not None:
            self.on_change(key, is_open)

    def release(self, key: Hashable) -> None:
        """A probe ended without an outcome (cancelled): let the next caller probe instead."""
        with self._lock:
            state = self._states.get(key)
            if state is not None and state.probing:
                state.probing = False

    def snapshot(self, key: Hashable) -> BreakerSnapshot:
        """The state for a status page: failures counted, and while open the seconds until a probe."""
        with self._lock:
            state = self._states.get(key)
            if state is None:
                return BreakerSnapshot(failures=0, open=False, retry_in=None)
            if state.opened_at is None:
                return BreakerSnapshot(failures=state.failures, open=False, retry_in=None)
            remaining = max(0, math.ceil(state.opened_at + self.open_seconds - self.clock()))
            return BreakerSnapshot(failures=state.failures, open=True, retry_in=remaining)

    def reset(self, key: Hashable) -> bool:
        """Close the circuit now (an operator fixed the store); returns whether it was open."""
        with self._lock:
            state = self._states.pop(key, None)
        was_open = state is not None and state.opened_at is not None
        if was_open:
            self._changed(key, is_open=False)
        return was_open

    def is_open(self, key: Hashable) -> bool:
        with self._lock:
            state = self._states.get(key)
            return state is not None and state.opened_at is not None


_default_breaker = CircuitBreaker(on_change=metrics.breaker_changed)


def default_breaker() -> CircuitBreaker:
    return _default_breaker
