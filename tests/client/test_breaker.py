"""The circuit breaker per (tenant, store): open after 5 failures, fail fast, one probe after 30 s."""

from __future__ import annotations

import asyncio

import pytest

from kernel.errors import RateLimited, UpstreamError, UpstreamUnavailable
from stores.breaker import CircuitBreaker
from tests.client.conftest import err, make_creds, ok


async def fail_times(client, creds, n: int) -> None:
    for _ in range(n):
        with pytest.raises(UpstreamUnavailable):
            await client.put(creds, "/orders/5", json={"id": "5"})  # a 500 on PUT is not retried


async def test_it_opens_after_five_consecutive_failures_and_then_calls_nothing(make_client, creds):
    client, script = make_client([err(500)])

    await fail_times(client, creds, 5)
    assert script.calls == 5

    with pytest.raises(UpstreamUnavailable) as caught:
        await client.get(creds, "/orders")

    assert script.calls == 5  # failed fast: zero upstream calls
    assert "circuit open, retry in 30 s" in str(caught.value)
    assert caught.value.retry_after == 30


async def test_it_counts_failed_attempts_of_retried_reads(make_client, creds):
    client, script = make_client([err(503)])

    with pytest.raises(UpstreamUnavailable):
        await client.get(creds, "/orders")  # 3 failed attempts
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.get(creds, "/orders")  # 2 more open the circuit; the third attempt fails fast

    assert script.calls == 5
    assert "circuit open" in str(caught.value)


async def test_it_does_not_count_refusals_and_resets_on_any_answer(make_client, creds):
    client, _ = make_client([err(500)] * 4 + [err(404, "Order Not Found")] + [err(500)] * 4 + [err(429)] * 3)

    await fail_times(client, creds, 4)
    with pytest.raises(UpstreamError):
        await client.get(creds, "/orders/1")
    await fail_times(client, creds, 4)
    with pytest.raises(RateLimited):
        await client.get(creds, "/orders/1")  # three 429s: refused, not broken

    assert not client.breaker.is_open((str(creds.tenant_id), str(creds.store_pk)))


async def test_it_lets_one_probe_through_after_30_seconds_and_closes_on_success(make_client, creds, clock):
    client, script = make_client([err(500)] * 5 + [ok({"probe": True})])
    await fail_times(client, creds, 5)

    clock.advance(29.5)
    with pytest.raises(UpstreamUnavailable):
        await client.get(creds, "/test")
    assert script.calls == 5

    clock.advance(0.5)
    assert (await client.get(creds, "/test"))["probe"] is True
    assert (await client.get(creds, "/test"))["probe"] is True  # closed again: calls flow
    assert script.calls == 7


async def test_it_fails_concurrent_callers_fast_while_the_probe_is_in_flight(make_client, creds, clock):
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_success(request):
        started.set()
        await release.wait()
        return ok({"probe": True})

    client, script = make_client([err(500)] * 5 + [slow_success])
    await fail_times(client, creds, 5)
    clock.advance(30)

    probe = asyncio.create_task(client.get(creds, "/test"))
    await started.wait()
    with pytest.raises(UpstreamUnavailable, match="circuit open"):
        await client.get(creds, "/orders")
    assert script.calls == 6

    release.set()
    assert (await probe)["probe"] is True


async def test_it_reopens_for_another_30_seconds_when_the_probe_fails(make_client, creds, clock):
    client, script = make_client([err(500)] * 6 + [ok()])
    await fail_times(client, creds, 5)
    clock.advance(30)

    await fail_times(client, creds, 1)  # the probe
    assert script.calls == 6
    clock.advance(29)
    with pytest.raises(UpstreamUnavailable, match="circuit open"):
        await client.get(creds, "/test")
    assert script.calls == 6

    clock.advance(1)
    await client.get(creds, "/test")
    assert script.calls == 7


async def test_it_keeps_one_circuit_per_tenant_and_store(make_client, creds):
    client, script = make_client([err(500)] * 5 + [ok()])
    await fail_times(client, creds, 5)

    same_store_other_tenant = make_creds(store_pk=creds.store_pk)
    other_store_same_tenant = make_creds(tenant_id=creds.tenant_id)
    await client.get(same_store_other_tenant, "/test")
    await client.get(other_store_same_tenant, "/test")

    assert script.calls == 7


def test_it_lets_the_next_caller_probe_when_a_probe_is_abandoned(clock):
    breaker = CircuitBreaker(clock=clock)
    for _ in range(5):
        breaker.failure("k")
    clock.advance(30)

    assert breaker.acquire("k") is True  # the probe
    with pytest.raises(UpstreamUnavailable):
        breaker.acquire("k")
    breaker.release("k")  # e.g. the probing request was cancelled

    assert breaker.acquire("k") is True


async def test_it_releases_the_probe_when_the_probing_call_is_cancelled(make_client, creds, clock):
    started, hang = asyncio.Event(), asyncio.Event()

    async def never(request):
        started.set()
        await hang.wait()

    client, script = make_client([err(500)] * 5 + [never, ok({"second": True})])
    await fail_times(client, creds, 5)
    clock.advance(30)

    probe = asyncio.create_task(client.get(creds, "/test"))
    await started.wait()
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe

    assert (await client.get(creds, "/test"))["second"] is True  # this caller became the new probe
    assert script.calls == 7
