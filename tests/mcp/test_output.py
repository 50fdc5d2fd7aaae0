"""Structured content, output schemas and the response cap (no server needed)."""

from __future__ import annotations

import json
from datetime import date
from typing import ClassVar

import jsonschema
from pydantic import BaseModel

from mcp_bridge.mcp_output import compact_json, compact_schema, fit, output_shape


class Product(BaseModel):
    id: int
    title: str  # a property really called "title"
    restocked: date | None = None


class Catalogue(BaseModel):
    products: list[Product]
    next_cursor: str | None = None


def size(data) -> int:
    return len(compact_json(data).encode())


def test_it_leaves_a_result_that_fits_untouched():
    data = {"products": [{"id": 1}], "next_cursor": None}
    assert fit(data, 1024) is data


def test_it_drops_whole_rows_from_the_end_of_the_largest_list():
    data = {"products": [{"id": i, "title": "x" * 50} for i in range(100)], "tags": ["a", "b"]}
    trimmed = fit(data, 2048)
    note = trimmed["truncated"]
    assert size(trimmed) <= 2048
    assert note["field"] == "products"
    assert note["returned"] + note["omitted"] == 100 and note["returned"] == len(trimmed["products"])
    assert trimmed["products"] == data["products"][: note["returned"]]
    assert trimmed["tags"] == ["a", "b"]
    assert len(data["products"]) == 100  # the original is not modified
    # As many rows as fit: one more would not have.
    one_more = {**trimmed, "products": data["products"][: note["returned"] + 1]}
    assert size(one_more) > 2048 - 16


def test_it_finds_a_nested_list():
    data = {"order": {"id": "1", "order_items": [{"sku": f"S{i}", "name": "y" * 80} for i in range(60)]}}
    trimmed = fit(data, 1500)
    assert trimmed["truncated"]["field"] == "order.order_items"
    assert size(trimmed) <= 1500
    assert trimmed["order"]["id"] == "1"


def test_it_cuts_a_huge_text_when_no_list_can_help():
    data = {"note": "z" * 10_000, "id": "7"}
    trimmed = fit(data, 2000)
    assert size(trimmed) <= 2000
    assert trimmed["note"].startswith("zzz") and trimmed["note"].endswith("[cut to fit the response limit]")
    assert trimmed["id"] == "7"
    assert trimmed["truncated"]["field"] == "note"


def test_it_publishes_an_object_schema_that_truncated_results_still_satisfy():
    shape = output_shape(Catalogue)
    assert shape.wrap is False
    assert shape.schema["properties"]["products"]["items"] == {"$ref": "#/$defs/Product"}
    assert set(shape.schema["$defs"]["Product"]["properties"]) == {"id", "title", "restocked"}
    assert "title" not in shape.schema  # pydantic's generated titles are dropped…
    result = Catalogue(
        products=[Product(id=i, title="Mug " * 30, restocked=date(2026, 1, 2)) for i in range(50)]
    )
    data = shape.structured(result)
    assert data["products"][0]["restocked"] == "2026-01-02"
    trimmed = fit(data, 1024)
    jsonschema.validate(trimmed, shape.schema)
    assert trimmed["truncated"]["omitted"] > 0


def test_it_wraps_results_that_are_not_objects():
    shape = output_shape(list[Product])
    assert shape.wrap is True
    assert shape.schema["type"] == "object" and shape.schema["required"] == ["result"]
    data = shape.structured([Product(id=1, title="Mug")])
    assert data == {"result": [{"id": 1, "title": "Mug", "restocked": None}]}
    jsonschema.validate(data, shape.schema)


def test_it_has_no_schema_without_a_return_type():
    shape = output_shape(None)
    assert shape.schema is None and shape.structured({"a": 1}) is None


def test_it_keeps_properties_named_title_and_data_values():
    schema = {
        "title": "Thing",
        "type": "object",
        "properties": {"title": {"title": "Title", "type": "string", "default": {"title": "kept"}}},
    }
    assert compact_schema(schema) == {
        "type": "object",
        "properties": {"title": {"type": "string", "default": {"title": "kept"}}},
    }


def test_it_renders_compact_json_text():
    assert compact_json({"a": [1, 2], "b": "é"}) == '{"a":[1,2],"b":"é"}'
    assert json.loads(compact_json({"d": date(2026, 1, 2)})) == {"d": "2026-01-02"}


class Shelf(BaseModel):
    """A page of rows as fit sees it: ROWS names the rows, cut() the paging fields of a shorter page."""

    ROWS: ClassVar[str] = "products"
    products: list[Product]
    returned: int
    has_more: bool = False
    next_cursor: str | None = None

    def cut(self, kept: int) -> dict:
        return (
            {}
            if kept >= len(self.products)
            else {"returned": kept, "has_more": True, "next_cursor": f"@{kept}"}
        )


def test_it_cuts_a_page_in_its_rows_and_lets_the_page_restate_its_counts_and_cursor():
    shelf = Shelf(products=[Product(id=i, title="x" * 50) for i in range(100)], returned=100)
    trimmed = fit(shelf.model_dump(mode="json"), 2048, source=shelf)
    kept = len(trimmed["products"])
    assert size(trimmed) <= 2048 and 0 < kept < 100
    assert trimmed["returned"] == trimmed["truncated"]["returned"] == kept
    assert (trimmed["has_more"], trimmed["next_cursor"]) == (True, f"@{kept}")
