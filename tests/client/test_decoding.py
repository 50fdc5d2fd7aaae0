"""Lenient decoding of what OrderDesk's PHP serialiser produces."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stores.decoding import as_float, as_int, as_int_or_none, as_list, as_map, as_str_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(5, 5), ("5", 5), (" 12 ", 12), ("12.0", 12), (12.9, 12), (Decimal("7"), 7), ("-3", -3)],
)
def test_it_reads_ints_from_numbers_and_numeric_strings(raw, expected):
    assert as_int(raw) == expected
    assert as_int_or_none(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "abc", "NaN", float("inf"), True, [], {}])
def test_it_reads_missing_or_unreadable_ints_as_the_default(raw):
    assert as_int(raw) == 0
    assert as_int(raw, default=-1) == -1
    assert as_int_or_none(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"), [("12.50", 12.5), (3, 3.0), ("0", 0.0), (1.25, 1.25), (" 2.5 ", 2.5), ("1e2", 100.0)]
)
def test_it_reads_floats_from_numbers_and_numeric_strings(raw, expected):
    assert as_float(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "free", float("nan")])
def test_it_reads_missing_floats_as_the_default(raw):
    assert as_float(raw) == 0.0
    assert as_float(raw, default=1.5) == 1.5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (123, "123"),
        ("123", "123"),
        (" 123 ", "123"),
        (123.0, "123"),
        (Decimal("9"), "9"),
        (None, ""),
        ("", ""),
    ],
)
def test_it_reads_ids_as_text(raw, expected):
    assert as_str_id(raw) == expected


def test_it_turns_php_empty_arrays_into_maps():
    assert as_map([]) == {}
    assert as_map(None) == {}
    assert as_map("") == {}
    assert as_map({"Size": "Large"}) == {"Size": "Large"}
    assert as_map(["a", "b"]) == {"0": "a", "1": "b"}


def test_it_copies_maps_so_callers_can_change_them_safely():
    original = {"Size": "Large"}
    copy = as_map(original)
    copy["Color"] = "Red"
    assert original == {"Size": "Large"}


def test_it_turns_empty_maps_into_lists():
    assert as_list({}) == []
    assert as_list(None) == []
    assert as_list([1, 2]) == [1, 2]
    assert as_list({"0": "a", "1": "b"}) == ["a", "b"]
