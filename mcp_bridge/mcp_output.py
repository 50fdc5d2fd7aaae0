"""What a tool call returns: structured content that matches the published output schema, a compact
text rendering of it, and a byte cap that trims instead of failing.

The output schema comes from the operation's return annotation (its serialization schema, so a Decimal
stays a decimal string, dates ISO strings, and numbers and ids as the service types them). A result
that is not a JSON object is wrapped as `{"result": …}`, like the MCP SDK does, because MCP requires
an object.

Every object schema also declares an optional `truncated` member, so a result cut to fit
`MCP_RESPONSE_LIMIT` still validates in clients that check structured content: the largest list in
the result is shortened (whole rows dropped from its end) and `truncated` says which list, how many
rows were returned and omitted, and how to ask for less. A page of rows (records.types.Page) is cut
in its rows and says so itself too: `returned` counts the rows kept, `has_more` is true and
`next_cursor` continues at the first row left out.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import TypeAdapter

TRUNCATED = "truncated"
_LONG_TEXT_MARK = "… [cut to fit the response limit]"

# Kept short: it is repeated in every tool's schema. The server instructions explain it once.
TRUNCATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Only present when the result was cut to fit the size limit: which list, how many rows were "
        "returned and omitted, and a hint."
    ),
}

HINT = (
    "The result was larger than {limit} KiB and was cut. Ask for less: a smaller `limit`, the "
    "`summary` fields preset, or narrower filters, then page with `next_cursor`."
)


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _size(value: Any) -> int:
    return len(compact_json(value).encode())


def _inline_root_ref(schema: dict[str, Any]) -> dict[str, Any]:
    """pydantic emits some roots as a bare `$ref` into `$defs`; MCP wants an object root."""
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
        return schema
    definition = schema["$defs"][ref.removeprefix("#/$defs/")]
    return {**definition, **{k: v for k, v in schema.items() if k != "$ref"}}


NAME_MAPS = frozenset({"properties", "$defs", "patternProperties"})
VALUE_KEYWORDS = frozenset({"default", "const", "enum", "examples"})  # data, not schemas


def compact_schema(node: Any, *, names: bool = False) -> Any:
    """A copy of a JSON schema without pydantic's generated `title`s, which only repeat the property
    names and cost agents context in every tools/list. `names` marks a mapping of property names
    (`properties`, `$defs`), whose keys are kept whatever they are called."""
    if isinstance(node, dict):
        return {
            key: value
            if not names and key in VALUE_KEYWORDS
            else compact_schema(value, names=not names and key in NAME_MAPS)
            for key, value in node.items()
            if names or not (key == "title" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [compact_schema(item) for item in node]
    return node


@dataclass(frozen=True)
class OutputShape:
    """How one operation's results become structured content."""

    schema: dict[str, Any] | None  # the published outputSchema; None: text only
    wrap: bool
    adapter: TypeAdapter | None

    def structured(self, result: Any) -> dict[str, Any] | None:
        if self.adapter is None:
            return None
        data = self.adapter.dump_python(result, mode="json", by_alias=True)
        return {"result": data} if self.wrap else data


def output_shape(output_type: Any) -> OutputShape:
    if output_type is None:
        return OutputShape(schema=None, wrap=False, adapter=None)
    adapter = TypeAdapter(output_type)
    schema = _inline_root_ref(adapter.json_schema(mode="serialization"))
    wrap = schema.get("type") != "object"
    if wrap:
        defs = schema.pop("$defs", None)
        schema = {"type": "object", "properties": {"result": schema}, "required": ["result"]}
        if defs:
            schema["$defs"] = defs
    schema = compact_schema(schema)
    schema.setdefault("properties", {})[TRUNCATED] = TRUNCATION_SCHEMA
    return OutputShape(schema=schema, wrap=wrap, adapter=adapter)


# --- Fitting a result into the byte budget --------------------------------------------------------------


def _lists(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], list[Any]]]:
    found: list[tuple[tuple[Any, ...], list[Any]]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key != TRUNCATED:
                found.extend(_lists(item, (*path, key)))
    elif isinstance(value, list):
        if value:
            found.append((path, value))
        for index, item in enumerate(value):
            found.extend(_lists(item, (*path, index)))
    return found


def _strings(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    found: list[tuple[tuple[Any, ...], str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_strings(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_strings(item, (*path, index)))
    elif isinstance(value, str):
        found.append((path, value))
    return found


def _set(root: Any, path: tuple[Any, ...], value: Any) -> None:
    target = root
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _describe(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "result"


@runtime_checkable
class CuttablePage(Protocol):
    """A page of rows that can say what its paging fields become when only its first rows are returned
    (records.types.Page): `ROWS` names its list of rows, `cut(kept)` gives the fields to overwrite."""

    ROWS: ClassVar[str]

    def cut(self, kept: int) -> dict[str, Any]: ...


def fit(data: dict[str, Any], limit: int, source: Any = None) -> dict[str, Any]:
    """`data` itself if its JSON fits in `limit` bytes, else a copy trimmed to fit, with `truncated`.

    `source` is the result `data` was dumped from. When it is a page of rows (`CuttablePage`), its rows
    are what gets shortened and its own paging fields follow: `returned` counts the rows kept and
    `next_cursor` continues at the first row left out, so nothing is lost by paging on."""
    if _size(data) <= limit:
        return data
    trimmed = copy.deepcopy(data)
    note = {
        "field": "",
        "returned": 0,
        "omitted": 0,
        "limit_bytes": limit,
        "hint": HINT.format(limit=limit // 1024),
    }
    trimmed[TRUNCATED] = note
    page = source if isinstance(source, CuttablePage) else None
    if page is not None and not (isinstance(trimmed.get(page.ROWS), list) and trimmed[page.ROWS]):
        page = None  # no rows to cut: only the generic trimming applies
    candidates = [((page.ROWS,), trimmed[page.ROWS])] if page else _lists(trimmed)
    if candidates:
        # Shorten the list that weighs most: for list results that is the page of rows.
        path, rows = max(candidates, key=lambda c: _size(c[1]))
        note["field"] = _describe(path)
        as_sent = {key: trimmed[key] for key in page.cut(0)} if page else {}

        def keep_rows(keep: int) -> None:
            note.update(returned=keep, omitted=len(rows) - keep)
            _set(trimmed, path, rows[:keep])
            if page is not None:  # the page's own counts and cursor say the same as the note
                trimmed.update(page.cut(keep) or as_sent)

        keep_rows(0)
        overhead = _size(trimmed) - 2  # everything but the rows' "[]"
        keep, used = 0, 2
        for row in rows:
            used += _size(row) + (1 if keep else 0)
            if overhead + used + 16 > limit:  # 16: room for the counts' digits
                break
            keep += 1
        keep_rows(keep)
        while keep and _size(trimmed) > limit:  # the estimate above is close; make sure
            keep -= 1
            keep_rows(keep)
    # Still too big (one huge text, or a huge single row): cut the longest strings.
    for path, text in sorted(_strings(trimmed), key=lambda s: len(s[1]), reverse=True):
        excess = _size(trimmed) - limit
        if excess <= 0:
            break
        if len(text) <= 200:
            break
        keep_chars = max(100, len(text) - excess - len(_LONG_TEXT_MARK) - 8)
        _set(trimmed, path, text[:keep_chars] + _LONG_TEXT_MARK)
        note["field"] = note["field"] or _describe(path)
    return trimmed
