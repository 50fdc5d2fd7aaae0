"""One core under every face: a store page, a management command and the API console running the same
operation each leave exactly one Trace, marked with the face, and a write leaves exactly one audit row.
(/mcp and stdio are held to the same in tests/mcp.)"""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from operations.models import Trace
from stores.models import Store
from tenants.models import AuditEvent
from tests.helpers import sign_in

NEW_STORE = {"name": "Outlet", "orderdesk_store_id": "4242", "api_key": "outlet-key-12345678", "base_url": ""}


def register_on_the_page(client, user):
    response = sign_in(client, user).post(reverse("stores:add"), {**NEW_STORE, "label": ""})
    assert response.status_code == 302


def register_with_the_command(client, user):
    call_command("run_operation", "stores_register", email=user.email, arguments=json.dumps(NEW_STORE))


def register_in_the_console(client, user):
    url = reverse("mcp_bridge:console-run", args=["stores_register"])
    response = sign_in(client, user).post(url, {**NEW_STORE, "label": ""})
    assert response.status_code == 200 and b"Outlet" in response.content


@pytest.mark.parametrize(
    ("face", "source"),
    [(register_on_the_page, "web"), (register_with_the_command, "cli"), (register_in_the_console, "console")],
    ids=["page", "command", "console"],
)
def test_it_traces_and_audits_a_store_registration_once_from_every_face(client, bob, face, source):
    face(client, bob)

    store = Store.objects.get(name="Outlet")
    trace = Trace.objects.get()
    assert (trace.operation, trace.source, trace.outcome, trace.actor_user) == (
        "stores_register",
        source,
        "ok",
        bob,
    )
    created = AuditEvent.objects.get(action="store.created")
    assert (created.target_id, created.source, created.actor_user) == (str(store.pk), source, bob)
    assert "outlet-key" not in json.dumps(trace.arguments) + json.dumps(created.detail)


def note_with_the_command(client, user, order_id):
    arguments = json.dumps({"order_id": order_id, "note": "Called the customer"})
    call_command("run_operation", "orders_add_note", email=user.email, arguments=arguments)


def note_in_the_console(client, user, order_id):
    url = reverse("mcp_bridge:console-run", args=["orders_add_note"])
    response = sign_in(client, user).post(url, {"order_id": order_id, "note": "Called the customer"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("face", "source"),
    [(note_with_the_command, "cli"), (note_in_the_console, "console")],
    ids=["command", "console"],
)
def test_it_traces_and_audits_an_orderdesk_write_once_from_every_face(
    client, bob, acme_store, od, face, source
):
    order = od.add_order()

    face(client, bob, order["id"])

    assert any("Called the customer" in str(data) for method, _path, data in od.calls if method != "GET")
    trace = Trace.objects.get()
    assert (trace.operation, trace.source, trace.outcome) == ("orders_add_note", source, "ok")
    audited = AuditEvent.objects.get(action="operation")
    assert (audited.detail["operation"], audited.source, audited.actor_user) == (
        "orders_add_note",
        source,
        bob,
    )
    assert audited.detail["trace"] == str(trace.pk)


def test_it_traces_and_audits_a_refused_command_like_any_refusal(vera, acme_store, od):
    order = od.add_order()

    with pytest.raises(Exception, match="forbidden"):
        note_with_the_command(None, vera, order["id"])

    trace = Trace.objects.get()
    assert (trace.operation, trace.source, trace.error_code) == ("orders_add_note", "cli", "forbidden")
    assert AuditEvent.objects.get(action="access.denied").source == "cli"
    assert od.calls == []


def test_it_prints_the_result_as_json_and_names_an_unknown_operation(bob, acme_store, capsys):
    call_command("run_operation", "stores_list", email=bob.email)

    listed = json.loads(capsys.readouterr().out)
    assert [store["name"] for store in listed["stores"]] == ["Acme Main"]
    with pytest.raises(Exception, match="no operation 'stores_lst'"):
        call_command("run_operation", "stores_lst", email=bob.email)
