"""The inventory item's fields: which ones it takes (others are refused with the closest name), which
are read-only, how `changes` merge into an item and how `stock_delta` moves its stock. Pure functions,
like records.merge: they never call OrderDesk, so an update can re-apply them to a fresher item."""

from __future__ import annotations

from typing import Any

from kernel.errors import InvalidInput
from records.merge import Fields, check_known, check_nested_maps, check_number, merge_record, refuse_read_only
from stores.decoding import as_int

# Why each read-only inventory field cannot be changed, and which fields are maps merged by key.
PRODUCT_READ_ONLY: dict[str, str] = {
    "id": "the inventory item id is assigned by OrderDesk and never changes",
    "date_added": "OrderDesk sets it when the item is created",
    "date_updated": "OrderDesk sets it on every change",
}
PRODUCT_NESTED_MAPS = frozenset({"variation_list", "metadata"})
# The fields of an inventory item (orderdesk-api.md §4.5); any other key would be dropped silently.
_PRODUCT_NAMES = frozenset(
    {"id", "name", "code", "price", "cost", "weight", "stock", "update_source", "location",
     "manufacturer_sku", "date_added", "date_updated"}
)  # fmt: skip
PRODUCT_FIELDS = Fields(
    names=_PRODUCT_NAMES,
    free=PRODUCT_NESTED_MAPS,
    aliases={"quantity": "stock", "qty": "stock", "inventory": "stock", "sku": "code", "title": "name"},
)
# An update may also move the stock by a relative amount, applied to the item as it is when sent.
STOCK_DELTA = "stock_delta"
PRODUCT_UPDATE_FIELDS = Fields(
    names=PRODUCT_FIELDS.names | {STOCK_DELTA}, free=PRODUCT_FIELDS.free, aliases=PRODUCT_FIELDS.aliases
)


def check_product_fields(data: dict[str, Any], *, argument: str, creating: bool) -> None:
    refuse_read_only(data, PRODUCT_READ_ONLY, argument=argument)
    check_known(data, PRODUCT_FIELDS if creating else PRODUCT_UPDATE_FIELDS, argument=argument)
    check_nested_maps(data, PRODUCT_NESTED_MAPS, argument=argument)
    if creating:
        for required in ("name", "code"):
            if not str(data.get(required) or "").strip():
                raise InvalidInput(
                    f"{argument}.{required} is required for a new inventory item.",
                    field=f"{argument}.{required}",
                )
    else:
        for required in ("name", "code"):
            if required in data and not str(data[required] or "").strip():
                raise InvalidInput(
                    f"An inventory item's {required} cannot be removed or empty.",
                    field=f"{argument}.{required}",
                )
    for number in ("price", "cost", "weight"):
        if data.get(number) is not None:
            check_number(data[number], field=f"{argument}.{number}", minimum=0)
    if data.get("stock") is not None:
        check_number(data["stock"], field=f"{argument}.stock", integer=True)
    if STOCK_DELTA in data:
        check_number(data[STOCK_DELTA], field=f"{argument}.{STOCK_DELTA}", integer=True)
        if "stock" in data:
            raise InvalidInput(
                f"{argument} gives both stock (the new count) and stock_delta (a change to the count); "
                "give one of them.",
                field=f"{argument}.{STOCK_DELTA}",
            )


def merge_product(current: dict[str, Any], changes: dict[str, Any], *, argument: str) -> dict[str, Any]:
    """The item to PUT: `changes` merged in, `stock_delta` added to the stock of `current` (the
    freshest read, so a sale made meanwhile is kept). Stock may not go below 0 that way."""
    merged = merge_record(
        current, {k: v for k, v in changes.items() if k != STOCK_DELTA}, nested=PRODUCT_NESTED_MAPS
    )
    if STOCK_DELTA in changes:
        delta, stock = int(float(changes[STOCK_DELTA])), as_int(current.get("stock"))
        if stock + delta < 0:
            raise InvalidInput(
                f"{argument}.{STOCK_DELTA} {delta} would take the stock of "
                f"{current.get('code') or 'the item'} below 0: there are only {stock}.",
                field=f"{argument}.{STOCK_DELTA}",
            )
        merged["stock"] = stock + delta
    return merged
