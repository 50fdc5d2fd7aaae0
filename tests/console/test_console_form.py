"""The console's form as an operator meets it: plain-word errors on their inputs, folded options, the
picked operation highlighted, a store always chosen, and destructive runs confirmed in the page."""

import re
from typing import Annotated

import pytest
from django.urls import reverse
from pydantic import Field

from kernel.types import OrderId, StoreRef
from mcp_bridge import console_runs, console_text
from operations.registry import REGISTRY, Registry, describe
from tests.console import fake_operations
from tests.factories import StoreFactory
from tests.helpers import sign_in

HTMX = {"HX-Request": "true"}
REMOVED: list[dict] = []


async def orders_delete(*, tenant, actor, store: StoreRef = None, order_id: OrderId) -> dict:
    """Delete an order (a fake destructive write)."""
    REMOVED.append({"order_id": order_id, "store": store})
    return {"deleted": order_id}


async def orders_tag(
    *,
    tenant,
    actor,
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{8,100}$", description="A tag code.")],
    note: str = "",
) -> dict:
    """Tag an order with `code`.

    <script>alert(1)</script> is shown as text.

    Call it first. Set a default with stores_use."""
    return {"code": code}


@pytest.fixture
def registry(monkeypatch):
    registry = Registry(
        [
            describe(orders_delete, toolset="orders", destructive=True),
            describe(orders_tag, toolset="orders", read_only=True),
            describe(fake_operations.orders_echo, toolset="orders", read_only=True),
        ]
    )
    monkeypatch.setattr(console_runs, "get_registry", lambda: registry)
    REMOVED.clear()
    return registry


def op_url(name, query=""):
    return reverse("mcp_bridge:console-operation", args=[name]) + query


def run_url(name):
    return reverse("mcp_bridge:console-run", args=[name])


def input_tag(body: str, name: str) -> str:
    return re.search(rf'<(?:input|textarea|select)[^>]*name="{name}"[^>]*>', body).group(0)


# --- Errors in plain words, on their input ---------------------------------------------------------


def test_a_regex_is_said_in_words():
    assert console_text.describe_pattern(r"^[A-Za-z0-9._:-]{8,100}$") == (
        "8 to 100 characters of letters, digits and . _ : -."
    )
    assert console_text.describe_pattern(r"^[A-Za-z0-9._:-]+$", 8, 100).startswith("8 to 100 characters")
    assert "like 1001,1002" in console_text.describe_pattern(r"^\d+(\s*,\s*\d+)*$")


@pytest.mark.usefixtures("registry")
def test_a_pattern_error_is_shown_on_its_input_in_plain_words(client, alice):
    body = sign_in(client, alice).post(run_url("orders_tag"), {"code": "no spaces!"}).content.decode()
    errors = body.split('id="console-errors-code"')[1].split("</ul>")[0]
    assert "8 to 100 characters of letters, digits and . _ : -." in errors
    assert "pattern" not in errors and "Invalid arguments" not in body and "^[" not in body
    tag = input_tag(body, "code")
    assert 'aria-invalid="true"' in tag
    assert 'aria-describedby="id_code_helptext console-errors-code"' in tag


@pytest.mark.usefixtures("registry")
def test_the_prefix_and_field_path_of_an_operation_error_are_left_out():
    assert console_text.plain_error("Invalid arguments: code: required", "code") == "Required"
    assert console_text.plain_error("order_data.order_items[0] needs a name", "order_data") == (
        "order_items[0] needs a name"
    )


# --- Layout, focus, highlight, description -----------------------------------------------------------


@pytest.mark.usefixtures("registry")
def test_optional_fields_fold_under_more_options_after_the_required_ones(client, alice, acme_store):
    body = sign_in(client, alice).get(op_url("orders_echo")).content.decode()
    folded = body.split('<details class="console-more"')[1].split("</details>")[0]
    assert 'name="ratio"' in folded and 'name="color"' in folded
    assert 'name="title"' not in folded and 'name="store"' not in folded
    assert (
        body.index('name="store"') < body.index('name="title"') < body.index('<details class="console-more"')
    )
    assert "autofocus" in input_tag(body, "title")  # the first thing to fill in


@pytest.mark.usefixtures("registry")
def test_a_folded_option_with_a_value_or_an_error_is_shown_unfolded(client, alice):
    body = sign_in(client, alice).post(run_url("orders_echo"), {"title": "x", "count": "99"}).content.decode()
    assert '<details class="console-more" open>' in body


@pytest.mark.usefixtures("registry")
def test_picking_an_operation_highlights_it_in_the_list(client, alice):
    body = sign_in(client, alice).get(op_url("orders_tag"), headers=HTMX).content.decode()
    nav = body.split('<nav id="console-operations"')[1].split("</nav>")[0]
    assert nav.startswith(' class="panel" aria-label="Operations" hx-swap-oob="true"')
    current = re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', nav)
    assert current == [op_url("orders_tag")]


