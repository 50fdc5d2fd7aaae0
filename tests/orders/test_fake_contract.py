"""The in-memory OrderDesk (tests/orders/fake.py) keeps the emulator's contract.

The order and product service tests run on the fake; the emulator (the sandbox app) is what the product
itself calls OrderDesk's behaviour. Every case here runs twice, on the fake and on the sandbox served
over real HTTP through a real OrderDesk client, and asserts only what both must answer: the calls the
services make (see orders/services and products/services), the envelopes' fields they read, the
errors the client raises. When the two disagree, the fake is wrong.

Not compared, because the fake does not model them: computed totals, e-mail counts, the full set of
blank fields the emulator adds to a new record, and pacing.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from kernel.errors import UpstreamError
from stores.client import get_client

pytestmark = pytest.mark.django_db(transaction=True)

MISSING = "999999999"


class Upstream:
    """One OrderDesk, called exactly as the services call theirs: envelopes back, the client's errors."""

    def __init__(self, client, creds):
        self.client, self.creds = client, creds

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return async_to_sync(self.client.get)(self.creds, path, params=params or None)

    def post(self, path: str, body: Any) -> dict[str, Any]:
        return async_to_sync(self.client.post)(self.creds, path, json=body)

    def put(self, path: str, body: Any) -> dict[str, Any]:
        return async_to_sync(self.client.put)(self.creds, path, json=body)

    def delete(self, path: str) -> dict[str, Any]:
        return async_to_sync(self.client.delete)(self.creds, path)

    def folder_id(self, name: str) -> int:
        folders = self.get("/store")["store"]["folders"]
        return next(int(folder_id) for folder_id, folder in folders.items() if folder == name)

    def create_order(self, **overrides: Any) -> dict[str, Any]:
        return self.post("/orders", order_body(**overrides))["order"]

    def order(self, order_id: str, **params: Any) -> dict[str, Any]:
        return self.get(f"/orders/{order_id}", **params)["order"]


@pytest.fixture(params=["fake", "sandbox"])
def upstream(request) -> Upstream:
    if request.param == "fake":
        return Upstream(request.getfixturevalue("od"), creds=None)
    store = request.getfixturevalue("sandbox")
    return Upstream(get_client(), store.credentials())


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": f"pat.{uuid.uuid4().hex[:8]}@example.com",
        "shipping_method": "UPS Ground",
        "shipping_total": 5.0,
        "shipping": {"first_name": "Pat", "last_name": "Jones", "city": "Portland", "country": "US"},
        "customer": {"first_name": "Pat", "last_name": "Jones"},
        "order_items": [{"name": "Organic Tee", "code": "TEE-M", "price": 10.0, "quantity": 2}],
    }
    body.update(overrides)
    return body


def not_found(call) -> UpstreamError:
    with pytest.raises(UpstreamError) as caught:
        call()
    assert caught.value.status == 404
    return caught.value


# --- Connection and store ----------------------------------------------------------------------------


def test_it_answers_the_connection_test(upstream):
    hello = upstream.get("/test")
    assert hello["status"] == "success" and hello["message"] == "Connection Successful"
    assert isinstance(hello["current_date_time"], str) and hello["current_date_time"]


def test_it_names_the_five_folders_of_a_store(upstream):
    store = upstream.get("/store")["store"]
    assert set(store["folders"].values()) == {"New", "Prepared", "Shipped", "Closed", "Canceled"}
    assert all(int(folder_id) > 0 for folder_id in store["folders"])
    assert isinstance(store["settings"]["timezone"], str)


# --- Orders ------------------------------------------------------------------------------------------


def test_it_creates_an_order_in_the_first_folder_and_gets_it_back(upstream):
    created = upstream.create_order(email="ivy@example.com")
    order = upstream.order(created["id"])
    assert isinstance(created["id"], str) and order["id"] == created["id"]
    assert order["email"] == "ivy@example.com" and order["shipping_method"] == "UPS Ground"
    assert order["shipping"]["city"] == "Portland" and order["customer"]["last_name"] == "Jones"
    assert order["folder_id"] == upstream.folder_id("New")
    (item,) = order["order_items"]
    assert isinstance(item["id"], str) and item["id"]
    assert (item["name"], item["code"], item["quantity"], float(item["price"])) == (
        "Organic Tee",
        "TEE-M",
        2,
        10.0,
    )
    assert order["order_shipments"] == [] and "order_history" not in order
    assert isinstance(order["date_added"], str) and isinstance(order["date_updated"], str)


