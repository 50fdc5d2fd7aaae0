"""The operation registry: every service the product exposes, described once, where it is written.

A service becomes an operation with the `@operation(...)` decorator on its own definition:

    @operation(toolset="orders", idempotent=True)
    async def orders_update(*, tenant, actor, order_id: OrderId, changes: Changes, store: StoreRef = None):
        \"\"\"Change an order … (this docstring is the MCP tool description and the console's help).\"\"\"

The decorator records what every face needs to know: its toolset, the permission it needs (from
`read_only`, or given), honest MCP hints, an input model generated from the signature (unknown fields
rejected) and the return annotation as output type. It also guards the function itself: whoever calls
it, a face through `run_operation` or another service directly, the actor must hold that permission
inside its own tenant. So the permission is declared once and no caller can disagree with it.

Decorated services join `REGISTRY`, which the console, /mcp, stdio, the pages and management commands
read. Apps import their service modules when Django starts (`AppConfig.ready`), so the registry is
complete before the first request. `describe()` builds an Operation without registering it (tests use
it for fake operations in registries of their own).
"""

from __future__ import annotations

import difflib
import functools
import inspect
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, cast, runtime_checkable

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from kernel.errors import Forbidden, NotFound
from tenants.actors import Actor, Permission

# Filled in by the caller, never by arguments: the tenant and actor come from the credential.
INJECTED_PARAMETERS = frozenset({"tenant", "actor", "progress"})
TOOLSETS = ("stores", "orders", "order_items", "shipments", "products")
# Finding and choosing a store is needed whatever a key is for, so the stores toolset's reading tools
# (stores_list, stores_get, stores_use, stores_test) come with every toolset.
BASE_TOOLSET = "stores"


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


@runtime_checkable
class Service(Protocol):
    """A service declared with `@operation`: called as before, its Operation at `.operation`."""

    operation: Operation

    def __call__(self, **kwargs: Any) -> Awaitable[Any]: ...


def describe(
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
    """Describe an async, keyword-only service function as an operation named after the function."""
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
    """Operations by name, listed in toolset order, then by name."""

    def __init__(self, operations: Iterable[Operation] = ()):
        self._by_name: dict[str, Operation] = {}
        for op in operations:
            self.add(op)

    def add(self, op: Operation) -> None:
        if op.name in self._by_name:
            raise ValueError(f"operation {op.name} registered twice")
        self._by_name[op.name] = op

    def __iter__(self):
        return iter(sorted(self._by_name.values(), key=lambda op: (TOOLSETS.index(op.toolset), op.name)))

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> Operation:
        try:
            return self._by_name[name]
        except KeyError:
            raise NotFound(f"There is no operation called {name!r}.") from None

    def for_actor(self, actor: Actor) -> list[Operation]:
        """What this actor may see and call: its permissions and its key's toolsets decide."""
        return [op for op in self if refusal(op, actor) is None]


REGISTRY = Registry()


def operation(**declaration: Any) -> Callable[[Callable[..., Awaitable[Any]]], Service]:
    """Declare the decorated service an operation (see `describe` for the arguments) and register it.

    The returned function is the service guarded by the declared permission; its Operation is its
    `.operation` attribute.
    """

    def register(func: Callable[..., Awaitable[Any]]) -> Service:
        permission = declaration.get("permission") or (
            Permission.READ if declaration.get("read_only") else Permission.WRITE
        )

        @functools.wraps(func)
        async def guarded(*, tenant, actor: Actor, **kwargs: Any) -> Any:
            # Before any query or upstream call: a refused call costs nothing.
            actor.require_in(tenant, permission)
            return await func(tenant=tenant, actor=actor, **kwargs)

        service = cast(Service, guarded)
        service.operation = describe(guarded, **declaration)
        REGISTRY.add(service.operation)
        return service

    return register


def _known_names(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """The field names valid where `loc` points (following nested models), for "did you mean"."""
    for part in loc[:-1]:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return [] if model is None or not isinstance(part, int) else list(model.model_fields)
        annotation = model.model_fields[part].annotation
        nested = [arg for arg in (annotation, *typing.get_args(annotation)) if isinstance(arg, type)]
        model = next((arg for arg in nested if issubclass(arg, BaseModel)), None)
    return list(model.model_fields) if model is not None else []


def validation_message(exc: ValidationError, model: type[BaseModel] | None = None) -> tuple[str, str | None]:
    """A readable message naming every bad field, and the first field name (for forms). With the
    model, an unknown argument is answered with the closest valid name."""
    parts, first_field = [], None
    for error in exc.errors():
        location = ".".join(str(p) for p in error["loc"]) or "arguments"
        first_field = first_field or (str(error["loc"][0]) if error["loc"] else None)
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(error["loc"][-1]), _known_names(model, error["loc"]), n=1)
            parts.append(f"{location}: unknown argument" + (f" (did you mean {close[0]}?)" if close else ""))
        elif error["type"] == "missing":
            parts.append(f"{location}: required")
        else:
            parts.append(f"{location}: {error['msg']}")
    return "Invalid arguments: " + "; ".join(parts), first_field


def _toolset_allowed(op: Operation, actor: Actor) -> bool:
    base = op.toolset == BASE_TOOLSET and op.permission is Permission.READ
    return base or actor.allows_toolset(op.toolset)


_NEEDS = {
    Permission.READ: "access to this tenant",
    Permission.WRITE: "a read_write key (on a connection not limited to reading)",
    Permission.MANAGE_STORES: "a key with stores:admin",
    Permission.MANAGE_KEYS: "the owner role",
    Permission.MANAGE_TEAM: "the owner role",
}


def refusal(op: Operation, actor: Actor) -> str | None:
    """Why `actor` may not call `op` (what it would need), or None when it may."""
    if not _toolset_allowed(op, actor):
        allowed = ", ".join(sorted(actor.toolsets))
        return (
            f"{op.name} is not allowed for this key: it needs the {op.toolset} toolset "
            f"(this key has {allowed})."
        )
    if actor.has(op.permission):
        return None
    if actor.api_key is None:  # a member: the role's own wording
        try:
            actor.require(op.permission)
        except Forbidden as exc:
            return str(exc)
    return f"{op.name} is not allowed for this key: it needs {_NEEDS[op.permission]}."


def check_allowed(op: Operation, actor: Actor) -> None:
    """The actor's key covers the operation's toolset and the actor holds its permission."""
    reason = refusal(op, actor)
    if reason is not None:
        raise Forbidden(reason)
