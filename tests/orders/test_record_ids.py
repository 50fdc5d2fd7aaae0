"""Order, item and shipment ids are accepted as a number or a digit string, and reach OrderDesk as the
string form; the published schema says both in a few bytes."""

import pytest

from kernel.errors import InvalidInput
from operations.registry import REGISTRY
from operations.runner import run_operation
from tests.helpers import run


def invoke(name, actor, **arguments):
    return run(run_operation, op=REGISTRY.get(name), arguments=arguments, actor=actor).result


def test_an_order_id_sent_as_a_number_is_accepted(od, acme_store, alice_actor):
    order = od.add_order()
    got = invoke("orders_get", alice_actor, order_id=int(order["id"]))
    assert got.id == order["id"]
    assert ("GET", f"/orders/{order['id']}", {}) in od.calls


@pytest.mark.parametrize("given", [" 5000 ", "5000", 5000])
def test_order_ids_normalise_to_the_digit_string(od, acme_store, alice_actor, given):
    model = REGISTRY.get("orders_get").input_model
    assert model.model_validate({"order_id": given}).order_id == "5000"


@pytest.mark.parametrize("bad", ["12a", "", -3, 1.5, True, "\uff11\uff12"])
def test_a_bad_order_id_is_refused_naming_the_field(od, acme_store, alice_actor, bad):
    with pytest.raises(InvalidInput) as exc:
        invoke("orders_get", alice_actor, order_id=bad)
    assert exc.value.field == "order_id"
    assert "order_id" in exc.value.message and "digits" in exc.value.message


def test_lists_of_order_ids_take_numbers_and_strings(od, acme_store, alice_actor):
    first, second = od.add_order(), od.add_order()
    moved = invoke("orders_move", alice_actor, order_ids=[int(first["id"]), second["id"]], folder="Closed")
    assert moved.moved == 2 and {r.order_id for r in moved.results} == {first["id"], second["id"]}


def test_item_and_shipment_ids_take_numbers_too(od, acme_store, alice_actor):
    for name, field in (("order_items_update", "item_id"), ("shipments_update", "shipment_id")):
        model = REGISTRY.get(name).input_model
        fields = {"order_id": 7, field: 42, "changes": {"name": "x"}}
        validated = model.model_validate({k: v for k, v in fields.items() if k in model.model_fields})
        assert getattr(validated, field) == "42" and validated.order_id == "7"


def test_the_id_schema_names_both_forms_briefly():
    schema = REGISTRY.get("orders_get").input_model.model_json_schema()["properties"]["order_id"]
    assert {v["type"] for v in schema["anyOf"]} == {"string", "integer"}
    move = REGISTRY.get("orders_move").input_model.model_json_schema()["properties"]["order_ids"]
    items = next(v for v in move["anyOf"] if v.get("type") == "array")["items"]
    assert {v["type"] for v in items["anyOf"]} == {"string", "integer"}
