"""The order rules for merging `changes` (records.merge holds the general ones).

What orders, their items and shipments add: their read-only fields (refused with the reason), the
fields they take at every depth (anything else is refused with the closest name), their nested maps,
OrderDesk's size limits, `order_notes`, which append, skipping notes whose content already exists
(case-insensitive, trimmed), and `order_items`, which merge by item id. Pure functions, like
records.merge.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kernel.errors import InvalidInput
from records.merge import (
    DELETE_MARK,
    Fields,
    check_known,
    check_nested_maps,
    check_number,
    merge_list_by_id,
    merge_record,
    refuse_read_only,
)

# Why each read-only order field cannot be changed, in words an agent can act on.
ORDER_READ_ONLY: dict[str, str] = {
    "id": "the order id is assigned by OrderDesk and never changes",
    "folder_id": "folders change only through orders_move",
    "date_updated": "OrderDesk sets it on every change",
    "order_shipments": "shipments change through shipments_add, shipments_update and shipments_delete",
    "order_history": "history entries are added with orders_add_note and are never edited",
    "email_count": "OrderDesk counts the orders with this e-mail itself",
    "quantity_total": "OrderDesk computes it from the order items",
    "weight_total": "OrderDesk computes it from the order items",
    "product_total": "OrderDesk computes it from the order items' price times quantity",
    "discount_total": "OrderDesk computes it from discount_list; change discount_list instead",
    "order_total": (
        "OrderDesk computes it from the items, shipping_total, handling_total, tax_total and "
        "discount_list; change those instead"
    ),
}
ORDER_NESTED_MAPS = frozenset({"shipping", "customer", "return_address", "checkout_data", "order_metadata"})
# Never sent back in an order PUT: OrderDesk ignores them there and they can be large.
ORDER_NOT_SENT = frozenset({"order_shipments", "order_history"})

ITEM_READ_ONLY: dict[str, str] = {"id": "the item id is assigned by OrderDesk and never changes"}
ITEM_NESTED_MAPS = frozenset({"variation_list", "metadata"})

# The fields OrderDesk keeps (orderdesk-api.md §4); any other key would be dropped without a word.
SHIPPING_FIELDS = frozenset(
    {"first_name", "last_name", "company", "address1", "address2", "address3", "address4", "city",
     "state", "postal_code", "country", "phone"}
)  # fmt: skip
CUSTOMER_FIELDS = SHIPPING_FIELDS - {"address3", "address4"}
RETURN_ADDRESS_FIELDS = frozenset(
    {"title", "name", "company", "address1", "address2", "city", "state", "postal_code", "country", "phone"}
)
_CUSTOMER_ADVICE = {
    name: "the customer address has no address3 or address4; only shipping has them"
    for name in ("address3", "address4")
}
ADDRESS_ALIASES = {
    "zip": "postal_code", "zipcode": "postal_code", "zip_code": "postal_code", "postcode": "postal_code",
    "post_code": "postal_code", "province": "state", "region": "state", "street": "address1",
    "address": "address1", "telephone": "phone",
}  # fmt: skip
_ITEM_NAMES = frozenset(
    {"id", "name", "code", "price", "quantity", "weight", "delivery_type", "category_code",
     "fulfillment_method"}
)  # fmt: skip
ITEM_FIELDS = Fields(
    names=_ITEM_NAMES,
    free=ITEM_NESTED_MAPS,
    aliases={"qty": "quantity", "sku": "code", "count": "quantity", "amount": "quantity"},
)
# In orders_update, an order_items entry may also be {"id": …, "delete": true}.
ITEM_ENTRY_FIELDS = Fields(
    names=ITEM_FIELDS.names | {DELETE_MARK}, free=ITEM_FIELDS.free, aliases=ITEM_FIELDS.aliases
)
_FLAT_ADDRESS = {
    f"{part}_{name}": f"{part}.{name}"
    for part, names in (("shipping", SHIPPING_FIELDS), ("customer", CUSTOMER_FIELDS))
    for name in names
}
_ORDER_NAMES = frozenset(
    {"id", "email", "shipping_method", "quantity_total", "weight_total", "product_total",
     "shipping_total", "handling_total", "tax_total", "discount_total", "order_total",
     "cc_number_masked", "cc_number", "cc_exp", "processor_response", "payment_type", "payment_status",
     "processor_balance", "refund_total", "customer_id", "email_count", "ip_address", "tag_color",
     "tag_name", "source_name", "source_id", "fulfillment_name", "fulfillment_id", "folder_id",
     "date_added", "date_updated", "order_notes", "order_shipments", "order_history"}
)  # fmt: skip


def _order_fields(items: Fields, flat_names: frozenset[str]) -> Fields:
    return Fields(
        names=_ORDER_NAMES | flat_names,
        maps={
            "shipping": Fields(SHIPPING_FIELDS, aliases=ADDRESS_ALIASES),
            "customer": Fields(CUSTOMER_FIELDS, aliases=ADDRESS_ALIASES, advice=_CUSTOMER_ADVICE),
            "return_address": Fields(RETURN_ADDRESS_FIELDS, aliases=ADDRESS_ALIASES),
        },
        lists={"order_items": items, "discount_list": Fields(frozenset({"name", "code", "amount"}))},
        free=frozenset({"checkout_data", "order_metadata"}),
        aliases={**{k: v for k, v in _FLAT_ADDRESS.items() if k not in flat_names}, "items": "order_items",
                 "notes": "order_notes", "discounts": "discount_list", "shipments": "order_shipments"},
        advice={
            "status": "an order's status is the folder it is in: move it with orders_move "
            "(payment_status is the payment's)",
            "folder": "folders change only through orders_move",
            "folder_name": "folders change only through orders_move",
        },
    )  # fmt: skip


# An update takes nested addresses only (OrderDesk prefers the nested value over a flat alias); a new
# order also takes the flat customer_first_name… that OrderDesk accepts on create.
ORDER_UPDATE_FIELDS = _order_fields(ITEM_ENTRY_FIELDS, frozenset())
ORDER_CREATE_FIELDS = _order_fields(ITEM_FIELDS, frozenset(_FLAT_ADDRESS))

SHIPMENT_READ_ONLY: dict[str, str] = {
    "id": "the shipment id is assigned by OrderDesk and never changes",
    "order_id": "a shipment belongs to its order; delete it and add it to the other order instead",
    "store_id": "a shipment belongs to its store",
    "date_added": "OrderDesk sets it when the shipment is added",
}

# OrderDesk's limits on free-form maps (JSON length) and notes; checked before anything is sent.
MAP_JSON_LIMITS = {"checkout_data": 3500, "order_metadata": 2000}
NOTE_CONTENT_LIMIT = 1800
DEFAULT_NOTE_USERNAME = "OrderDesk Admin"


def check_map_limits(record_or_changes: Mapping[str, Any], *, argument: str) -> None:
    for name, limit in MAP_JSON_LIMITS.items():
        value = record_or_changes.get(name)
        if isinstance(value, Mapping):
            size = len(json.dumps(value, ensure_ascii=False))
            if size > limit:
                raise InvalidInput(
                    f"{argument}.{name} is {size} characters as JSON; OrderDesk accepts at most {limit}.",
                    field=f"{argument}.{name}",
                )


def _note_key(content: Any) -> str:
    return str(content or "").strip().casefold()


def normalize_notes(value: Any, *, argument: str, now: str, username: str) -> list[dict[str, Any]]:
    """Turn `order_notes` input (a string, a note object, or a list of them) into note objects."""
    items = value if isinstance(value, list) else [value]
    notes: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        where = f"{argument}.order_notes[{index}]" if isinstance(value, list) else f"{argument}.order_notes"
        if isinstance(item, str):
            item = {"content": item}
        if not isinstance(item, Mapping):
            raise InvalidInput(f"{where} must be a note text or an object with `content`.", field=where)
        content = str(item.get("content") or "").strip()
        if not content:
            raise InvalidInput(f"{where} needs a non-empty `content`.", field=where)
        if len(content) > NOTE_CONTENT_LIMIT:
            raise InvalidInput(
                f"{where}.content is {len(content)} characters; OrderDesk keeps notes under "
                f"{NOTE_CONTENT_LIMIT}.",
                field=where,
            )
        notes.append(
            {
                "date_added": str(item.get("date_added") or now),
                "username": str(item.get("username") or username),
                "content": content,
            }
        )
    return notes


def append_notes(existing: Any, new_notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Existing notes first, then the new ones whose content is not there yet."""
    notes = [dict(n) for n in existing if isinstance(n, Mapping)] if isinstance(existing, list) else []
    seen = {_note_key(n.get("content")) for n in notes}
    for note in new_notes:
        key = _note_key(note["content"])
        if key not in seen:
            seen.add(key)
            notes.append(note)
    return notes


