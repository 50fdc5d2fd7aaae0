"""Merge rules for whole-record updates (pure functions: no OrderDesk, no database)."""

import pytest

from kernel.errors import InvalidInput
from orders.services import merge
from products.fields import PRODUCT_NESTED_MAPS
from records.merge import same_values

ORDER = {
    "id": "925086",
    "email": "ada@example.com",
    "folder_id": 1001,
    "order_total": 21.17,
    "date_updated": "2025-03-01 12:00:00",
    "shipping": {"first_name": "Ada", "last_name": "Lovelace", "city": "London", "phone": "123"},
    "customer": {"first_name": "Ada"},
    "checkout_data": [],
    "order_metadata": {"fraud_score": 0, "channel": "web"},
    "order_items": [{"id": "1", "name": "Widget", "quantity": 2}],
    "order_notes": [{"date_added": "2025-03-01 10:00:00", "username": "shop", "content": "Leave at door"}],
    "order_shipments": [{"id": "7", "tracking_number": "1Z"}],
    "order_history": [{"note": "Created"}],
    "shipping_method": "Ground",
}


def merged(changes):
    return merge.merge_order(ORDER, changes, now="2025-03-02 09:00:00", username="alice@acme.test")


def test_it_keeps_every_field_it_was_not_asked_to_change():
    result = merged({"email": "new@example.com"})
    assert result["email"] == "new@example.com"
    for key in ("shipping", "customer", "order_items", "order_notes", "shipping_method", "order_metadata"):
        assert result[key] == ORDER[key]


def test_it_does_not_modify_the_original():
    merged({"shipping": {"city": "Paris"}, "order_notes": "Hi"})
    assert ORDER["shipping"]["city"] == "London"
    assert len(ORDER["order_notes"]) == 1


def test_it_removes_a_field_set_to_null():
    assert "shipping_method" not in merged({"shipping_method": None})


def test_it_removes_a_whole_nested_object_set_to_null():
    assert "customer" not in merged({"customer": None})


def test_it_merges_nested_objects_by_key():
    result = merged({"shipping": {"city": "Paris", "postal_code": "75001"}})
    assert result["shipping"] == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "city": "Paris",
        "phone": "123",
        "postal_code": "75001",
    }


def test_it_removes_a_nested_key_set_to_null():
    result = merged({"shipping": {"phone": None}, "order_metadata": {"channel": None}})
    assert "phone" not in result["shipping"]
    assert result["order_metadata"] == {"fraud_score": 0}


@pytest.mark.parametrize("key", ["shipping", "customer", "return_address", "checkout_data", "order_metadata"])
def test_it_merges_every_nested_map_by_key(key):
    original = {**ORDER, key: {"a": "1", "b": "2"}}
    result = merge.merge_order(original, {key: {"b": "3", "c": "4"}}, now="", username="")
    assert result[key] == {"a": "1", "b": "3", "c": "4"}


def test_it_treats_php_empty_arrays_as_empty_maps_when_merging():
    assert merged({"checkout_data": {"Gift Message": "Happy Birthday"}})["checkout_data"] == {
        "Gift Message": "Happy Birthday"
    }


def test_it_replaces_lists_when_given():
    items = [{"id": "1", "name": "Widget", "quantity": 5}, {"name": "Gadget", "price": 3}]
    assert merged({"order_items": items})["order_items"] == items


def test_it_leaves_lists_alone_when_not_given():
    assert merged({"email": "x@example.com"})["order_items"] == ORDER["order_items"]


def test_it_appends_a_note_given_as_text():
    notes = merged({"order_notes": "Call before delivery"})["order_notes"]
    assert [n["content"] for n in notes] == ["Leave at door", "Call before delivery"]
    assert notes[-1] == {
        "date_added": "2025-03-02 09:00:00",
        "username": "alice@acme.test",
        "content": "Call before delivery",
    }


def test_it_appends_notes_given_as_objects_and_lists():
    notes = merged({"order_notes": [{"content": "One", "username": "bot"}, "Two"]})["order_notes"]
    assert [(n["content"], n["username"]) for n in notes][1:] == [("One", "bot"), ("Two", "alice@acme.test")]


def test_it_skips_notes_already_there_ignoring_case_and_spaces():
    notes = merged({"order_notes": ["  leave AT door ", "New", "new"]})["order_notes"]
    assert [n["content"] for n in notes] == ["Leave at door", "New"]


def test_it_refuses_an_empty_note():
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes({"order_notes": [{"username": "x"}]})
    assert exc.value.field == "changes.order_notes[0]"


def test_it_refuses_a_note_that_is_too_long():
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes({"order_notes": "x" * 1801})
    assert "1800" in exc.value.message


def test_it_never_sends_shipments_or_history_back():
    result = merged({"email": "x@example.com"})
    assert "order_shipments" not in result
    assert "order_history" not in result


@pytest.mark.parametrize(
    ("field", "hint"),
    [
        ("order_total", "computes it"),
        ("product_total", "computes it"),
        ("discount_total", "discount_list"),
        ("quantity_total", "computes it"),
        ("weight_total", "computes it"),
        ("date_updated", "sets it"),
        ("order_shipments", "shipments_add"),
        ("order_history", "orders_add_note"),
        ("email_count", "counts"),
        ("id", "never changes"),
        ("folder_id", "orders_move"),
    ],
)
def test_it_refuses_read_only_fields_saying_why(field, hint):
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes({field: 1, "email": "x@example.com"})
    assert exc.value.field == f"changes.{field}"
    assert hint in exc.value.message
    assert field in exc.value.message


