"""Canonical JSON: the one encoding behind cache keys, idempotency hashes and cursor bindings."""

import dataclasses
import datetime as dt
import hashlib
import uuid
from decimal import Decimal
from enum import Enum

import pytest
from pydantic import BaseModel

from kernel.jsonutil import canonical_hash, canonical_json


class Colour(Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Item(BaseModel):
    code: str
    price: Decimal


def test_it_sorts_keys_at_every_level_without_whitespace():
    assert canonical_json({"b": 1, "a": {"d": [2, {"z": 0, "y": None}], "c": True}}) == (
        '{"a":{"c":true,"d":[2,{"y":null,"z":0}]},"b":1}'
    )


def test_it_writes_ascii_only():
    assert canonical_json({"name": "Zoë 東"}) == '{"name":"Zo\\u00eb \\u6771"}'


def test_it_gives_equal_values_the_same_text_whatever_their_order():
    assert canonical_json({"a": 1, "b": [1, 2]}) == canonical_json({"b": [1, 2], "a": 1})
    assert canonical_json({"ids": {"2", "1"}}) == canonical_json({"ids": frozenset({"1", "2"})})


def test_it_encodes_the_common_python_types_by_one_rule():
    value = {
        "date": dt.date(2024, 1, 2),
        "moment": dt.datetime(2024, 1, 2, 3, 4, 5),
        "time": dt.time(8, 30),
        "amount": Decimal("1.50"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "colour": Colour.RED,
        "point": Point(1, 2),
        "item": Item(code="SKU-1", price=Decimal("2.5")),
    }
    assert canonical_json(value) == (
        '{"amount":"1.50","colour":"red","date":"2024-01-02",'
        '"id":"12345678-1234-5678-1234-567812345678","item":{"code":"SKU-1","price":"2.5"},'
        '"moment":"2024-01-02T03:04:05","point":{"x":1,"y":2},"time":"08:30:00"}'
    )


def test_it_refuses_values_without_a_stable_form():
    with pytest.raises(TypeError):
        canonical_json({"x": object()})


def test_it_hashes_the_canonical_text():
    value = {"b": 2, "a": 1}
    assert canonical_hash(value) == hashlib.sha256(b'{"a":1,"b":2}').hexdigest()
