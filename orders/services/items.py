"""Order item operations: add, update (fetch → merge → whole-item PUT, conflict-checked), delete."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from kernel import tracing
from kernel.errors import InvalidInput, NotFound
from kernel.types import Changes, ItemId, OrderId, StoreRef
from operations.registry import operation
from orders.services import merge
from orders.services.orders import fetch_order, not_found_message, order_label
from orders.types import OrderItem, OrderItemUpdated
from records.delete import delete_record
from records.locks import record_lock
from records.store_call import StoreCall, open_store, record_of, upstream_errors
from records.types import Deleted
from records.update import update_record
from stores.decoding import as_list, as_str_id
from tenants.actors import Actor
from tenants.models import Tenant

ItemData = Annotated[
    dict[str, Any],
    Field(
        description=(
            "The item to add, with OrderDesk's field names: name and/or code (SKU) required; price "
            "(default 0), quantity (default 1), weight, delivery_type (ship, noship, download, future), "
            'category_code, variation_list ({"Size": "L"}), metadata.'
        ),
        min_length=1,
    ),
]


def _items(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in as_list(order.get("order_items")) if isinstance(i, dict)]


def find_item(order: dict[str, Any], item_id: str, *, call: StoreCall, order_id: str) -> dict[str, Any]:
    for item in _items(order):
        if as_str_id(item.get("id")) == item_id:
            return item
    raise NotFound(f"Item {item_id} not found on order {order_id} in store {call.label}.", field="item_id")


@operation(toolset="order_items")
async def order_items_add(
    *, tenant: Tenant, actor: Actor, store: StoreRef = None, order_id: OrderId, item_data: ItemData
) -> OrderItem:
    """Add an item to an order. OrderDesk recomputes the order's totals.

    `item_data` needs a name or a code (SKU); price defaults to 0 and quantity to 1. Returns the new
    item with its id (use it with order_items_update / order_items_delete).
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    merge.refuse_read_only(item_data, merge.ITEM_READ_ONLY, argument="item_data")
    merge.check_known(item_data, merge.ITEM_FIELDS, argument="item_data")
    merge.check_item(item_data, argument="item_data")
    label = order_label(call, order_id)
    async with record_lock("order", tenant.pk, call.store.pk, order_id, label=label):
        before = await fetch_order(call, order_id)
        known = {as_str_id(i.get("id")) for i in _items(before)}
        tracing.note_before({"order_items": _items(before)})
        try:
            with upstream_errors(
                not_found=not_found_message(call, order_id), field="order_id", rejected_field="item_data"
            ):
                envelope = await call.post(f"/orders/{order_id}/order-items", dict(item_data))
        finally:
            await call.invalidate("orders", items=[order_id])
        item = record_of(envelope, "order_item")
        if item is None:  # OrderDesk answers "Order Item Added" without the item: find the new one
            after = await fetch_order(call, order_id)
            new = [i for i in _items(after) if as_str_id(i.get("id")) not in known]
            item = new[-1] if new else {**item_data}
    tracing.note_after(item)
    return OrderItem.model_validate(item)


# Destructive: the changed fields' old values are overwritten.
@operation(toolset="order_items", destructive=True, idempotent=True)
async def order_items_update(
    *,
    tenant: Tenant,
    actor: Actor,
    store: StoreRef = None,
    order_id: OrderId,
    item_id: ItemId,
    changes: Changes,
) -> OrderItemUpdated:
    """Change some fields of an order item (e.g. quantity, price, code); the rest stays as it is.

    The item is fetched, `changes` merged in (null removes a field; variation_list and metadata merge
    by key) and the whole item sent back, re-applied if the order changes meanwhile (up to 5 times).
    Fields: name, code, price, quantity, weight, delivery_type, category_code, fulfillment_method,
    variation_list, metadata; `id` cannot change. Returns the updated item; `changed` false: it already
    had these values, nothing was sent.
    """
    call = await open_store(tenant=tenant, actor=actor, store=store)
    merge.refuse_read_only(changes, merge.ITEM_READ_ONLY, argument="changes")
    merge.check_known(changes, merge.ITEM_FIELDS, argument="changes")
    merge.check_item(changes, argument="changes", require_name=False)
    label = order_label(call, order_id)

    def apply(order: dict[str, Any]) -> dict[str, Any]:
        item = find_item(order, item_id, call=call, order_id=order_id)
        merged = merge.merge_record(item, changes, nested=merge.ITEM_NESTED_MAPS)
        if not (str(merged.get("name") or "").strip() or str(merged.get("code") or "").strip()):
            raise InvalidInput(
                "An item needs a name or a code; the changes would remove both.", field="changes"
            )
        return merged

    async def send(payload: dict[str, Any]) -> dict[str, Any]:
        with upstream_errors(
            not_found=f"Item {item_id} not found on order {order_id} in store {call.label}.",
            field="item_id",
            rejected_field="changes",
            conflicts=True,
        ):
            envelope = await call.put(f"/orders/{order_id}/order-items/{item_id}", payload)
        return record_of(envelope, "order_item") or payload

    updated = await update_record(
        call,
        kind="order",
        record_id=order_id,
        resource="orders",
        label=label,
        fetch=lambda: fetch_order(call, order_id),
        apply=apply,
        send=send,
        snapshot=lambda order: find_item(order, item_id, call=call, order_id=order_id),
        compare=lambda order: find_item(order, item_id, call=call, order_id=order_id),
    )
    item = (
        updated.record
        if updated.changed
        else find_item(updated.record, item_id, call=call, order_id=order_id)
    )
    return OrderItemUpdated.model_validate({**item, "changed": updated.changed, "message": updated.message})


@operation(toolset="order_items", destructive=True, idempotent=True)
async def order_items_delete(
    *, tenant: Tenant, actor: Actor, store: StoreRef = None, order_id: OrderId, item_id: ItemId
) -> Deleted:
    """Remove an item from an order permanently. OrderDesk recomputes the order's totals."""
    call = await open_store(tenant=tenant, actor=actor, store=store)

    async def before() -> dict[str, Any]:
        return find_item(await fetch_order(call, order_id), item_id, call=call, order_id=order_id)

    envelope = await delete_record(
        call,
        kind="order",
        record_id=order_id,
        label=order_label(call, order_id),
        resource="orders",
        before=before,
        path=f"/orders/{order_id}/order-items/{item_id}",
        not_found=f"Item {item_id} not found on order {order_id} in store {call.label}.",
        field="item_id",
    )
    return Deleted(id=item_id, message=str(envelope.get("message") or f"Order item {item_id} deleted."))
