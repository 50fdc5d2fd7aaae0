"""One time budget for an operation's upstream calls: no call outlives the operation that makes it."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from kernel import deadlines
from kernel.errors import RateLimited, UpstreamUnavailable
from operations.registry import describe
from operations.runner import run_operation
from tenants.actors import Actor
from tenants.models import Tenant
from tests.client.conftest import err, ok
from tests.helpers import actor_for


async def test_it_sends_nothing_once_the_operation_budget_is_used_up(make_client, creds):
    client, script = make_client([ok()])
    with deadlines.budget(0), pytest.raises(UpstreamUnavailable, match="time budget"):
        await client.get(creds, "/test")
    assert script.calls == 0


async def test_it_answers_at_once_when_a_retry_hint_outlasts_the_operation(make_client, creds, clock):
    # 10 s would fit the call's own 30 s deadline, but not the 5 s the operation has left.
    client, script = make_client([err(429, "Too Many Requests", headers={"X-Retry-After": "10"}), ok()])
    with deadlines.budget(5), pytest.raises(RateLimited) as caught:
        await client.get(creds, "/orders")
    assert script.calls == 1 and caught.value.retry_after == 10
    assert clock.sleeps == []


async def test_it_leaves_a_call_its_own_deadline_outside_an_operation(make_client, creds):
    client, script = make_client([err(429, "Too Many Requests", headers={"X-Retry-After": "10"}), ok()])
    assert await client.get(creds, "/orders") == {"status": "success"}
    assert script.calls == 2


class Left(BaseModel):
    seconds: float | None


async def budget_left(*, tenant: Tenant, actor: Actor) -> Left:
    """How much of the operation's time budget is left."""
    return Left(seconds=deadlines.remaining())


async def batch_budget_left(*, tenant: Tenant, actor: Actor, progress=None) -> Left:
    """The same for a batch (it reports progress)."""
    return Left(seconds=deadlines.remaining())


@pytest.fixture
def owner(transactional_db, alice) -> Actor:
    return actor_for(alice)


async def test_it_gives_each_operation_but_batches_a_30_second_budget(settings, owner):
    plain = await run_operation(describe(budget_left, toolset="stores", read_only=True), {}, actor=owner)
    batch = await run_operation(
        describe(batch_budget_left, toolset="stores", read_only=True), {}, actor=owner
    )
    assert 29 < plain.result.seconds <= settings.ORDERDESK_OPERATION_DEADLINE == 30
    assert batch.result.seconds is None
    assert deadlines.remaining() is None  # the budget ends with the operation
