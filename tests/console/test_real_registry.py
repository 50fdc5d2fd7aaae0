"""The console against the product's own registry: every registered operation gets a working form."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from mcp_bridge.console_text import for_operator
from operations.models import Trace
from operations.registry import REGISTRY
from tests.helpers import actor_for, sign_in


def test_it_has_the_products_operations_registered():
    # The parametrized tests below must never run over an empty registry and pass by having no cases.
    assert {"stores_list", "stores_register", "orders_get", "products_list"} <= {op.name for op in REGISTRY}


def test_it_lists_every_operation_the_actor_may_call(client, alice):
    operations = REGISTRY.for_actor(actor_for(alice))
    body = sign_in(client, alice).get(reverse("mcp_bridge:console")).content.decode()
    assert operations
    for op in operations:
        assert f"<code>{op.name}</code>" in body
        assert escape(for_operator(op.summary)) in body  # without advice for agents


@pytest.mark.parametrize("name", [op.name for op in REGISTRY])
def test_it_generates_a_form_for_each_registered_operation(client, alice, acme, name):
    response = sign_in(client, alice).get(reverse("mcp_bridge:console-operation", args=[name]))
    assert response.status_code == 200
    assert f'action="{reverse("mcp_bridge:console-run", args=[name])}"' in response.content.decode()


def test_it_runs_stores_list_from_the_console(client, alice, acme_store):
    response = sign_in(client, alice).post(reverse("mcp_bridge:console-run", args=["stores_list"]), {})
    assert response.status_code == 200
    assert "Acme Main" in response.content.decode()
    trace = Trace.objects.get()
    assert trace.operation == "stores_list" and trace.source == "console" and trace.outcome == "ok"


def test_it_never_echoes_an_api_key_back_into_the_form(client, bob):
    url = reverse("mcp_bridge:console-run", args=["stores_register"])
    response = sign_in(client, bob).post(
        url, {"name": "", "orderdesk_store_id": "1", "api_key": "sekret-value-999"}
    )
    assert 'type="password"' in response.content.decode()
    assert b"sekret-value-999" not in response.content
