"""Field presets: how much of an order a caller gets back.

`summary` (list default) is a few fields per order, small enough that a 25-order page stays far under
12 KiB; `standard` adds totals, addresses and brief items and shipments; `full` is the whole order as
OrderDesk sends it, unknown fields included. All three add the same derived conveniences: the folder's
name, the customer's display name, the shipping country and state, the item count and whether it
has shipped.
"""

from __future__ import annotations

from typing import Any

from orders.types import Order, OrderRow, OrderStandard, OrderSummary
from stores.decoding import as_int, as_int_or_none, as_list, as_map

PRESETS = {"summary": OrderSummary, "standard": OrderStandard, "full": Order}


def _display_name(address: dict[str, Any]) -> str:
    name = " ".join(str(address.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    return name or str(address.get("company") or "").strip()


def derived_fields(order: dict[str, Any], folders: dict[int, str]) -> dict[str, Any]:
    customer, shipping = as_map(order.get("customer")), as_map(order.get("shipping"))
    items = [i for i in as_list(order.get("order_items")) if isinstance(i, dict)]
    folder_id = as_int_or_none(order.get("folder_id"))
    return {
        "customer_name": _display_name(customer) or _display_name(shipping),
        "folder_name": folders.get(folder_id) if folder_id is not None else None,
        "shipping_country": str(shipping.get("country") or ""),
        "shipping_state": str(shipping.get("state") or ""),
        "item_count": sum(as_int(i.get("quantity"), 1) for i in items),
        "shipped": bool(as_list(order.get("order_shipments"))),
    }


def project(order: dict[str, Any], preset: str, folders: dict[int, str]) -> OrderRow:
    """The order in the shape `preset` names (summary, standard or full)."""
    model = PRESETS[preset]
    data = {**order, **derived_fields(order, folders)}
    if model is not Order:
        # Only the preset's own fields: validating the whole raw order would cost time for nothing.
        data = {name: data[name] for name in model.model_fields if name in data}
    for key in ("order_items", "order_shipments", "order_notes", "order_history", "discount_list"):
        if key in data:
            data[key] = [v for v in as_list(data[key]) if isinstance(v, dict)]
    for key in ("customer", "shipping"):
        if key in data:
            data[key] = as_map(data[key])
    return model.model_validate(data)
