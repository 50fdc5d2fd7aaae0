"""A page cut to fit the MCP response cap says how many rows it really returned and pages on from the
first row it left out, so nothing is lost between pages."""

import pytest

from mcp_bridge import mcp_tools
from mcp_bridge.server import _result
from operations.registry import REGISTRY
from orders import services as orders_services
from products import services as products_services
from tests.helpers import run

LIMIT = 100 * 1024


@pytest.fixture
def big_orders(od):
    # ~2 KiB each in the full preset: 100 of them are twice the cap.
    return [od.add_order(order_metadata={"blob": f"{n:04d}" + "x" * 2000}) for n in range(100)]


def tool_result(name, page, settings):
    settings.MCP_RESPONSE_LIMIT = LIMIT
    return _result(mcp_tools.ToolSpec(REGISTRY.get(name)), page, structured=True).structured_content


def test_a_truncated_orders_page_reports_the_rows_it_returned_and_resumes_at_the_first_omitted(
    od, acme_store, alice_actor, big_orders, settings
):
    actor = alice_actor
    page = run(orders_services.orders_list, tenant=actor.tenant, actor=actor, fields="full", limit=100)
    assert page.returned == 100
    data = tool_result("orders_list", page, settings)
    kept = len(data["orders"])
    assert 0 < kept < 100
    assert data["returned"] == kept == data["truncated"]["returned"]
    assert data["truncated"]["omitted"] == 100 - kept
    assert data["has_more"] is True
    following = run(
        orders_services.orders_list,
        tenant=actor.tenant,
        actor=actor,
        fields="full",
        limit=100,
        cursor=data["next_cursor"],
    )
    # The next page starts exactly at the first omitted row: every order is seen once.
    assert following.orders[0].id == page.orders[kept].id
    seen = [o["id"] for o in data["orders"]] + [o.id for o in following.orders]
    assert seen == [o.id for o in page.orders]
    assert following.has_more is False and following.next_cursor is None


def test_a_truncated_last_page_still_offers_a_cursor_for_the_omitted_rows(
    od, acme_store, alice_actor, big_orders, settings
):
    actor = alice_actor
    page = run(orders_services.orders_list, tenant=actor.tenant, actor=actor, fields="full", limit=100)
    assert page.has_more is False and page.next_cursor is None  # all 100 orders are on this page
    data = tool_result("orders_list", page, settings)
    assert data["has_more"] is True and data["next_cursor"]


def test_a_truncated_products_page_resumes_at_the_first_omitted_row(od, acme_store, alice_actor, settings):
    for n in range(100):
        od.add_product(name=f"P{n:03d}", code=f"SKU-{n:03d}", location="y" * 2000)
    actor = alice_actor
    page = run(products_services.products_list, tenant=actor.tenant, actor=actor, limit=100)
    data = tool_result("products_list", page, settings)
    kept = len(data["products"])
    assert 0 < kept < 100 and data["returned"] == kept and data["has_more"] is True
    following = run(
        products_services.products_list,
        tenant=actor.tenant,
        actor=actor,
        limit=100,
        cursor=data["next_cursor"],
    )
    assert following.products[0].id == page.products[kept].id


def test_a_page_served_from_the_cache_still_knows_where_it_starts(
    od, acme_store, alice_actor, big_orders, settings
):
    actor = alice_actor
    first = run(orders_services.orders_list, tenant=actor.tenant, actor=actor, fields="full", limit=100)
    cached = run(orders_services.orders_list, tenant=actor.tenant, actor=actor, fields="full", limit=100)
    assert od.count("GET", "/orders") == 1 and cached is not first
    data = tool_result("orders_list", cached, settings)
    following = run(
        orders_services.orders_list,
        tenant=actor.tenant,
        actor=actor,
        fields="full",
        limit=100,
        cursor=data["next_cursor"],
    )
    assert following.orders[0].id == first.orders[len(data["orders"])].id