def test_it_creates_an_order_in_the_folder_it_names(upstream):
    shipped = upstream.folder_id("Shipped")
    assert upstream.order(upstream.create_order(folder_id=shipped)["id"])["folder_id"] == shipped


def test_it_starts_a_new_order_blank_where_the_body_says_nothing(upstream):
    body = {"customer": {"first_name": "Ivy", "last_name": "Chen"}, "order_items": [{"name": "Tea"}]}
    order = upstream.order(upstream.post("/orders", body)["order"]["id"])
    assert order["email"] == "" and order["order_notes"] == [] and order["discount_list"] == []
    assert order["shipping"]["first_name"] == "Ivy"  # the one address given serves as both
    assert order["source_id"] == order["id"] and order["source_name"] == "Order Desk"
    (item,) = order["order_items"]
    assert (item["name"], item["quantity"], float(item["price"]), item["code"]) == ("Tea", 1, 0.0, "")


@pytest.mark.parametrize(
    "body",
    [{"order_items": []}, {"folder_id": 987654}],
    ids=["without items", "in an unknown folder"],
)
def test_it_refuses_to_create_an_order(upstream, body):
    with pytest.raises(UpstreamError) as caught:
        upstream.post("/orders", order_body(**body))
    assert caught.value.status == 400


def test_it_lists_orders_filtered_by_email_a_page_at_a_time(upstream):
    email = f"list.{uuid.uuid4().hex[:8]}@example.com"
    ids = {upstream.create_order(email=email)["id"] for _ in range(3)}
    upstream.create_order()  # another customer's

    first = upstream.get("/orders", email=email, limit=2)
    rest = upstream.get("/orders", email=email, limit=2, offset=2)

    assert (int(first["total_records"]), first["records_returned"], len(first["orders"])) == (3, 2, 2)
    assert (int(rest["total_records"]), rest["records_returned"], rest["offset"]) == (3, 1, 2)
    assert {o["id"] for o in first["orders"] + rest["orders"]} == ids


def test_it_filters_a_listing_by_folder(upstream):
    email = f"folder.{uuid.uuid4().hex[:8]}@example.com"
    shipped = upstream.folder_id("Shipped")
    wanted = upstream.create_order(email=email, folder_id=shipped)["id"]
    upstream.create_order(email=email)
    listing = upstream.get("/orders", email=email, folder_id=shipped)
    assert [o["id"] for o in listing["orders"]] == [wanted]


def test_it_replaces_the_whole_order_on_put_blanking_what_is_left_out(upstream):
    created = upstream.create_order(order_notes=[{"content": "Leave at the door", "username": "shop"}])
    before = upstream.order(created["id"])
    body = {
        key: value for key, value in before.items() if key not in ("email", "order_notes", "shipping_method")
    }
    body["shipping"] = {**before["shipping"], "city": "Salem"}
    body["order_items"] = [
        *before["order_items"],
        {"name": "Mug", "code": "MUG", "price": 4.0, "quantity": 1},
    ]

    answered = upstream.put(f"/orders/{created['id']}", body)["order"]
    after = upstream.order(created["id"])

    for order in (answered, after):
        assert order["id"] == created["id"] and order["folder_id"] == before["folder_id"]
        assert order["email"] == "" and order["shipping_method"] == "" and order["order_notes"] == []
        assert order["shipping"]["city"] == "Salem" and order["shipping"]["first_name"] == "Pat"
        assert order["date_added"] == before["date_added"]
        assert order["date_updated"] != before["date_updated"]
        kept, added = order["order_items"]
        assert kept["id"] == before["order_items"][0]["id"] and kept["name"] == "Organic Tee"
        assert added["name"] == "Mug" and added["id"] and added["id"] != kept["id"]


def test_it_keeps_the_folder_and_shipments_whatever_a_put_says(upstream):
    created = upstream.create_order()
    upstream.post(f"/orders/{created['id']}/shipments", {"tracking_number": "1Z999AA10123456784"})
    before = upstream.order(created["id"])

    upstream.put(
        f"/orders/{created['id']}",
        {**before, "folder_id": upstream.folder_id("Closed"), "order_shipments": []},
    )

    after = upstream.order(created["id"])
    assert after["folder_id"] == before["folder_id"]
    assert [s["tracking_number"] for s in after["order_shipments"]] == ["1Z999AA10123456784"]


