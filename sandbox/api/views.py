"""The 26 endpoints of orderdesk-api.md §3: parse, call the engine, shape the documented reply.

ASSUMPTION (orderdesk-api.md §3.5, §8 question 2): creates answer 201 (orders, order items,
shipments, inventory items) and echo the created object; everything else answers 200.
"""

from __future__ import annotations

from sandbox.api.dispatch import Call, Reply, endpoint
from sandbox.engine import inventory, items, order_query, orders, serialize, shipments, stores
from sandbox.engine.values import fmt_timestamp, now


def _with_history(call: Call) -> bool:
    return (call.params.get("get_order_history") or "").strip() in ("1", "true", "True")


def _order_reply(call: Call, record, *, message: str | None = None, status: int = 200) -> Reply:
    data = serialize.order(record, store=call.store, with_history=_with_history(call))
    return Reply(payload={"order": data}, message=message, status=status, timing_message=message is None)


# --- Connection and store ---------------------------------------------------------------------------


def get_test(call: Call) -> Reply:
    """§3.1: "Connection Successful" and the system time in UTC."""
    return Reply(message="Connection Successful", payload={"current_date_time": fmt_timestamp(now())})


def get_store(call: Call) -> Reply:
    return Reply(payload={"store": stores.store_payload(call.store)})


# --- Orders -------------------------------------------------------------------------------------------


def list_orders(call: Call) -> Reply:
    page = order_query.list_orders(call.store, call.params)
    return Reply(
        timing_message=True,
        payload={
            "total_records": page.total,
            "records_returned": len(page.orders),
            "offset": page.offset,
            "limit": page.limit,
            "orders": serialize.orders(page.orders, store=call.store, with_history=page.with_history),
        },
    )


def create_order(call: Call) -> Reply:
    # ASSUMPTION (§3.5): the create's message is undocumented; "Order Added" matches the other creates.
    record = orders.order_create(call.store, call.body)
    return _order_reply(call, record, message="Order Added", status=201)


def get_order(call: Call, order_id: str) -> Reply:
    return _order_reply(call, orders.get_order(call.store, order_id))


def replace_order(call: Call, order_id: str) -> Reply:
    return _order_reply(call, orders.order_replace(call.store, order_id, call.body), message="Order Updated")


def delete_order(call: Call, order_id: str) -> Reply:
    # ASSUMPTION (§3.7): worded like the shipment and inventory deletes.
    return Reply(message=f"Order {orders.order_delete(call.store, order_id)} Deleted")


def add_history(call: Call, order_id: str) -> Reply:
    """§3.8: the order comes back with its `order_history`."""
    record = orders.order_add_history(call.store, order_id, call.body)
    record = orders.get_order(call.store, record.order_id)
    data = serialize.order(record, store=call.store, with_history=True)
    return Reply(payload={"total_records": 1, "order": data})


def move_orders(call: Call) -> Reply:
    results = orders.orders_move(call.store, call.body)
    moved = sum(1 for result in results if "original_folder_id" in result)
    return Reply(message=f"{moved} Orders Moved", payload={"results": results})


# --- Order items -----------------------------------------------------------------------------------


def list_items(call: Call, order_id: str) -> Reply:
    record = orders.get_order(call.store, order_id)
    data = [serialize.order_item(item) for item in record.items.all()]
    return Reply(payload={"total_records": len(data), "order_items": data})


def get_item(call: Call, order_id: str, item_id: str) -> Reply:
    item = items.get_item(orders.get_order(call.store, order_id), item_id)
    return Reply(payload={"order_item": serialize.order_item(item)})


def add_item(call: Call, order_id: str) -> Reply:
    # ASSUMPTION (§3.9, §8 question 2): the documented reply has only the message; the created item is
    # echoed too, so a client learns its id without another call.
    item = items.item_add(call.store, order_id, call.body)
    return Reply(message="Order Item Added", status=201, payload={"order_item": serialize.order_item(item)})


def replace_item(call: Call, order_id: str, item_id: str) -> Reply:
    item = items.item_replace(call.store, order_id, item_id, call.body)
    return Reply(message="Order Item Updated", payload={"order_item": serialize.order_item(item)})


def delete_item(call: Call, order_id: str, item_id: str) -> Reply:
    # ASSUMPTION (§3.9): no documented example; worded like the other deletes.
    return Reply(message=f"Order Item {items.item_delete(call.store, order_id, item_id)} Deleted")


# --- Shipments -------------------------------------------------------------------------------------


def _shipment_data(call: Call, record) -> dict:
    return serialize.shipment(record, order=record.order, store=call.store)


