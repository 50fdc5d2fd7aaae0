"""The MCP server: every operation of the registry as a tool, over streamable HTTP at /mcp and over stdio.

This module and `mcp_resources` (order and folder resources) are the only ones that import the MCP
SDK. Everything else they need is SDK-free:
`mcp_auth` (the HTTP guard and the caller), `mcp_jsonrpc` (request ids the SDK would misread),
`mcp_limits` (rate limits), `mcp_tools` (tool contracts, argument clean-up, error messages) and
`mcp_output` (structured content and the size cap).

`OrderDeskMCP` is the SDK's `MCPServer` with its two tool entry points replaced: `tools/list` shows
exactly the operations the caller's key may use (`Registry.for_actor`), and `tools/call` runs an
operation through `run_operation` (permission check, validation, trace, audit) with the tenant and
actor of the authenticated key, never from arguments. Operations added to the registry become tools
without any change here. `resources/read` of an order or folder URI runs orders_get / orders_list the
same way, and `subscriptions/listen` streams their updates (`mcp_resources`).

`McpHttpApp` is the ASGI app `orderdesk_admin.asgi` mounts: it owns the process lifespan (which runs
the SDK's session manager) and puts `McpGuard`, then `RequestIdCheck`, in front of the SDK's
streamable-HTTP app.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from importlib import metadata
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac
from mcp.server import CacheHint, MCPServer
from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.server.request_state import RequestStateSecurity
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import (
    CallToolResult,
    ResourceTemplate,
    SubscriptionsListenRequestParams,
    TextContent,
    ToolAnnotations,
)
from mcp.types import Tool as MCPTool

from api_keys.core import aauthenticate
from kernel import context as request_context
from kernel.errors import NotFound, OperationError
from kernel.pool import RETRY_AFTER_SECONDS, pool_exhausted
from mcp_bridge import mcp_auth, mcp_https, mcp_jsonrpc, mcp_limits, mcp_resources, mcp_tools, resource_events
from mcp_bridge.instructions import DESCRIBE_TOOL, UNTRUSTED_NOTICE, instructions_for
from mcp_bridge.mcp_output import compact_json, fit
from operations.registry import REGISTRY, Operation, Registry, refusal
from operations.runner import run_operation
from records.store_call import open_store
from stores.client import get_client
from tenants.actors import Actor

logger = logging.getLogger(__name__)

SERVER_NAME = "orderdesk-admin"
MCP_PATH = "/mcp"


def _version() -> str:
    try:
        return metadata.version("orderdesk-admin")
    except metadata.PackageNotFoundError:
        return "0.1.0"


# Tools change only with a release or when a key is edited: clients may reuse a tools/list for a few
# minutes, each for its own credentials only.
TOOLS_LIST_TTL_MS = 300_000

UNSERVED_METHODS = ("prompts/list", "prompts/get")
# The operations behind the order and folder resources: a key that may call both may read them.
RESOURCE_OPERATIONS = ("orders_get", "orders_list")

DESCRIBE_TOOL_DEFINITION = MCPTool(
    name=DESCRIBE_TOOL,
    title="Describe a tool",
    description="A tool's full documentation: every argument described, the rules, and what it returns.",
    input_schema={
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
        "additionalProperties": False,
    },
    annotations=ToolAnnotations(read_only_hint=True, open_world_hint=False),
)


def _tool(spec: mcp_tools.ToolSpec, *, output_schema: bool) -> MCPTool:
    op = spec.operation
    return MCPTool(
        name=op.name,
        title=op.title,
        description=spec.description,
        input_schema=spec.wire_input_schema,
        output_schema=spec.output.schema if output_schema else None,
        annotations=ToolAnnotations(**spec.annotations()) if spec.annotations() else None,
    )


class _PerCallerInstructions:
    """The SDK reads `instructions` from its low-level server when it answers initialize (and
    server/discover); this makes that attribute the instructions written for the current caller."""

    def __init__(self, server: OrderDeskMCP):
        self.server = server

    def __get__(self, instance: Any, owner: Any = None) -> str:
        return self.server.instructions_now()

    def __set__(self, instance: Any, value: Any) -> None:  # the SDK's constructor sets it once
        pass


def _request_state_principal(ctx: Any) -> str | None:
    """The key a sealed requestState belongs to: another key's caller cannot continue it."""
    caller = mcp_auth.current_caller()
    api_key = caller.actor.api_key if caller is not None else None
    return f"key:{api_key.pk}" if api_key is not None else None