def test_it_removes_the_items_a_put_leaves_out(upstream):
    created = upstream.create_order(
        order_items=[
            {"name": "Tee", "price": 10.0, "quantity": 1},
            {"name": "Cap", "price": 7.0, "quantity": 1},
        ]
    )
    before = upstream.order(created["id"])

    upstream.put(f"/orders/{created['id']}", {**before, "order_items": before["order_items"][1:]})

    assert [i["id"] for i in upstream.order(created["id"])["order_items"]] == [before["order_items"][1]["id"]]


def test_it_answers_404_for_an_order_that_does_not_exist(upstream):
    not_found(lambda: upstream.get(f"/orders/{MISSING}"))
    not_found(lambda: upstream.put(f"/orders/{MISSING}", order_body()))
    not_found(lambda: upstream.delete(f"/orders/{MISSING}"))
    not_found(lambda: upstream.get(f"/orders/{MISSING}/shipments"))
    not_found(lambda: upstream.post(f"/orders/{MISSING}/order-items", {"name": "Mug"}))
    not_found(lambda: upstream.post(f"/orders/{MISSING}/shipments", {"tracking_number": "1Z"}))
    not_found(lambda: upstream.post(f"/orders/{MISSING}/order-history", {"note": "Hello"}))


def test_it_deletes_an_order(upstream):
    created = upstream.create_order()
    deleted = upstream.delete(f"/orders/{created['id']}")
    assert deleted["status"] == "success" and created["id"] in deleted["message"]
    not_found(lambda: upstream.get(f"/orders/{created['id']}"))


def test_it_keeps_history_notes_apart_unless_asked_for(upstream):
    created = upstream.create_order()
    answered = upstream.post(f"/orders/{created['id']}/order-history", {"note": "Called the customer"})
    assert [e["note"] for e in answered["order"]["order_history"]][-1] == "Called the customer"
    assert "order_history" not in upstream.order(created["id"])
    history = upstream.order(created["id"], get_order_history=1)["order_history"]
    assert history[-1]["note"] == "Called the customer" and history[-1]["source_name"] == "API"
    assert history[-1]["date_added"]


def test_it_moves_orders_and_reports_each_one(upstream):
    created = upstream.create_order()
    new, shipped = upstream.folder_id("New"), upstream.folder_id("Shipped")
    before = upstream.order(created["id"])

    moved = upstream.post(
        "/move-orders", {"order_id_list": [created["id"], MISSING], "destination_folder_id": shipped}
    )

    assert moved["message"] == "1 Orders Moved"
    found, missing = moved["results"]
    assert str(found["order_id"]) == created["id"] and found["original_folder_id"] == new
    assert found["message"] == "Order Moved to Shipped Folder"
    assert str(missing["order_id"]) == MISSING and missing["message"] == "Order Not Found"
    assert "original_folder_id" not in missing
    after = upstream.order(created["id"], get_order_history=1)
    assert after["folder_id"] == shipped and after["date_updated"] != before["date_updated"]
    assert after["order_history"][-1]["note"] == "Order moved from New to Shipped"


def test_it_refuses_a_move_to_an_unknown_folder(upstream):
    created = upstream.create_order()
    with pytest.raises(UpstreamError) as caught:
        upstream.post("/move-orders", {"order_id_list": [created["id"]], "destination_folder_id": 987654})
    assert caught.value.status == 400
    assert upstream.order(created["id"])["folder_id"] == upstream.folder_id("New")


# --- Order items -------------------------------------------------------------------------------------


