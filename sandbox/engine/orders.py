"""Order writes: create, whole-record replace, delete, history notes, moves, and the totals.

Every write runs in one transaction holding the store's row lock (`stores.lock`), so two writers of
one store queue instead of interleaving. There is no conflict detection: as on OrderDesk, the last
write wins (orderdesk-api.md §5.4).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from sandbox.engine import stores
from sandbox.engine.errors import bad_request
from sandbox.engine.serialize import CUSTOMER_FIELDS, RETURN_ADDRESS_FIELDS, SHIPPING_FIELDS
from sandbox.engine.values import (
    as_float,
    as_int,
    as_list,
    as_map,
    as_money,
    as_object,
    as_text,
    bumped,
    fmt_timestamp,
    get_by_number,
    now,
    parse_timestamp,
)
from sandbox.models import SandboxOrder, SandboxOrderItem, SandboxStore

TEXT_FIELDS = (
    "email",
    "shipping_method",
    "cc_exp",
    "processor_response",
    "payment_type",
    "payment_status",
    "customer_id",
    "ip_address",
    "tag_color",
    "tag_name",
    "source_name",
    "source_id",
    "fulfillment_name",
    "fulfillment_id",
)
MONEY_FIELDS = ("shipping_total", "handling_total", "tax_total", "processor_balance", "refund_total")
DELIVERY_TYPES = ("ship", "noship", "download", "future")
HISTORY_LIMIT = 250  # [THIRD-PARTY GLAMA] orderdesk-api.md §3.8
NOTE_LIMIT = 2000  # orderdesk-api.md §4.1: a note is at most 2000 characters including its metadata


@dataclass
class ItemInput:
    item_id: int | None
    values: dict[str, Any]


@dataclass
class OrderInput:
    values: dict[str, Any]
    items: list[ItemInput]
    given: set[str] = field(default_factory=set)
    date_added: Any = None


# --- Parsing ----------------------------------------------------------------------------------------


def parse_item(body: Any, label: str = "order item") -> ItemInput:
    """One order item. Omitted fields take the documented defaults (price 0, quantity 1, delivery
    `ship`), both on create and on a replacing PUT.
    ASSUMPTION (orderdesk-api.md §3.9): an item PUT replaces the whole item, like the other PUTs."""
    body = as_object(body, label)
    delivery = as_text(body.get("delivery_type"), f"{label}.delivery_type") or "ship"
    if delivery not in DELIVERY_TYPES:
        raise bad_request(f"{label}.delivery_type must be one of {', '.join(DELIVERY_TYPES)}")
    raw_id = body.get("id")
    return ItemInput(
        item_id=as_int(raw_id, f"{label}.id") if raw_id not in (None, "") else None,
        values={
            "name": as_text(body.get("name"), f"{label}.name"),
            "price": as_money(body.get("price"), f"{label}.price"),
            "quantity": as_int(body.get("quantity"), f"{label}.quantity", default=1, minimum=0),
            "weight": as_float(body.get("weight"), f"{label}.weight"),
            "code": as_text(body.get("code"), f"{label}.code"),
            "delivery_type": delivery,
            "category_code": as_text(body.get("category_code"), f"{label}.category_code"),
            "fulfillment_method": as_text(body.get("fulfillment_method"), f"{label}.fulfillment_method"),
            "variation_list": as_map(body.get("variation_list"), f"{label}.variation_list"),
            "metadata": as_map(body.get("metadata"), f"{label}.metadata"),
        },
    )


def _address(body: dict[str, Any], kind: str, fields: tuple[str, ...]) -> dict[str, str]:
    """Nested `shipping`/`customer` objects, or the flat aliases (`shipping_first_name`, …) that
    clients also send [CORROBORATED PD, THIIO; orderdesk-api.md §3.5]. Nested values win."""
    nested = body.get(kind)
    nested = {} if nested in (None, "", []) else as_object(nested, kind)
    result = {}
    for name in fields:
        value = nested.get(name)
        if value in (None, ""):
            value = body.get(f"{kind}_{name}")
        result[name] = as_text(value, f"{kind}.{name}")
    return result


def _masked_card(body: dict[str, Any]) -> str:
    """`cc_number` is input only ("enter only the last four digits"); output is `cc_number_masked`.
    ASSUMPTION: a `cc_number_masked` sent back unchanged (GET → merge → PUT) is kept."""
    if body.get("cc_number") not in (None, ""):
        digits = re.sub(r"\D", "", as_text(body.get("cc_number"), "cc_number"))
        return "x" * 12 + digits[-4:] if digits else ""
    return as_text(body.get("cc_number_masked"), "cc_number_masked", max_length=32)


def _notes(value: Any) -> list[dict[str, str]]:
    notes = []
    for index, raw in enumerate(as_list(value, "order_notes")):
        label = f"order_notes[{index}]"
        raw = as_object(raw, label)
        note = {
            "date_added": fmt_timestamp(parse_timestamp(raw["date_added"], f"{label}.date_added"))
            if raw.get("date_added")
            else fmt_timestamp(now()),
            "username": as_text(raw.get("username"), f"{label}.username"),
            "content": as_text(raw.get("content"), f"{label}.content", max_length=NOTE_LIMIT),
        }
        if len(json.dumps(note)) > NOTE_LIMIT:
            raise bad_request(f"{label} is longer than {NOTE_LIMIT} characters with its metadata")
        notes.append(note)
    return notes


def _discounts(value: Any) -> list[dict[str, str]]:
    """`amount` is positive and, as in the documented example, a string ("1.70")."""
    discounts = []
    for index, raw in enumerate(as_list(value, "discount_list")):
        label = f"discount_list[{index}]"
        raw = as_object(raw, label)
        entry = {"name": as_text(raw.get("name"), f"{label}.name")}
        if raw.get("code") not in (None, ""):
            entry["code"] = as_text(raw.get("code"), f"{label}.code")
        entry["amount"] = f"{abs(as_money(raw.get('amount'), f'{label}.amount')):.2f}"
        discounts.append(entry)
    return discounts


def parse_order(body: Any) -> OrderInput:
    """Every writable order field, blank where omitted ("" strings, 0 money, empty lists and maps).
    Read-only fields (id, totals, email_count, date_updated, order_shipments, order_history) and
    `folder_id` are not taken from the body."""
    body = as_object(body, "order")
    values: dict[str, Any] = {name: as_text(body.get(name), name) for name in TEXT_FIELDS}
    values.update({name: as_money(body.get(name), name) for name in MONEY_FIELDS})
    values["cc_number_masked"] = _masked_card(body)
    values["shipping"] = _address(body, "shipping", SHIPPING_FIELDS)
    values["customer"] = _address(body, "customer", CUSTOMER_FIELDS)
    return_address = body.get("return_address")
    values["return_address"] = {
        name: as_text(value, f"return_address.{name}")
        for name, value in as_map(return_address, "return_address").items()
        if name in RETURN_ADDRESS_FIELDS
    }
    # [THIRD-PARTY GLAMA] orderdesk-api.md §3.5: checkout_data ≤ 3,500 and order_metadata ≤ 2,000.
    values["checkout_data"] = as_map(body.get("checkout_data"), "checkout_data", max_json=3500)
    values["order_metadata"] = as_map(body.get("order_metadata"), "order_metadata", max_json=2000)
    values["discount_list"] = _discounts(body.get("discount_list"))
    values["order_notes"] = _notes(body.get("order_notes"))
    items = [
        parse_item(raw, f"order_items[{index}]")
        for index, raw in enumerate(as_list(body.get("order_items"), "order_items"))
    ]
    date_added = parse_timestamp(body["date_added"], "date_added") if body.get("date_added") else None
    given = {name for name, value in body.items() if value not in (None, "", [], {})}
    return OrderInput(values=values, items=items, given=given, date_added=date_added)


# --- Totals -----------------------------------------------------------------------------------------


def recompute_totals(order: SandboxOrder, items: list[SandboxOrderItem]) -> None:
    """The read-only totals of orderdesk-api.md §4.1.
    ASSUMPTION: weight_total is the sum of weight * quantity; order_total = product + shipping + handling
    + tax - discount (the documented example checks: 10 + 11.17 + 0.5 + 1.2 - 1.7 = 21.17)."""
    order.quantity_total = sum(item.quantity for item in items)
    order.weight_total = round(sum(item.weight * item.quantity for item in items), 3)
    order.product_total = sum((item.price * item.quantity for item in items), Decimal(0))
    order.discount_total = sum((Decimal(d["amount"]) for d in order.discount_list), Decimal(0))
    order.order_total = (
        order.product_total + order.shipping_total + order.handling_total + order.tax_total
    ) - order.discount_total


def refresh_totals(order: SandboxOrder) -> None:
    """After an item endpoint changed the items: recompute, bump date_updated and save."""
    # A fresh query: `order.items` may be a prefetched, now stale, list.
    recompute_totals(order, list(SandboxOrderItem.objects.filter(order=order)))
    order.date_updated = bumped(order.date_updated)
    order.save()


# --- Reads ------------------------------------------------------------------------------------------


def get_order(store: SandboxStore, order_id: Any, *, for_update: bool = False) -> SandboxOrder:
    """ASSUMPTION (orderdesk-api.md §3.4): an unknown id is 404 "Order Not Found"."""
    orders = SandboxOrder.objects.filter(store=store)
    if for_update:
        orders = orders.select_for_update()
    orders = orders.prefetch_related("items", "shipments")
    return get_by_number(orders, "order_id", order_id, "Order Not Found")


# --- Writes -----------------------------------------------------------------------------------------


def _has_name(address: dict[str, str]) -> bool:
    return any(address.get(name) for name in ("first_name", "last_name", "company"))


def _new_items(order: SandboxOrder, items: list[ItemInput], ids: list[int], start: int) -> list:
    return [
        SandboxOrderItem(order=order, item_id=item_id, position=start + index, **item.values)
        for index, (item, item_id) in enumerate(zip(items, ids, strict=True))
    ]


def order_create(store: SandboxStore, body: Any) -> SandboxOrder:
    """POST /orders (orderdesk-api.md §3.5): needs items and a customer or shipping name or company;
    the missing address is copied from the other; documented defaults; totals computed."""
    data = parse_order(body)
    values = data.values
    if not data.items:
        raise bad_request("You must include some order_items")
    if not (_has_name(values["customer"]) or _has_name(values["shipping"])):
        raise bad_request(
            "An order needs at least one of customer_first_name, customer_last_name, customer_company, "
            "shipping_first_name, shipping_last_name or shipping_company"
        )
    if not any(values["shipping"].values()):
        values["shipping"] = {name: values["customer"].get(name, "") for name in SHIPPING_FIELDS}
    if not any(values["customer"].values()):
        values["customer"] = {name: values["shipping"][name] for name in CUSTOMER_FIELDS}
    values["source_name"] = values["source_name"] or "Order Desk"
    values["payment_status"] = values["payment_status"] or "Captured"
    raw_folder = body.get("folder_id")
    with transaction.atomic():
        store = stores.lock(store)
        if raw_folder not in (None, ""):
            folder = stores.folder_by_id(store, as_int(raw_folder, "folder_id"))
            if folder is None:
                # ASSUMPTION: an unknown folder on create is a validation error, not a silent default.
                raise bad_request(f"Folder {raw_folder} Not Found")
        else:
            folder = stores.first_folder(store)  # "No folder_id means the first folder in the list"
        ids = stores.allocate_ids(store, 1 + len(data.items))
        stamp = now()
        order = SandboxOrder(
            store=store,
            order_id=ids[0],
            folder_id=folder.folder_id if folder else 0,
            date_added=data.date_added or stamp,
            date_updated=stamp,
            **values,
        )
        order.source_id = order.source_id or str(order.order_id)  # blank source_id → internal id
        items = _new_items(order, data.items, ids[1:], 0)
        recompute_totals(order, items)
        if "processor_balance" not in data.given:
            order.processor_balance = order.order_total  # "defaults to order_total"
        order.save()
        SandboxOrderItem.objects.bulk_create(items)
    return get_order(store, order.order_id)


def order_replace(store: SandboxStore, order_id: Any, body: Any) -> SandboxOrder:
    """PUT /orders/{id}: whole-record replacement (orderdesk-api.md §3.6, §5.3). Omitted fields are
    blanked; items with an id are updated, without one added, and missing ones removed;
    order_shipments are ignored; totals recomputed; date_updated bumped.
    ASSUMPTION (§3.6): folder_id is ignored (moves go through /move-orders), date_added is kept when
    omitted, a blank source_id falls back to the internal id as on create, and an item id that is not
    on this order is added as a new item."""
    data = parse_order(body)
    with transaction.atomic():
        store = stores.lock(store)
        order = get_order(store, order_id, for_update=True)
        for name, value in data.values.items():
            setattr(order, name, value)
        order.source_id = order.source_id or str(order.order_id)
        if data.date_added:
            order.date_added = data.date_added
        existing = {item.item_id: item for item in order.items.all()}
        kept: list[SandboxOrderItem] = []
        added: list[ItemInput] = []
        for position, item in enumerate(data.items):
            record = existing.get(item.item_id) if item.item_id is not None else None
            if record is None or record in kept:
                added.append(item)
                continue
            for name, value in item.values.items():
                setattr(record, name, value)
            record.position = position
            kept.append(record)
        order.items.exclude(pk__in=[record.pk for record in kept]).delete()
        for record in kept:
            record.save()
        new = _new_items(order, added, stores.allocate_ids(store, len(added)), len(kept))
        SandboxOrderItem.objects.bulk_create(new)
        recompute_totals(order, kept + new)
        order.date_updated = bumped(order.date_updated)
        order.save()
    return get_order(store, order.order_id)


def order_delete(store: SandboxStore, order_id: Any) -> int:
    with transaction.atomic():
        order = get_order(store, order_id, for_update=True)
        number = order.order_id
        order.delete()
    return number


def order_add_history(store: SandboxStore, order_id: Any, body: Any) -> SandboxOrder:
    """POST /orders/{id}/order-history (orderdesk-api.md §3.8): append-only, at most 250 entries.
    ASSUMPTION: past 250 the oldest entries are dropped; `source_name` defaults to "API"; the note
    bumps date_updated like any other change to the order."""
    body = as_object(body, "order history")
    note = as_text(body.get("note"), "note", max_length=NOTE_LIMIT).strip()
    if not note:
        raise bad_request("note is required")
    source = as_text(body.get("source_name"), "source_name") or "API"
    with transaction.atomic():
        order = get_order(store, order_id, for_update=True)
        append_history(order, note, source)
        order.date_updated = bumped(order.date_updated)
        order.save(update_fields=["order_history", "date_updated"])
    return order


def append_history(order: SandboxOrder, note: str, source: str) -> None:
    entry = {"source_name": source, "note": note, "date_added": fmt_timestamp(now())}
    order.order_history = [*order.order_history, entry][-HISTORY_LIMIT:]


def orders_move(store: SandboxStore, body: Any) -> list[dict[str, Any]]:
    """POST /move-orders (orderdesk-api.md §3.12): `order_id_list` and exactly one of
    `destination_folder_id` / `destination_folder_name`. Each moved order gets a history entry and a
    new date_updated. ASSUMPTION: unknown orders are reported in `results` ("Order Not Found") and
    not counted; an unknown folder is a 400."""
    body = as_object(body, "move request")
    order_ids = [as_int(raw, "order_id_list") for raw in as_list(body.get("order_id_list"), "order_id_list")]
    if not order_ids:
        raise bad_request("order_id_list must list at least one order id")
    by_id = body.get("destination_folder_id") not in (None, "")
    by_name = body.get("destination_folder_name") not in (None, "")
    if by_id and by_name:
        raise bad_request("Use either destination_folder_id or destination_folder_name, not both")
    if not (by_id or by_name):
        raise bad_request("destination_folder_id or destination_folder_name is required")
    with transaction.atomic():
        store = stores.lock(store)
        if by_id:
            folder = stores.folder_by_id(
                store, as_int(body["destination_folder_id"], "destination_folder_id")
            )
        else:
            folder = stores.folder_by_name(
                store, as_text(body["destination_folder_name"], "destination_folder_name")
            )
        if folder is None:
            raise bad_request("Destination Folder Not Found")
        names = stores.folders_map(store)
        results: list[dict[str, Any]] = []
        for number in order_ids:
            order = SandboxOrder.objects.select_for_update().filter(store=store, order_id=number).first()
            if order is None:
                results.append({"order_id": number, "message": "Order Not Found"})
                continue
            original = order.folder_id
            order.folder_id = folder.folder_id
            origin = names.get(str(original), str(original))
            append_history(order, f"Order moved from {origin} to {folder.name}", "Order Desk")
            order.date_updated = bumped(order.date_updated)
            order.save(update_fields=["folder_id", "order_history", "date_updated"])
            results.append(
                {
                    "order_id": number,
                    "message": f"Order Moved to {folder.name} Folder",
                    "original_folder_id": original,
                }
            )
    return results