def test_it_names_every_read_only_field_at_once():
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes({"order_total": 1, "folder_id": 2})
    assert "order_total" in exc.value.message and "folder_id" in exc.value.message


def test_it_refuses_a_nested_map_that_is_not_an_object():
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes({"shipping": "10 Downing Street"})
    assert exc.value.field == "changes.shipping"


def test_it_refuses_items_without_name_or_code():
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes({"order_items": [{"price": 3}]})
    assert exc.value.field == "changes.order_items[0]"


def test_it_refuses_an_empty_item_list():
    with pytest.raises(InvalidInput):
        merge.check_order_changes({"order_items": []})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"order_items": [{"name": "A", "quantity": 0}]}, "changes.order_items[0].quantity"),
        ({"order_items": [{"name": "A", "quantity": 1.5}]}, "changes.order_items[0].quantity"),
        ({"order_items": [{"name": "A", "price": "ten"}]}, "changes.order_items[0].price"),
        ({"shipping_total": "free"}, "changes.shipping_total"),
        ({"tax_total": True}, "changes.tax_total"),
        ({"discount_list": "10%"}, "changes.discount_list"),
    ],
)
def test_it_refuses_bad_values_naming_the_field(changes, field):
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes(changes)
    assert exc.value.field == field


def test_it_accepts_numeric_strings_for_money():
    merge.check_order_changes({"shipping_total": "4.50", "order_items": [{"code": "W-1", "price": "10"}]})


def test_it_refuses_checkout_data_longer_than_orderdesk_allows():
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes({"checkout_data": {"Gift Message": "x" * 3600}})
    assert exc.value.field == "changes.checkout_data"


def test_it_merges_other_records_with_their_own_nested_maps():
    product = {"id": 5, "name": "Mug", "code": "MUG", "stock": 3, "metadata": {"a": 1}, "location": "A1"}
    result = merge.merge_record(
        product, {"stock": 9, "metadata": {"b": 2}, "location": None}, nested=PRODUCT_NESTED_MAPS
    )
    assert result == {"id": 5, "name": "Mug", "code": "MUG", "stock": 9, "metadata": {"a": 1, "b": 2}}


# --- lists merged by id, unknown fields, sameness -------------------------------------------------------


def test_order_items_merge_by_id_keeping_items_not_named():
    order = {
        **ORDER,
        "order_items": [{"id": "1", "name": "Widget", "quantity": 2}, {"id": "2", "name": "Cup"}],
    }
    result = merge.merge_order(
        order,
        {
            "order_items": [
                {"id": "2", "quantity": 3, "metadata": {"gift": "yes"}},
                {"name": "Mug", "price": 4},
            ]
        },
        now="",
        username="",
    )
    assert result["order_items"] == [
        {"id": "1", "name": "Widget", "quantity": 2},
        {"id": "2", "name": "Cup", "quantity": 3, "metadata": {"gift": "yes"}},
        {"name": "Mug", "price": 4},
    ]


def test_an_order_items_entry_with_delete_true_removes_that_item_and_an_unknown_one_is_already_gone():
    result = merged({"order_items": [{"id": "1", "delete": True}, {"id": "404", "delete": True}]})
    assert result["order_items"] == []


@pytest.mark.parametrize(
    "entry", [{"id": "1", "delete": False}, {"delete": True}, {"id": "1", "delete": True, "quantity": 2}]
)
def test_a_delete_entry_takes_only_an_id_and_true(entry):
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes({"order_items": [entry]})
    assert exc.value.field == "changes.order_items[0]"


def test_a_new_item_entry_still_needs_a_name_or_code_but_an_entry_with_id_does_not():
    merge.check_order_changes({"order_items": [{"id": "1", "quantity": 4}]})
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes({"order_items": [{"quantity": 4}]})
    assert exc.value.field == "changes.order_items[0]"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"customer": {"address3": "x"}}, "changes.customer.address3; the customer address has no address3"),
        ({"return_address": {"zip": "1"}}, "changes.return_address.zip; did you mean postal_code?"),
        (
            {"discount_list": [{"name": "X", "amout": 1}]},
            "changes.discount_list[0].amout; did you mean amount?",
        ),
        ({"emial": "a@b.c"}, "changes.emial; did you mean email?"),
        ({"items": []}, "changes.items; did you mean order_items?"),
    ],
)
def test_unknown_fields_are_refused_at_any_depth_with_the_closest_name(changes, message):
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes(changes)
    assert exc.value.message.startswith("unknown field " + message)


def test_an_unknown_field_without_a_close_name_lists_the_fields():
    with pytest.raises(InvalidInput) as exc:
        merge.check_order_changes({"shipping": {"xyzzy": 1}})
    assert exc.value.message.startswith("unknown field changes.shipping.xyzzy; the fields are: address1,")


def test_free_form_maps_take_any_keys_at_any_depth():
    merge.check_order_changes(
        {
            "checkout_data": {"Gift Message": "x"},
            "order_items": [{"id": "1", "metadata": {"any": {"deep": 1}}}],
        }
    )


@pytest.mark.parametrize(
    ("new", "old", "same"),
    [
        ({"a": 10, "m": {}}, {"a": "10.00", "m": []}, True),
        ({"a": "10"}, {"a": 10.0}, True),
        ({"a": "x"}, {"a": "x "}, False),
        ({"a": 0}, {"a": []}, False),
        ({"a": 1}, {"a": True}, False),
        ({"a": 1}, {"a": 1, "b": ""}, False),
        ([{"id": "1"}], [{"id": 1}], True),
    ],
)
def test_same_values_treats_orderdesks_spellings_of_a_value_as_the_same(new, old, same):
    assert same_values(new, old) is same
