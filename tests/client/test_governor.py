"""The rate governor: OrderDesk's bucket (20 requests, 3 per second) is never overrun by this app."""

from __future__ import annotations

import math
import uuid

import httpx
import pytest
from django.conf import settings

from stores.client import OrderDeskClient
from stores.governor import START_LAG, LocalGovernor, RedisGovernor, bucket_key
from tests.client.conftest import FakeClock, Script, err, make_creds, ok


def assert_within_bucket(times: list[float], burst: int = 20, rate: float = 3.0) -> None:
    """Every window [times[i], times[j]] holds at most burst + rate·(length) requests."""
    times = sorted(times)
    for i in range(len(times)):
        for j in range(i, len(times)):
            allowed = burst + rate * (times[j] - times[i]) + 1e-6
            assert j - i + 1 <= allowed, f"{j - i + 1} requests in {times[j] - times[i]:.3f} s"


class OrderDeskBucket:
    """OrderDesk's side: a leaky bucket on the same clock, answering 429 when it is empty."""

    def __init__(self, clock: FakeClock, capacity: float = 20, rate: float = 3.0):
        self.clock, self.capacity, self.rate = clock, capacity, rate
        self.tokens, self.updated = capacity, clock.now
        self.rejected = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        now = self.clock.now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            self.rejected += 1
            wait = math.ceil((1 - self.tokens) / self.rate)
            return err(
                429, "Too Many Requests", headers={"X-Retry-After": str(wait), "X-Tokens-Remaining": "0"}
            )
        self.tokens -= 1
        return ok({"orders": []}, headers={"X-Tokens-Remaining": str(int(self.tokens))})


async def test_it_never_exceeds_the_bucket_under_50_concurrent_callers(make_client, clock):
    server = OrderDeskBucket(clock)
    client, script = make_client([server])
    creds = make_creds()

    async def caller(n: int) -> int:
        for page in range(4):
            await client.get(creds, "/orders", params={"caller": n, "page": page})
        return n

    results = await clock.run(caller(n) for n in range(50))

    assert results == list(range(50))  # every call succeeded
    assert script.calls == 200
    assert server.rejected == 0  # the client itself never caused a 429
    assert_within_bucket(script.times)
    # ... and it is not slower than it must be: 200 requests need (200 - 20) / 3 = 60 s at the least.
    assert script.times[-1] - script.times[0] < 60 * 1.05


def test_the_window_check_catches_a_burst_beyond_the_bucket():
    with pytest.raises(AssertionError):
        assert_within_bucket([0.0] * 21)
    with pytest.raises(AssertionError):
        assert_within_bucket([0.0] * 20 + [0.3])
    assert_within_bucket([0.0] * 20 + [1 / 3])


async def test_it_never_makes_a_caller_wait_while_tokens_are_left(make_client, creds, clock):
    client, script = make_client()

    for _ in range(19):
        await client.get(creds, "/orders")
    assert clock.sleeps == []

    clock.advance(START_LAG + 2)  # 6 tokens refilled (the refill counts from START_LAG after a burst)
    for _ in range(6):
        await client.get(creds, "/orders")
    assert clock.sleeps == []
    assert script.calls == 25


def test_it_reserves_slots_in_arrival_order_once_the_bucket_is_empty(clock):
    governor = LocalGovernor(clock=clock)
    waits = [governor.reserve_now("k").wait for _ in range(22)]

    assert waits[:19] == [0.0] * 19  # one token is kept back for network jitter
    # OrderDesk starts refilling when it counts the burst's first request, which may come later than
    # we sent it: the refill we count on starts START_LAG after the burst.
    assert waits[19:] == pytest.approx([START_LAG + 1 / 3, START_LAG + 2 / 3, START_LAG + 1.0])


def test_it_refuses_a_reservation_that_would_outlast_the_callers_deadline(clock):
    governor = LocalGovernor(clock=clock)
    for _ in range(19):
        governor.reserve_now("k")

    refused = governor.reserve_now("k", max_wait=START_LAG)
    granted = governor.reserve_now("k", max_wait=START_LAG + 0.5)

    assert not refused.granted and refused.wait == pytest.approx(START_LAG + 1 / 3)
    assert granted.granted and granted.wait == pytest.approx(START_LAG + 1 / 3)  # the refusal took no slot


async def test_it_answers_rate_limited_instead_of_waiting_past_the_deadline(make_client, creds, clock):
    from kernel.errors import RateLimited

    client, script = make_client()
    for _ in range(19):
        await client.get(creds, "/orders")

    with pytest.raises(RateLimited) as caught:
        await client.request(creds, "GET", "/orders", deadline=0.1)

    assert script.calls == 19 and clock.sleeps == []
    assert caught.value.retry_after == math.ceil(START_LAG + 1 / 3)


async def test_it_refuses_a_slot_that_would_leave_the_attempt_no_time_to_run(make_client, creds, clock):
    from kernel.errors import RateLimited
    from stores.upstream.policy import MIN_ATTEMPT_SECONDS

    client, script = make_client()
    for _ in range(19):
        await client.get(creds, "/orders")
    next_slot = START_LAG + 1 / 3

    # Sent after that wait, the POST would have milliseconds to run, time out and end as an unknown
    # outcome; refused before sending, it is a plain "retry later" with nothing applied.
    with pytest.raises(RateLimited):
        await client.request(creds, "POST", "/orders", json={"order_items": []}, deadline=next_slot + 0.01)
    assert script.calls == 19 and clock.sleeps == []

    await client.request(
        creds, "POST", "/orders", json={"order_items": []}, deadline=next_slot + MIN_ATTEMPT_SECONDS
    )
    assert script.calls == 20 and clock.sleeps == [pytest.approx(next_slot)]


