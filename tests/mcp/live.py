"""The whole application on a real loopback socket, for streams that must arrive while the response
is still open (`subscriptions/listen`): httpx's ASGI transport hands over a response only once the
app has finished it."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator

import anyio
import httpx2
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from orderdesk_admin.asgi import application


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def serving_on(port: int) -> AsyncIterator[None]:
    """The application served by uvicorn in this event loop on 127.0.0.1:`port`, until the block ends."""
    server = uvicorn.Server(
        uvicorn.Config(
            application,
            host="127.0.0.1",
            port=port,
            lifespan="on",
            log_level="warning",
            log_config=None,  # keep the logging the app configured: tests read its handlers
            proxy_headers=False,
        )
    )
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers no started event
                await anyio.sleep(0.01)
        try:
            yield
        finally:
            server.should_exit = True


@contextlib.asynccontextmanager
async def live_connect(raw_key: str) -> AsyncIterator[Client]:
    """A 2026-07-28 SDK client for `raw_key` against the application served by uvicorn in this loop."""
    port = free_port()
    headers = {"Authorization": f"Bearer {raw_key}"}
    async with (
        serving_on(port),
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)) as client,
    ):
        yield client
