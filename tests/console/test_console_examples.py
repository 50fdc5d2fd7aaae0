"""The console's worked examples run as they are against the sandbox: a newcomer presses "Use the
example", then Run, and gets an order."""

import html
import json

import pytest
from django.urls import reverse

from mcp_bridge.console_examples import ORDER_CHANGES_EXAMPLE, ORDER_EXAMPLE
from sandbox.models import SandboxOrder
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def result_of(response) -> dict:
    text = response.content.decode().split('<pre class="console-json">')[1].split("</pre>")[0]
    return json.loads(html.unescape(text))


def test_use_the_example_fills_in_the_order(client, alice, sandbox):
    url = reverse("mcp_bridge:console-operation", args=["orders_create"]) + "?example=1"
    body = html.unescape(sign_in(client, alice).get(url).content.decode())
    assert '"first_name": "Maya"' in body.split('name="order_data"')[1].split("</textarea>")[0]
    assert "Use the example" in body and "Fields: email, source_id" in body


def test_the_orders_create_example_creates_an_order_in_the_sandbox(client, alice, sandbox):
    before = SandboxOrder.objects.count()
    data = {"store": str(sandbox.pk), "order_data": json.dumps(ORDER_EXAMPLE)}
    response = sign_in(client, alice).post(reverse("mcp_bridge:console-run", args=["orders_create"]), data)
    created = result_of(response)
    assert SandboxOrder.objects.count() == before + 1
    assert created["email"] == "maya.chen@example.com"
    assert [item["code"] for item in created["order_items"]] == ["TEE-M-NVY", "TOT-NAT"]


def test_the_orders_update_example_changes_an_order_in_the_sandbox(client, alice, sandbox):
    order = SandboxOrder.objects.filter(store__store=sandbox).order_by("pk").first()
    order_id = str(order.order_id)
    data = {"store": str(sandbox.pk), "order_id": order_id, "changes": json.dumps(ORDER_CHANGES_EXAMPLE)}
    url = reverse("mcp_bridge:console-run", args=["orders_update"])
    asked = sign_in(client, alice).post(url, data).content.decode()
    assert f"Overwrite order {order_id} in the store {sandbox.name}" in html.unescape(asked)
    updated = result_of(client.post(url, {**data, "confirmed": "1"}))
    assert updated["shipping"]["address1"] == "88 Market Street"