def test_it_adds_replaces_and_deletes_an_order_item(upstream):
    created = upstream.create_order()
    before = upstream.order(created["id"])
    path = f"/orders/{created['id']}/order-items"

    added = upstream.post(path, {"name": "Mug", "code": "MUG", "price": 4.0, "quantity": 3})["order_item"]
    assert isinstance(added["id"], str) and (added["name"], added["quantity"]) == ("Mug", 3)
    with_mug = upstream.order(created["id"])
    assert [i["name"] for i in with_mug["order_items"]] == ["Organic Tee", "Mug"]
    assert with_mug["date_updated"] != before["date_updated"]

    replaced = upstream.put(f"{path}/{added['id']}", {"name": "Big mug", "price": 6.0, "quantity": 1})
    assert replaced["order_item"]["id"] == added["id"]
    (mug,) = [i for i in upstream.order(created["id"])["order_items"] if i["id"] == added["id"]]
    assert (mug["name"], mug["quantity"], float(mug["price"]), mug["code"]) == ("Big mug", 1, 6.0, "")

    upstream.delete(f"{path}/{added['id']}")
    after = upstream.order(created["id"])
    assert [i["name"] for i in after["order_items"]] == ["Organic Tee"]
    not_found(lambda: upstream.delete(f"{path}/{added['id']}"))
    not_found(lambda: upstream.put(f"{path}/{added['id']}", {"name": "Gone"}))


# --- Shipments ---------------------------------------------------------------------------------------


def test_it_adds_lists_replaces_and_deletes_a_shipment(upstream):
    created = upstream.create_order()
    path = f"/orders/{created['id']}/shipments"

    added = upstream.post(path, {"tracking_number": "1Z999AA10123456784", "carrier_code": "UPS"})["shipment"]
    assert isinstance(added["id"], str) and added["order_id"] == created["id"]
    assert (added["tracking_number"], added["carrier_code"]) == ("1Z999AA10123456784", "UPS")
    assert [s["id"] for s in upstream.get(path)["shipments"]] == [added["id"]]
    assert [s["id"] for s in upstream.order(created["id"])["order_shipments"]] == [added["id"]]
    assert upstream.get(f"{path}/{added['id']}")["shipment"]["tracking_number"] == "1Z999AA10123456784"

    before = upstream.order(created["id"])
    replaced = upstream.put(f"{path}/{added['id']}", {"tracking_number": "1Z999AA10123456785"})["shipment"]
    assert replaced["id"] == added["id"] and replaced["tracking_number"] == "1Z999AA10123456785"
    assert replaced["carrier_code"] == ""  # left out, so blanked
    assert upstream.order(created["id"])["date_updated"] != before["date_updated"]

    upstream.delete(f"{path}/{added['id']}")
    assert upstream.get(path)["shipments"] == []
    not_found(lambda: upstream.get(f"{path}/{added['id']}"))
    not_found(lambda: upstream.delete(f"{path}/{added['id']}"))


def test_it_does_not_add_a_tracking_number_twice(upstream):
    created = upstream.create_order()
    path = f"/orders/{created['id']}/shipments"
    upstream.post(path, {"tracking_number": "1Z999AA10123456784"})

    with pytest.raises(UpstreamError) as caught:
        upstream.post(path, {"tracking_number": "1z999aa1012345 6784"})  # case and spaces aside, the same

    assert caught.value.status == 200 and "Shipment Not Added" in caught.value.message
    second = upstream.post(path, {"tracking_number": "1Z999AA10123456785"})["shipment"]
    with pytest.raises(UpstreamError) as caught:
        upstream.put(f"{path}/{second['id']}", {"tracking_number": "1Z999AA10123456784"})
    assert caught.value.status == 200 and "Shipment Not Updated" in caught.value.message
    untracked = [upstream.post(path, {"tracking_number": "n/a"}) for _ in range(2)]
    assert all(s["status"] == "success" for s in untracked)  # several untracked parcels are normal
    assert len(upstream.get(path)["shipments"]) == 4


def test_it_adds_shipments_in_a_batch_reporting_each_one(upstream):
    created = upstream.create_order()
    upstream.post(f"/orders/{created['id']}/shipments", {"tracking_number": "1Z999AA10123456784"})

    batch = upstream.post(
        "/batch-shipments",
        [
            {"order_id": created["id"], "tracking_number": "1Z999AA10123456785"},
            {"order_id": created["id"], "tracking_number": "1Z999AA10123456784"},
            {"order_id": MISSING, "tracking_number": "1Z999AA10123456786"},
        ],
    )

    assert batch["message"] == "1 Shipments Added"
    added, duplicate, missing = batch["results"]
    assert (added["order_id"], added["status"], added["message"]) == (
        created["id"],
        "success",
        "Shipment Added",
    )
    assert added["shipment_id"] in {s["id"] for s in upstream.order(created["id"])["order_shipments"]}
    assert (duplicate["status"], duplicate["message"]) == ("error", "Shipment Not Added")
    assert (missing["order_id"], missing["status"], missing["message"]) == (
        MISSING,
        "error",
        "Order Not Found",
    )


