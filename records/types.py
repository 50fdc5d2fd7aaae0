"""Field types and results shared by every kind of OrderDesk record.

Values are decoded leniently (OrderDesk's PHP sends numbers as strings, empty maps as []) and typed
consistently: money is a number rounded to cents, counts are integers, ids strings.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, Field, PrivateAttr

from records.cursor import Position
from stores.decoding import as_float, as_int, as_int_or_none, as_map, as_str_id


def _money(value: Any) -> float:
    return round(as_float(value), 2)


def _money_or_none(value: Any) -> float | None:
    return None if value is None or (isinstance(value, str) and not value.strip()) else _money(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


Money = Annotated[float, BeforeValidator(_money)]
MoneyOrNone = Annotated[float | None, BeforeValidator(_money_or_none)]
Number = Annotated[float, BeforeValidator(as_float)]
Count = Annotated[int, BeforeValidator(as_int)]
StrId = Annotated[str, BeforeValidator(as_str_id)]
IntIdOrNone = Annotated[int | None, BeforeValidator(as_int_or_none)]
Text = Annotated[str, BeforeValidator(_text)]
Map = Annotated[dict[str, Any], BeforeValidator(as_map)]


class Deleted(BaseModel):
    id: str = Field(description="The id of what was deleted.")
    deleted: bool = True
    message: str = ""


class Page(BaseModel):
    """Base of a page of records: the subclass declares the rows (its list field named by `ROWS`) and
    the paging fields `next_cursor`, `has_more` and `returned`; the service places it with `at()`.

    `cut(kept)` gives the paging fields for the same page when only its first `kept` rows are returned
    (a face with a size cap): `returned` is `kept` and `next_cursor` continues at the first row left
    out, so a client paging on loses nothing.
    """

    ROWS: ClassVar[str]
    _position: Position | None = PrivateAttr(default=None)

    def at(self, position: Position) -> Self:
        self._position = position
        return self

    def cut(self, kept: int) -> dict[str, Any]:
        rows = getattr(self, self.ROWS)
        if kept >= len(rows):
            return {}
        if self._position is None:
            raise ValueError(f"{type(self).__name__} has no position: build it with .at(Position(...)).")
        return {"returned": kept, "has_more": True, "next_cursor": self._position.cursor(kept)}
