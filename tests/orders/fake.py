"""An in-memory OrderDesk standing in for stores.client (get/post/put/delete per the client contract).

It keeps orders, shipments, history and inventory, answers with OrderDesk's envelopes, raises the
client's errors (UpstreamError(status=404) for unknown ids, status=400 for refusals, a 2xx "Shipment
Not Added"), records every call, and lets a test change a record between two calls (`on_call`) or make
the next call fail (`fail`).

It follows the sandbox emulator wherever it answers at all (tests/orders/test_fake_contract.py runs
the same cases on both): a PUT replaces the whole record and blanks what it leaves out, read-only
fields come from the stored record, every write to an order moves its `date_updated`. It does not
compute totals or e-mail counts. `add_order` and `add_product` seed records as a test wants them,
with sample values, the way the emulator's demo data does.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kernel.errors import UpstreamError

FOLDERS = {1001: "New", 1002: "Prepared", 1003: "Shipped", 1004: "Closed", 1005: "Canceled"}
BASE_TIME = datetime(2025, 3, 1, 12, 0, 0)
# What a PUT cannot change: OrderDesk keeps (or computes) these whatever the body says.
ORDER_READ_ONLY = (
    "id", "folder_id", "date_added", "date_updated", "email_count", "order_shipments", "order_history",
    "quantity_total", "weight_total", "product_total", "discount_total", "order_total",
)  # fmt: skip
INVENTORY_READ_ONLY = ("id", "date_added", "date_updated")
SHIPMENT_READ_ONLY = ("id", "order_id", "date_added")
NO_TRACKING = "n/a"  # several untracked parcels on one order are normal
# A new record starts blank where its body says nothing (the documented defaults aside).
NEW_ORDER = {
    "email": "", "source_name": "Order Desk", "shipping": {}, "customer": {}, "checkout_data": [],
    "order_metadata": [], "order_notes": [], "discount_list": [], "email_count": "1",
}  # fmt: skip
ITEM_DEFAULTS = {
    "name": "", "code": "", "price": 0.0, "quantity": 1, "weight": 0.0, "delivery_type": "ship",
    "variation_list": [], "metadata": [],
}  # fmt: skip
NEW_PRODUCT = {
    "name": "", "code": "", "price": 0.0, "cost": 0.0, "weight": 0.0, "stock": 0, "update_source": "API",
    "location": "", "metadata": [], "variation_list": [], "manufacturer_sku": None,
}  # fmt: skip


def blank(value: Any) -> Any:
    """What a whole-record PUT leaves in a field it does not send: the empty value of its type."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return 0
    if isinstance(value, list | dict):
        return type(value)()
    return ""


def replaced(stored: dict[str, Any], body: dict[str, Any], keep: tuple[str, ...]) -> dict[str, Any]:
    """`body` as the whole new record: fields it leaves out are blanked, `keep` come from `stored`."""
    record = {name: blank(value) for name, value in stored.items()}
    record.update(body)
    for name in keep:
        if name in stored:
            record[name] = stored[name]
        else:
            record.pop(name, None)
    return record


def rejected(what: str, message: str) -> UpstreamError:
    """The client's error for OrderDesk's 400 answer."""
    return UpstreamError(f"OrderDesk rejected {what} (HTTP 400): {message}", status=400)


def tracking_key(number: Any) -> str:
    return re.sub(r"\s", "", str(number or "")).upper()