async def test_it_lowers_its_estimate_when_orderdesk_reports_fewer_tokens(make_client, creds, clock):
    governor = LocalGovernor(clock=clock)
    client, _ = make_client([ok(headers={"X-Tokens-Remaining": "3"})], governor=governor)
    key = bucket_key(creds.base_url, creds.orderdesk_store_id)

    await client.get(creds, "/orders")  # another client of this store has been busy

    assert governor.estimate(key) == pytest.approx(3)
    waits = [governor.reserve_now(key).wait for _ in range(3)]
    assert waits[:2] == [0.0, 0.0] and waits[2] > 0


def test_it_ignores_a_report_that_differs_only_by_rounding(clock):
    governor = LocalGovernor(clock=clock)
    governor.reserve_now("k")
    governor.reserve_now("k")
    clock.advance(START_LAG + 0.1)  # our estimate: 18.3 tokens at OrderDesk

    governor.observe_now("k", 18)

    assert governor.estimate("k") == pytest.approx(18.3)


async def test_it_shares_one_bucket_between_tenants_registering_the_same_store(make_client, clock):
    client, _ = make_client()
    first = make_creds(orderdesk_store_id="42")
    second = make_creds(orderdesk_store_id="42")  # another tenant, another Store row, same OrderDesk store
    other = make_creds(orderdesk_store_id="43")

    for _ in range(19):
        await client.get(first, "/orders")
    await client.get(other, "/orders")
    assert clock.sleeps == []

    await client.get(second, "/orders")
    assert clock.sleeps == [pytest.approx(START_LAG + 1 / 3)]


async def test_it_shares_the_bucket_however_the_base_url_spells_the_host(make_client, clock):
    client, _ = make_client()
    plain = make_creds(orderdesk_store_id="42", base_url="https://app.orderdesk.me/api/v2")
    spelled_out = make_creds(orderdesk_store_id="42", base_url="https://APP.orderdesk.me:443/api/v2/")

    for _ in range(19):
        await client.get(plain, "/orders")
    await client.get(spelled_out, "/orders")  # the same OrderDesk store, so the same (now empty) bucket

    assert clock.sleeps == [pytest.approx(START_LAG + 1 / 3)]


# The shared governor needs a real Redis server; the CI run on PostgreSQL and Redis sets REDIS_URL.
needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs a Redis server: set REDIS_URL")


@needs_redis
async def test_it_shares_one_bucket_through_redis_between_two_clients(clock):
    """Two clients (as in two processes), each with its own Redis governor and connection pool."""
    governors = [RedisGovernor(settings.REDIS_URL), RedisGovernor(settings.REDIS_URL)]
    sleeps: list[list[float]] = [[], []]
    clients = []
    for governor, recorded in zip(governors, sleeps, strict=True):

        async def sleep(seconds: float, recorded=recorded) -> None:
            recorded.append(seconds)

        clients.append(
            OrderDeskClient(transport=httpx.MockTransport(Script(clock)), governor=governor, sleep=sleep)
        )
    creds = make_creds(orderdesk_store_id=f"redis-{uuid.uuid4().hex}")
    try:
        for _ in range(19):
            await clients[0].get(creds, "/orders")
        await clients[1].get(creds, "/orders")
        await clients[1].get(creds, "/orders")
    finally:
        for client, governor in zip(clients, governors, strict=True):
            await client.aclose()
            await governor.aclose()

    assert sleeps[0] == []
    assert len(sleeps[1]) == 2
    # The first client spent the burst: the second one waits its turn.
    assert START_LAG + 0.2 < sleeps[1][0] < START_LAG + 0.34
    assert sleeps[1][1] > sleeps[1][0]


@needs_redis
async def test_it_refuses_redis_reservations_beyond_the_deadline_without_taking_a_slot():
    governor = RedisGovernor(settings.REDIS_URL)
    key = f"test|{uuid.uuid4().hex}"
    try:
        waits = [(await governor.reserve(key)).wait for _ in range(19)]
        refused = await governor.reserve(key, max_wait=0.01)
        granted = await governor.reserve(key, max_wait=5)
        await governor.observe(key, 0)
        after_report = await governor.reserve(key, max_wait=5)
    finally:
        await governor.aclose()

    assert waits == [0.0] * 19
    assert not refused.granted
    assert granted.granted and START_LAG + 0.2 < granted.wait < START_LAG + 0.34
    assert after_report.wait > granted.wait + 0.2


async def test_it_falls_back_to_local_pacing_when_redis_is_unreachable(clock):
    fallback = LocalGovernor(clock=clock)
    governor = RedisGovernor("redis://127.0.0.1:1/0", fallback=fallback)
    try:
        reservation = await governor.reserve("k")
        await governor.observe("k", 2)
    finally:
        await governor.aclose()

    assert reservation.granted and reservation.wait == 0
    assert fallback.estimate("k") == pytest.approx(2)
