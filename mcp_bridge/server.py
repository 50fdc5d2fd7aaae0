"""The MCP server: every operation of the registry as a tool, over streamable HTTP at /mcp and over stdio.

This is the only module that imports the MCP SDK. Everything else it needs is SDK-free:
`mcp_auth` (the HTTP guard and the caller), `mcp_limits` (rate limits), `mcp_tools` (tool contracts,
argument clean-up, error messages) and `mcp_output` (structured content and the size cap).

`OrderDeskMCP` is the SDK's `MCPServer` with its two tool entry points replaced: `tools/list` shows
exactly the operations the caller's key may use (`Registry.for_actor`), and `tools/call` runs an
operation through `run_operation` (permission check, validation, trace, audit) with the tenant and
actor of the authenticated key, never from arguments. Operations added to the registry become tools
without any change here.

`McpHttpApp` is the ASGI app `orderdesk_admin.asgi` mounts: it owns the process lifespan (which runs
the SDK's session manager) and puts `McpGuard` in front of the SDK's streamable-HTTP app.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from importlib import metadata
from typing import Any

from django.conf import settings
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from mcp.types import Tool as MCPTool

from api_keys.core import aauthenticate
from kernel import context as request_context
from kernel.errors import NotFound, OperationError
from mcp_bridge import mcp_auth, mcp_limits, mcp_tools
from mcp_bridge.mcp_output import compact_json, fit
from operations.registry import REGISTRY, Operation, Registry
from operations.runner import run_operation
from stores.client import get_client
from tenants.actors import Actor

logger = logging.getLogger(__name__)

SERVER_NAME = "orderdesk-admin"
MCP_PATH = "/mcp"

INSTRUCTIONS = """\
OrderDesk Admin: read and change orders, order items, shipments and inventory in the OrderDesk stores \
this API key allows. The tools you see are exactly the ones your key may call.

- Start with stores_list: it shows the stores you can use and which one is your default. Every other \
tool takes an optional `store` (a store's id or name). Without it your default store (set one with \
stores_use) or your only store is used; if several stores fit, the error lists them.
- Lists are paged: they return 25 rows by default with `has_more` and `next_cursor`; pass `cursor` \
to get the next page. `fields` chooses how much of each row you get ("summary", "standard", "full"): \
start with summary. For counts and totals use orders_summary and products_low_stock instead of paging \
through raw rows.
- Creating tools (orders_create, shipments_add, …) take an `idempotency_key`: choose a unique string \
and send the same one again when retrying, so nothing is created twice. If an error says the outcome \
is unknown, check (e.g. with orders_get) before retrying.
- Updates take `changes` with only the fields to change; the server merges them into the current \
record and retries on conflicts.
- Errors name the field or the cause. "Rate limited: retry after N s" means wait N seconds. "Not \
found" means the object does not exist in the stores you can use.
- Field names follow OrderDesk's API (id, source_id, email, folder_id, order_total, date_added, …), so \
OrderDesk's documentation applies to them.
- A result over 100 KiB is cut to fit and carries `truncated` (which list was shortened, how many rows \
were returned and omitted). A cut page's `returned` counts the rows you got and its `next_cursor` \
continues at the first omitted row; a smaller `limit` or the summary preset avoids the cut.
"""


def _version() -> str:
    try:
        return metadata.version("orderdesk-admin")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def _tool(spec: mcp_tools.ToolSpec) -> MCPTool:
    op = spec.operation
    return MCPTool(
        name=op.name,
        title=op.title,
        description=op.description,
        input_schema=spec.input_schema,
        output_schema=spec.output.schema,
        annotations=ToolAnnotations(**spec.annotations()),
    )


class OrderDeskMCP(MCPServer):
    """MCPServer whose tools are the registry's operations, filtered and run per caller."""

    def __init__(self, registry: Registry, **kwargs: Any):
        super().__init__(SERVER_NAME, version=_version(), instructions=INSTRUCTIONS, **kwargs)
        self.registry = registry
        # Built on first use per operation and kept, keyed by name; a changed Operation object is rebuilt.
        self._specs: dict[str, tuple[mcp_tools.ToolSpec, MCPTool]] = {}

    def _spec(self, op: Operation) -> tuple[mcp_tools.ToolSpec, MCPTool]:
        cached = self._specs.get(op.name)
        if cached is None or cached[0].operation is not op:
            spec = mcp_tools.ToolSpec(op)
            cached = self._specs[op.name] = (spec, _tool(spec))
        return cached

    async def list_tools(self) -> list[MCPTool]:
        """The tools the current caller's key may call; nothing without a caller."""
        caller = mcp_auth.current_caller()
        actor = await caller.current_actor() if caller else None
        if actor is None:
            return []
        return [self._spec(op)[1] for op in self.registry.for_actor(actor)]

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context | None = None
    ) -> CallToolResult:
        caller = mcp_auth.current_caller()
        with request_context.bind(
            caller.request_context() if caller else request_context.current()
        ) as request:
            try:
                return await self._call(name, arguments, caller, context, request.request_id)
            except ToolError:
                raise
            except Exception:
                # The SDK would put this exception's text in the result: the caller gets only a reference.
                logger.exception("tool call %s crashed (request %s)", name, request.request_id)
                raise ToolError(mcp_tools.crash_message(request.request_id)) from None

    async def _call(
        self,
        name: str,
        arguments: dict[str, Any],
        caller: mcp_auth.Caller | None,
        context: Context | None,
        request_id: str,
    ) -> CallToolResult:
        actor = await caller.current_actor() if caller else None
        if caller is None or actor is None:
            raise ToolError("This API key is no longer valid (revoked or expired); ask for a new one.")
        retry_after = await mcp_limits.tool_call_exceeded(actor)
        if retry_after is not None:
            raise ToolError(
                f"Rate limited: retry after {retry_after} s "
                f"(this key may make {mcp_limits.calls_per_minute(actor)} tool calls per minute)."
            )
        try:
            op = self.registry.get(name)
        except NotFound:
            raise ToolError(mcp_tools.unknown_tool_message(name)) from None
        return await self._run(op, arguments, actor, context, request_id)

    async def _run(
        self, op: Operation, arguments: dict[str, Any], actor: Actor, ctx: Context | None, request_id: str
    ) -> CallToolResult:
        spec = self._spec(op)[0]
        # A tool outside the key's list still goes through run_operation, which refuses it before any
        # upstream call and records the attempt (trace + access.denied audit); the caller is told the
        # same as for a tool that does not exist.
        listed = any(allowed.name == op.name for allowed in self.registry.for_actor(actor))
        try:
            invocation = await run_operation(
                op,
                mcp_tools.coerce_arguments(op, arguments),
                actor=actor,
                progress=_progress_reporter(ctx) if op.reports_progress else None,
            )
        except OperationError as exc:
            message = mcp_tools.error_message(exc) if listed else mcp_tools.unknown_tool_message(op.name)
            raise ToolError(message) from None
        except Exception:
            # run_operation logged the crash with the request id; the caller gets only the reference.
            raise ToolError(mcp_tools.crash_message(request_id)) from None
        if not listed:  # cannot happen while run_operation checks permissions; never leak a result
            raise ToolError(mcp_tools.unknown_tool_message(op.name))
        return _result(spec, invocation.result)


