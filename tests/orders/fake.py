"""An in-memory OrderDesk standing in for stores.client (get/post/put/delete per the client contract).

It keeps orders, shipments, history and inventory, answers with OrderDesk's envelopes, raises the
client's errors (UpstreamError(status=404) for unknown ids, status=400 for refusals, a 2xx "Shipment
Not Added"), records every call, and lets a test change a record between two calls (`on_call`) or make
the next call fail (`fail`).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kernel.errors import UpstreamError

FOLDERS = {1001: "New", 1002: "Prepared", 1003: "Shipped", 1004: "Closed", 1005: "Canceled"}
BASE_TIME = datetime(2025, 3, 1, 12, 0, 0)


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

    # GET
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
            item = self.inventory.get(int(rest[0]))
            if item is None:
                raise UpstreamError("OrderDesk: Inventory Item Not Found (HTTP 404).", status=404)
            return {"records_returned": 1, "inventory_item": copy.deepcopy(item)}
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
            created = self.add_order(**{k: v for k, v in body.items() if k != "id"})
            created["folder_id"] = body.get("folder_id", 1001)
            return {"message": "Order Added", "order": copy.deepcopy(created)}
        order = self._order(rest[0])
        if rest[1] == "order-history":
            order.setdefault("order_history", []).append(
                {
                    "source_name": body.get("source_name", "API"),
                    "note": body["note"],
                    "date_added": self.stamp(),
                }
            )
            return {"total_records": 1, "order": copy.deepcopy(order)}
        if rest[1] == "order-items":
            item = {**body, "id": str(next(self._ids))}
            order["order_items"].append(item)
            order["date_updated"] = self.stamp()
            return {"message": "Order Item Added", "order_item": copy.deepcopy(item)}
        if rest[1] == "shipments":
            return self._add_shipment(order, body)
        raise AssertionError(path_error(rest))

    def _add_shipment(self, order, body):
        if any(s["tracking_number"] == body["tracking_number"] for s in order["order_shipments"]):
            raise UpstreamError("OrderDesk reported an error: Shipment Not Added", status=200)
        shipment = {"id": str(next(self._ids)), "order_id": order["id"], "date_added": self.stamp(), **body}
        order["order_shipments"].append(shipment)
        order["date_updated"] = self.stamp()
        return {"message": "Shipment Added", "shipment": copy.deepcopy(shipment)}

    def _post_batch_shipments(self, rest, body):
        results = []
        for entry in body:
            order = self.orders.get(str(entry["order_id"]))
            if order is None:
                results.append(
                    {"order_id": entry["order_id"], "status": "error", "message": "Order Not Found"}
                )
                continue
            try:
                self._add_shipment(order, {k: v for k, v in entry.items() if k != "order_id"})
            except UpstreamError:
                results.append(
                    {"order_id": entry["order_id"], "status": "error", "message": "Shipment Not Added"}
                )
            else:
                results.append(
                    {"order_id": entry["order_id"], "status": "success", "message": "Shipment Added"}
                )
        return {
            "message": f"{sum(r['status'] == 'success' for r in results)} Shipments Added",
            "results": results,
        }

    def _post_move_orders(self, rest, body):
        results = []
        for number in body["order_id_list"]:
            order = self.orders.get(str(number))
            if order is None:
                results.append({"order_id": number, "message": "Order Not Found"})
                continue
            original = order["folder_id"]
            order["folder_id"] = body["destination_folder_id"]
            order["date_updated"] = self.stamp()
            results.append({"order_id": number, "message": "Order Moved", "original_folder_id": original})
        return {"message": f"{len(results)} Orders Moved", "results": results}

    def _post_inventory_items(self, rest, body):
        if any(i["code"] == body["code"] for i in self.inventory.values()):
            raise UpstreamError(
                "OrderDesk rejected POST /inventory-items (HTTP 400): Duplicate code", status=400
            )
        return {"message": "Inventory Item Added", "inventory_item": copy.deepcopy(self.add_product(**body))}

    # PUT
    def _put_orders(self, rest, body):
        order = self._order(rest[0])
        if len(rest) == 1:
            # Whole-record replacement: what is not sent is blanked; folder and shipments stay.
            kept = {
                "id": order["id"],
                "folder_id": order["folder_id"],
                "order_shipments": order["order_shipments"],
            }
            if "order_history" in order:
                kept["order_history"] = order["order_history"]
            replaced = {**body, **kept, "date_updated": self.stamp()}
            self.orders[rest[0]] = replaced
            return {"message": "Order Updated", "order": copy.deepcopy(replaced)}
        if rest[1] == "order-items":
            for index, item in enumerate(order["order_items"]):
                if item["id"] == rest[2]:
                    order["order_items"][index] = {**body, "id": rest[2]}
                    order["date_updated"] = self.stamp()
                    return {
                        "message": "Order Item Updated",
                        "order_item": copy.deepcopy(order["order_items"][index]),
                    }
            raise UpstreamError("OrderDesk: Order Item Not Found (HTTP 404).", status=404)
        if rest[1] == "shipments":
            for index, shipment in enumerate(order["order_shipments"]):
                if shipment["id"] == rest[2]:
                    order["order_shipments"][index] = {**body, "id": rest[2], "order_id": order["id"]}
                    return {
                        "message": "Shipment Updated",
                        "shipment": copy.deepcopy(order["order_shipments"][index]),
                    }
            raise UpstreamError("OrderDesk: Shipment Not Found (HTTP 404).", status=404)
        raise AssertionError(path_error(rest))

    def _put_inventory_items(self, rest, body):
        product_id = int(rest[0])
        if product_id not in self.inventory:
            raise UpstreamError("OrderDesk: Inventory Item Not Found (HTTP 404).", status=404)
        self.inventory[product_id] = {**body, "id": product_id, "date_updated": self.stamp()}
        return {
            "message": "Inventory Item Updated",
            "inventory_item": copy.deepcopy(self.inventory[product_id]),
        }

    def _put_batch_inventory_items(self, rest, body):
        for item in body:
            self.inventory[int(item["id"])] = {**item, "date_updated": self.stamp()}
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
        return {"message": f"{rest[2]} Deleted"}

    def _delete_inventory_items(self, rest, _):
        if self.inventory.pop(int(rest[0]), None) is None:
            raise UpstreamError("OrderDesk: Inventory Item Not Found (HTTP 404).", status=404)
        return {"message": f"Inventory Item {rest[0]} Deleted"}


def path_error(rest) -> str:
    return f"the fake OrderDesk does not serve {'/'.join(rest)}"
