"""A small registry of fake async services covering every kind of console input.

They behave like real operations (keyword-only, typed, tenant and actor injected, spans and
snapshots recorded through the tracing recorder) without calling OrderDesk.
"""

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from kernel import tracing
from kernel.errors import InvalidInput, UpstreamError
from kernel.types import Changes, Progress, StoreRef
from operations.registry import Registry, describe
from stores.selectors import astore_for_call
from tenants.actors import Actor, Permission
from tenants.models import Tenant

# What the write operation did, so tests can check that a refused call changed nothing.
WRITES: list[dict[str, Any]] = []


class Line(BaseModel):
    sku: str
    quantity: int = 1


class Echo(BaseModel):
    arguments: dict[str, Any]
    store_name: str | None = None


async def orders_echo(
    *,
    tenant: Tenant,
    actor: Actor,
    title: Annotated[str, Field(description="A title to echo back.", max_length=40)],
    store: StoreRef = None,
    count: Annotated[int, Field(ge=1, le=10, description="How many copies.")] = 2,
    ratio: float | None = None,
    urgent: bool = False,
    flag: bool | None = None,
    color: Literal["red", "green"] = "red",
    size: Literal[1, 2, 3] | None = None,
    changes: Changes | None = None,
    lines: list[Line] | None = None,
) -> Echo:
    """Echo the arguments back.

    Used to check that every kind of input reaches the service intact."""
    actor.require(Permission.READ)
    found = await astore_for_call(tenant=tenant, actor=actor, store=store) if store else None
    tracing.record_span(
        tracing.SpanRecord(
            method="GET", path="/echo", started_at=datetime.now(UTC), duration_ms=1.5, status=200
        )
    )
    arguments = {
        "title": title,
        "count": count,
        "ratio": ratio,
        "urgent": urgent,
        "flag": flag,
        "color": color,
        "size": size,
        "changes": changes,
        "lines": [line.model_dump() for line in lines] if lines is not None else None,
    }
    return Echo(arguments=arguments, store_name=found.name if found else None)


async def orders_touch(
    *,
    tenant: Tenant,
    actor: Actor,
    order_id: Annotated[str, Field(description="The order to change.")],
    note: str = "",
) -> dict:
    """Change an order (a fake write)."""
    actor.require(Permission.WRITE)
    WRITES.append({"order_id": order_id, "note": note})
    tracing.note_before({"id": order_id, "note": "old"})
    tracing.note_after({"id": order_id, "note": note})
    return {"id": order_id, "note": note}


async def orders_fail(
    *,
    tenant: Tenant,
    actor: Actor,
    mode: Literal["invalid", "upstream", "crash"],
    title: str = "",
) -> dict:
    """Fail in the way asked for."""
    if mode == "invalid":
        raise InvalidInput("title: this title is already taken.", field="title")
    if mode == "upstream":
        raise UpstreamError("OrderDesk rejected the request: folder is locked.", status=422)
    raise RuntimeError("boom: a secret stack trace detail")


class Gate:
    """Lets a test hold the slow operation halfway and release it."""

    halfway: asyncio.Event | None = None
    release: asyncio.Event | None = None


async def orders_slow_batch(
    *,
    tenant: Tenant,
    actor: Actor,
    items: Annotated[int, Field(ge=1, le=100, description="How many items to process.")] = 2,
    label: Annotated[str, Field(pattern=r"^[a-z]+$", description="Lower-case letters only.")] = "batch",
    progress: Progress | None = None,
) -> dict:
    """Process items one by one, reporting progress."""
    if progress is not None:
        await progress(1, items, "Processed item 1")
    if Gate.halfway is not None:
        Gate.halfway.set()
    if Gate.release is not None:
        await Gate.release.wait()
    if progress is not None:
        await progress(items, items, f"Processed item {items}")
    return {"processed": items}


def fake_registry() -> Registry:
    return Registry(
        [
            describe(orders_echo, toolset="orders", read_only=True),
            describe(orders_touch, toolset="orders"),
            describe(orders_fail, toolset="orders", read_only=True),
            describe(orders_slow_batch, toolset="products", read_only=True),
        ]
    )