def shared_request_state_security() -> RequestStateSecurity:
    """The SDK seals the requestState of multi-round-trip requests with a key. By default it draws a
    random one per process, so a request begun on one worker could not be continued on another: derive
    it from SECRET_KEY instead (SECRET_KEY_FALLBACKS still unseal, for rotation), the same in every
    process of a deployment."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    keys = [
        salted_hmac("mcp_bridge.request_state", SERVER_NAME, secret=secret, algorithm="sha256").digest()
        for secret in secrets
    ]
    return RequestStateSecurity(keys=keys, bind_principal=_request_state_principal)


class OrderDeskMCP(MCPServer):
    """MCPServer whose tools are the registry's operations, filtered and run per caller."""

    def __init__(self, registry: Registry, **kwargs: Any):
        super().__init__(
            SERVER_NAME,
            version=_version(),
            cache_hints={"tools/list": CacheHint(ttl_ms=TOOLS_LIST_TTL_MS, scope="private")},
            # The SDK's listen handler would hand any event to anyone who names its URI:
            # mcp_resources.ResourceListenHandler (registered below) checks the caller's key instead.
            subscriptions=False,
            request_state_security=shared_request_state_security(),
            **kwargs,
        )
        lowlevel = self._lowlevel_server
        lowlevel.__class__ = type(
            "OrderDeskLowLevelServer",
            (type(lowlevel),),
            {"instructions": _PerCallerInstructions(self)},
        )
        # No prompts to offer: their methods are not served, so they are not advertised either (a
        # client that asks anyway gets "method not found").
        for method in UNSERVED_METHODS:
            lowlevel._request_handlers.pop(method, None)
        lowlevel.add_request_handler(
            "subscriptions/listen",
            SubscriptionsListenRequestParams,
            mcp_resources.ResourceListenHandler(self.may_read_resources),
        )
        self.registry = registry
        # Built on first use per operation and kept, keyed by name; a changed Operation object is rebuilt.
        self._specs: dict[str, tuple[mcp_tools.ToolSpec, MCPTool, MCPTool]] = {}

    def _spec(self, op: Operation) -> tuple[mcp_tools.ToolSpec, MCPTool, MCPTool]:
        """The tool's spec, and its definition without and with an output schema."""
        cached = self._specs.get(op.name)
        if cached is None or cached[0].operation is not op:
            spec = mcp_tools.ToolSpec(op)
            cached = self._specs[op.name] = (
                spec,
                _tool(spec, output_schema=False),
                _tool(spec, output_schema=True),
            )
        return cached

    def instructions_now(self) -> str:
        caller = mcp_auth.current_caller()
        return instructions_for(self.registry.for_actor(caller.actor) if caller else [])

    async def list_tools(self) -> list[MCPTool]:
        """The tools the current caller's key may call; nothing without a caller."""
        caller = mcp_auth.current_caller()
        actor = await caller.current_actor() if caller else None
        if caller is None or actor is None:
            return []
        variant = 2 if caller.output_schema(actor) else 1
        return [*(self._spec(op)[variant] for op in self.registry.for_actor(actor)), DESCRIBE_TOOL_DEFINITION]

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
        if name == DESCRIBE_TOOL:
            return self._describe(arguments, actor)
        try:
            op = self.registry.get(name)
        except NotFound:
            raise ToolError(self._unknown_tool(name, actor)) from None
        return await self._run(op, arguments, actor, context, request_id, caller.output_schema(actor))

    def may_read_resources(self, actor: Actor) -> bool:
        try:
            return all(refusal(self.registry.get(name), actor) is None for name in RESOURCE_OPERATIONS)
        except NotFound:  # a registry without them (tests) has no resources
            return False

    async def list_resources(self) -> list[Any]:
        return []  # no fixed resources: orders and folders are reached through the templates

    async def list_resource_templates(self) -> list[ResourceTemplate]:
        caller = mcp_auth.current_caller()
        actor = await caller.current_actor() if caller else None
        return mcp_resources.TEMPLATES if actor is not None and self.may_read_resources(actor) else []

    async def read_resource(self, uri: Any, context: Context | None = None) -> list[ReadResourceContents]:
        """An order or a folder's first page, read by the same operation as the tool, traced and
        audited like a tool call, scoped to the caller's tenant and key."""
        caller = mcp_auth.current_caller()
        with request_context.bind(caller.request_context() if caller else request_context.current()):
            actor = await caller.current_actor() if caller else None
            if caller is None or actor is None:
                raise ResourceError(
                    "This API key is no longer valid (revoked or expired); ask for a new one."
                )
            ref = resource_events.parse(str(uri))
            if ref is None:
                raise ResourceNotFoundError(f"Unknown resource: {uri}")
            retry_after = await mcp_limits.tool_call_exceeded(actor)
            if retry_after is not None:
                raise ResourceError(f"Rate limited: retry after {retry_after} s.")
            name, arguments = mcp_resources.read_call(ref)
            try:
                op = self.registry.get(name)
                invocation = await run_operation(op, arguments, actor=actor)
            except NotFound as exc:
                raise ResourceNotFoundError(str(exc)) from None
            except OperationError as exc:
                raise ResourceError(mcp_tools.error_message(exc)) from None
            text = _text(_result(self._spec(op)[0], invocation.result, structured=False))
            return [ReadResourceContents(content=text, mime_type=mcp_resources.JSON)]

    async def _links(self, arguments: dict[str, Any], actor: Actor, result: Any) -> list[Any]:
        """Resource links to the orders of a result (one order, or the first few of a page)."""
        ids = mcp_resources.order_ids(result)
        if not ids:
            return []
        try:
            store = arguments.get("store")
            call = await open_store(
                tenant=actor.tenant, actor=actor, store=store if isinstance(store, str) else None
            )
        except OperationError:
            return []
        return mcp_resources.order_links(call.store.pk, ids)

    def _unknown_tool(self, name: str, actor: Actor) -> str:
        listed = [op.name for op in self.registry.for_actor(actor)]
        return mcp_tools.unknown_tool_message(name, listed)

    def _describe(self, arguments: dict[str, Any], actor: Actor) -> CallToolResult:
        """The full documentation of one of the caller's tools (no upstream call, nothing recorded)."""
        name = arguments.get("name")
        if set(arguments) != {"name"} or not isinstance(name, str):
            raise ToolError(f"{DESCRIBE_TOOL} takes one argument, `name`: the name of a tool.")
        listed = {op.name: op for op in self.registry.for_actor(actor)}
        if name not in listed:
            raise ToolError(self._unknown_tool(name, actor))
        spec = self._spec(listed[name])[0]
        data = {
            "name": name,
            "description": spec.operation.description,
            "input_schema": spec.input_schema,
            "output_schema": spec.output.schema,
        }
        return CallToolResult(content=[TextContent(type="text", text=compact_json(data))])

    async def _run(
        self,
        op: Operation,
        arguments: dict[str, Any],
        actor: Actor,
        ctx: Context | None,
        request_id: str,
        output_schema: bool,
    ) -> CallToolResult:
        spec = self._spec(op)[0]
        # A tool outside the key's list still goes through run_operation, which refuses it before any
        # upstream call, records the attempt (trace + access.denied audit) and says what it would need.
        try:
            invocation = await run_operation(
                op,
                mcp_tools.coerce_arguments(op, arguments),
                actor=actor,
                progress=_progress_reporter(ctx) if op.reports_progress else None,
            )
        except OperationError as exc:
            raise ToolError(mcp_tools.error_message(exc)) from None
        except Exception:
            # run_operation logged the crash with the request id; the caller gets only the reference.
            raise ToolError(mcp_tools.crash_message(request_id)) from None
        refused = refusal(op, actor)
        if refused is not None:  # cannot happen while run_operation checks; never leak a result
            raise ToolError(refused)
        result = _result(spec, invocation.result, structured=output_schema)
        result.content.extend(await self._links(arguments, actor, invocation.result))
        return result


