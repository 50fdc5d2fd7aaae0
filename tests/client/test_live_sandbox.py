"""The client against the sandbox emulator over real HTTP (pytest-django's live server)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time

import pytest
from asgiref.sync import sync_to_async

from kernel import tracing
from kernel.errors import UpstreamAuthFailed
from sandbox.models import SandboxStore
from stores.breaker import CircuitBreaker
from stores.client import OrderDeskClient
from stores.decoding import as_int
from stores.governor import LocalGovernor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paced_sandbox(sandbox):
    """The live sandbox with its rate-limit bucket on, as OrderDesk has it: these tests are about pacing
    and retries. Returns the store and its credentials."""
    set_sandbox(sandbox, rate_limit_enabled=True)
    return sandbox, sandbox.credentials()


@pytest.fixture
async def client():
    # Its own governor and breaker: the sandbox bucket of each test starts full, and so does ours.
    client = OrderDeskClient(governor=LocalGovernor(), breaker=CircuitBreaker())
    yield client
    await client.aclose()


def set_sandbox(store, **fields) -> None:
    SandboxStore.objects.filter(store=store).update(**fields)


async def test_it_tests_the_connection_and_lists_orders(paced_sandbox, client):
    _, creds = paced_sandbox

    with tracing.recording() as recorder:
        hello = await client.get(creds, "/test")
        page = await client.get(creds, "/orders", params={"limit": 5})

    assert hello["status"] == "success" and hello["message"] == "Connection Successful"
    assert len(page["orders"]) == 5
    assert as_int(page["total_records"]) == 12
    assert [(s.path, s.status) for s in recorder.spans] == [("/test", 200), ("/orders", 200)]
    assert all(s.tokens_remaining is not None for s in recorder.spans)
    assert recorder.spans[1].query == "limit=5"
    assert creds.api_key not in json.dumps([dataclasses.asdict(s) for s in recorder.spans], default=str)


async def test_it_waits_out_a_429_from_an_exhausted_sandbox_bucket(paced_sandbox, client):
    store, creds = paced_sandbox
    # Deeply empty (another client's burst): about 2 s until the next token, so the first attempt
    # surely meets the 429 however slowly the live server starts.
    await sync_to_async(set_sandbox)(store, bucket_tokens=-5.0, bucket_updated_at=time.time())

    with tracing.recording() as recorder:
        hello = await client.get(creds, "/test")

    assert hello["message"] == "Connection Successful"
    assert [(s.status, s.retry_reason) for s in recorder.spans] == [(429, "429"), (200, "")]
    assert recorder.spans[0].tokens_remaining == 0


async def test_it_paces_a_burst_so_the_sandbox_never_answers_429(paced_sandbox, client):
    _, creds = paced_sandbox

    with tracing.recording() as recorder:
        pages = await asyncio.gather(
            *(client.get(creds, "/orders", params={"limit": 1, "offset": n % 12}) for n in range(26))
        )

    assert all(page["status"] == "success" for page in pages)
    assert len(recorder.spans) == 26
    assert {s.status for s in recorder.spans} == {200}


async def test_it_retries_a_read_the_sandbox_fails_with_503(paced_sandbox, client):
    store, creds = paced_sandbox
    await sync_to_async(set_sandbox)(store, fault_script=["503", "ok"])

    with tracing.recording() as recorder:
        await client.get(creds, "/store")

    assert [(s.status, s.retry_reason) for s in recorder.spans] == [(503, "503"), (200, "")]


async def test_it_reports_a_wrong_key_as_rejected_credentials(paced_sandbox, client):
    _, creds = paced_sandbox
    wrong = dataclasses.replace(creds, api_key="not-the-key-0000")

    with pytest.raises(UpstreamAuthFailed) as caught:
        await client.get(wrong, "/test")

    assert caught.value.status == 401
    assert "not-the-key-0000" not in str(caught.value)
