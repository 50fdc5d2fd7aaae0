"""Every operation of the product, declared once. The console, /mcp and mcp_stdio all read REGISTRY."""

from mcp_bridge.registry import Registry, operation
from stores import services as stores
from tenants.actors import Permission

STORE_OPERATIONS = [
    operation(stores.stores_list, toolset="stores", read_only=True),
    operation(stores.stores_get, toolset="stores", read_only=True),
    # Changes only the store's recorded last test result, never anything in OrderDesk.
    operation(stores.stores_test, toolset="stores", read_only=True),
    # Changes only which store the calling key's later calls default to.
    operation(stores.stores_use, toolset="stores", read_only=True, idempotent=True),
    operation(stores.stores_register, toolset="stores", permission=Permission.MANAGE_STORES),
    operation(stores.stores_delete, toolset="stores", permission=Permission.MANAGE_STORES, destructive=True),
]

REGISTRY = Registry([*STORE_OPERATIONS])
