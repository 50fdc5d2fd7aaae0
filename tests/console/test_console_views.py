import json

import pytest
from django.urls import reverse
from pytest_django.asserts import assertTemplateNotUsed, assertTemplateUsed

from operations.models import Trace, TraceSource
from tenants.models import AuditEvent
from tests.console.fake_operations import WRITES
from tests.helpers import sign_in
from tests.traces.factories import TraceFactory

pytestmark = pytest.mark.usefixtures("fake_registry")


def run_url(name):
    return reverse("mcp_bridge:console-run", args=[name])


def op_url(name):
    return reverse("mcp_bridge:console-operation", args=[name])


def test_it_lists_operations_grouped_by_toolset_with_summaries(client, alice):
    response = sign_in(client, alice).get(reverse("mcp_bridge:console"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("<h2>orders</h2>") < body.index("orders_echo") < body.index("<h2>products</h2>")
    assert "Echo the arguments back." in body
    assert "Used to check" not in body  # the list shows only the one-line summary
    assert f'hx-get="{op_url("orders_echo")}"' in body and f'href="{op_url("orders_echo")}"' in body


def test_it_asks_for_a_signed_in_member(client, db):
    response = client.get(reverse("mcp_bridge:console"))
    assert response.status_code == 302


def test_it_shows_the_form_of_an_operation(client, alice, acme_store):
    response = sign_in(client, alice).get(op_url("orders_echo"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="title"' in body and "A title to echo back." in body and "(required)" in body
    assert f'<option value="{acme_store.pk}" selected>Acme Main</option>' in body
    assert f'hx-post="{run_url("orders_echo")}"' in body and f'action="{run_url("orders_echo")}"' in body
    assert "<html" in body


def test_it_renders_only_the_form_partial_for_htmx(client, alice):
    response = sign_in(client, alice).get(op_url("orders_echo"), headers={"HX-Request": "true"})
    assertTemplateUsed(response, "console-form")
    assert b"<html" not in response.content and b'id="console-form"' in response.content


def test_it_answers_404_for_an_unknown_operation(client, alice):
    sign_in(client, alice)
    assert client.get(op_url("orders_nothing")).status_code == 404
    assert client.post(run_url("orders_nothing"), {}).status_code == 404


def test_it_runs_an_operation_and_records_a_console_trace(client, alice, acme_store):
    data = {"title": "Hello", "color": "green", "store": str(acme_store.pk), "lines": '[{"sku": "A-1"}]'}
    response = sign_in(client, alice).post(run_url("orders_echo"), data)
    assert response.status_code == 200
    trace = Trace.objects.get()
    assert trace.source == TraceSource.CONSOLE and trace.outcome == "ok"
    assert trace.operation == "orders_echo" and trace.store_name == "Acme Main"
    assert trace.actor_user == alice and trace.upstream_calls == 1
    assert trace.request_id == response["X-Request-ID"]
    body = response.content.decode()
    assert "&quot;store_name&quot;: &quot;Acme Main&quot;" in body
    assert "1 upstream call " in body and reverse("mcp_bridge:trace-detail", args=[trace.pk]) in body


def test_it_swaps_only_the_result_for_htmx(client, alice):
    sign_in(client, alice)
    response = client.post(
        run_url("orders_echo"), {"title": "Hi", "color": "red"}, headers={"HX-Request": "true"}
    )
    assertTemplateUsed(response, "console-result")
    assertTemplateNotUsed(response, "console-form")
    body = response.content.decode()
    assert "<html" not in body and 'id="console-result"' in body
    result = body.split('<pre class="console-json">')[1].split("</pre>")[0]
    assert json.loads(result.replace("&quot;", '"'))["arguments"]["title"] == "Hi"
    # The field error lists are refreshed out of band, so an old error never lingers.
    assert 'id="console-errors-title" hx-swap-oob="true"' in body


def test_it_shows_invalid_input_next_to_the_field_it_names(client, alice):
    response = sign_in(client, alice).post(run_url("orders_fail"), {"mode": "invalid", "title": "Taken"})
    body = response.content.decode()
    errors = body.split('id="console-errors-title"')[1].split("</ul>")[0]
    # In plain words next to the field: without the field's name in front of the message.
    assert "<li>This title is already taken.</li>" in errors
    assert Trace.objects.get().error_code == "invalid_input"


def test_it_shows_invalid_input_next_to_the_field_for_htmx_too(client, alice):
    sign_in(client, alice)
    response = client.post(
        run_url("orders_fail"), {"mode": "invalid", "title": "Taken"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    errors = body.split('id="console-errors-title" hx-swap-oob="true"')[1].split("</ul>")[0]
    assert "<li>This title is already taken.</li>" in errors


def test_it_shows_form_errors_without_running(client, alice):
    response = sign_in(client, alice).post(
        run_url("orders_echo"), {"title": "Hi", "color": "red", "lines": "[oops"}
    )
    body = response.content.decode()
    assert "not valid JSON" in body.split('id="console-errors-lines"')[1].split("</ul>")[0]
    assert not Trace.objects.exists()


def test_it_shows_operation_errors_as_a_callout(client, alice):
    response = sign_in(client, alice).post(run_url("orders_fail"), {"mode": "upstream"})
    body = response.content.decode()
    assert 'class="callout bad"' in body and "folder is locked" in body


def test_it_hides_crash_details_behind_a_reference(client, alice):
    response = sign_in(client, alice).post(run_url("orders_fail"), {"mode": "crash"})
    body = response.content.decode()
    assert f"Something went wrong (reference {response['X-Request-ID']})" in body
    assert "boom" not in body
    assert Trace.objects.get().outcome == "crash"


def test_it_shows_write_operations_disabled_to_viewers(client, vera):
    sign_in(client, vera)
    listing = client.get(reverse("mcp_bridge:console")).content.decode()
    assert "orders_touch" in listing and "needs more access" in listing
    form = client.get(op_url("orders_touch")).content.decode()
    assert "<fieldset disabled>" in form and "needs the write permission" in form


def test_it_refuses_a_write_operation_to_a_viewer(client, vera):
    response = sign_in(client, vera).post(run_url("orders_touch"), {"order_id": "1001", "note": "x"})
    assert response.status_code == 403
    assert WRITES == []
    assert not Trace.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", target_id="orders_touch").count() == 1


def test_it_lets_an_operator_run_a_write(client, bob):
    response = sign_in(client, bob).post(run_url("orders_touch"), {"order_id": "1001", "note": "packed"})
    assert response.status_code == 200
    assert WRITES == [{"order_id": "1001", "note": "packed"}]
    assert Trace.objects.get().after == {"id": "1001", "note": "packed"}


def test_it_enforces_csrf_on_runs(alice, csrf_client):
    client = sign_in(csrf_client, alice)
    assert client.post(run_url("orders_echo"), {"title": "Hi", "color": "red"}).status_code == 403
    assert not Trace.objects.exists()
    page = client.get(op_url("orders_echo"))
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(
        run_url("orders_echo"),
        {"title": "Hi", "color": "red"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200 and Trace.objects.count() == 1


def test_it_prefills_the_form_from_a_trace(client, alice, acme):
    trace = TraceFactory(tenant=acme, operation="orders_echo", arguments={"title": "Again", "count": 7})
    response = sign_in(client, alice).get(op_url("orders_echo") + f"?trace={trace.pk}")
    body = response.content.decode()
    assert 'value="Again"' in body and 'value="7"' in body
    assert "Filled in from" in body


def test_it_does_not_replay_another_tenants_trace(client, charlie, acme):
    trace = TraceFactory(tenant=acme, operation="orders_echo", arguments={"title": "Secret"})
    response = sign_in(client, charlie).get(op_url("orders_echo") + f"?trace={trace.pk}")
    assert response.status_code == 404
    assert b"Secret" not in response.content


def test_it_does_not_replay_a_trace_into_another_operation(client, alice, acme):
    trace = TraceFactory(tenant=acme, operation="orders_touch", arguments={"order_id": "1"})
    assert sign_in(client, alice).get(op_url("orders_echo") + f"?trace={trace.pk}").status_code == 404


def test_it_keeps_runs_in_the_callers_tenant(client, charlie, acme_store):
    data = {"title": "Hi", "color": "red", "store": str(acme_store.pk)}
    response = sign_in(client, charlie).post(run_url("orders_echo"), data)
    # Acme's store is not even a valid choice for Globex.
    errors = response.content.decode().split('id="console-errors-store"')[1].split("</ul>")[0]
    assert "not one of the available choices" in errors
    assert not Trace.objects.exists()
