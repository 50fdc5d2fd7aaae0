"""Fixtures for the OrderDesk client: a fake clock that also schedules sleepers, credentials, and a
client factory on httpx.MockTransport so every test can script an exact fault sequence."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest

from stores.breaker import CircuitBreaker
from stores.client import OrderDeskClient
from stores.governor import LocalGovernor
from stores.models import StoreCredentials

API_KEY = "od-key-7f3a9c1e5b2d4f6a8c0e"
BASE_URL = "https://app.orderdesk.me/api/v2"


class FakeClock:
    """Monotonic time that only moves when a sleeper is woken. `sleep` records every delay; `run`
    drives many tasks on virtual time: whenever every task is done or asleep, the earliest sleeper
    wakes and the clock jumps to its wake-up time."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future]] = []
        self._seq = itertools.count()
        self.driven = False

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if not self.driven:
            self.now += max(0.0, seconds)  # one caller at a time: sleeping just moves the clock
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._seq), future))
        await future

    async def run(self, coroutines: Iterable[Any]) -> list[Any]:
        self.driven = True
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        try:
            for _ in range(1_000_000):
                if all(t.done() for t in tasks):
                    break
                asleep = sum(1 for *_, f in self._sleepers if not f.done())
                if asleep + sum(t.done() for t in tasks) < len(tasks) or not self._sleepers:
                    await asyncio.sleep(0)
                    continue
                wake, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, wake)
                future.set_result(None)
                await asyncio.sleep(0)
            return await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self.driven = False


class Script:
    """A MockTransport handler that plays responses (or raises transport errors) in order and records
    every request with the fake time it was sent at. The last entry repeats when the script runs out."""

    def __init__(self, clock: FakeClock, steps: list[Any] | None = None):
        self.clock = clock
        self.steps = list(steps or [ok()])
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock.now)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if callable(step) and not isinstance(step, httpx.Response):
            step = step(request)
        if isinstance(step, BaseException):
            raise step
        return step

    @property
    def calls(self) -> int:
        return len(self.requests)


def ok(body: dict | None = None, *, status: int = 200, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(status, json={"status": "success", **(body or {})}, headers=headers)


def err(status: int, message: str = "Something went wrong", *, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(status, json={"status": "error", "message": message}, headers=headers)


class TopRandom(random.Random):
    """Backoff jitter that always picks the upper bound, so tests can see the cap."""

    def uniform(self, a: float, b: float) -> float:
        return b


def make_creds(**overrides: Any) -> StoreCredentials:
    values = {
        "store_pk": uuid.uuid4(),
        "tenant_id": uuid.uuid4(),
        "orderdesk_store_id": "11",
        "api_key": API_KEY,
        "base_url": BASE_URL,
    }
    values.update(overrides)
    return StoreCredentials(**values)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def creds() -> StoreCredentials:
    return make_creds()


@pytest.fixture
async def make_client(clock) -> Callable[..., tuple[OrderDeskClient, Script]]:
    """make_client(steps, **client_kwargs) → (client, script): a client on a scripted MockTransport with
    its own governor and breaker on the fake clock."""
    made: list[OrderDeskClient] = []

    def factory(steps: list[Any] | None = None, **kwargs: Any) -> tuple[OrderDeskClient, Script]:
        script = Script(clock, steps)
        kwargs.setdefault("governor", LocalGovernor(clock=clock))
        kwargs.setdefault("breaker", CircuitBreaker(clock=clock))
        kwargs.setdefault("rng", random.Random(7))
        client = OrderDeskClient(
            transport=httpx.MockTransport(script),
            clock=clock,
            sleep=clock.sleep,
            wall_clock=lambda: 1.7e9,
            **kwargs,
        )
        made.append(client)
        return client, script

    yield factory
    for client in made:
        await client.aclose()
