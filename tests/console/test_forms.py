import json

import pytest
from django import forms

from mcp_bridge.forms import JsonArgumentField, OperationForm, field_specs, json_template
from tests.console.fake_operations import fake_registry
from tests.factories import StoreFactory


@pytest.fixture
def echo():
    return fake_registry().get("orders_echo")


def test_it_reads_every_kind_of_field_from_the_schema(echo):
    kinds = {spec.name: spec.kind for spec in field_specs(echo.input_schema())}
    assert kinds == {
        "title": "text",
        "store": "store",
        "count": "integer",
        "ratio": "number",
        "urgent": "checkbox",
        "flag": "nullbool",
        "color": "choice",
        "size": "choice",
        "changes": "json",
        "lines": "json",
    }


def test_it_builds_text_fields_with_help_required_marker_and_limits(echo):
    form = OperationForm(echo)
    title = form.fields["title"]
    assert isinstance(title, forms.CharField)
    assert title.required and title.max_length == 40
    assert title.help_text == "A title to echo back."
    assert 'maxlength="40"' in str(form["title"]) and "required" in str(form["title"])


def test_it_builds_number_fields_with_bounds_and_defaults(echo):
    form = OperationForm(echo)
    count, ratio = form.fields["count"], form.fields["ratio"]
    assert isinstance(count, forms.IntegerField) and count.min_value == 1 and count.max_value == 10
    assert form["count"].value() == 2
    assert isinstance(ratio, forms.FloatField) and not ratio.required


def test_it_builds_checkboxes_and_three_way_booleans(echo):
    form = OperationForm(echo)
    assert isinstance(form.fields["urgent"], forms.BooleanField)
    assert 'type="checkbox"' in str(form["urgent"])
    assert isinstance(form.fields["flag"], forms.NullBooleanField)
    assert "<select" in str(form["flag"])


def test_it_builds_selects_for_literals(echo):
    form = OperationForm(echo)
    assert [value for value, _ in form.fields["color"].choices] == ["red", "green"]
    assert form["color"].value() == "red"
    assert [value for value, _ in form.fields["size"].choices] == ["", "1", "2", "3"]


def test_it_builds_json_textareas_with_a_template(echo):
    form = OperationForm(echo)
    assert isinstance(form.fields["lines"], JsonArgumentField)
    assert "<textarea" in str(form["lines"])
    assert form.field_spec("lines").template == [{"sku": "", "quantity": 1}]
    assert json.loads(form.fields["lines"].widget.attrs["placeholder"]) == [{"sku": "", "quantity": 1}]
    assert "Only the fields to change" in form.fields["changes"].help_text


def test_it_shows_optional_members_of_a_json_template_as_null():
    defs = {
        "Item": {
            "type": "object",
            "properties": {
                "id": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
                "qty": {"type": "integer"},
            },
        }
    }
    node = {
        "anyOf": [{"type": "array", "items": {"$ref": "#/$defs/Item"}}, {"type": "null"}],
        "default": None,
    }
    assert json_template(node, defs) == [{"id": None, "qty": 0}]


def test_it_offers_the_visible_stores_for_the_store_field(echo, acme, globex):
    mine = StoreFactory(tenant=acme, name="Main")
    sandbox = StoreFactory(tenant=acme, name="Play", is_sandbox=True)
    form = OperationForm(echo, stores=[mine, sandbox])
    # Always a named store, never a blank "default": the operator sees where a run goes.
    assert form.fields["store"].choices == [
        (str(mine.pk), "Main"),
        (str(sandbox.pk), "Play (sandbox)"),
    ]


def test_it_drops_empty_optional_fields(echo):
    data = {"title": "Hello", "count": "", "ratio": "", "flag": "unknown", "color": "green", "size": ""}
    form = OperationForm(echo, data={**data, "changes": "", "lines": "  ", "store": ""})
    assert form.is_valid(), form.errors
    assert form.arguments() == {"title": "Hello", "color": "green"}


def test_it_parses_each_kind_of_value(echo):
    data = {
        "title": "Hello",
        "count": "3",
        "ratio": "0.5",
        "urgent": "on",
        "flag": "false",
        "color": "red",
        "size": "2",
        "changes": '{"email": null}',
        "lines": '[{"sku": "A-1", "quantity": 2}]',
    }
    form = OperationForm(echo, data=data)
    assert form.is_valid(), form.errors
    assert form.arguments() == {
        "title": "Hello",
        "count": 3,
        "ratio": 0.5,
        "urgent": True,
        "flag": False,
        "color": "red",
        "size": 2,
        "changes": {"email": None},
        "lines": [{"sku": "A-1", "quantity": 2}],
    }


def test_it_reports_bad_json_on_its_own_field(echo):
    form = OperationForm(echo, data={"title": "Hello", "color": "red", "lines": '[{"sku": "A-1",]'})
    assert not form.is_valid()
    assert list(form.errors) == ["lines"]
    assert "not valid JSON" in form.errors["lines"][0] and "line 1" in form.errors["lines"][0]


def test_it_wants_an_object_where_the_schema_says_object(echo):
    form = OperationForm(echo, data={"title": "Hello", "color": "red", "changes": "[1, 2]"})
    assert not form.is_valid()
    assert form.errors["changes"] == ['Expected a JSON object, like {"field": "value"}.']


def test_it_requires_required_fields(echo):
    form = OperationForm(echo, data={"color": "red"})
    assert not form.is_valid()
    assert "title" in form.errors


def test_it_selects_a_replayed_store_given_by_name(echo, acme):
    store = StoreFactory(tenant=acme, name="Main")
    form = OperationForm(echo, stores=[store], initial={"store": "main", "lines": [{"sku": "X"}]})
    assert form["store"].value() == str(store.pk)
    assert json.loads(form["lines"].value()) == [{"sku": "X"}]