@pytest.mark.usefixtures("registry")
def test_the_full_page_has_the_list_once(client, alice):
    body = sign_in(client, alice).get(op_url("orders_tag")).content.decode()
    assert (
        body.count('<nav id="console-operations"') == 1 and "hx-swap-oob" not in body.split("<nav")[2][:200]
    )


@pytest.mark.usefixtures("registry")
def test_descriptions_are_markdown_without_html_or_agent_advice(client, alice):
    body = sign_in(client, alice).get(op_url("orders_tag")).content.decode()
    description = body.split('<div class="console-description">')[1].split("</div>")[0]
    assert "<code>code</code>" in description
    assert "<script>" not in description and "&lt;script&gt;" in description
    assert "stores_use" not in description and "Call it first" not in description


@pytest.mark.parametrize("name", [op.name for op in REGISTRY])
def test_no_page_of_the_console_tells_the_operator_to_call_stores_use(client, alice, acme, name):
    body = sign_in(client, alice).get(op_url(name)).content.decode()
    # stores_use is an operation of its own (listed, with its own page); no other page points at it.
    nav, form = body.split('<section id="console-form"')
    assert "Call it first" not in nav and "Call it first" not in form
    assert name == "stores_use" or "stores_use" not in form


# --- Stores ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("registry")
def test_with_several_stores_and_no_default_the_sandbox_is_preselected(client, alice, acme):
    StoreFactory(tenant=acme, name="Alpha shop")
    sandbox = StoreFactory(tenant=acme, name="Zed sandbox", is_sandbox=True)
    body = sign_in(client, alice).get(op_url("orders_echo")).content.decode()
    assert f'<option value="{sandbox.pk}" selected>Zed sandbox (sandbox)</option>' in body
    assert "Default store" not in body


@pytest.mark.usefixtures("registry")
def test_without_a_sandbox_the_first_store_is_preselected(client, alice, acme):
    first = StoreFactory(tenant=acme, name="Alpha shop")
    StoreFactory(tenant=acme, name="Beta shop")
    body = sign_in(client, alice).get(op_url("orders_echo")).content.decode()
    assert f'<option value="{first.pk}" selected>Alpha shop</option>' in body


# --- Destructive runs confirm in the page --------------------------------------------------------------


@pytest.mark.usefixtures("registry")
def test_a_destructive_run_asks_in_the_page_naming_the_record_and_store(client, alice, acme_store):
    data = {"store": str(acme_store.pk), "order_id": "1000123"}
    body = sign_in(client, alice).post(run_url("orders_delete"), data).content.decode()
    assert REMOVED == []
    question = body.split('id="console-confirm"')[1].split("</div>")[0]
    assert 'role="alertdialog"' in question
    assert "Delete order 1000123 in the store Acme Main?" in question
    assert (
        '<button type="submit" name="confirmed" value="1" class="danger" autofocus>Yes, delete</button>'
        in question
    )
    assert 'value="1000123"' in input_tag(body, "order_id")  # the form keeps what was typed
    assert "hx-confirm" not in body


@pytest.mark.usefixtures("registry")
def test_only_the_confirmation_runs_a_destructive_operation(client, alice, acme_store):
    data = {"store": str(acme_store.pk), "order_id": "1000123", "confirmed": "1"}
    body = sign_in(client, alice).post(run_url("orders_delete"), data).content.decode()
    assert [{"order_id": "1000123", "store": str(acme_store.pk)}] == REMOVED
    assert 'id="console-confirm"' not in body and "&quot;deleted&quot;: &quot;1000123&quot;" in body


@pytest.mark.usefixtures("registry")
def test_cancel_returns_to_the_filled_in_form(client, alice, acme_store):
    data = {"store": str(acme_store.pk), "order_id": "1000123", "cancel": "1"}
    body = sign_in(client, alice).post(run_url("orders_delete"), data).content.decode()
    assert REMOVED == [] and 'id="console-confirm"' not in body
    assert 'value="1000123"' in input_tag(body, "order_id")
    assert "Run orders_delete</button>" in body


@pytest.mark.usefixtures("registry")
def test_with_htmx_the_question_replaces_the_form(client, alice, acme_store):
    data = {"store": str(acme_store.pk), "order_id": "7"}
    response = sign_in(client, alice).post(run_url("orders_delete"), data, headers=HTMX)
    assert response["HX-Retarget"] == "#console-form" and response["HX-Reswap"] == "outerHTML"
    body = response.content.decode()
    assert "<html" not in body and 'id="console-confirm"' in body and REMOVED == []


def test_field_names_with_asterisks_and_underscores_stay_plain_text(client, alice):
    body = sign_in(client, alice).get(op_url("orders_list")).content.decode()
    description = body.split('<div class="console-description">')[1].split("</div>")[0]
    assert "<em>" not in description and "*_local" in description and "shipping_*" in description
