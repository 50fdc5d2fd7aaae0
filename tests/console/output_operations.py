"""Fake operations for the console's result view: a paged list, a write with an idempotency key, and
a call with a secret argument."""

from typing import Annotated, Any

from pydantic import Field

from operations.registry import Registry, describe
from tenants.actors import Actor, Permission
from tenants.models import Tenant
from tests.console.fake_operations import orders_echo, orders_fail

PAGES = {None: ("1001", "1002"), "p2": ("1003",)}
NEXT = {None: "p2", "p2": None}


async def orders_page(
    *,
    tenant: Tenant,
    actor: Actor,
    limit: Annotated[int, Field(ge=1, le=10, description="Rows per page.")] = 2,
    cursor: Annotated[str | None, Field(description="Where to continue.")] = None,
    folder: str = "New",
) -> dict[str, Any]:
    """List orders a page at a time."""
    rows = [
        {
            "id": order_id,
            "email": f"{order_id}@example.test",
            "items": [{"sku": "A-1", "qty": 2}],
            "note": None,
        }
        for order_id in PAGES[cursor][:limit]
    ]
    return {
        "orders": rows,
        "has_more": NEXT[cursor] is not None,
        "next_cursor": NEXT[cursor],
        "folder": folder,
    }


async def orders_make(
    *,
    tenant: Tenant,
    actor: Actor,
    note: str,
    idempotency_key: Annotated[str | None, Field(min_length=8, max_length=100)] = None,
) -> dict[str, Any]:
    """Make an order (a fake write)."""
    actor.require(Permission.WRITE)
    return {"note": note, "created": True}


async def stores_check(*, tenant: Tenant, actor: Actor, name: str, api_key: str) -> dict[str, Any]:
    """Check a store's credentials (a fake call with a secret argument)."""
    return {"name": name, "valid": len(api_key) > 3}


def output_registry() -> Registry:
    return Registry(
        [
            describe(orders_page, toolset="orders", read_only=True),
            describe(orders_make, toolset="orders"),
            describe(orders_echo, toolset="orders", read_only=True),
            describe(orders_fail, toolset="orders", read_only=True),
            describe(stores_check, toolset="stores", read_only=True),
        ]
    )
