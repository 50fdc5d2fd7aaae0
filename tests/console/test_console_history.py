"""Each operator's own recent console runs, on /console/ and on each operation's page."""

import pytest
from django.urls import reverse

from mcp_bridge import console_runs
from mcp_bridge.console_history import console_runs as runs_of
from mcp_bridge.console_history import inputs_summary
from operations.models import TraceOutcome, TraceSource
from tests.console.output_operations import output_registry
from tests.factories import MembershipFactory
from tests.helpers import sign_in
from tests.traces.factories import TraceFactory, hours_ago


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    registry = output_registry()
    monkeypatch.setattr(console_runs, "get_registry", lambda: registry)
    return registry


def console_trace(tenant, user, operation="orders_page", **fields):
    fields.setdefault("arguments", {"limit": 2})
    return TraceFactory(
        tenant=tenant, actor_user=user, source=TraceSource.CONSOLE, operation=operation, **fields
    )


def history(body: str) -> str:
    return body.split('<section id="console-history"')[1].split("</section>")[0]


def test_the_console_lists_the_operators_own_runs_in_this_team_only(client, alice, bob, acme, globex):
    mine = console_trace(acme, alice, arguments={"limit": 2, "folder": "Mine"})
    console_trace(acme, bob, arguments={"folder": "Bobs"})  # another member's run
    TraceFactory(tenant=acme, actor_user=alice, source=TraceSource.MCP, arguments={"folder": "Agent"})
    MembershipFactory(tenant=globex, user=alice, role="owner")
    console_trace(globex, alice, arguments={"folder": "Globex"})  # the same operator, another team
    body = history(sign_in(client, alice).get(reverse("mcp_bridge:console")).content.decode())
    assert "Mine" in body and "Bobs" not in body and "Agent" not in body and "Globex" not in body
    assert reverse("mcp_bridge:trace-detail", args=[mine.pk]) in body
    assert f"/console/orders_page/?trace={mine.pk}" in body  # Run again


def test_a_run_shows_its_operation_inputs_outcome_and_duration(client, alice, acme):
    console_trace(
        acme, alice, outcome=TraceOutcome.ERROR, error_code="upstream_error", duration_ms=1234.0,
        arguments={"limit": 3, "idempotency_key": "console:abcdefghijklmnopqrst"},
    )  # fmt: skip
    body = history(sign_in(client, alice).get(reverse("mcp_bridge:console")).content.decode())
    assert "<code>orders_page</code>" in body and "<code>limit=3</code>" in body
    assert "console:abc" not in body  # the console's own idempotency key is no input of the operator's
    assert "Error</span>" in body and "upstream_error" in body and "1234 ms" in body


def test_an_operation_page_lists_only_that_operations_runs_newest_first(client, alice, acme):
    console_trace(acme, alice, arguments={"folder": "old"}, started_at=hours_ago(2))
    console_trace(acme, alice, arguments={"folder": "new"}, started_at=hours_ago(1))
    console_trace(acme, alice, operation="orders_echo", arguments={"title": "elsewhere"})
    url = reverse("mcp_bridge:console-operation", args=["orders_page"])
    body = history(sign_in(client, alice).get(url).content.decode())
    assert "runs of <code>orders_page</code>" in body
    assert body.index("&quot;new&quot;") < body.index("&quot;old&quot;") and "elsewhere" not in body


def test_run_again_opens_the_form_filled_in(client, alice, acme):
    trace = console_trace(acme, alice, arguments={"limit": 7, "folder": "Again"})
    url = reverse("mcp_bridge:console-operation", args=["orders_page"])
    body = sign_in(client, alice).get(f"{url}?trace={trace.pk}").content.decode()
    assert 'value="7"' in body and 'value="Again"' in body


def test_a_run_of_an_operation_no_longer_offered_has_no_run_again(client, alice, acme):
    gone = console_trace(acme, alice, operation="orders_retired")
    body = history(sign_in(client, alice).get(reverse("mcp_bridge:console")).content.decode())
    assert "<code>orders_retired</code>" in body and f"?trace={gone.pk}" not in body


def test_a_run_adds_itself_to_the_history_out_of_band(client, alice):
    sign_in(client, alice)
    url = reverse("mcp_bridge:console-run", args=["orders_page"])
    body = client.post(
        url, {"limit": "1", "folder": "Fresh"}, headers={"HX-Request": "true"}
    ).content.decode()
    opening = body.split('<section id="console-history"')[1].split(">")[0]
    assert 'hx-swap-oob="true"' in opening
    assert "folder=&quot;Fresh&quot;" in history(body)
    assert "copy.js" not in body  # loaded once with the page, not with every swap


def test_the_page_loads_the_copy_script_once(client, alice):
    body = (
        sign_in(client, alice)
        .get(reverse("mcp_bridge:console-operation", args=["orders_page"]))
        .content.decode()
    )
    assert body.count("js/copy.js") == 1


def test_only_the_newest_runs_are_listed(alice, acme):
    for n in range(12):
        console_trace(acme, alice, arguments={"n": n}, started_at=hours_ago(12 - n))
    runs = runs_of(tenant=acme, user=alice, available={"orders_page"})
    assert [run.inputs for run in runs] == [f"n={n}" for n in range(11, 1, -1)]


def test_inputs_are_summarised_on_one_line():
    assert inputs_summary({"title": "Hi", "lines": [{"sku": "A"}]}) == 'title="Hi", lines=[{"sku": "A"}]'
    assert (
        inputs_summary({"text": "x" * 300}).endswith("…") and len(inputs_summary({"text": "x" * 300})) == 120
    )
    assert inputs_summary({}) == "" and inputs_summary(None) == ""
