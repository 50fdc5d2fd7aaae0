"""Order, order-item and shipment operations over the OrderDesk client.

Every operation is `async def name(*, tenant, actor, store=None, …)`: it checks the actor's permission,
resolves the store inside the caller's tenant, and talks to OrderDesk only through stores.client.
"""

from orders.services.items import order_items_add, order_items_delete, order_items_update
from orders.services.moves import orders_add_note, orders_move
from orders.services.orders import orders_create, orders_delete, orders_get, orders_list, orders_update
from orders.services.shipments import shipments_add, shipments_add_batch, shipments_delete, shipments_update
from orders.services.summary import orders_summary

__all__ = [
    "order_items_add",
    "order_items_delete",
    "order_items_update",
    "orders_add_note",
    "orders_create",
    "orders_delete",
    "orders_get",
    "orders_list",
    "orders_move",
    "orders_summary",
    "orders_update",
    "shipments_add",
    "shipments_add_batch",
    "shipments_delete",
    "shipments_update",
]
