"""Every operation of the product, declared once. The console, /mcp and mcp_stdio all read REGISTRY."""

from mcp_bridge.registry import Registry, operation
from orders import services as orders
from products import services as products
from stores import services as stores
from tenants.actors import Permission

# stores_list, stores_use, stores_register and stores_delete only touch this app's own records
# (closed world); stores_get and stores_test ask OrderDesk.
STORE_OPERATIONS = [
    operation(stores.stores_list, toolset="stores", read_only=True, open_world=False),
    operation(stores.stores_get, toolset="stores", read_only=True),
    # Changes only the store's recorded last test result, never anything in OrderDesk.
    operation(stores.stores_test, toolset="stores", read_only=True),
    # Changes only which store the calling key's later calls default to.
    operation(stores.stores_use, toolset="stores", read_only=True, idempotent=True, open_world=False),
    operation(
        stores.stores_register, toolset="stores", permission=Permission.MANAGE_STORES, open_world=False
    ),
    operation(
        stores.stores_delete,
        toolset="stores",
        permission=Permission.MANAGE_STORES,
        destructive=True,
        open_world=False,
    ),
]

# Orders. Updates and moves are idempotent (the same call twice leaves the same order); creates and
# note adds are not (a note add skips an identical note, but a different one is added each time).
ORDER_OPERATIONS = [
    operation(orders.orders_list, toolset="orders", read_only=True),
    operation(orders.orders_get, toolset="orders", read_only=True),
    operation(orders.orders_summary, toolset="orders", read_only=True),
    operation(orders.orders_create, toolset="orders"),
    operation(orders.orders_update, toolset="orders", idempotent=True),
    operation(orders.orders_delete, toolset="orders", destructive=True, idempotent=True),
    operation(orders.orders_move, toolset="orders", idempotent=True),
    operation(orders.orders_add_note, toolset="orders"),
]

ORDER_ITEM_OPERATIONS = [
    operation(orders.order_items_add, toolset="order_items"),
    operation(orders.order_items_update, toolset="order_items", idempotent=True),
    operation(orders.order_items_delete, toolset="order_items", destructive=True, idempotent=True),
]

SHIPMENT_OPERATIONS = [
    operation(orders.shipments_add, toolset="shipments"),
    operation(orders.shipments_update, toolset="shipments", idempotent=True),
    operation(orders.shipments_delete, toolset="shipments", destructive=True, idempotent=True),
    operation(orders.shipments_add_batch, toolset="shipments"),
]

PRODUCT_OPERATIONS = [
    operation(products.products_list, toolset="products", read_only=True),
    operation(products.products_get, toolset="products", read_only=True),
    operation(products.products_low_stock, toolset="products", read_only=True),
    operation(products.products_create, toolset="products"),
    operation(products.products_update, toolset="products", idempotent=True),
    operation(products.products_delete, toolset="products", destructive=True, idempotent=True),
    operation(products.products_update_batch, toolset="products", idempotent=True),
]

REGISTRY = Registry(
    [*STORE_OPERATIONS, *ORDER_OPERATIONS, *ORDER_ITEM_OPERATIONS, *SHIPMENT_OPERATIONS, *PRODUCT_OPERATIONS]
)
