"""GET /orders and GET /orders/{id}: envelope, types, every filter, the sort and paging."""

import pytest

from sandbox.models import SandboxOrder
from tests.sandbox.conftest import create_order


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [order["id"] for order in response.json()["orders"]]


def test_it_lists_orders_in_the_documented_envelope(demo_api):
    response = demo_api.get("orders")

    body = response.json()
    paging = ["total_records", "records_returned", "offset", "limit"]
    assert list(body) == ["status", "message", "execution_time", *paging, "orders"]
    assert body["status"] == "success"
    assert body["message"].startswith("Execution took ") and body["message"].endswith(" seconds")
    assert (body["total_records"], body["records_returned"], body["offset"], body["limit"]) == (40, 40, 0, 50)
    assert all(
        isinstance(body[name], int) for name in ("total_records", "records_returned", "offset", "limit")
    )


def test_it_types_order_fields_as_documented(demo_api):
    order = demo_api.get("orders").json()["orders"][0]

    assert isinstance(order["id"], str) and order["id"].isdigit()
    assert isinstance(order["folder_id"], int)
    assert isinstance(order["quantity_total"], int)
    for money in (
        "product_total",
        "shipping_total",
        "tax_total",
        "discount_total",
        "order_total",
        "processor_balance",
    ):
        assert isinstance(order[money], float)
    assert isinstance(order["email_count"], str) and order["email_count"].isdigit()
    assert set(order["shipping"]) >= {"first_name", "last_name", "address3", "address4", "postal_code"}
    assert "address3" not in order["customer"] and "address4" not in order["customer"]
    assert "order_history" not in order
    item = order["order_items"][0]
    assert (
        isinstance(item["id"], str) and isinstance(item["quantity"], int) and isinstance(item["price"], float)
    )


def test_it_serialises_empty_maps_as_php_arrays_and_full_maps_as_objects(blank_api):
    order = create_order(
        blank_api,
        checkout_data={},
        order_items=[
            {"name": "Plain", "price": 1},
            {
                "name": "Tee",
                "price": 2,
                "variation_list": {"Size": "Large"},
                "metadata": {"image": "tee.png"},
            },
        ],
    )

    assert order["checkout_data"] == []
    assert order["order_metadata"] == []
    assert order["order_items"][0]["variation_list"] == []
    assert order["order_items"][0]["metadata"] == []
    assert order["order_items"][1]["variation_list"] == {"Size": "Large"}
    assert order["order_items"][1]["metadata"] == {"image": "tee.png"}


def test_it_counts_orders_per_email(blank_api):
    create_order(blank_api, email="Repeat@Example.com")
    create_order(blank_api, email="repeat@example.com")
    create_order(blank_api, email="once@example.com")

    counts = {o["email"]: o["email_count"] for o in blank_api.get("orders").json()["orders"]}

    assert counts == {"Repeat@Example.com": "2", "repeat@example.com": "2", "once@example.com": "1"}


def test_it_adds_order_history_only_when_asked(demo_api):
    orders = demo_api.get("orders", get_order_history="1").json()["orders"]

    assert all(isinstance(order["order_history"], list) for order in orders)
    assert any(entry["note"].startswith("Order imported from") for entry in orders[0]["order_history"])


def test_it_gets_one_order(demo_api):
    order_id = demo_api.get("orders").json()["orders"][3]["id"]

    response = demo_api.get(f"orders/{order_id}")

    body = response.json()
    assert list(body) == ["status", "message", "execution_time", "order"]
    assert body["order"]["id"] == order_id
    assert "order_history" in demo_api.get(f"orders/{order_id}", get_order_history="1").json()["order"]


@pytest.mark.parametrize("order_id", ["1", "abc", "9999999999999"])
def test_it_answers_404_for_unknown_orders(demo_api, order_id):
    response = demo_api.get(f"orders/{order_id}")

    assert response.status_code == 404
    assert response.json()["message"] == "Order Not Found"


# --- Filters ------------------------------------------------------------------------------------------


def test_it_filters_by_folder_id_and_comma_lists(blank_api):
    new = create_order(blank_api)["id"]
    prepared = create_order(blank_api, folder_id=102)["id"]
    shipped = create_order(blank_api, folder_id=103)["id"]

    assert _ids(blank_api.get("orders", folder_id="102")) == [prepared]
    assert set(_ids(blank_api.get("orders", folder_id="101,103"))) == {new, shipped}
    assert blank_api.get("orders", folder_id="x").status_code == 400