def check_order_changes(changes: Mapping[str, Any], *, argument: str = "changes") -> None:
    """Everything about an order's `changes` we can refuse before calling OrderDesk."""
    refuse_read_only(changes, ORDER_READ_ONLY, argument=argument)
    check_known(changes, ORDER_UPDATE_FIELDS, argument=argument)
    check_nested_maps(changes, ORDER_NESTED_MAPS, argument=argument)
    check_map_limits(changes, argument=argument)
    if "order_items" in changes:
        check_item_entries(changes["order_items"], argument=f"{argument}.order_items")
    if "order_notes" in changes and changes["order_notes"] is not None:
        # Validates shape and length now; the real timestamps are set when merging.
        normalize_notes(changes["order_notes"], argument=argument, now="", username="")
    discounts = changes.get("discount_list")
    if discounts is not None and not (
        isinstance(discounts, list) and all(isinstance(d, Mapping) for d in discounts)
    ):
        raise InvalidInput(
            f"{argument}.discount_list must be a list of {{name, code, amount}} objects.",
            field=f"{argument}.discount_list",
        )
    for money in ("shipping_total", "handling_total", "tax_total", "processor_balance", "refund_total"):
        if money in changes and changes[money] is not None:
            check_number(changes[money], field=f"{argument}.{money}")