# --- Inventory ---------------------------------------------------------------------------------------


def new_product(upstream: Upstream, **fields: Any) -> dict[str, Any]:
    code = fields.pop("code", f"SKU-{uuid.uuid4().hex[:8]}")
    body = {"name": "Enamel mug", "code": code, "price": 9.5, "stock": 12, "location": "B2", **fields}
    return upstream.post("/inventory-items", body)["inventory_item"]


def test_it_creates_and_gets_an_inventory_item(upstream):
    created = new_product(upstream)
    got = upstream.get(f"/inventory-items/{created['id']}")
    assert isinstance(created["id"], int) and got["inventory_item"]["id"] == created["id"]
    item = got["inventory_item"]
    assert (item["name"], item["code"], item["stock"], item["location"]) == (
        "Enamel mug",
        created["code"],
        12,
        "B2",
    )
    assert float(item["price"]) == 9.5 and float(item["cost"]) == 0  # left out: blank
    assert item["date_added"] and item["date_updated"]


def test_it_lists_inventory_by_code(upstream):
    first, second = new_product(upstream), new_product(upstream)
    new_product(upstream)
    listing = upstream.get("/inventory-items", code=f"{first['code']},{second['code']}")
    assert sorted(i["id"] for i in listing["inventory_items"]) == sorted([first["id"], second["id"]])
    assert listing["total_records"] == "2" and listing["records_returned"] == 2


def test_it_refuses_an_inventory_item_without_a_code_or_with_one_taken(upstream):
    created = new_product(upstream)
    for body in ({"name": "Mug", "code": created["code"]}, {"name": "Mug"}):
        with pytest.raises(UpstreamError) as caught:
            upstream.post("/inventory-items", body)
        assert caught.value.status == 400
    other = new_product(upstream)
    with pytest.raises(UpstreamError) as caught:
        upstream.put(f"/inventory-items/{other['id']}", {"name": "Mug", "code": created["code"]})
    assert caught.value.status == 400


def test_it_replaces_the_whole_inventory_item_on_put(upstream):
    created = new_product(upstream)
    body = {"name": "Enamel mug", "code": created["code"], "price": 9.5, "stock": 3}  # no location

    answered = upstream.put(f"/inventory-items/{created['id']}", body)["inventory_item"]
    item = upstream.get(f"/inventory-items/{created['id']}")["inventory_item"]

    for record in (answered, item):
        assert record["id"] == created["id"] and record["stock"] == 3 and record["location"] == ""
        assert record["date_added"] == created["date_added"]


def test_it_updates_inventory_in_a_batch_by_id_or_code_and_creates_the_rest(upstream):
    by_id, by_code = new_product(upstream), new_product(upstream)
    fresh = f"SKU-{uuid.uuid4().hex[:8]}"
    batch = [
        {"id": by_id["id"], "name": "Mug", "code": by_id["code"], "stock": 1},
        {"name": "Cap", "code": by_code["code"], "stock": 2},
        {"name": "Tote", "code": fresh, "stock": 3},
    ]

    answered = upstream.put("/batch-inventory-items", batch)

    assert answered["status"] == "success" and answered["message"] == "3 Inventory Items Updated"
    stock = {i["code"]: (i["id"], i["name"], i["stock"], i["location"]) for i in listed(upstream, batch)}
    assert stock[by_id["code"]] == (by_id["id"], "Mug", 1, "")
    assert stock[by_code["code"]] == (by_code["id"], "Cap", 2, "")
    assert stock[fresh][1:] == ("Tote", 3, "")


def listed(upstream: Upstream, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return upstream.get("/inventory-items", code=",".join(entry["code"] for entry in batch))[
        "inventory_items"
    ]


def test_it_deletes_an_inventory_item(upstream):
    created = new_product(upstream)
    upstream.delete(f"/inventory-items/{created['id']}")
    not_found(lambda: upstream.get(f"/inventory-items/{created['id']}"))
    not_found(lambda: upstream.delete(f"/inventory-items/{created['id']}"))
    not_found(lambda: upstream.put(f"/inventory-items/{created['id']}", {"name": "Mug", "code": "X"}))
