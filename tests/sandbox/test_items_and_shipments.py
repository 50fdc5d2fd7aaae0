"""Order items and shipments, one order at a time and in batches."""

import pytest

from tests.sandbox.conftest import create_order


def _order(api, order_id):
    return api.get(f"orders/{order_id}").json()["order"]


# --- Order items -------------------------------------------------------------------------------------


def test_it_lists_and_gets_order_items(blank_api):
    order = create_order(blank_api, order_items=[{"name": "A", "price": 1}, {"name": "B", "price": 2}])

    listed = blank_api.get(f"orders/{order['id']}/order-items").json()
    one = blank_api.get(f"orders/{order['id']}/order-items/{order['order_items'][1]['id']}").json()

    assert list(listed) == ["status", "execution_time", "total_records", "order_items"]
    assert listed["total_records"] == 2
    assert [item["name"] for item in listed["order_items"]] == ["A", "B"]
    assert list(one) == ["status", "execution_time", "order_item"]
    assert one["order_item"]["name"] == "B"


def test_it_adds_an_item_and_recomputes_totals(blank_api):
    order = create_order(blank_api)

    response = blank_api.post(
        f"orders/{order['id']}/order-items", {"name": "Mug", "price": 7.5, "quantity": 2}
    )

    assert response.status_code == 201
    assert response.json()["message"] == "Order Item Added"
    assert response.json()["order_item"]["quantity"] == 2
    after = _order(blank_api, order["id"])
    assert after["product_total"] == 25.0
    assert after["quantity_total"] == 3
    assert after["order_total"] == round(order["order_total"] + 15, 2)
    assert after["date_updated"] > order["date_updated"]


def test_it_replaces_an_item_and_recomputes_totals(blank_api):
    order = create_order(blank_api)
    item_id = order["order_items"][0]["id"]

    response = blank_api.put(f"orders/{order['id']}/order-items/{item_id}", {"name": "Tee", "price": 20})

    assert response.json()["message"] == "Order Item Updated"
    item = response.json()["order_item"]
    assert (item["id"], item["price"], item["quantity"], item["code"]) == (item_id, 20.0, 1, "")
    assert _order(blank_api, order["id"])["product_total"] == 20.0


def test_it_deletes_an_item_and_recomputes_totals(blank_api):
    order = create_order(blank_api, order_items=[{"name": "A", "price": 1}, {"name": "B", "price": 2}])
    item_id = order["order_items"][0]["id"]

    response = blank_api.delete(f"orders/{order['id']}/order-items/{item_id}")

    assert response.json()["message"] == f"Order Item {item_id} Deleted"
    assert _order(blank_api, order["id"])["product_total"] == 2.0
    assert blank_api.get(f"orders/{order['id']}/order-items/{item_id}").status_code == 404


def test_it_keeps_items_to_their_own_order(blank_api):
    first, second = create_order(blank_api), create_order(blank_api)
    foreign = first["order_items"][0]["id"]

    response = blank_api.get(f"orders/{second['id']}/order-items/{foreign}")

    assert response.status_code == 404
    assert response.json()["message"] == "Order Item Not Found"
    assert blank_api.put(f"orders/{second['id']}/order-items/{foreign}", {"name": "x"}).status_code == 404


def test_it_validates_items(blank_api):
    order = create_order(blank_api)

    response = blank_api.post(f"orders/{order['id']}/order-items", {"name": "x", "quantity": "many"})

    assert response.status_code == 400
    assert "quantity" in response.json()["message"]


# --- Shipments ----------------------------------------------------------------------------------------


