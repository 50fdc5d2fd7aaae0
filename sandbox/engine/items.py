"""Order items (orderdesk-api.md §3.9). Every change recomputes the order's totals."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sandbox.engine import stores
from sandbox.engine.orders import get_order, parse_item, refresh_totals
from sandbox.engine.values import get_by_number
from sandbox.models import SandboxOrder, SandboxOrderItem, SandboxStore


def get_item(order: SandboxOrder, item_id: Any) -> SandboxOrderItem:
    """ASSUMPTION (orderdesk-api.md §5.1): an unknown item is 404 "Order Item Not Found"."""
    return get_by_number(order.items, "item_id", item_id, "Order Item Not Found")


def item_add(store: SandboxStore, order_id: Any, body: Any) -> SandboxOrderItem:
    """POST /orders/{id}/order-items: one item object; documented defaults apply."""
    data = parse_item(body)
    with transaction.atomic():
        store = stores.lock(store)
        order = get_order(store, order_id, for_update=True)
        position = max((item.position for item in order.items.all()), default=-1) + 1
        item = SandboxOrderItem.objects.create(
            order=order, item_id=stores.allocate_ids(store)[0], position=position, **data.values
        )
        refresh_totals(order)
    return item


def item_replace(store: SandboxStore, order_id: Any, item_id: Any, body: Any) -> SandboxOrderItem:
    """PUT /orders/{id}/order-items/{item_id}: the whole item (omitted fields take the defaults)."""
    data = parse_item(body)
    with transaction.atomic():
        order = get_order(store, order_id, for_update=True)
        item = get_item(order, item_id)
        for name, value in data.values.items():
            setattr(item, name, value)
        item.save()
        refresh_totals(order)
    return item


def item_delete(store: SandboxStore, order_id: Any, item_id: Any) -> int:
    with transaction.atomic():
        order = get_order(store, order_id, for_update=True)
        item = get_item(order, item_id)
        number = item.item_id
        item.delete()
        refresh_totals(order)
    return number
