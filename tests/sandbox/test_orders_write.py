"""POST, PUT (whole-record replacement), DELETE of orders, and order history notes."""

import pytest

from sandbox.models import SandboxOrder
from tests.sandbox.conftest import create_order, order_body


def test_it_creates_an_order_with_computed_totals_and_defaults(blank_api):
    response = blank_api.post("orders", order_body())

    assert response.status_code == 201
    body = response.json()
    assert list(body) == ["status", "message", "execution_time", "order"]
    order = body["order"]
    # The documented example: 10 + 11.17 + 0.5 + 1.2 - 1.7 = 21.17
    assert order["product_total"] == 10.0
    assert order["discount_total"] == 1.7
    assert order["order_total"] == 21.17
    assert order["processor_balance"] == 21.17
    assert order["quantity_total"] == 1
    assert order["weight_total"] == 0.4
    assert order["source_name"] == "Order Desk"
    assert order["payment_status"] == "Captured"
    assert order["folder_id"] == 101  # the first folder
    assert order["discount_list"] == [{"name": "Spring Sale", "code": "SPRING", "amount": "1.70"}]
    assert order["date_added"] == order["date_updated"]


def test_it_copies_the_missing_address_from_the_other(blank_api):
    order = create_order(blank_api)

    assert order["shipping"]["first_name"] == "Pat"
    assert order["shipping"]["address1"] == "12 Maple Ave"
    assert order["shipping"]["address3"] == ""


def test_it_accepts_flat_address_aliases(blank_api):
    order = create_order(
        blank_api,
        customer=None,
        shipping_first_name="Lena",
        shipping_last_name="Fischer",
        shipping_city="Omaha",
    )

    assert order["shipping"]["first_name"] == "Lena"
    assert order["customer"]["last_name"] == "Fischer"
    assert order["customer"]["city"] == "Omaha"


def test_it_applies_item_defaults(blank_api):
    order = create_order(blank_api, order_items=[{"name": "Sticker"}])

    assert order["order_items"][0] | {"id": "x"} == {
        "id": "x",
        "name": "Sticker",
        "price": 0.0,
        "quantity": 1,
        "weight": 0.0,
        "code": "",
        "delivery_type": "ship",
        "category_code": "",
        "fulfillment_method": "",
        "variation_list": [],
        "metadata": [],
    }


def test_it_masks_card_numbers(blank_api):
    order = create_order(blank_api, cc_number="4242424242424242", cc_exp="02/2030")

    assert order["cc_number_masked"] == "xxxxxxxxxxxx4242"
    assert "4242424242424242" not in str(SandboxOrder.objects.values().get())


def test_it_puts_a_new_order_into_the_folder_it_names(blank_api):
    assert create_order(blank_api, folder_id=103)["folder_id"] == 103
    assert blank_api.post("orders", order_body(folder_id=999)).status_code == 400


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"order_items": []}, "order_items"),
        ({"customer": {"city": "Boise"}, "shipping": None}, "customer_first_name"),
        ({"order_items": [{"name": "x", "price": "ten"}]}, "order_items[0].price"),
        ({"order_items": [{"name": "x", "quantity": -1}]}, "order_items[0].quantity"),
        ({"order_items": [{"name": "x", "delivery_type": "drone"}]}, "delivery_type"),
        ({"order_items": "tee"}, "order_items"),
        ({"checkout_data": "gift"}, "checkout_data"),
        ({"tax_total": {"a": 1}}, "tax_total"),
        ({"email": "x" * 300}, "email"),
    ],
)
def test_it_rejects_invalid_orders_naming_the_problem(blank_api, changes, named):
    response = blank_api.post("orders", order_body(**changes))

    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert named in response.json()["message"]
    assert not SandboxOrder.objects.exists()


def test_it_accepts_a_company_alone_as_the_name(blank_api):
    body = order_body(customer={"company": "Northwind Traders"})

    assert blank_api.post("orders", body).status_code == 201


# --- PUT ----------------------------------------------------------------------------------------------


def test_it_blanks_every_field_a_put_leaves_out(blank_api):
    order = create_order(
        blank_api,
        folder_id=102,
        checkout_data={"Gift Message": "Hi"},
        order_notes=[{"username": "Dana", "content": "Fragile"}],
        source_name="Shopify",
        source_id="1001",
    )

    response = blank_api.put(f"orders/{order['id']}", {"email": "new@example.com", "folder_id": 105})

    assert response.status_code == 200
    updated = response.json()["order"]
    assert response.json()["message"] == "Order Updated"
    assert updated["email"] == "new@example.com"
    assert updated["shipping_method"] == ""
    assert (
        updated["shipping_total"] == 0.0 and updated["tax_total"] == 0.0 and updated["handling_total"] == 0.0
    )
    assert set(updated["shipping"].values()) == {""}
    assert set(updated["customer"].values()) == {""}
    assert updated["checkout_data"] == [] and updated["order_metadata"] == []
    assert updated["discount_list"] == [] and updated["order_notes"] == [] and updated["order_items"] == []
    assert updated["order_total"] == 0.0 and updated["quantity_total"] == 0
    assert updated["payment_status"] == "" and updated["source_name"] == ""
    assert updated["source_id"] == order["id"]
    assert updated["folder_id"] == 102  # folder_id is ignored: moves go through /move-orders
    assert updated["date_added"] == order["date_added"]
    assert updated["date_updated"] > order["date_updated"]