def test_it_adds_a_shipment_with_a_derived_tracking_url(blank_api):
    order = create_order(blank_api)

    response = blank_api.post(
        f"orders/{order['id']}/shipments",
        {
            "tracking_number": "1Z2398479234",
            "carrier_code": "UPS",
            "shipment_method": "Ground",
            "weight": 3.55,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "Shipment Added"
    shipment = body["shipment"]
    assert all(isinstance(value, str) for value in shipment.values())
    assert shipment["order_id"] == order["id"]
    assert shipment["store_id"] == blank_api.store.orderdesk_store_id
    assert shipment["weight"] == "3.55" and shipment["cost"] == ""
    assert shipment["tracking_url"] == "https://www.ups.com/track?tracknum=1Z2398479234"
    assert _order(blank_api, order["id"])["order_shipments"][0]["id"] == shipment["id"]


@pytest.mark.parametrize(
    ("number", "carrier", "url_start"),
    [
        ("9400111899223100000000", "", "https://tools.usps.com/"),
        ("771234567890", "", "https://www.fedex.com/"),
        ("1Z999AA10123456784", "", "https://www.ups.com/"),
        ("ABC", "FedEx", "https://www.fedex.com/"),
        ("n/a", "UPS", ""),
    ],
)
def test_it_guesses_tracking_urls(blank_api, number, carrier, url_start):
    order = create_order(blank_api)

    shipment = blank_api.post(
        f"orders/{order['id']}/shipments", {"tracking_number": number, "carrier_code": carrier}
    ).json()["shipment"]

    assert shipment["tracking_url"].startswith(url_start)
    assert bool(shipment["tracking_url"]) == bool(url_start)


def test_it_keeps_a_given_tracking_url(blank_api):
    order = create_order(blank_api)

    shipment = blank_api.post(
        f"orders/{order['id']}/shipments",
        {"tracking_number": "X1", "tracking_url": "https://t.example.com/X1"},
    ).json()["shipment"]

    assert shipment["tracking_url"] == "https://t.example.com/X1"


def test_it_answers_shipment_not_added_for_a_duplicate_tracking_number(blank_api):
    order = create_order(blank_api)
    blank_api.post(f"orders/{order['id']}/shipments", {"tracking_number": "1Z2398479234"})

    response = blank_api.post(f"orders/{order['id']}/shipments", {"tracking_number": "1z2398479234"})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["message"]) == ("error", "Shipment Not Added")
    assert "execution_time" in body
    assert len(_order(blank_api, order["id"])["order_shipments"]) == 1


def test_it_can_answer_duplicates_with_400(blank_api):
    blank_api.store.duplicate_shipment_status = 400
    blank_api.store.save()
    order = create_order(blank_api)
    blank_api.post(f"orders/{order['id']}/shipments", {"tracking_number": "T-1"})

    response = blank_api.post(f"orders/{order['id']}/shipments", {"tracking_number": "T-1"})

    assert response.status_code == 400
    assert response.json()["message"] == "Shipment Not Added"


def test_it_allows_the_same_tracking_number_on_another_order_and_several_na(blank_api):
    first, second = create_order(blank_api), create_order(blank_api)

    assert blank_api.post(f"orders/{first['id']}/shipments", {"tracking_number": "T-1"}).status_code == 201
    assert blank_api.post(f"orders/{second['id']}/shipments", {"tracking_number": "T-1"}).status_code == 201
    assert blank_api.post(f"orders/{first['id']}/shipments", {"tracking_number": "n/a"}).status_code == 201
    assert blank_api.post(f"orders/{first['id']}/shipments", {"tracking_number": "n/a"}).status_code == 201


def test_it_requires_a_tracking_number(blank_api):
    order = create_order(blank_api)

    response = blank_api.post(f"orders/{order['id']}/shipments", {"carrier_code": "UPS"})

    assert response.status_code == 400
    assert "tracking_number" in response.json()["message"]


def test_it_lists_gets_updates_and_deletes_shipments(blank_api):
    order = create_order(blank_api)
    shipment_id = blank_api.post(
        f"orders/{order['id']}/shipments",
        {"tracking_number": "1Z2398479234", "carrier_code": "UPS", "cost": "4.10"},
    ).json()["shipment"]["id"]
    path = f"orders/{order['id']}/shipments/{shipment_id}"

    listed = blank_api.get(f"orders/{order['id']}/shipments").json()
    assert list(listed) == ["status", "execution_time", "total_records", "shipments"]
    assert listed["total_records"] == 1
    assert blank_api.get(path).json()["shipment"]["id"] == shipment_id

    updated = blank_api.put(path, {"tracking_number": "771234567890", "carrier_code": "FedEx"}).json()
    assert updated["message"] == "Shipment Updated"
    assert updated["shipment"]["cost"] == ""  # whole replacement
    assert updated["shipment"]["tracking_url"].startswith("https://www.fedex.com/")

    deleted = blank_api.delete(path).json()
    assert deleted["message"] == f"Shipment {shipment_id} Deleted"
    assert blank_api.get(path).status_code == 404
    assert blank_api.get(path).json()["message"] == "Shipment Not Found"


def test_it_refuses_to_update_a_shipment_to_a_duplicate_number(blank_api):
    order = create_order(blank_api)
    blank_api.post(f"orders/{order['id']}/shipments", {"tracking_number": "A"})
    second = blank_api.post(f"orders/{order['id']}/shipments", {"tracking_number": "B"}).json()["shipment"][
        "id"
    ]

    response = blank_api.put(f"orders/{order['id']}/shipments/{second}", {"tracking_number": "A"})

    assert response.json() | {"execution_time": ""} == {
        "status": "error",
        "message": "Shipment Not Updated",
        "execution_time": "",
    }


# --- Batch shipments ----------------------------------------------------------------------------------


@pytest.mark.parametrize("wrapped", [False, True])
def test_it_adds_shipments_in_a_batch_with_per_order_results(blank_api, wrapped):
    first, second = create_order(blank_api), create_order(blank_api)
    blank_api.post(f"orders/{second['id']}/shipments", {"tracking_number": "DUP"})
    entries = [
        {"order_id": first["id"], "tracking_number": "1Z2398479234", "carrier_code": "UPS"},
        {"order_id": second["id"], "tracking_number": "DUP"},
        {"order_id": "123", "tracking_number": "X"},
        {"order_id": second["id"], "tracking_number": "NEW"},
        {"order_id": first["id"]},
    ]

    response = blank_api.post("batch-shipments", {"shipments": entries} if wrapped else entries)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert body["message"] == "2 Shipments Added"
    results = [(r["order_id"], r["status"], r["message"]) for r in body["results"]]
    assert results[:4] == [
        (first["id"], "success", "Shipment Added"),
        (second["id"], "error", "Shipment Not Added"),
        ("123", "error", "Order Not Found"),
        (second["id"], "success", "Shipment Added"),
    ]
    assert results[4][1] == "error" and "tracking_number" in results[4][2]
    assert len(_order(blank_api, second["id"])["order_shipments"]) == 2


@pytest.mark.parametrize("body", [[], {"shipments": []}, {"order_id": "1"}, "x"])
def test_it_rejects_empty_or_shapeless_batches(blank_api, body):
    assert blank_api.post("batch-shipments", body).status_code == 400
