"""Merging a caller's `changes` into a whole OrderDesk record.

OrderDesk's PUT replaces the whole record (anything omitted is blanked), so every update is
fetch → merge → PUT. These functions are pure: they never call OrderDesk, so the conflict loop can
re-apply the same changes to a fresher copy as often as it needs.

Rules (shared by orders, order items, shipments and inventory items):
- a key whose value is null is removed from the record;
- nested maps (`shipping`, `customer`, `checkout_data`, …) merge by key, and a null inside one removes
  that key; a null for the whole map removes the map;
- lists (`order_items`, `discount_list`, …) replace the old list, and only when given;
- `order_notes` append, skipping notes whose content already exists (case-insensitive, trimmed);
- read-only fields are refused with the reason, before anything is sent.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from kernel.errors import InvalidInput
from stores.decoding import as_map

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

SHIPMENT_READ_ONLY: dict[str, str] = {
    "id": "the shipment id is assigned by OrderDesk and never changes",
    "order_id": "a shipment belongs to its order; delete it and add it to the other order instead",
    "store_id": "a shipment belongs to its store",
    "date_added": "OrderDesk sets it when the shipment is added",
}

PRODUCT_READ_ONLY: dict[str, str] = {
    "id": "the inventory item id is assigned by OrderDesk and never changes",
    "date_added": "OrderDesk sets it when the item is created",
    "date_updated": "OrderDesk sets it on every change",
}
PRODUCT_NESTED_MAPS = frozenset({"variation_list", "metadata"})

# OrderDesk's limits on free-form maps (JSON length) and notes; checked before anything is sent.
MAP_JSON_LIMITS = {"checkout_data": 3500, "order_metadata": 2000}
NOTE_CONTENT_LIMIT = 1800
DEFAULT_NOTE_USERNAME = "OrderDesk Admin"


def refuse_read_only(changes: Mapping[str, Any], read_only: Mapping[str, str], *, argument: str) -> None:
    """Refuse every read-only key at once, saying why for each."""
    bad = [name for name in changes if name in read_only]
    if bad:
        reasons = "; ".join(f"{name}: {read_only[name]}" for name in bad)
        raise InvalidInput(
            f"{argument} may not set read-only fields ({reasons}).", field=f"{argument}.{bad[0]}"
        )


def check_nested_maps(changes: Mapping[str, Any], nested: frozenset[str], *, argument: str) -> None:
    for name in nested & changes.keys():
        value = changes[name]
        if value is not None and not isinstance(value, Mapping):
            raise InvalidInput(
                f"{argument}.{name} must be an object of fields to change (or null to remove it all), "
                f"not {type(value).__name__}.",
                field=f"{argument}.{name}",
            )


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


def _merge_map(current: Any, change: Mapping[str, Any]) -> dict[str, Any]:
    merged = as_map(current)  # PHP sends an empty map as []
    for key, value in change.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def merge_record(
    original: Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    nested: frozenset[str] = frozenset(),
    note_time: str = "",
    note_username: str = DEFAULT_NOTE_USERNAME,
    argument: str = "changes",
) -> dict[str, Any]:
    """A new record: `original` with `changes` applied by the rules in this module's docstring.

    Read-only fields must already have been refused (`refuse_read_only`); this only merges.
    """
    merged = copy.deepcopy(dict(original))
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        elif key == "order_notes":
            notes = normalize_notes(value, argument=argument, now=note_time, username=note_username)
            merged["order_notes"] = append_notes(merged.get("order_notes"), notes)
        elif key in nested:
            merged[key] = _merge_map(merged.get(key), value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def check_order_changes(changes: Mapping[str, Any], *, argument: str = "changes") -> None:
    """Everything about an order's `changes` we can refuse before calling OrderDesk."""
    refuse_read_only(changes, ORDER_READ_ONLY, argument=argument)
    check_nested_maps(changes, ORDER_NESTED_MAPS, argument=argument)
    check_map_limits(changes, argument=argument)
    items = changes.get("order_items")
    if items is not None:
        check_order_items(items, argument=f"{argument}.order_items")
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
    merged = merge_record(original, changes, nested=ORDER_NESTED_MAPS, note_time=now, note_username=username)
    for key in ORDER_NOT_SENT:
        merged.pop(key, None)
    return merged


def check_number(value: Any, *, field: str, integer: bool = False, minimum: float | None = None) -> None:
    if isinstance(value, bool):
        ok = False
    elif isinstance(value, int | float):
        ok = True
    elif isinstance(value, str):
        try:
            float(value)
            ok = value.strip() != ""
        except ValueError:
            ok = False
    else:
        ok = False
    if ok and integer:
        ok = float(value) == int(float(value))
    if not ok:
        kind = "a whole number" if integer else "a number"
        raise InvalidInput(f"{field} must be {kind}, not {value!r}.", field=field)
    if minimum is not None and float(value) < minimum:
        raise InvalidInput(f"{field} must be at least {minimum:g}, not {value!r}.", field=field)


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