def merge_order(original: Mapping[str, Any], changes: Mapping[str, Any], *, now: str, username: str) -> dict:
    """The order to PUT: merged, minus what OrderDesk does not take back (shipments, history)."""

    def add_notes(existing: Any, value: Any) -> list[dict[str, Any]]:
        return append_notes(existing, normalize_notes(value, argument="changes", now=now, username=username))

    def merge_items(existing: Any, entries: Any) -> list[dict[str, Any]]:
        return merge_list_by_id(
            existing, entries, argument="changes.order_items", what="item", nested=ITEM_NESTED_MAPS
        )

    special = {"order_notes": add_notes, "order_items": merge_items}
    merged = merge_record(original, changes, nested=ORDER_NESTED_MAPS, special=special)
    for key in ORDER_NOT_SENT:
        merged.pop(key, None)
    return merged


def check_item(item: Any, *, argument: str, require_name: bool = True) -> None:
    """An order item as OrderDesk accepts it: an object with a name or code, numeric price/qty."""
    if not isinstance(item, Mapping):
        raise InvalidInput(f"{argument} must be an object (name, code, price, quantity, …).", field=argument)
    if require_name and not (str(item.get("name") or "").strip() or str(item.get("code") or "").strip()):
        raise InvalidInput(f"{argument} needs a `name` or a `code` (SKU).", field=argument)
    if item.get("price") is not None:
        check_number(item["price"], field=f"{argument}.price", minimum=0)
    if item.get("quantity") is not None:
        check_number(item["quantity"], field=f"{argument}.quantity", integer=True, minimum=1)
    if item.get("weight") is not None:
        check_number(item["weight"], field=f"{argument}.weight", minimum=0)
    check_nested_maps(item, ITEM_NESTED_MAPS, argument=argument)


def check_order_items(items: Any, *, argument: str) -> None:
    if not isinstance(items, list) or not items:
        raise InvalidInput(f"{argument} must be a non-empty list of items.", field=argument)
    for index, item in enumerate(items):
        check_item(item, argument=f"{argument}[{index}]")


def check_item_entries(entries: Any, *, argument: str) -> None:
    """orders_update's `order_items`: entries with an id change (or, with delete: true, remove) that
    item; entries without one are new items and need a name or code."""
    if entries is None:
        raise InvalidInput(
            f"{argument} cannot be null: items are kept unless named; remove one with "
            '{"id": …, "delete": true} (or order_items_delete).',
            field=argument,
        )
    if not isinstance(entries, list) or not entries:
        raise InvalidInput(f"{argument} must be a non-empty list of items.", field=argument)
    for index, entry in enumerate(entries):
        where = f"{argument}[{index}]"
        has_id = isinstance(entry, Mapping) and entry.get("id") not in (None, "")
        if isinstance(entry, Mapping) and DELETE_MARK in entry:
            if entry[DELETE_MARK] is not True or not has_id or set(entry) != {"id", DELETE_MARK}:
                raise InvalidInput(
                    f'{where}: to remove an item give only its id and "delete": true.', field=where
                )
            continue
        check_item(entry, argument=where, require_name=not has_id)
