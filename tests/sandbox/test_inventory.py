"""Inventory items and PUT /batch-inventory-items."""

import pytest

from sandbox.models import SandboxInventoryItem


def _create(api, **fields):
    response = api.post(
        "inventory-items", {"name": "Mug", "code": "MUG", "price": 12.5, "stock": 4, **fields}
    )
    assert response.status_code == 201, response.content
    return response.json()["inventory_item"]


def test_it_lists_inventory_in_the_documented_envelope(demo_api):
    response = demo_api.get("inventory-items")

    body = response.json()
    assert list(body) == [
        "status",
        "execution_time",
        "records_returned",
        "total_records",
        "offset",
        "limit",
        "inventory_items",
    ]
    assert body["total_records"] == "250"  # a numeric string, as documented for inventory
    assert (body["records_returned"], body["offset"], body["limit"]) == (50, 0, 50)
    item = body["inventory_items"][0]
    assert isinstance(item["id"], int) and isinstance(item["stock"], int) and isinstance(item["price"], float)
    assert list(item) == [
        "id", "name", "code", "price", "cost", "weight", "stock", "update_source", "location", "metadata",
        "variation_list", "manufacturer_sku", "date_added", "date_updated",
    ]  # fmt: skip


def test_it_filters_inventory_by_codes_and_search(blank_api):
    _create(blank_api, name="Blue Mug", code="MUG-BLU")
    _create(blank_api, name="Red Mug", code="MUG-RED")
    _create(blank_api, name="Tea Towel", code="TWL-1")

    by_code = blank_api.get("inventory-items", code="MUG-RED,TWL-1").json()["inventory_items"]
    by_search = blank_api.get("inventory-items", search="mug").json()["inventory_items"]

    assert sorted(item["code"] for item in by_code) == ["MUG-RED", "TWL-1"]
    assert sorted(item["code"] for item in by_search) == ["MUG-BLU", "MUG-RED"]
    assert blank_api.get("inventory-items", search="twl").json()["total_records"] == "1"


def test_it_pages_inventory(demo_api):
    everything = [i["id"] for i in demo_api.get("inventory-items", limit="500").json()["inventory_items"]]

    page = demo_api.get("inventory-items", limit="10", offset="245").json()

    assert len(everything) == 250 and everything == sorted(everything)
    assert [i["id"] for i in page["inventory_items"]] == everything[245:]
    assert page["records_returned"] == 5
    assert demo_api.get("inventory-items", limit="9999").json()["limit"] == 500


def test_it_gets_one_inventory_item(blank_api):
    item = _create(blank_api)

    body = blank_api.get(f"inventory-items/{item['id']}").json()

    assert list(body) == ["status", "execution_time", "records_returned", "inventory_item"]
    assert body["records_returned"] == 1
    assert body["inventory_item"] == item


def test_it_answers_404_for_unknown_inventory_items(blank_api):
    response = blank_api.get("inventory-items/2509")

    assert response.status_code == 404
    assert response.json()["message"] == "Inventory Item Not Found"


def test_it_creates_inventory_items(blank_api):
    response = blank_api.post(
        "inventory-items",
        {"name": "Mug", "code": "MUG", "price": "12.50", "variation_list": {"Color": "Red"}},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "Inventory Item Added"
    item = body["inventory_item"]
    assert (item["price"], item["stock"], item["metadata"], item["variation_list"]) == (
        12.5,
        0,
        [],
        {"Color": "Red"},
    )
    assert item["manufacturer_sku"] is None


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"name": "Mug"}, "code"),
        ({"code": "MUG"}, "name"),
        ({"name": "Mug", "code": "MUG", "stock": "lots"}, "stock"),
        ({"name": "Mug", "code": "MUG", "metadata": "x"}, "metadata"),
    ],
)
def test_it_rejects_invalid_inventory_items(blank_api, body, named):
    response = blank_api.post("inventory-items", body)

    assert response.status_code == 400
    assert named in response.json()["message"]


def test_it_keeps_codes_unique(blank_api):
    _create(blank_api, code="MUG")
    other = _create(blank_api, code="CUP")

    assert blank_api.post("inventory-items", {"name": "Mug 2", "code": "MUG"}).status_code == 400
    assert blank_api.put(f"inventory-items/{other['id']}", {"name": "Cup", "code": "MUG"}).status_code == 400


def test_it_replaces_inventory_items_whole(blank_api):
    item = _create(blank_api, location="Shelf 2", metadata={"color": "red"}, manufacturer_sku="M-1")

    response = blank_api.put(f"inventory-items/{item['id']}", {"name": "Mug XL", "code": "MUG", "stock": 9})

    assert response.json()["message"] == "Inventory Item Updated"
    updated = response.json()["inventory_item"]
    assert (updated["name"], updated["stock"], updated["price"], updated["location"]) == (
        "Mug XL",
        9,
        0.0,
        "",
    )
    assert updated["metadata"] == [] and updated["manufacturer_sku"] is None
    assert updated["date_updated"] >= item["date_updated"]


def test_it_deletes_inventory_items(blank_api):
    item = _create(blank_api)

    response = blank_api.delete(f"inventory-items/{item['id']}")

    assert response.json()["message"] == f"Inventory Item {item['id']} Deleted"
    assert blank_api.get(f"inventory-items/{item['id']}").status_code == 404


@pytest.mark.parametrize("wrapped", [False, True])
def test_it_updates_inventory_in_batches_by_id_then_code_else_creating(blank_api, wrapped):
    by_id = _create(blank_api, code="A", stock=1)
    _create(blank_api, code="B", stock=1)
    entries = [
        {"id": by_id["id"], "name": "A renamed", "code": "A2", "price": 3, "stock": 10},
        {"name": "B", "code": "B", "price": 4, "stock": 20},
        {"name": "C", "code": "C", "price": 5, "stock": 30},
    ]

    response = blank_api.put("batch-inventory-items", {"inventory_items": entries} if wrapped else entries)

    assert response.status_code == 200
    assert response.json()["message"] == "3 Inventory Items Updated"
    stock = dict(SandboxInventoryItem.objects.values_list("code", "stock"))
    assert stock == {"A2": 10, "B": 20, "C": 30}
    assert SandboxInventoryItem.objects.get(code="A2").item_id == by_id["id"]


def test_it_rejects_a_batch_with_one_bad_entry_and_writes_nothing(blank_api):
    _create(blank_api, code="A", stock=1)

    response = blank_api.put(
        "batch-inventory-items", [{"name": "A", "code": "A", "stock": 5}, {"name": "no code"}]
    )

    assert response.status_code == 400
    assert "inventory_items[1]" in response.json()["message"]
    assert SandboxInventoryItem.objects.get(code="A").stock == 1


def test_it_only_serves_batch_inventory_over_put(blank_api):
    assert blank_api.post("batch-inventory-items", []).status_code == 405