class FakeOrderDesk:
    def __init__(self):
        self.orders: dict[str, dict[str, Any]] = {}
        self.inventory: dict[int, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, Any]] = []
        self.fail: dict[tuple[str, str], list[BaseException]] = {}
        self.on_call: Callable[[str, str, Any], None] | None = None
        self._ids = itertools.count(5000)
        self._clock = itertools.count(1)

    # --- helpers for tests ---------------------------------------------------------------------------

    def stamp(self) -> str:
        return (BASE_TIME + timedelta(seconds=next(self._clock))).strftime("%Y-%m-%d %H:%M:%S")

    def add_order(self, **fields: Any) -> dict[str, Any]:
        order_id = str(next(self._ids))
        order = {
            "id": order_id,
            "email": "ada@example.com",
            "source_id": f"SHOP-{order_id}",
            "source_name": "Shopify",
            "folder_id": 1001,
            "date_added": "2025-03-01 10:00:00",
            "date_updated": self.stamp(),
            "order_total": "21.17",
            "shipping_total": 5.0,
            "shipping": {"first_name": "Ada", "last_name": "Lovelace", "city": "London", "country": "GB",
                         "state": "LDN"},
            "customer": {"first_name": "Ada", "last_name": "Lovelace"},
            "checkout_data": [],
            "order_metadata": {"fraud_score": 0},
            "order_notes": [
                {"date_added": "2025-03-01 10:00:00", "username": "shop", "content": "Leave at door"}
            ],
            "order_items": [
                {"id": str(next(self._ids)), "name": "Widget", "code": "W-1", "price": "10", "quantity": 2,
                 "variation_list": [], "metadata": []},
            ],
            "order_shipments": [],
            "email_count": "3",
        }  # fmt: skip
        order.update(fields)
        self.orders[order_id] = order
        return order

    def add_product(self, **fields: Any) -> dict[str, Any]:
        product_id = fields.pop("id", None) or next(self._ids)
        item = {
            "id": product_id,
            "name": f"Product {product_id}",
            "code": f"SKU-{product_id}",
            "price": 9.5,
            "cost": 4,
            "stock": 10,
            "location": "A1",
            "metadata": [],
            "variation_list": [],
            "date_added": "2025-01-01 00:00:00",
            "date_updated": self.stamp(),
        }
        item.update(fields)
        self.inventory[product_id] = item
        return item

    def touch(self, order_id: str, **fields: Any) -> None:
        """Someone else changed the order (as another OrderDesk client would)."""
        self.orders[order_id].update(fields)
        self.orders[order_id]["date_updated"] = self.stamp()

    def count(self, method: str | None = None, path: str | None = None) -> int:
        return sum(
            1 for m, p, _ in self.calls if (method is None or m == method) and (path is None or p == path)
        )

    # --- the client contract ---------------------------------------------------------------------------

    async def get(self, creds, path, *, params=None):
        return self._call("GET", path, dict(params or {}))

    async def post(self, creds, path, *, json):
        return self._call("POST", path, copy.deepcopy(json))

    async def put(self, creds, path, *, json):
        return self._call("PUT", path, copy.deepcopy(json))

    async def delete(self, creds, path):
        return self._call("DELETE", path, None)

    def _call(self, method: str, path: str, data: Any) -> dict[str, Any]:
        self.calls.append((method, path, data))
        if self.on_call is not None:
            self.on_call(method, path, data)
        queued = self.fail.get((method, path))
        if queued:
            raise queued.pop(0)
        parts = path.strip("/").split("/")
        handler = getattr(self, f"_{method.lower()}_{parts[0].replace('-', '_')}")
        return {"status": "success", "execution_time": "0.0100 seconds", **handler(parts[1:], data)}

    def _order(self, order_id: str) -> dict[str, Any]:
        if order_id not in self.orders:
            raise UpstreamError("OrderDesk: Order Not Found (HTTP 404).", status=404)
        return self.orders[order_id]

    def _touch(self, order: dict[str, Any]) -> None:
        order["date_updated"] = self.stamp()

    def _with_item_ids(
        self, items: list[dict[str, Any]], existing: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Items with an id of this order keep it; the others are new items and get one."""
        known = {item["id"] for item in existing}
        return [item if item.get("id") in known else {**item, "id": str(next(self._ids))} for item in items]

    def _item(self, body: dict[str, Any], item_id: str) -> dict[str, Any]:
        """A whole order item: omitted fields take the documented defaults."""
        return {**ITEM_DEFAULTS, **body, "id": item_id}

    def _shipment(self, order: dict[str, Any], body: dict[str, Any], shipment_id: str) -> dict[str, Any]:
        values = {k: v for k, v in body.items() if k not in SHIPMENT_READ_ONLY}
        return {"id": shipment_id, "order_id": order["id"], "date_added": self.stamp(), **values}

    def _duplicate(self, order: dict[str, Any], number: Any, excluding: str | None = None) -> bool:
        if str(number).strip().lower() == NO_TRACKING:
            return False
        return any(
            tracking_key(s["tracking_number"]) == tracking_key(number)
            for s in order["order_shipments"]
            if s["id"] != excluding
        )

    # GET
    def _get_test(self, rest, params):
        return {"message": "Connection Successful", "current_date_time": self.stamp()}

    def _get_store(self, rest, params):
        return {"store": {"id": "11", "name": "Fake", "settings": {"timezone": "UTC"},
                          "folders": {str(k): v for k, v in FOLDERS.items()}}}  # fmt: skip

    def _get_orders(self, rest, params):
        if not rest:
            rows = list(self.orders.values())
            for name in ("folder_id", "source_id", "email", "source_name"):
                if name in params:
                    wanted = {v.strip() for v in str(params[name]).split(",")}
                    rows = [o for o in rows if str(o.get(name)) in wanted]
            rows.sort(key=lambda o: o["date_added"], reverse=True)
            offset, limit = int(params.get("offset", 0)), min(int(params.get("limit", 50)), 500)
            page = rows[offset : offset + limit]
            return {"total_records": len(rows), "records_returned": len(page), "offset": offset,
                    "limit": limit, "orders": copy.deepcopy(page)}  # fmt: skip
        order = self._order(rest[0])
        if len(rest) == 1:
            data = copy.deepcopy(order)
            if not params.get("get_order_history"):
                data.pop("order_history", None)
            return {"order": data}
        if rest[1] == "shipments":
            if len(rest) == 2:
                return {"shipments": copy.deepcopy(order["order_shipments"])}
            for shipment in order["order_shipments"]:
                if shipment["id"] == rest[2]:
                    return {"shipment": copy.deepcopy(shipment)}
            raise UpstreamError("OrderDesk: Shipment Not Found (HTTP 404).", status=404)
        if rest[1] == "order-items":
            return {"order_items": copy.deepcopy(order["order_items"])}
        raise AssertionError(path_error(rest))

    def _get_inventory_items(self, rest, params):
        if rest:
            return {"records_returned": 1, "inventory_item": copy.deepcopy(self._product(rest[0]))}
        rows = sorted(self.inventory.values(), key=lambda i: i["id"])
        if "code" in params:
            codes = set(str(params["code"]).split(","))
            rows = [i for i in rows if i["code"] in codes]
        if "search" in params:
            rows = [i for i in rows if params["search"].lower() in (i["name"] + i["code"]).lower()]
        offset, limit = int(params.get("offset", 0)), min(int(params.get("limit", 50)), 500)
        page = rows[offset : offset + limit]
        return {
            "records_returned": len(page),
            "total_records": str(len(rows)),
            "inventory_items": copy.deepcopy(page),
        }

    # POST
    def _post_orders(self, rest, body):
        if not rest:
            return {"message": "Order Added", "order": copy.deepcopy(self._create_order(body))}
        order = self._order(rest[0])
        if rest[1] == "order-history":
            order.setdefault("order_history", []).append(
                {
                    "source_name": body.get("source_name") or "API",
                    "note": body["note"],
                    "date_added": self.stamp(),
                }
            )
            self._touch(order)
            return {"total_records": 1, "order": copy.deepcopy(order)}
        if rest[1] == "order-items":
            item = self._item(body, str(next(self._ids)))
            order["order_items"].append(item)
            self._touch(order)
            return {"message": "Order Item Added", "order_item": copy.deepcopy(item)}
        if rest[1] == "shipments":
            return self._add_shipment(order, body)
        raise AssertionError(path_error(rest))

    def _create_order(self, body):
        """As the emulator creates one: items and a name are required, the rest starts blank; the first
        folder unless one is named; the one address given serves as both."""
        if not body.get("order_items"):
            raise rejected("POST /orders", "You must include some order_items")
        folder_id = int(body.get("folder_id") or next(iter(FOLDERS)))
        if folder_id not in FOLDERS:
            raise rejected("POST /orders", f"Folder {folder_id} Not Found")
        order_id, stamp = str(next(self._ids)), self.stamp()
        order = {**NEW_ORDER, "source_id": order_id}
        order.update({k: v for k, v in body.items() if k not in ORDER_READ_ONLY})
        order["shipping"] = order["shipping"] or dict(order["customer"])
        order["customer"] = order["customer"] or dict(order["shipping"])
        order.update(id=order_id, folder_id=folder_id, date_added=body.get("date_added") or stamp)
        order.update(date_updated=stamp, order_shipments=[])
        order["order_items"] = [self._item(item, str(next(self._ids))) for item in body["order_items"]]
        self.orders[order_id] = order
        return order

    def _add_shipment(self, order, body):
        if self._duplicate(order, body["tracking_number"]):
            raise UpstreamError("OrderDesk reported an error: Shipment Not Added", status=200)
        shipment = self._shipment(order, body, str(next(self._ids)))
        order["order_shipments"].append(shipment)
        self._touch(order)
        return {"message": "Shipment Added", "shipment": copy.deepcopy(shipment)}

    def _post_batch_shipments(self, rest, body):
        results = []
        for entry in body:
            result = {"order_id": str(entry["order_id"])}
            order = self.orders.get(str(entry["order_id"]))
            if order is None:
                results.append({**result, "status": "error", "message": "Order Not Found"})
                continue
            try:
                added = self._add_shipment(order, {k: v for k, v in entry.items() if k != "order_id"})
            except UpstreamError:
                results.append({**result, "status": "error", "message": "Shipment Not Added"})
            else:
                shipment_id = added["shipment"]["id"]
                results.append(
                    {**result, "status": "success", "message": "Shipment Added", "shipment_id": shipment_id}
                )
        return {
            "message": f"{sum(r['status'] == 'success' for r in results)} Shipments Added",
            "results": results,
        }

    def _post_move_orders(self, rest, body):
        destination = int(body["destination_folder_id"])
        if destination not in FOLDERS:
            raise rejected("POST /move-orders", "Destination Folder Not Found")
        results = []
        for number in body["order_id_list"]:
            order = self.orders.get(str(number))
            if order is None:
                results.append({"order_id": number, "message": "Order Not Found"})
                continue
            original = order["folder_id"]
            order["folder_id"] = destination
            note = f"Order moved from {FOLDERS.get(original, original)} to {FOLDERS[destination]}"
            order.setdefault("order_history", []).append(
                {"source_name": "Order Desk", "note": note, "date_added": self.stamp()}
            )
            self._touch(order)
            message = f"Order Moved to {FOLDERS[destination]} Folder"
            results.append({"order_id": number, "message": message, "original_folder_id": original})
        moved = sum("original_folder_id" in r for r in results)
        return {"message": f"{moved} Orders Moved", "results": results}

    def _post_inventory_items(self, rest, body):
        return {
            "message": "Inventory Item Added",
            "inventory_item": copy.deepcopy(self._create_product(body)),
        }

    def _create_product(self, body):
        """As the emulator creates one: a name and a unique code, every other field blank."""
        self._check_product(body)
        product_id, stamp = next(self._ids), self.stamp()
        item = {**NEW_PRODUCT, **{k: v for k, v in body.items() if k not in INVENTORY_READ_ONLY}}
        item.update(id=product_id, date_added=stamp, date_updated=stamp)
        self.inventory[product_id] = item
        return item

    def _check_product(self, body, product_id: int | None = None):
        missing = [name for name in ("name", "code") if not str(body.get(name) or "").strip()]
        if missing:
            raise rejected("an inventory item", f"it needs a name and a code; missing: {', '.join(missing)}")
        if any(i["code"] == body["code"] and i["id"] != product_id for i in self.inventory.values()):
            raise rejected("an inventory item", "Duplicate code")

    # PUT
    def _put_orders(self, rest, body):
        order = self._order(rest[0])
        if len(rest) == 1:
            record = replaced(order, body, ORDER_READ_ONLY)
            record["date_added"] = body.get("date_added") or order["date_added"]  # kept when left out
            record["source_id"] = record.get("source_id") or order["id"]
            record["order_items"] = self._with_item_ids(record.get("order_items", []), order["order_items"])
            record["date_updated"] = self.stamp()
            self.orders[rest[0]] = record
            return {"message": "Order Updated", "order": copy.deepcopy(record)}
        if rest[1] == "order-items":
            for index, item in enumerate(order["order_items"]):
                if item["id"] == rest[2]:
                    order["order_items"][index] = self._item(body, rest[2])
                    self._touch(order)
                    return {
                        "message": "Order Item Updated",
                        "order_item": copy.deepcopy(order["order_items"][index]),
                    }
            raise UpstreamError("OrderDesk: Order Item Not Found (HTTP 404).", status=404)
        if rest[1] == "shipments":
            for index, shipment in enumerate(order["order_shipments"]):
                if shipment["id"] == rest[2]:
                    if self._duplicate(order, body["tracking_number"], excluding=rest[2]):
                        raise UpstreamError("OrderDesk reported an error: Shipment Not Updated", status=200)
                    order["order_shipments"][index] = replaced(shipment, body, SHIPMENT_READ_ONLY)
                    self._touch(order)
                    return {
                        "message": "Shipment Updated",
                        "shipment": copy.deepcopy(order["order_shipments"][index]),
                    }
            raise UpstreamError("OrderDesk: Shipment Not Found (HTTP 404).", status=404)
        raise AssertionError(path_error(rest))

    def _put_inventory_items(self, rest, body):
        stored = self._product(rest[0])
        self._check_product(body, stored["id"])
        self.inventory[stored["id"]] = self._replace_product(stored, body)
        return {
            "message": "Inventory Item Updated",
            "inventory_item": copy.deepcopy(self.inventory[stored["id"]]),
        }

    def _replace_product(self, stored, body):
        record = replaced(stored, body, INVENTORY_READ_ONLY)
        record["update_source"] = record.get("update_source") or "API"
        record["date_updated"] = self.stamp()
        return record

    def _put_batch_inventory_items(self, rest, body):
        """Each entry replaces the item with its id, else the one with its code, else is created."""
        found = []
        for entry in body:
            stored = self.inventory.get(entry.get("id")) or next(
                (i for i in self.inventory.values() if i["code"] == entry.get("code")), None
            )
            self._check_product(entry, stored["id"] if stored else None)  # all or nothing
            found.append(stored)
        for entry, stored in zip(body, found, strict=True):
            if stored is None:
                self._create_product(entry)
            else:
                self.inventory[stored["id"]] = self._replace_product(stored, entry)
        return {"message": f"{len(body)} Inventory Items Updated"}

    # DELETE
    def _delete_orders(self, rest, _):
        order = self._order(rest[0])
        if len(rest) == 1:
            del self.orders[rest[0]]
            return {"message": f"Order {rest[0]} Deleted"}
        key = "order_items" if rest[1] == "order-items" else "order_shipments"
        before = len(order[key])
        order[key] = [x for x in order[key] if x["id"] != rest[2]]
        if len(order[key]) == before:
            raise UpstreamError("OrderDesk: Not Found (HTTP 404).", status=404)
        self._touch(order)
        return {"message": f"{rest[2]} Deleted"}

    def _delete_inventory_items(self, rest, _):
        product = self._product(rest[0])
        del self.inventory[product["id"]]
        return {"message": f"Inventory Item {rest[0]} Deleted"}

    def _product(self, product_id: Any) -> dict[str, Any]:
        try:
            return self.inventory[int(product_id)]
        except (KeyError, ValueError):
            raise UpstreamError("OrderDesk: Inventory Item Not Found (HTTP 404).", status=404) from None


def path_error(rest) -> str:
    return f"the fake OrderDesk does not serve {'/'.join(rest)}"