def test_it_filters_by_folder_name(blank_api):
    create_order(blank_api)
    prepared = create_order(blank_api, folder_id=102)["id"]

    assert _ids(blank_api.get("orders", folder_name="Prepared")) == [prepared]
    assert _ids(blank_api.get("orders", folder_name="prepared")) == [prepared]
    assert _ids(blank_api.get("orders", folder_name="Prep")) == []


def test_it_filters_by_source_id_and_source_name_exactly(blank_api):
    shopify = create_order(blank_api, source_name="Shopify", source_id="648714418")["id"]
    create_order(blank_api, source_name="Amazon", source_id="6487")

    assert _ids(blank_api.get("orders", source_id="648714418")) == [shopify]
    assert _ids(blank_api.get("orders", source_id="64871")) == []
    assert _ids(blank_api.get("orders", source_name="Shopify")) == [shopify]
    assert _ids(blank_api.get("orders", source_name="Shop")) == []


def test_it_uses_the_internal_id_as_source_id_when_blank(blank_api):
    order = create_order(blank_api)

    assert order["source_id"] == order["id"]
    assert order["source_name"] == "Order Desk"
    assert _ids(blank_api.get("orders", source_id=order["id"])) == [order["id"]]


def test_it_filters_by_email_and_customer_id_exactly(blank_api):
    first = create_order(blank_api, email="ann@example.com", customer_id="8173875")["id"]
    create_order(blank_api, email="joann@example.com", customer_id="81738")

    assert _ids(blank_api.get("orders", email="ann@example.com")) == [first]
    assert _ids(blank_api.get("orders", email="ANN@example.com")) == [first]
    assert _ids(blank_api.get("orders", customer_id="8173875")) == [first]


@pytest.mark.parametrize(
    ("param", "value", "query"),
    [
        ("customer_first_name", "Penelope", "nelo"),
        ("customer_last_name", "Okafor", "OKAF"),
        ("customer_company", "Harbor Dental Group", "dental"),
        ("customer_address1", "742 Evergreen Terrace", "evergreen"),
        ("customer_phone", "(503) 555-0199", "555-0199"),
        ("shipping_first_name", "Penelope", "penel"),
        ("shipping_last_name", "Okafor", "kafo"),
        ("shipping_company", "Harbor Dental Group", "Harbor"),
        ("shipping_address1", "742 Evergreen Terrace", "Terr"),
        ("shipping_phone", "(503) 555-0199", "0199"),
    ],
)
def test_it_searches_address_fields_by_substring(blank_api, param, value, query):
    kind, _, field = param.partition("_")
    base = {"first_name": "Sam", "last_name": "Lee", "address1": "1 Oak St", "city": "Boise", "phone": ""}
    other = {"first_name": "Kim", "last_name": "Ray", "address1": "9 Elm St", "city": "Omaha", "phone": ""}
    addresses = {"customer": base, "shipping": base, kind: {**base, field: value}}
    wanted = create_order(blank_api, **addresses)["id"]
    create_order(blank_api, customer=other, shipping=other)

    assert _ids(blank_api.get("orders", **{param: query})) == [wanted]


def test_it_combines_filters_with_and(blank_api):
    both = create_order(blank_api, email="a@example.com", source_name="Etsy")["id"]
    create_order(blank_api, email="a@example.com", source_name="eBay")
    create_order(blank_api, email="b@example.com", source_name="Etsy")

    assert _ids(blank_api.get("orders", email="a@example.com", source_name="Etsy")) == [both]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2025-03-01", "2025-03-01"),
        ("2025-03-01 00:00:00", "2025-03-01 23:59:59"),
        ("2025-03-01T00:00:00Z", "2025-03-01T23:59:59.000Z"),
        ("2025-02-28T16:00:00-08:00", "2025-03-01T15:59:59-08:00"),
    ],
)
def test_it_filters_by_date_added_in_utc_in_every_format(blank_api, start, end):
    create_order(blank_api, date_added="2025-02-28 23:59:59")
    inside = {
        create_order(blank_api, date_added=t)["id"] for t in ("2025-03-01 00:00:00", "2025-03-01 23:59:59")
    }
    create_order(blank_api, date_added="2025-03-02 00:00:00")

    assert set(_ids(blank_api.get("orders", search_start_date=start, search_end_date=end))) == inside