def _result(spec: mcp_tools.ToolSpec, result: Any, *, structured: bool) -> CallToolResult:
    """The result as compact JSON text, and as structured content too when the tool was listed with
    its output schema (sending it twice otherwise would only double what the agent reads)."""
    data = spec.output.structured(result)
    if data is None:
        return CallToolResult(content=[TextContent(type="text", text=compact_json(result))])
    if mcp_tools.carries_shopper_text(spec.operation):
        data = {**data, "data_notice": UNTRUSTED_NOTICE}
    text = compact_json(data)
    if len(text.encode()) > settings.MCP_RESPONSE_LIMIT:
        data = fit(data, settings.MCP_RESPONSE_LIMIT, source=result)
        text = compact_json(data)
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=data if structured else None
    )


def _text(result: CallToolResult) -> str:
    first = result.content[0]
    return first.text if isinstance(first, TextContent) else ""


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
        # The pages' HTTPS policy first: a plain-http request is refused before its key is looked at.
        self._guarded = mcp_https.HttpsPolicy(mcp_auth.McpGuard(mcp_jsonrpc.RequestIdCheck(self._dispatch)))

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
        started = False

        async def tracked_send(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._guarded(scope, receive, tracked_send)
        except Exception as exc:
            # No free database connection in time (checking the key, before the SDK runs): load to
            # shed, answered as the pages answer it, 503 with Retry-After.
            if started or not pool_exhausted(exc):
                raise
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"text/plain"),
                        (b"retry-after", b"%d" % RETRY_AFTER_SECONDS),
                    ],
                }
            )
            await send(
                {"type": "http.response.body", "body": b"The server is busy. Please try again shortly."}
            )

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


async def serve_stdio(
    raw_key: str,
    actor: Actor,
    options: mcp_auth.ConnectionOptions | None = None,
    registry: Registry | None = None,
) -> None:
    """Serve the same tools over stdin/stdout for `actor` (the key is re-verified on every message),
    narrowed by `options` like a /mcp connection's headers narrow it."""

    async def reauthenticate() -> Actor | None:
        return await aauthenticate(raw_key)

    options = options or mcp_auth.ConnectionOptions()
    server = build_mcp_server(registry)
    caller = mcp_auth.Caller(
        actor=options.narrow(actor), source="stdio", reauthenticate=reauthenticate, options=options
    )
    with request_context.bind(request_context.RequestContext(source="stdio")), mcp_auth.bind_caller(caller):
        await server.run_stdio_async()


mcp_server = build_mcp_server()
mcp_http_app = McpHttpApp(mcp_server)
