"""POST /move-orders."""

import pytest

from tests.sandbox.conftest import create_order


def test_it_moves_orders_by_folder_id(blank_api):
    first, second = create_order(blank_api), create_order(blank_api, folder_id=102)

    response = blank_api.post(
        "move-orders", {"order_id_list": [int(first["id"]), second["id"]], "destination_folder_id": 103}
    )

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["status", "message", "execution_time", "results"]
    assert body["message"] == "2 Orders Moved"
    assert body["results"] == [
        {"order_id": int(first["id"]), "message": "Order Moved to Shipped Folder", "original_folder_id": 101},
        {
            "order_id": int(second["id"]),
            "message": "Order Moved to Shipped Folder",
            "original_folder_id": 102,
        },
    ]
    moved = blank_api.get(f"orders/{first['id']}", get_order_history="1").json()["order"]
    assert moved["folder_id"] == 103
    assert moved["order_history"][-1]["note"] == "Order moved from New to Shipped"
    assert moved["date_updated"] > first["date_updated"]


def test_it_moves_orders_by_folder_name(blank_api):
    order = create_order(blank_api)

    body = blank_api.post(
        "move-orders", {"order_id_list": [order["id"]], "destination_folder_name": "closed"}
    ).json()

    assert body["message"] == "1 Orders Moved"
    assert blank_api.get(f"orders/{order['id']}").json()["order"]["folder_id"] == 104


def test_it_reports_unknown_orders_without_counting_them(blank_api):
    order = create_order(blank_api)

    body = blank_api.post(
        "move-orders", {"order_id_list": [order["id"], 42], "destination_folder_name": "Prepared"}
    ).json()

    assert body["message"] == "1 Orders Moved"
    assert body["results"][1] == {"order_id": 42, "message": "Order Not Found"}


@pytest.mark.parametrize(
    "body",
    [
        {"order_id_list": [1], "destination_folder_id": 103, "destination_folder_name": "Shipped"},
        {"order_id_list": [1]},
        {"order_id_list": [], "destination_folder_id": 103},
        {"order_id_list": [1], "destination_folder_id": 999},
        {"order_id_list": [1], "destination_folder_name": "Archive"},
        {"order_id_list": "1", "destination_folder_id": 103},
    ],
)
def test_it_rejects_bad_move_requests(blank_api, body):
    order = create_order(blank_api)
    body = {**body, "order_id_list": [order["id"]] if body["order_id_list"] == [1] else body["order_id_list"]}

    response = blank_api.post("move-orders", body)

    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert blank_api.get(f"orders/{order['id']}").json()["order"]["folder_id"] == 101
