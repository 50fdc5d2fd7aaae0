"""Running a console write again from its trace must run it again, not replay the first answer."""

import pytest
from django.urls import reverse

from operations.models import TraceSource
from tests.helpers import sign_in
from tests.traces.factories import TraceFactory

pytestmark = pytest.mark.django_db


def test_run_again_of_a_console_write_does_not_reuse_its_automatic_idempotency_key(client, alice, acme):
    # The console gave this create a key derived from its form render; the trace kept it.
    trace = TraceFactory(
        tenant=acme,
        source=TraceSource.CONSOLE,
        actor_user=alice,
        operation="orders_create",
        arguments={
            "order_data": {"email": "a@example.test"},
            "idempotency_key": "console:Z3kq9T0pYx1aB2cD3eF4gH",
        },
    )
    url = reverse("mcp_bridge:console-operation", args=["orders_create"])
    body = sign_in(client, alice).get(f"{url}?trace={trace.pk}").content.decode()
    assert "a@example.test" in body  # the rest of the call is filled in
    # Pre-filled, the old key would make the "new" run answer with the first order instead of creating one.
    assert "console:Z3kq9T0pYx1aB2cD3eF4gH" not in body


def test_run_again_keeps_an_idempotency_key_the_operator_typed(client, alice, acme):
    trace = TraceFactory(
        tenant=acme,
        source=TraceSource.CONSOLE,
        actor_user=alice,
        operation="orders_create",
        arguments={"order_data": {"email": "a@example.test"}, "idempotency_key": "my-own-key-1"},
    )
    url = reverse("mcp_bridge:console-operation", args=["orders_create"])
    body = sign_in(client, alice).get(f"{url}?trace={trace.pk}").content.decode()
    assert "my-own-key-1" in body
