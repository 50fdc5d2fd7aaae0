"""The operation registry: every service the console, /mcp and stdio expose, described once.

An `Operation` is a typed, keyword-only async service function plus what interfaces need to know about
it: its toolset, the permission it needs, and honest MCP hints. Its input model is generated from the
function's signature (unknown fields rejected) and its output type is the return annotation, so the
console form, the MCP tool schema and the validation all come from the same place.

`run_operation` is the single way to call one: it checks the actor, validates the arguments, records
the trace with its upstream spans, audits writes and returns the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from kernel import context, deadlines, tracing
from kernel.errors import Forbidden, InvalidInput, NotFound, OperationError
from kernel.types import Progress
from tenants.actors import Actor, Permission

logger = logging.getLogger(__name__)

# Filled in by the caller, never by arguments: the tenant and actor come from the credential.
INJECTED_PARAMETERS = frozenset({"tenant", "actor", "progress"})
TOOLSETS = ("stores", "orders", "order_items", "shipments", "products")


@dataclass(frozen=True)
class Operation:
    name: str
    func: Callable[..., Awaitable[Any]]
    toolset: str
    permission: Permission
    title: str
    description: str
    input_model: type[BaseModel]
    output_type: Any
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool  # it talks to OrderDesk, whose data shoppers and other systems also write
    reports_progress: bool

    @property
    def summary(self) -> str:
        return self.description.strip().splitlines()[0] if self.description.strip() else self.title

    def input_schema(self) -> dict[str, Any]:
        return self.input_model.model_json_schema()


def operation(
    func: Callable[..., Awaitable[Any]],
    *,
    toolset: str,
    read_only: bool = False,
    destructive: bool = False,
    idempotent: bool = False,
    open_world: bool = True,
    permission: Permission | None = None,
    title: str | None = None,
) -> Operation:
    """Describe a service function as an operation. Its name is the function's name."""
    if toolset not in TOOLSETS:
        raise ValueError(f"unknown toolset {toolset!r}")
    if not inspect.iscoroutinefunction(func):
        raise TypeError(f"{func.__qualname__} must be an async service function")
    hints = typing.get_type_hints(func, include_extras=True)
    signature = inspect.signature(func)
    fields: dict[str, Any] = {}
    for name, parameter in signature.parameters.items():
        if name in INJECTED_PARAMETERS:
            continue
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(f"{func.__qualname__}: parameter {name!r} must be keyword-only")
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[name] = (hints[name], default)
    input_model = create_model(
        f"{func.__name__}_arguments",
        __config__=ConfigDict(extra="forbid", title=f"{func.__name__} arguments"),
        **fields,
    )
    if permission is None:
        permission = Permission.READ if read_only else Permission.WRITE
    return Operation(
        name=func.__name__,
        func=func,
        toolset=toolset,
        permission=permission,
        title=title or func.__name__.replace("_", " ").capitalize(),
        description=inspect.getdoc(func) or "",
        input_model=input_model,
        output_type=hints.get("return"),
        read_only=read_only,
        destructive=destructive,
        idempotent=idempotent or read_only,
        open_world=open_world,
        reports_progress="progress" in signature.parameters,
    )


class Registry:
    def __init__(self, operations: Iterable[Operation]):
        self._by_name: dict[str, Operation] = {}
        for op in operations:
            if op.name in self._by_name:
                raise ValueError(f"operation {op.name} registered twice")
            self._by_name[op.name] = op

    def __iter__(self):
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> Operation:
        try:
            return self._by_name[name]
        except KeyError:
            raise NotFound(f"There is no operation called {name!r}.") from None

    def for_actor(self, actor: Actor) -> list[Operation]:
        """What this actor may see and call: its permissions and its key's toolsets decide."""
        return [op for op in self if actor.has(op.permission) and actor.allows_toolset(op.toolset)]


@dataclass
class Invocation:
    operation: Operation
    result: Any
    trace_id: Any


def validation_message(exc: ValidationError) -> tuple[str, str | None]:
    """A readable message naming every bad field, and the first field name (for forms)."""
    parts, first_field = [], None
    for error in exc.errors():
        location = ".".join(str(p) for p in error["loc"]) or "arguments"
        first_field = first_field or (str(error["loc"][0]) if error["loc"] else None)
        if error["type"] == "extra_forbidden":
            parts.append(f"{location}: unknown argument")
        elif error["type"] == "missing":
            parts.append(f"{location}: required")
        else:
            parts.append(f"{location}: {error['msg']}")
    return "Invalid arguments: " + "; ".join(parts), first_field


def check_allowed(op: Operation, actor: Actor) -> None:
    if not actor.allows_toolset(op.toolset):
        raise Forbidden(
            f"This API key is limited to the toolsets {sorted(actor.toolsets)}; {op.name} is in {op.toolset}."
        )
    actor.require(op.permission)


def _time_budget(op: Operation):
    if op.reports_progress:
        return contextlib.nullcontext()
    return deadlines.budget(settings.ORDERDESK_OPERATION_DEADLINE)


async def run_operation(
    op: Operation,
    arguments: dict[str, Any],
    *,
    actor: Actor,
    progress: Progress | None = None,
) -> Invocation:
    """Call `op` for `actor` with raw `arguments`, recording one Trace (and auditing a write).

    Raises OperationError subclasses for anticipated failures; anything else is a crash, logged here
    with the request id and re-raised for the interface to show generically.
    """
    from mcp_bridge import trace_store  # the Trace model lives with the viewer

    started = time.perf_counter()
    source = context.current().source
    error: BaseException | None = None
    result: Any = None
    with tracing.recording() as recorder:
        try:
            check_allowed(op, actor)
            try:
                validated = op.input_model.model_validate(arguments)
            except ValidationError as exc:
                message, field = validation_message(exc)
                raise InvalidInput(message, field=field) from None
            kwargs = {name: getattr(validated, name) for name in type(validated).model_fields}
            if op.reports_progress:
                kwargs["progress"] = progress
            # One 30 s budget for all of an operation's upstream calls; batches (which report
            # progress) may run longer, each of their calls keeping its own deadline.
            with _time_budget(op):
                result = await op.func(tenant=actor.tenant, actor=actor, **kwargs)
        except OperationError as exc:
            error = exc
        except Exception as exc:
            error = exc
            logger.exception("operation %s crashed (request %s)", op.name, context.current().request_id)
        except asyncio.CancelledError as exc:
            # The caller went away (client disconnect, timeout, server shutdown) while upstream calls,
            # writes among them, may already have been made: the call still gets its trace and audit.
            error = exc
        duration_ms = (time.perf_counter() - started) * 1000
        saving = trace_store.save_trace(
            op=op,
            actor=actor,
            source=source,
            arguments=arguments,
            recorder=recorder,
            result=result,
            error=error,
            duration_ms=duration_ms,
        )
        if isinstance(error, asyncio.CancelledError):
            # Shielded: a repeated cancellation must not stop the record of a cancelled call.
            await asyncio.shield(saving)
            raise error
        trace = await saving
    if error is not None:
        error.trace_id = trace.id if trace else None
        raise error
    return Invocation(operation=op, result=result, trace_id=trace.id if trace else None)
