"""Envelope, authentication, methods and the shape of the protocol itself."""

import re

import pytest

from sandbox.models import SandboxInventoryItem

EXECUTION_TIME = re.compile(r"^\d+\.\d{4} seconds$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
UNAUTHORIZED = {"status": "error", "message": "Invalid API Key or Store ID"}


def _error_body(response) -> dict:
    body = response.json()
    assert EXECUTION_TIME.match(body.pop("execution_time"))
    return body


def test_it_answers_test_with_connection_successful(blank_api):
    response = blank_api.get("test")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["status", "message", "execution_time", "current_date_time"]
    assert body["status"] == "success"
    assert body["message"] == "Connection Successful"
    assert EXECUTION_TIME.match(body["execution_time"])
    assert TIMESTAMP.match(body["current_date_time"])
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Tokens-Remaining"].isdigit()


def test_it_refuses_missing_credentials(client, blank_api):
    response = client.get(blank_api.url("test"))

    assert response.status_code == 401
    assert _error_body(response) == UNAUTHORIZED
    assert "X-Tokens-Remaining" not in response.headers


def test_it_refuses_a_wrong_key(blank_api):
    response = blank_api.get("orders", headers={"ORDERDESK-API-KEY": blank_api.api_key + "x"})

    assert response.status_code == 401
    assert _error_body(response) == UNAUTHORIZED


def test_it_refuses_one_stores_key_with_another_stores_id(blank_api, other_api):
    mixed = {"ORDERDESK-STORE-ID": other_api.store.orderdesk_store_id, "ORDERDESK-API-KEY": blank_api.api_key}

    response = blank_api.get("orders", headers=mixed)

    assert response.status_code == 401
    assert _error_body(response) == UNAUTHORIZED


@pytest.mark.parametrize("store_id", ["", "abc", "1" * 40, "99999999"])
def test_it_refuses_unknown_or_malformed_store_ids(blank_api, store_id):
    response = blank_api.get("store", headers={"ORDERDESK-STORE-ID": store_id})

    assert response.status_code == 401
    assert _error_body(response) == UNAUTHORIZED


def test_it_keeps_each_stores_data_to_itself(blank_api, other_api):
    order_id = blank_api.post("orders", _minimal_order()).json()["order"]["id"]

    assert other_api.get(f"orders/{order_id}").status_code == 404
    assert other_api.get("orders").json()["total_records"] == 0


@pytest.mark.parametrize("method", ["PATCH", "TRACE", "CONNECT"])
def test_it_refuses_patch_trace_and_connect(blank_api, method):
    response = blank_api.request(method, "orders", {"email": "a@example.com"})

    assert response.status_code == 405
    assert _error_body(response) == {"status": "error", "message": "Method Not Allowed"}


def test_it_refuses_a_method_the_endpoint_lacks(blank_api):
    response = blank_api.delete("orders")

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"


def test_it_honours_method_override_put_on_post(blank_api):
    created = blank_api.post("inventory-items", {"name": "Mug", "code": "MUG-1", "stock": 3}).json()
    item_id = created["inventory_item"]["id"]

    response = blank_api.post(
        f"inventory-items/{item_id}",
        {"name": "Mug", "code": "MUG-1", "stock": 9},
        headers={"X-HTTP-Method-Override": "PUT"},
    )

    assert response.status_code == 200
    assert response.json()["message"] == "Inventory Item Updated"
    assert SandboxInventoryItem.objects.get(item_id=item_id).stock == 9


def test_it_honours_method_override_delete_on_post(blank_api):
    item_id = blank_api.post("inventory-items", {"name": "Mug", "code": "MUG-1"}).json()["inventory_item"][
        "id"
    ]

    response = blank_api.post(f"inventory-items/{item_id}", headers={"X-HTTP-Method-Override": "DELETE"})

    assert response.json()["message"] == f"Inventory Item {item_id} Deleted"
    assert not SandboxInventoryItem.objects.filter(item_id=item_id).exists()


def test_it_refuses_patch_through_method_override(blank_api):
    response = blank_api.post("orders", _minimal_order(), headers={"X-HTTP-Method-Override": "PATCH"})

    assert response.status_code == 405


def test_it_ignores_method_override_on_get(blank_api):
    response = blank_api.get("orders", headers={"X-HTTP-Method-Override": "DELETE"})

    assert response.status_code == 200


def test_it_rejects_malformed_json(blank_api):
    response = blank_api.post("orders", raw='{"email": "a@example.com",')

    assert response.status_code == 400
    assert _error_body(response) == {"status": "error", "message": "Invalid JSON in the request body"}


def test_it_rejects_a_body_that_is_not_an_object(blank_api):
    response = blank_api.post("orders", ["not", "an", "order"])

    assert response.status_code == 400
    assert response.json()["status"] == "error"


def test_it_tolerates_content_type_and_a_body_on_get(blank_api):
    response = blank_api.client.generic(
        "GET",
        blank_api.url("test"),
        '{"ignored": true}',
        content_type="application/json",
        headers=blank_api.headers,
    )

    assert response.status_code == 200


def test_it_accepts_a_trailing_slash(blank_api):
    assert blank_api.get("orders/").status_code == 200


def test_it_answers_unknown_endpoints_with_a_json_404(blank_api):
    response = blank_api.get("folders")

    assert response.status_code == 404
    assert _error_body(response) == {"status": "error", "message": "Not Found"}


def test_it_needs_no_csrf_token_or_session(blank_api, csrf_client):
    response = csrf_client.post(
        blank_api.url("orders"), _minimal_order(), content_type="application/json", headers=blank_api.headers
    )

    assert response.status_code == 201
    assert "sessionid" not in response.cookies


def test_it_serves_store_settings_and_the_folder_map(blank_api):
    response = blank_api.get("store")

    body = response.json()
    assert list(body) == ["status", "execution_time", "store"]
    store = body["store"]
    assert store["id"] == blank_api.store.orderdesk_store_id
    assert isinstance(store["id"], str)
    assert store["name"] == blank_api.store.name
    assert store["settings"]["timezone"] == "America/Los_Angeles"
    assert store["folders"] == {
        "101": "New",
        "102": "Prepared",
        "103": "Shipped",
        "104": "Closed",
        "105": "Canceled",
    }
    assert "api_key" not in store["settings"]
    assert not [name for name in store["settings"] if name.startswith("smtp_")]
    assert blank_api.api_key not in response.content.decode()


def _minimal_order() -> dict:
    return {"customer_first_name": "Ann", "order_items": [{"name": "Tea", "price": 5}]}
