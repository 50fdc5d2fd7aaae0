"""Every shared state is shared: three real uvicorn processes on PostgreSQL + Redis, as a deployment
with several workers runs, and no request depends on which process serves it.

- a key revoked through one process fails on the very next /mcp call to every other process, even
  one that has just verified it (its bcrypt result cached);
- twenty agents using one sandbox store through different processes never push it past its leaky
  bucket: the governor's bucket lives in Redis, so the sandbox answers no 429;
- a live-tail socket open on one process receives the trace of a call served by another.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import httpx2
import pytest
import websockets
from django.conf import settings
from django.test import Client as DjangoClient
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from operations.models import Span, Trace
from sandbox.models import SandboxStore
from sandbox.provisioning import provision_sandbox_store
from tests.factories import ApiKeyFactory
from tests.helpers import sign_in
from tests.reliability.servers import app_processes, shared_backends_missing

pytestmark = pytest.mark.django_db(transaction=True)

AGENTS = 20
CALLS_PER_AGENT = 3


@pytest.fixture(autouse=True)
def _shared_backends():
    reason = shared_backends_missing(redis=True)
    if reason:
        pytest.skip(reason)


@contextlib.asynccontextmanager
async def mcp_client(url: str, raw_key: str):
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {raw_key}"}, timeout=120) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
    ):
        yield client


async def _call_status(url: str, raw_key: str) -> int:
    """The HTTP status of one tools/call (stores_list) to `url` with `raw_key`."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "stores_list", "arguments": {}},
    }
    headers = {
        "Authorization": f"Bearer {raw_key}",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
    }
    async with httpx.AsyncClient(timeout=60) as http:
        return (await http.post(f"{url}/mcp", json=body, headers=headers)).status_code


def _signed_in_cookies(user) -> dict[str, str]:
    client = sign_in(DjangoClient(), user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def _revoke_through(url: str, cookies: dict[str, str], key_id: str) -> None:
    """Revoke the key on the keys page of the process at `url`, as its owner's browser does."""
    with httpx.Client(base_url=url, cookies=cookies, timeout=60, follow_redirects=False) as browser:
        assert browser.get("/keys/").status_code == 200
        token = browser.cookies[settings.CSRF_COOKIE_NAME]
        response = browser.post(
            f"/keys/{key_id}/revoke/",
            headers={"X-CSRFToken": token, "Origin": url, "Referer": f"{url}/keys/"},
        )
    assert response.status_code == 302, response.text[:500]


def test_a_key_revoked_through_one_process_is_refused_by_every_other_at_once(acme, alice, tmp_path):
    provision_sandbox_store(tenant=acme, orders=2, seed=3)
    key = ApiKeyFactory(tenant=acme, scope="read_write")
    cookies = _signed_in_cookies(alice)

    with app_processes(3, tmp_path, redis=True) as servers:
        urls = [server.url for server in servers]
        # Every process verifies the key once: its bcrypt result is now cached there.
        assert [asyncio.run(_call_status(url, key.raw)) for url in urls] == [200, 200, 200]
        _revoke_through(urls[0], cookies, key.pk)
        statuses = [asyncio.run(_call_status(url, key.raw)) for url in urls[1:]]

    assert statuses == [401, 401]


async def _agents_using_one_store(urls: list[str], raw_key: str, store: str) -> list[str]:
    """AGENTS SDK clients, spread over the processes, each reading the store CALLS_PER_AGENT times
    with arguments no cache has seen (every call goes upstream); the error texts."""

    async def agent(index: int) -> list[str]:
        errors = []
        async with mcp_client(urls[index % len(urls)], raw_key) as client:
            for call in range(CALLS_PER_AGENT):
                result = await client.call_tool(
                    "orders_list", {"store": store, "limit": 1 + index * CALLS_PER_AGENT + call}
                )
                if result.is_error:
                    errors.append(result.content[0].text)
        return errors

    outcomes = await asyncio.gather(*(agent(index) for index in range(AGENTS)))
    return [error for errors in outcomes for error in errors]


def test_twenty_agents_on_several_processes_never_push_one_store_past_its_bucket(acme, tmp_path):
    store = provision_sandbox_store(tenant=acme, orders=5, seed=4)
    assert SandboxStore.objects.get(store=store).rate_limit_enabled  # the sandbox counts OrderDesk's bucket
    raw_key = ApiKeyFactory(tenant=acme, scope="read").raw

    with app_processes(3, tmp_path, redis=True, sandbox_of_first=True) as servers:
        errors = asyncio.run(_agents_using_one_store([s.url for s in servers], raw_key, store.name))

    traces = Trace.objects.filter(tenant=acme, operation="orders_list")
    assert not errors, errors
    assert traces.count() == AGENTS * CALLS_PER_AGENT
    # More requests than one bucket holds went upstream, from three processes…
    assert Span.objects.filter(trace__in=traces).count() >= AGENTS * CALLS_PER_AGENT
    assert len({trace.request_id for trace in traces}) == AGENTS * CALLS_PER_AGENT
    # …and the single sandbox, which counts the store's bucket as OrderDesk does, refused none.
    refused = Span.objects.filter(trace__in=traces, status=429).count()
    assert refused == 0, f"the sandbox answered {refused} requests with 429"


async def _tail_receives_call(tail_url: str, origin: str, cookies: dict[str, str], call) -> str:
    """Open the live tail, make `call`, and return the first pushed message."""
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    async with websockets.connect(
        f"{tail_url}/ws/traces/", additional_headers={"Origin": origin, "Cookie": cookie}
    ) as socket:
        await call()
        return str(await asyncio.wait_for(socket.recv(), timeout=30))


def test_the_live_tail_on_one_process_receives_a_trace_made_through_another(acme, alice, tmp_path):
    store = provision_sandbox_store(tenant=acme, orders=2, seed=5)
    raw_key = ApiKeyFactory(tenant=acme, scope="read").raw
    cookies = _signed_in_cookies(alice)

    with app_processes(2, tmp_path, redis=True) as (tail_server, call_server):

        async def call_through_the_other() -> None:
            async with mcp_client(call_server.url, raw_key) as client:
                result = await client.call_tool("orders_list", {"store": store.name, "limit": 2})
                assert not result.is_error, result.content

        message = asyncio.run(
            _tail_receives_call(
                tail_server.url.replace("http://", "ws://"), tail_server.url, cookies, call_through_the_other
            )
        )

    trace = Trace.objects.get(tenant=acme, operation="orders_list")
    assert str(trace.pk) in message
    assert "orders_list" in message