def _result(spec: mcp_tools.ToolSpec, result: Any) -> CallToolResult:
    data = spec.output.structured(result)
    if data is None:
        return CallToolResult(content=[TextContent(type="text", text=compact_json(result))])
    text = compact_json(data)
    if len(text.encode()) > settings.MCP_RESPONSE_LIMIT:
        data = fit(data, settings.MCP_RESPONSE_LIMIT, source=result)
        text = compact_json(data)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def _progress_reporter(ctx: Context | None):
    async def report(done: float, total: float | None = None, message: str | None = None) -> None:
        if ctx is None:
            return
        try:
            await ctx.report_progress(done, total, message)
        except Exception:
            # A client that went away must not abort a batch half-way: the work goes on, unreported.
            logger.debug("progress notification dropped", exc_info=True)

    return report


def build_mcp_server(registry: Registry | None = None) -> OrderDeskMCP:
    """An MCP server over `registry` (the product's REGISTRY by default)."""
    return OrderDeskMCP(REGISTRY if registry is None else registry)


def transport_security() -> TransportSecuritySettings:
    """The SDK's own Host/Origin check, from the same settings the guard uses (defence in depth)."""
    hosts = mcp_auth.sdk_allowed_hosts()
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=hosts is not None,
        allowed_hosts=hosts or [],
        allowed_origins=mcp_auth.allowed_origins(),
    )


class McpHttpApp:
    """ASGI: the process lifespan (the SDK's session manager) and /mcp behind `McpGuard`.

    The SDK's session manager runs once per instance, so each lifespan (and each `running()` block in
    tests) builds a fresh streamable-HTTP app for the same server.
    """

    def __init__(self, server: OrderDeskMCP):
        self.server = server
        self._app: Any = None
        self._guarded = mcp_auth.McpGuard(self._dispatch)

    def _build(self) -> Any:
        return self.server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            # Any process can answer any request (no sessions to keep); SSE stays on so progress
            # notifications reach the client.
            stateless_http=True,
            json_response=False,
            transport_security=transport_security(),
        )

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            app = self._app = self._build()
            try:
                await app(scope, receive, send)  # Starlette runs the session manager for the lifespan
            finally:
                self._app = None
                await get_client().aclose()  # the pooled OrderDesk connections of this process
            return
        await self._guarded(scope, receive, send)

    async def _dispatch(self, scope, receive, send) -> None:
        if self._app is None:
            await send(
                {"type": "http.response.start", "status": 503, "headers": [(b"content-type", b"text/plain")]}
            )
            await send(
                {"type": "http.response.body", "body": b"The MCP endpoint is not running (no ASGI lifespan)."}
            )
            return
        await self._app(scope, receive, send)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[McpHttpApp]:
        """Serve /mcp without an ASGI server's lifespan (tests, embedding)."""
        app = self._build()
        async with self.server.session_manager.run():
            self._app = app
            try:
                yield self
            finally:
                self._app = None


async def serve_stdio(raw_key: str, actor: Actor, registry: Registry | None = None) -> None:
    """Serve the same tools over stdin/stdout for `actor` (the key is re-verified on every message)."""

    async def reauthenticate() -> Actor | None:
        return await aauthenticate(raw_key)

    server = build_mcp_server(registry)
    caller = mcp_auth.Caller(actor=actor, source="stdio", reauthenticate=reauthenticate)
    with request_context.bind(request_context.RequestContext(source="stdio")), mcp_auth.bind_caller(caller):
        await server.run_stdio_async()


mcp_server = build_mcp_server()
mcp_http_app = McpHttpApp(mcp_server)