def test_it_filters_by_local_store_time(blank_api):
    # 07:30 UTC on March 1st is still February 28th in Los Angeles (UTC-8).
    early = create_order(blank_api, date_added="2025-03-01 07:30:00")["id"]
    late = create_order(blank_api, date_added="2025-03-01 09:00:00")["id"]

    assert set(_ids(blank_api.get("orders", search_start_date="2025-03-01"))) == {early, late}
    assert _ids(blank_api.get("orders", search_start_date_local="2025-03-01")) == [late]
    assert _ids(blank_api.get("orders", search_end_date_local="2025-02-28")) == [early]


def test_it_filters_by_date_updated(blank_api):
    order = create_order(blank_api)
    stamp = order["date_updated"]

    assert _ids(blank_api.get("orders", modified_start_date=stamp)) == [order["id"]]
    assert _ids(blank_api.get("orders", modified_end_date=stamp)) == [order["id"]]
    assert _ids(blank_api.get("orders", modified_end_date="2000-01-01")) == []
    assert _ids(blank_api.get("orders", modified_start_date="2999-01-01T00:00:00.000Z")) == []


def test_it_rejects_unreadable_dates(blank_api):
    response = blank_api.get("orders", search_start_date="last tuesday")

    assert response.status_code == 400
    assert "search_start_date" in response.json()["message"]


# --- Sort and paging ----------------------------------------------------------------------------------


def test_it_sorts_by_date_added_descending_by_default(demo_api):
    dates = [o["date_added"] for o in demo_api.get("orders").json()["orders"]]

    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("direction", ["ASC", "asc", "Asc"])
def test_it_sorts_by_any_field_in_either_case_of_direction(demo_api, direction):
    totals = [
        o["order_total"]
        for o in demo_api.get("orders", order_by="order_total", order=direction).json()["orders"]
    ]

    assert totals == sorted(totals)


def test_it_sorts_by_address_fields(demo_api):
    names = [
        o["shipping"]["last_name"].lower()
        for o in demo_api.get("orders", order_by="shipping_last_name", order="desc").json()["orders"]
    ]

    assert names == sorted(names, reverse=True)


@pytest.mark.parametrize(
    "field", ["source_name", "folder_id", "date_updated", "email_count", "id", "date_modified"]
)
def test_it_accepts_other_order_fields_to_sort_by(demo_api, field):
    assert demo_api.get("orders", order_by=field).status_code == 200


def test_it_rejects_unknown_sort_fields_and_directions(demo_api):
    assert demo_api.get("orders", order_by="favourite_colour").status_code == 400
    assert demo_api.get("orders", order="sideways").status_code == 400


def test_it_pages_with_limit_and_offset(demo_api):
    everything = _ids(demo_api.get("orders", limit="500"))

    page = demo_api.get("orders", limit="7", offset="14").json()

    assert [o["id"] for o in page["orders"]] == everything[14:21]
    assert (page["total_records"], page["records_returned"], page["offset"], page["limit"]) == (40, 7, 14, 7)


def test_it_clamps_the_limit(demo_api):
    assert demo_api.get("orders", limit="5000").json()["limit"] == 500
    assert demo_api.get("orders", limit="0").json()["limit"] == 1
    assert demo_api.get("orders", limit="ten").status_code == 400


def test_it_returns_an_empty_page_past_the_end(demo_api):
    body = demo_api.get("orders", offset="40").json()

    assert body["orders"] == [] and body["records_returned"] == 0 and body["total_records"] == 40


def test_it_defaults_the_limit_to_fifty(blank_api):
    store = blank_api.store
    SandboxOrder.objects.bulk_create(
        SandboxOrder(store=store, order_id=store.public_id_base + 90_000 + n, folder_id=101,
                     date_added="2025-01-01T00:00:00Z", date_updated="2025-01-01T00:00:00Z")
        for n in range(55)
    )  # fmt: skip

    body = blank_api.get("orders").json()

    assert (body["limit"], body["records_returned"], body["total_records"]) == (50, 50, 55)
