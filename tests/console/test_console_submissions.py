"""A form render runs its write once: a double click (or a re-sent form) does not write twice."""

import html
import json
import re

import pytest
from django.urls import reverse

from sandbox.models import SandboxOrder
from tests.console.fake_operations import WRITES
from tests.helpers import sign_in

HTMX = {"HX-Request": "true"}


def run_url(name):
    return reverse("mcp_bridge:console-run", args=[name])


def token_in(body: str) -> str:
    return re.search(r'name="submission_token" id="console-submission-token" value="([^"]+)"', body).group(1)


def result_of(response) -> dict:
    text = response.content.decode().split('<pre class="console-json">')[1].split("</pre>")[0]
    return json.loads(html.unescape(text))


def form_token(client, name) -> str:
    return token_in(client.get(reverse("mcp_bridge:console-operation", args=[name])).content.decode())


@pytest.mark.usefixtures("fake_registry")
def test_double_clicked_run_writes_once(client, alice):
    sign_in(client, alice)
    data = {"order_id": "42", "note": "packed", "submission_token": form_token(client, "orders_touch")}
    first = client.post(run_url("orders_touch"), data, headers=HTMX)
    second = client.post(run_url("orders_touch"), data, headers=HTMX)
    assert WRITES == [{"order_id": "42", "note": "packed"}]
    assert "already submitted" in second.content.decode()
    # Each result brings a fresh token (out of band): pressing Run again is a new submission.
    fresh = token_in(first.content.decode())
    assert fresh != data["submission_token"] and 'hx-swap-oob="true"' in first.content.decode()
    client.post(run_url("orders_touch"), {**data, "submission_token": fresh}, headers=HTMX)
    assert len(WRITES) == 2


@pytest.mark.usefixtures("fake_registry")
def test_reads_and_posts_without_a_token_run_every_time(client, alice):
    sign_in(client, alice)
    for _ in range(2):
        client.post(run_url("orders_touch"), {"order_id": "7"}, headers=HTMX)
    assert len(WRITES) == 2


@pytest.mark.usefixtures("fake_registry")
def test_the_run_button_is_disabled_while_a_run_is_in_flight(client, alice):
    body = sign_in(client, alice).get(reverse("mcp_bridge:console-operation", args=["orders_touch"])).content
    assert b'hx-disabled-elt="find button[type=submit]"' in body


@pytest.mark.django_db(transaction=True)
def test_double_clicked_orders_create_creates_one_order(client, alice, sandbox):
    sign_in(client, alice)
    order = {
        "email": "twice@example.com",
        "shipping": {"first_name": "Ada", "last_name": "Lovelace"},
        "order_items": [{"name": "Mug", "price": 5, "quantity": 1}],
    }
    data = {
        "store": str(sandbox.pk),
        "order_data": json.dumps(order),
        "submission_token": form_token(client, "orders_create"),
    }
    before = SandboxOrder.objects.count()
    first = client.post(run_url("orders_create"), data, headers=HTMX)
    second = client.post(run_url("orders_create"), data, headers=HTMX)
    assert first.status_code == second.status_code == 200
    assert SandboxOrder.objects.count() == before + 1
    assert SandboxOrder.objects.filter(email="twice@example.com").count() == 1
    assert result_of(second)["id"] == result_of(first)["id"]  # the same order, returned again