def list_shipments(call: Call, order_id: str) -> Reply:
    order = orders.get_order(call.store, order_id)
    data = [serialize.shipment(s, order=order, store=call.store) for s in order.shipments.all()]
    return Reply(payload={"total_records": len(data), "shipments": data})


def get_shipment(call: Call, order_id: str, shipment_id: str) -> Reply:
    order = orders.get_order(call.store, order_id)
    record = shipments.get_shipment(order, shipment_id)
    return Reply(payload={"shipment": serialize.shipment(record, order=order, store=call.store)})


def _not_added(call: Call, message: str) -> Reply:
    """The documented "Shipment Not Added" body; HTTP 200 unless the store says otherwise."""
    return Reply(outcome="error", message=message, status=call.store.duplicate_shipment_status)


def add_shipment(call: Call, order_id: str) -> Reply:
    try:
        record = shipments.shipment_add(call.store, order_id, call.body)
    except shipments.DuplicateShipment:
        return _not_added(call, "Shipment Not Added")
    data = _shipment_data(call, record)
    return Reply(message="Shipment Added", status=201, payload={"shipment": data})


def replace_shipment(call: Call, order_id: str, shipment_id: str) -> Reply:
    try:
        record = shipments.shipment_replace(call.store, order_id, shipment_id, call.body)
    except shipments.DuplicateShipment:
        return _not_added(call, "Shipment Not Updated")
    data = _shipment_data(call, record)
    return Reply(message="Shipment Updated", payload={"shipment": data})


def delete_shipment(call: Call, order_id: str, shipment_id: str) -> Reply:
    number = shipments.shipment_delete(call.store, order_id, shipment_id)
    return Reply(message=f"Shipment {number} Deleted")


def batch_shipments(call: Call) -> Reply:
    results = shipments.shipments_add_batch(call.store, call.body)
    added = sum(1 for result in results if result["status"] == "success")
    return Reply(message=f"{added} Shipments Added", payload={"results": results})


# --- Inventory -------------------------------------------------------------------------------------


def list_inventory(call: Call) -> Reply:
    page = inventory.list_inventory(call.store, call.params)
    return Reply(
        payload={
            "records_returned": len(page.items),
            "total_records": str(page.total),  # a numeric string, as documented for inventory
            "offset": page.offset,
            "limit": page.limit,
            "inventory_items": [serialize.inventory_item(item) for item in page.items],
        }
    )


def get_inventory_item(call: Call, item_id: str) -> Reply:
    item = inventory.get_inventory_item(call.store, item_id)
    return Reply(payload={"records_returned": 1, "inventory_item": serialize.inventory_item(item)})


def create_inventory_item(call: Call) -> Reply:
    item = inventory.inventory_create(call.store, call.body)
    data = serialize.inventory_item(item)
    return Reply(message="Inventory Item Added", status=201, payload={"inventory_item": data})


def replace_inventory_item(call: Call, item_id: str) -> Reply:
    item = inventory.inventory_replace(call.store, item_id, call.body)
    return Reply(message="Inventory Item Updated", payload={"inventory_item": serialize.inventory_item(item)})


def delete_inventory_item(call: Call, item_id: str) -> Reply:
    return Reply(message=f"Inventory Item {inventory.inventory_delete(call.store, item_id)} Deleted")


def batch_inventory(call: Call) -> Reply:
    # ASSUMPTION (§3.14): the reply shape is unseen; clients should rely only on `status`.
    count = inventory.inventory_batch(call.store, call.body)
    return Reply(message=f"{count} Inventory Items Updated")


# --- The views the URLconf routes to ---------------------------------------------------------------

test_view = endpoint(GET=get_test)
store_view = endpoint(GET=get_store)
orders_view = endpoint(GET=list_orders, POST=create_order)
order_view = endpoint(GET=get_order, PUT=replace_order, DELETE=delete_order)
history_view = endpoint(POST=add_history)
items_view = endpoint(GET=list_items, POST=add_item)
item_view = endpoint(GET=get_item, PUT=replace_item, DELETE=delete_item)
shipments_view = endpoint(GET=list_shipments, POST=add_shipment)
shipment_view = endpoint(GET=get_shipment, PUT=replace_shipment, DELETE=delete_shipment)
batch_shipments_view = endpoint(POST=batch_shipments)
move_orders_view = endpoint(POST=move_orders)
inventory_view = endpoint(GET=list_inventory, POST=create_inventory_item)
inventory_item_view = endpoint(
    GET=get_inventory_item, PUT=replace_inventory_item, DELETE=delete_inventory_item
)
batch_inventory_view = endpoint(PUT=batch_inventory)