def test_it_updates_adds_and_removes_items_on_put_and_recomputes_totals(blank_api):
    order = create_order(
        blank_api, order_items=[{"name": "Keep", "price": 10, "quantity": 1}, {"name": "Drop", "price": 99}]
    )
    keep, drop = order["order_items"]
    body = order_body(
        order_items=[
            {"id": keep["id"], "name": "Keep", "price": 12, "quantity": 3},
            {"name": "New", "price": 5},
        ]
    )

    updated = blank_api.put(f"orders/{order['id']}", body).json()["order"]

    items = {item["name"]: item for item in updated["order_items"]}
    assert set(items) == {"Keep", "New"}
    assert items["Keep"]["id"] == keep["id"] and items["Keep"]["quantity"] == 3
    assert items["New"]["id"] not in (keep["id"], drop["id"])
    assert updated["product_total"] == 41.0
    assert updated["order_total"] == round(41 + 11.17 + 0.5 + 1.2 - 1.7, 2)


def test_it_treats_an_item_id_from_another_order_as_a_new_item(blank_api):
    other_item = create_order(blank_api)["order_items"][0]["id"]
    order = create_order(blank_api)

    updated = blank_api.put(
        f"orders/{order['id']}", order_body(order_items=[{"id": other_item, "name": "X"}])
    )

    assert updated.json()["order"]["order_items"][0]["id"] != other_item
    assert blank_api.get(f"orders/{order['id']}").json()["order"]["order_items"][0]["name"] == "X"


def test_it_ignores_order_shipments_in_a_put(blank_api):
    order = create_order(blank_api)
    blank_api.post(
        f"orders/{order['id']}/shipments", {"tracking_number": "1Z999AA10123456784", "carrier_code": "UPS"}
    )
    current = blank_api.get(f"orders/{order['id']}").json()["order"]

    updated = blank_api.put(f"orders/{order['id']}", {**current, "order_shipments": []}).json()["order"]

    assert [s["tracking_number"] for s in updated["order_shipments"]] == ["1Z999AA10123456784"]


def test_it_keeps_everything_when_the_whole_order_is_put_back(demo_api):
    original = demo_api.get("orders", get_order_history="1").json()["orders"][5]

    updated = demo_api.put(f"orders/{original['id']}", original).json()["order"]

    changed = {name for name in original if original[name] != updated.get(name)}
    assert changed == {"date_updated", "order_history"}  # history is only sent back on request


def test_it_moves_date_updated_on_every_write_even_within_one_second(blank_api):
    order = create_order(blank_api)
    stamps = [order["date_updated"]]
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        stamps.append(
            blank_api.put(f"orders/{order['id']}", order_body(email=email)).json()["order"]["date_updated"]
        )

    assert stamps == sorted(set(stamps))


def test_it_answers_404_when_putting_an_unknown_order(blank_api):
    assert blank_api.put("orders/123", order_body()).status_code == 404


def test_it_lets_the_last_write_win(blank_api):
    order = create_order(blank_api)

    blank_api.put(f"orders/{order['id']}", order_body(email="first@example.com"))
    response = blank_api.put(
        f"orders/{order['id']}", order_body(email="second@example.com", date_updated="2000-01-01")
    )

    assert response.status_code == 200
    assert blank_api.get(f"orders/{order['id']}").json()["order"]["email"] == "second@example.com"


# --- DELETE ----------------------------------------------------------------------------------------


def test_it_deletes_an_order(blank_api):
    order_id = create_order(blank_api)["id"]

    response = blank_api.delete(f"orders/{order_id}")

    assert response.status_code == 200
    assert response.json()["message"] == f"Order {order_id} Deleted"
    assert blank_api.get(f"orders/{order_id}").status_code == 404
    assert blank_api.delete(f"orders/{order_id}").status_code == 404


# --- Order history -----------------------------------------------------------------------------------


def test_it_appends_order_history_notes(blank_api):
    order_id = create_order(blank_api)["id"]

    first = blank_api.post(f"orders/{order_id}/order-history", {"note": "Called the customer"})
    second = blank_api.post(
        f"orders/{order_id}/order-history", {"note": "Refund approved", "source_name": "Support"}
    )

    assert first.status_code == 200
    body = second.json()
    assert list(body) == ["status", "execution_time", "total_records", "order"]
    assert body["total_records"] == 1
    history = body["order"]["order_history"]
    assert [(h["source_name"], h["note"]) for h in history] == [
        ("API", "Called the customer"),
        ("Support", "Refund approved"),
    ]
    assert body["order"]["date_updated"] >= first.json()["order"]["date_updated"]


def test_it_requires_a_note(blank_api):
    order_id = create_order(blank_api)["id"]

    response = blank_api.post(f"orders/{order_id}/order-history", {"source_name": "API"})

    assert response.status_code == 400
    assert "note" in response.json()["message"]


def test_it_keeps_at_most_250_history_entries(blank_api):
    order_id = create_order(blank_api)["id"]
    record = SandboxOrder.objects.get(order_id=order_id)
    record.order_history = [
        {"source_name": "API", "note": f"n{i}", "date_added": "2025-01-01 00:00:00"} for i in range(250)
    ]
    record.save()

    history = blank_api.post(f"orders/{order_id}/order-history", {"note": "newest"}).json()["order"][
        "order_history"
    ]

    assert len(history) == 250
    assert history[0]["note"] == "n1" and history[-1]["note"] == "newest"


def test_it_answers_404_for_history_on_unknown_orders(blank_api):
    assert blank_api.post("orders/42/order-history", {"note": "x"}).status_code == 404
