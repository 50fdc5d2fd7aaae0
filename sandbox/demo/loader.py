"""Writing generated demo data into a sandbox store, replacing whatever it held."""

from __future__ import annotations

from datetime import date

from asgiref.sync import async_to_sync
from django.db import transaction
from django.utils import timezone

from sandbox.demo.generator import DemoData, generate
from sandbox.engine import stores
from sandbox.engine.orders import recompute_totals
from sandbox.models import (
    SandboxFolder,
    SandboxInventoryItem,
    SandboxOrder,
    SandboxOrderItem,
    SandboxShipment,
    SandboxStore,
)
from stores.cache import invalidate


def load(store: SandboxStore, data: DemoData) -> None:
    """Empty the store and fill it with `data`. Ids restart from the store's first id, so loading the
    same data again gives the same ids."""
    with transaction.atomic():
        store = stores.lock(store)
        SandboxOrder.objects.filter(store=store).delete()
        SandboxInventoryItem.objects.filter(store=store).delete()
        SandboxFolder.objects.filter(store=store).delete()
        store.next_id = 1
        SandboxFolder.objects.bulk_create(
            SandboxFolder(store=store, folder_id=folder_id, name=name, position=position)
            for position, (folder_id, name) in enumerate(data.folders)
        )
        folder_ids = {name: folder_id for folder_id, name in data.folders}
        needed = len(data.inventory) + sum(1 + len(o.items) + len(o.shipments) for o in data.orders)
        ids = iter(stores.allocate_ids(store, needed))  # one counter update for the whole store
        SandboxInventoryItem.objects.bulk_create(
            SandboxInventoryItem(store=store, item_id=next(ids), **values) for values in data.inventory
        )
        orders, items, shipments = [], [], []
        for demo in data.orders:
            order_id = next(ids)
            order = SandboxOrder(
                store=store, order_id=order_id, folder_id=folder_ids[demo.folder], **demo.values
            )
            order.source_id = order.source_id or str(order_id)
            order_items = [
                SandboxOrderItem(order=order, item_id=next(ids), position=position, **values)
                for position, values in enumerate(demo.items)
            ]
            recompute_totals(order, order_items)
            refund = order.order_total if order.payment_status == "Fully Refunded" else 0
            if order.payment_status == "Partially Refunded":
                refund = min(order.order_total, order.shipping_total or order.order_total / 4)
            order.refund_total = round(refund, 2)
            order.processor_balance = (
                0 if order.payment_status == "Voided" else order.order_total - order.refund_total
            )
            orders.append(order)
            items += order_items
            shipments += [
                SandboxShipment(order=order, shipment_id=next(ids), **values) for values in demo.shipments
            ]
        SandboxOrder.objects.bulk_create(orders)
        for item in items:
            item.order_id = item.order.pk  # the orders got their primary keys just now
        for shipment in shipments:
            shipment.order_id = shipment.order.pk
        SandboxOrderItem.objects.bulk_create(items)
        SandboxShipment.objects.bulk_create(shipments)


def seed_store(store: SandboxStore, *, orders: int = 60, seed: int, reference: date | None = None) -> None:
    """Fill `store` with `orders` demo orders, deterministic for (`seed`, `reference` date)."""
    reference = reference or timezone.now().date()
    load(store, generate(seed=seed, reference=reference, orders=orders))
    SandboxStore.objects.filter(pk=store.pk).update(seed=seed, seeded_at=timezone.now())
    store.refresh_from_db()
    _forget_cached_reads(store)


def _forget_cached_reads(store: SandboxStore) -> None:
    """The app's read cache still holds the old orders, inventory and folders (whose ids change with
    the seed) under the tenant's Store: drop them once the new data is committed."""
    if store.store_id is None:
        return
    tenant_id, store_id = store.tenant_id, store.store_id
    transaction.on_commit(
        lambda: async_to_sync(invalidate)(tenant_id, store_id, "store", "orders", "inventory")
    )
