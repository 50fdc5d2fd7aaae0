"""The emulator over real HTTP, as any OrderDesk client sees it."""

import httpx
import pytest

from sandbox.demo.loader import seed_store
from tests.sandbox.conftest import REFERENCE, make_store

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_serves_the_api_over_real_http(live_server, acme):
    store, key = make_store(acme, rate_limit=True)
    store.bucket_refill_rate = 0.0001  # the header values below stay exact however slow the machine
    store.save()
    seed_store(store, orders=5, seed=11, reference=REFERENCE)
    base = live_server.url + "/sandbox/api/v2"
    headers = {"ORDERDESK-STORE-ID": store.orderdesk_store_id, "ORDERDESK-API-KEY": key}

    with httpx.Client(headers=headers, timeout=10) as http:
        hello = http.get(base + "/test")
        orders = http.get(base + "/orders", params={"limit": 2})
        created = http.post(
            base + "/orders",
            json={"shipping_first_name": "Ivy", "order_items": [{"name": "Tea", "price": 4}]},
        )
        refused = http.get(base + "/test", headers={"ORDERDESK-API-KEY": "nope"})

    assert hello.status_code == 200
    assert hello.json()["message"] == "Connection Successful"
    assert hello.headers["X-Tokens-Remaining"] == "19"
    assert orders.json()["total_records"] == 5 and len(orders.json()["orders"]) == 2
    assert created.status_code == 201 and created.json()["order"]["order_total"] == 4.0
    assert created.headers["X-Tokens-Remaining"] == "17"
    assert refused.status_code == 401
