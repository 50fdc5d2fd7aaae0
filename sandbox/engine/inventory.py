"""Inventory items (orderdesk-api.md §3.13) and PUT /batch-inventory-items (§3.14)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import QueryDict

from sandbox.engine import stores
from sandbox.engine.errors import bad_request
from sandbox.engine.order_query import DEFAULT_LIMIT, MAX_LIMIT
from sandbox.engine.values import (
    as_batch,
    as_float,
    as_int,
    as_map,
    as_money,
    as_object,
    as_text,
    bumped,
    get_by_number,
    now,
)
from sandbox.models import SandboxInventoryItem, SandboxStore

DEFAULT_UPDATE_SOURCE = "API"


@dataclass(frozen=True)
class InventoryPage:
    items: list[SandboxInventoryItem]
    total: int
    offset: int
    limit: int


def parse_inventory(body: Any, label: str = "inventory item") -> dict[str, Any]:
    """A whole inventory item: "a valid inventory item includes a name and code (sku)"; every other
    field is blank when omitted ("Any empty fields will be set to blank on the record").
    ASSUMPTION: `update_source` ("name of the last system to update") says "API" when not given."""
    body = as_object(body, label)
    values = {
        "name": as_text(body.get("name"), f"{label}.name").strip(),
        "code": as_text(body.get("code"), f"{label}.code").strip(),
        "price": as_money(body.get("price"), f"{label}.price"),
        "cost": as_money(body.get("cost"), f"{label}.cost"),
        "weight": as_float(body.get("weight"), f"{label}.weight"),
        "stock": as_int(body.get("stock"), f"{label}.stock"),
        "update_source": as_text(body.get("update_source"), f"{label}.update_source")
        or DEFAULT_UPDATE_SOURCE,
        "location": as_text(body.get("location"), f"{label}.location"),
        "metadata": as_map(body.get("metadata"), f"{label}.metadata"),
        "variation_list": as_map(body.get("variation_list"), f"{label}.variation_list"),
        "manufacturer_sku": None
        if body.get("manufacturer_sku") is None
        else as_text(body.get("manufacturer_sku"), f"{label}.manufacturer_sku"),
    }
    missing = [name for name in ("name", "code") if not values[name]]
    if missing:
        raise bad_request(f"{label} needs a name and a code (sku); missing: {', '.join(missing)}")
    return values


def _code_taken(store: SandboxStore, code: str, *, excluding: int | None = None) -> bool:
    others = SandboxInventoryItem.objects.filter(store=store, code=code)
    if excluding is not None:
        others = others.exclude(pk=excluding)
    return others.exists()


def _code_error(code: str):
    # ASSUMPTION (orderdesk-api.md §4.5 "unique SKU"): a second item with the same code is a 400.
    return bad_request(f"An inventory item with code {code!r} already exists")


def get_inventory_item(store: SandboxStore, item_id: Any) -> SandboxInventoryItem:
    """ASSUMPTION (orderdesk-api.md §5.1): an unknown id is 404 "Inventory Item Not Found"."""
    items = SandboxInventoryItem.objects.filter(store=store)
    return get_by_number(items, "item_id", item_id, "Inventory Item Not Found")


def list_inventory(store: SandboxStore, params: QueryDict) -> InventoryPage:
    """`code=a,b,c` [CORROBORATED FOXY], `search` (substring of name or code) and limit/offset with the
    orders' defaults. ASSUMPTION (§3.13): items come in id order; limit is clamped to 1..500."""
    items = SandboxInventoryItem.objects.filter(store=store)
    if codes := (params.get("code") or "").strip():
        items = items.filter(code__in=[part.strip() for part in codes.split(",") if part.strip()])
    if search := (params.get("search") or "").strip():
        items = items.filter(Q(name__icontains=search) | Q(code__icontains=search))
    limit = min(max(as_int(params.get("limit"), "limit", default=DEFAULT_LIMIT), 1), MAX_LIMIT)
    offset = max(as_int(params.get("offset"), "offset", default=0), 0)
    total = items.count()
    return InventoryPage(
        items=list(items.order_by("item_id")[offset : offset + limit]),
        total=total,
        offset=offset,
        limit=limit,
    )


def inventory_create(store: SandboxStore, body: Any) -> SandboxInventoryItem:
    values = parse_inventory(body)
    with transaction.atomic():
        store = stores.lock(store)
        if _code_taken(store, values["code"]):
            raise _code_error(values["code"])
        return _create(store, values)


def _create(store: SandboxStore, values: dict[str, Any]) -> SandboxInventoryItem:
    stamp = now()
    return SandboxInventoryItem.objects.create(
        store=store, item_id=stores.allocate_ids(store)[0], date_added=stamp, date_updated=stamp, **values
    )


def _replace(store: SandboxStore, item: SandboxInventoryItem, values: dict[str, Any]) -> None:
    if _code_taken(store, values["code"], excluding=item.pk):
        raise _code_error(values["code"])
    for name, value in values.items():
        setattr(item, name, value)
    item.date_updated = bumped(item.date_updated)
    item.save()


def inventory_replace(store: SandboxStore, item_id: Any, body: Any) -> SandboxInventoryItem:
    """PUT /inventory-items/{id}: full replacement, like the order PUT."""
    values = parse_inventory(body)
    with transaction.atomic():
        store = stores.lock(store)
        item = get_inventory_item(store, item_id)
        _replace(store, item, values)
    return item


def inventory_delete(store: SandboxStore, item_id: Any) -> int:
    with transaction.atomic():
        item = get_inventory_item(store, item_id)
        number = item.item_id
        item.delete()
    return number


def inventory_batch(store: SandboxStore, body: Any) -> int:
    """PUT /batch-inventory-items: a bare array of whole items [CORROBORATED FOXY] (a
    {"inventory_items": [...]} wrapper is accepted too).
    ASSUMPTION (§3.14): each entry replaces the item with its `id`, else the one with its `code`, else
    is created. The batch is all-or-nothing: one invalid entry rejects it with a 400."""
    entries = as_batch(body, "inventory_items", empty="Send a list of inventory items")
    parsed = []
    for index, raw in enumerate(entries):
        label = f"inventory_items[{index}]"
        values = parse_inventory(raw, label)
        raw_id = raw.get("id")
        parsed.append((as_int(raw_id, f"{label}.id") if raw_id not in (None, "") else None, values))
    with transaction.atomic():
        store = stores.lock(store)
        for number, values in parsed:
            item = None
            if number is not None:
                item = SandboxInventoryItem.objects.filter(store=store, item_id=number).first()
            if item is None:
                item = SandboxInventoryItem.objects.filter(store=store, code=values["code"]).first()
            if item is not None:
                _replace(store, item, values)
            else:
                _create(store, values)
    return len(parsed)
