"""Fixtures for /mcp tests: API keys, the fake registry, and clients through the real ASGI stack.

Every request goes through `orderdesk_admin.asgi.application` (the Channels router, the guard, the
SDK's streamable-HTTP app) over httpx2's ASGI transport, with the SDK session manager running for the
duration of one `async with` block (the SDK's task group must be entered and left in one task).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx2
import pytest
from asgiref.sync import sync_to_async
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from mcp_bridge.server import mcp_http_app
from orderdesk_admin.asgi import application
from tenants.models import Tenant
from tests.factories import ApiKeyFactory
from tests.mcp import fake_ops

BASE = "http://127.0.0.1:8000"
URL = f"{BASE}/mcp"


@pytest.fixture
def committed(transactional_db):
    """Really committed writes: the async ORM runs on another thread with its own connection."""
    return None


@pytest.fixture
def acme_db(committed, acme):
    return acme


@pytest.fixture
def make_key(committed):
    """An API key row (ApiKeyFactory; the key service has its own tests): `await make_key(tenant, ...)`
    gives the raw key. `admin` is the stores:admin scope; other options are ApiKeyFactory's (scope,
    toolsets, stores, expires_at, revoked_at, calls_per_minute, name)."""

    @sync_to_async
    def make(tenant: Tenant, *, admin: bool = False, **options) -> str:
        return ApiKeyFactory(tenant=tenant, stores_admin=admin, **options).raw

    return make


@pytest.fixture
def fake_registry(monkeypatch):
    """Serve the fake operations instead of the product's registry."""
    monkeypatch.setattr(mcp_http_app.server, "registry", fake_ops.FAKE_REGISTRY)
    fake_ops.CALLS.clear()
    yield fake_ops.FAKE_REGISTRY
    fake_ops.CALLS.clear()


@pytest.fixture(params=["auto", "legacy"])
def mode(request) -> str:
    return request.param


def http_client(headers: dict[str, str] | None = None, **kwargs) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=application),
        base_url=BASE,
        headers=headers or {},
        timeout=30,
        **kwargs,
    )


@contextlib.asynccontextmanager
async def serving() -> AsyncIterator[None]:
    async with mcp_http_app.running():
        yield


@contextlib.asynccontextmanager
async def connect(
    raw_key: str, mode: str = "auto", headers: dict[str, str] | None = None, *, structured: bool = True
) -> AsyncIterator[Client]:
    """An SDK client for `raw_key`, through the whole ASGI application. `structured` asks for output
    schemas and structured results (an opt-in of the connection), which most tests read."""
    options = {"X-OrderDesk-Output-Schema": "true"} if structured else {}
    http = http_client({"Authorization": f"Bearer {raw_key}", **options, **(headers or {})})
    async with serving(), http, Client(streamable_http_client(URL, http_client=http), mode=mode) as client:
        yield client


@contextlib.asynccontextmanager
async def raw_http(headers: dict[str, str] | None = None) -> AsyncIterator[httpx2.AsyncClient]:
    """Plain HTTP to /mcp, for status codes and headers the SDK client hides."""
    async with serving(), http_client(headers) as http:
        yield http


MODERN_HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": "2026-07-28",
}


def modern_request(method: str, params: dict | None = None, *, name: str | None = None) -> tuple[dict, dict]:
    """A 2026-07-28 JSON-RPC request body and its routing headers."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "raw-test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**(params or {}), "_meta": meta}}
    headers = {**MODERN_HEADERS, "Mcp-Method": method}
    if name:
        headers["Mcp-Name"] = name
    return body, headers
