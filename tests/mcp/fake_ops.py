"""A small registry of fake operations, shaped like the real ones (async, keyword-only, typed, pydantic
results), so the MCP layer can be tested whatever the real services do today.

`CALLS` records every body that ran: a refused call must leave it empty ("zero upstream calls").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from kernel.errors import Conflict, NotFound, OutcomeUnknown, RateLimited, UpstreamAuthFailed
from kernel.types import Limit, Note, OrderId, Progress, StoreRef
from operations.registry import Registry, describe
from tenants.actors import Actor, Permission
from tenants.models import Tenant

CALLS: list[tuple[str, dict]] = []


class Echo(BaseModel):
    text: str
    times: int
    tenant: str = Field(description="The tenant the call ran for.")
    key: str | None = Field(None, description="The API key's id the call ran with.")


class NoteAdded(BaseModel):
    order_id: str
    note: str
    total: Decimal = Field(description="Money stays a decimal string.")


class Row(BaseModel):
    id: str
    email: str
    padding: str


class Page(BaseModel):
    orders: list[Row]
    has_more: bool = False
    next_cursor: str | None = None


class BatchDone(BaseModel):
    done: int


async def stores_echo(
    *,
    tenant: Tenant,
    actor: Actor,
    text: Annotated[str, Field(min_length=1, max_length=100, description="What to echo.")],
    times: Annotated[int, Field(ge=1, le=5, description="How many times.")] = 1,
    store: StoreRef = None,
) -> Echo:
    """Echo a text back (a read-only stand-in for a store tool)."""
    CALLS.append(("stores_echo", {"text": text, "times": times}))
    return Echo(
        text=text * times, times=times, tenant=str(tenant.pk), key=actor.api_key.pk if actor.api_key else None
    )


async def orders_add_fake_note(*, tenant: Tenant, actor: Actor, order_id: OrderId, note: Note) -> NoteAdded:
    """Add a note to an order (a write stand-in that pretends to call OrderDesk)."""
    actor.require(Permission.WRITE)
    CALLS.append(("orders_add_fake_note", {"order_id": order_id}))
    return NoteAdded(order_id=order_id, note=note, total=Decimal("12.50"))


async def stores_fake_register(
    *, tenant: Tenant, actor: Actor, name: Annotated[str, Field(max_length=80)]
) -> Echo:
    """Register a fake store (needs stores:admin)."""
    actor.require(Permission.MANAGE_STORES)
    CALLS.append(("stores_fake_register", {"name": name}))
    return Echo(text=name, times=1, tenant=str(tenant.pk))


async def products_fake_batch(
    *,
    tenant: Tenant,
    actor: Actor,
    count: Annotated[int, Field(ge=1, le=10)],
    progress: Progress | None = None,
) -> BatchDone:
    """Update products in a batch, reporting progress after each one."""
    actor.require(Permission.WRITE)
    for done in range(1, count + 1):
        CALLS.append(("products_fake_batch", {"step": done}))
        if progress is not None:
            await progress(done, count, f"item {done} of {count}")
    return BatchDone(done=count)


async def orders_fake_page(
    *, tenant: Tenant, actor: Actor, limit: Limit = 25, padding: Annotated[int, Field(ge=0, le=100_000)] = 10
) -> Page:
    """List fake orders; `padding` makes each row bigger."""
    CALLS.append(("orders_fake_page", {"limit": limit}))
    rows = [
        Row(id=str(1000 + i), email=f"shopper{i}@example.test", padding="x" * padding) for i in range(limit)
    ]
    return Page(orders=rows, has_more=True, next_cursor="c2")


async def orders_fake_fail(
    *,
    tenant: Tenant,
    actor: Actor,
    kind: Literal["not_found", "rate_limited", "outcome_unknown", "conflict", "upstream_auth", "crash"],
) -> Echo:
    """Fail in the way asked for."""
    CALLS.append(("orders_fake_fail", {"kind": kind}))
    if kind == "not_found":
        raise NotFound("No order 42 in store 'Main'.", field="order_id")
    if kind == "rate_limited":
        raise RateLimited("OrderDesk is busy for store 'Main'.", retry_after=7.2)
    if kind == "outcome_unknown":
        raise OutcomeUnknown("OrderDesk did not answer the create in time.")
    if kind == "conflict":
        raise Conflict("The order kept changing; gave up after 5 attempts.")
    if kind == "upstream_auth":
        raise UpstreamAuthFailed("OrderDesk rejected the credentials of store 'Main'; re-enter its API key.")
    raise RuntimeError("database password is hunter2")  # a crash: its text must never reach the client


FAKE_REGISTRY = Registry(
    [
        describe(stores_echo, toolset="stores", read_only=True, open_world=False),
        describe(orders_add_fake_note, toolset="orders"),
        describe(stores_fake_register, toolset="stores", permission=Permission.MANAGE_STORES),
        describe(products_fake_batch, toolset="products", idempotent=True),
        describe(orders_fake_page, toolset="orders", read_only=True),
        describe(orders_fake_fail, toolset="orders", read_only=True),
    ]
)
