"""Records → OrderDesk JSON, with the documented types (orderdesk-api.md §4): order ids are strings,
`folder_id` and inventory ids are ints, shipment values are strings, empty maps are PHP's `[]`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from django.db.models.functions import Lower

from sandbox.engine.values import fmt_date, fmt_timestamp, money, php_map
from sandbox.models import (
    SandboxInventoryItem,
    SandboxOrder,
    SandboxOrderItem,
    SandboxShipment,
    SandboxStore,
)

SHIPPING_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "address3",
    "address4",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
)
CUSTOMER_FIELDS = tuple(f for f in SHIPPING_FIELDS if f not in {"address3", "address4"})
RETURN_ADDRESS_FIELDS = (
    "title",
    "name",
    "company",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
)


def address(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, str]:
    return {name: str(data.get(name, "") or "") for name in fields}


def order_item(item: SandboxOrderItem) -> dict[str, Any]:
    return {
        "id": str(item.item_id),
        "name": item.name,
        "price": money(item.price),
        "quantity": item.quantity,
        "weight": item.weight,
        "code": item.code,
        "delivery_type": item.delivery_type,
        "category_code": item.category_code,
        "fulfillment_method": item.fulfillment_method,
        "variation_list": php_map(item.variation_list),
        "metadata": php_map(item.metadata),
    }


def shipment(record: SandboxShipment, *, order: SandboxOrder, store: SandboxStore) -> dict[str, Any]:
    return {
        "id": str(record.shipment_id),
        "order_id": str(order.order_id),
        "store_id": store.orderdesk_store_id,
        "tracking_number": record.tracking_number,
        "carrier_code": record.carrier_code,
        "shipment_method": record.shipment_method,
        "weight": record.weight,
        "cost": record.cost,
        "status": record.status,
        "tracking_url": record.tracking_url,
        "label_format": record.label_format,
        "label_image": record.label_image,
        "print_status": record.print_status,
        "order_items": "",
        "cart_shipment_id": record.cart_shipment_id,
        "label_shipment_id": record.label_shipment_id,
        "date_shipped": fmt_date(record.date_shipped),
        "date_added": fmt_timestamp(record.date_added),
    }


def email_counts(store: SandboxStore, emails: Iterable[str]) -> dict[str, int]:
    """`email_count` is "number of orders with this email": one grouped query per page. Carts
    differ in the case of e-mail addresses, so they are compared lower-cased."""
    wanted = {email.lower() for email in emails if email}
    if not wanted:
        return {}
    rows = (
        SandboxOrder.objects.filter(store=store)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=wanted)
        .values("email_lower")
        .annotate(n=Count("id"))
    )
    return {row["email_lower"]: row["n"] for row in rows}


def order(
    record: SandboxOrder,
    *,
    store: SandboxStore,
    counts: dict[str, int] | None = None,
    with_history: bool = False,
) -> dict[str, Any]:
    """One order. Items and shipments come from prefetched relations when present."""
    if counts is None:
        counts = email_counts(store, [record.email])
    data: dict[str, Any] = {
        "id": str(record.order_id),
        "email": record.email,
        "shipping_method": record.shipping_method,
        "quantity_total": record.quantity_total,
        "weight_total": round(record.weight_total, 3),
        "product_total": money(record.product_total),
        "shipping_total": money(record.shipping_total),
        "handling_total": money(record.handling_total),
        "tax_total": money(record.tax_total),
        "discount_total": money(record.discount_total),
        "order_total": money(record.order_total),
        "cc_number_masked": record.cc_number_masked,
        "cc_exp": record.cc_exp,
        "processor_response": record.processor_response,
        "payment_type": record.payment_type,
        "payment_status": record.payment_status,
        "processor_balance": money(record.processor_balance),
        "refund_total": money(record.refund_total),
        "customer_id": record.customer_id,
        "email_count": str(counts.get(record.email.lower(), 0)) if record.email else "0",
        "ip_address": record.ip_address,
        "tag_color": record.tag_color,
        "tag_name": record.tag_name,
        "source_name": record.source_name,
        "source_id": record.source_id,
        "fulfillment_name": record.fulfillment_name,
        "fulfillment_id": record.fulfillment_id,
        "folder_id": record.folder_id,
        "date_added": fmt_timestamp(record.date_added),
        "date_updated": fmt_timestamp(record.date_updated),
        "shipping": address(record.shipping, SHIPPING_FIELDS),
        "customer": address(record.customer, CUSTOMER_FIELDS),
        "return_address": address(record.return_address, RETURN_ADDRESS_FIELDS)
        if record.return_address
        else [],
        "checkout_data": php_map(record.checkout_data),
        "order_metadata": php_map(record.order_metadata),
        "discount_list": list(record.discount_list),
        "order_notes": list(record.order_notes),
        "order_items": [order_item(item) for item in record.items.all()],
        "order_shipments": [shipment(s, order=record, store=store) for s in record.shipments.all()],
    }
    if with_history:
        data["order_history"] = list(record.order_history)
    return data


def orders(
    records: list[SandboxOrder], *, store: SandboxStore, with_history: bool = False
) -> list[dict[str, Any]]:
    counts = email_counts(store, [record.email for record in records])
    return [order(r, store=store, counts=counts, with_history=with_history) for r in records]


def inventory_item(item: SandboxInventoryItem) -> dict[str, Any]:
    return {
        "id": item.item_id,
        "name": item.name,
        "code": item.code,
        "price": money(item.price),
        "cost": money(item.cost),
        "weight": item.weight,
        "stock": item.stock,
        "update_source": item.update_source,
        "location": item.location,
        "metadata": php_map(item.metadata),
        "variation_list": php_map(item.variation_list),
        "manufacturer_sku": item.manufacturer_sku,
        "date_added": fmt_timestamp(item.date_added),
        "date_updated": fmt_timestamp(item.date_updated),
    }
