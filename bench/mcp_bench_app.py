"""The ASGI app bench_mcp.py serves: the product, plus a trivial tool that exists only here.

    /mcp       the product's MCP server with one extra read-only tool, `bench_echo` (the SDK's and
               our stack's ceiling: no upstream call, no cache)
    /mcp-open  the same tools with authentication bypassed (a fixed caller from BENCH_KEY), to
               measure what the guard (Origin/Host checks, key verification, rate-limit check,
               connection clean-up) costs per call
    *          the product (Django pages, the sandbox emulator)

Not imported by the product.
"""

from __future__ import annotations

import contextlib
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderdesk_admin.settings")

# isort: off
from orderdesk_admin.asgi import application as product  # sets Django up first

from pydantic import BaseModel

from mcp_bridge.mcp_auth import Caller, bind_caller
from operations.registry import REGISTRY
from operations.registry import Registry, describe
from mcp_bridge.server import McpHttpApp, build_mcp_server
from kernel import context
from tenants.actors import Actor
from api_keys.core import aauthenticate
from tenants.models import Tenant

# isort: on


class Echoed(BaseModel):
    text: str


async def bench_echo(*, tenant: Tenant, actor: Actor, text: str = "ping") -> Echoed:
    """Echo `text` back (benchmark only)."""
    return Echoed(text=text)


REGISTRY_WITH_ECHO = Registry([*REGISTRY, describe(bench_echo, toolset="stores", read_only=True)])

guarded = McpHttpApp(build_mcp_server(REGISTRY_WITH_ECHO))
unguarded = McpHttpApp(build_mcp_server(REGISTRY_WITH_ECHO))
_open_actor: list[Actor] = []


async def _open(scope, receive, send) -> None:
    if not _open_actor:
        actor = await aauthenticate(os.environ["BENCH_KEY"])
        if actor is None:
            raise RuntimeError("BENCH_KEY is not a valid key")
        _open_actor.append(actor)
    caller = Caller(actor=_open_actor[0], source="mcp")
    with context.bind(context.RequestContext(source="mcp")), bind_caller(caller):
        await unguarded._dispatch({**scope, "path": "/mcp", "raw_path": b"/mcp"}, receive, send)


async def _lifespan(receive, send) -> None:
    async with contextlib.AsyncExitStack() as stack:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await stack.enter_async_context(guarded.running())
                await stack.enter_async_context(unguarded.running())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await stack.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def application(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "http" and scope["path"] == "/mcp":
        await guarded(scope, receive, send)
    elif scope["type"] == "http" and scope["path"] == "/mcp-open":
        await _open(scope, receive, send)
    else:
        await product(scope, receive, send)
