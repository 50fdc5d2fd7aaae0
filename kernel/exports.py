"""Streaming a filtered list as a download: JSON Lines or CSV, one chunk of rows at a time.

Rows are plain dicts (a `values()` iterator), written as they are read, so an export of a hundred
thousand rows holds one database chunk in memory, never the file. When the caller capped the rows and
more rows matched, the file ends with a line saying so: a silently short export reads as complete.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

FORMATS = {
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}


def export_format(value: str | None) -> str:
    """The requested format, JSON Lines unless CSV is asked for."""
    return value if value in FORMATS else "jsonl"


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)  # UUIDs, decimals, IP addresses


def capped_note(cap: int) -> str:
    return f"Export stopped at {cap:,} rows (newest first): narrow the filters or dates for the rest."


def _jsonl(rows: Iterable[Mapping[str, Any]], cap: int) -> Iterator[str]:
    for written, row in enumerate(rows):
        if written == cap:
            yield json.dumps({"note": capped_note(cap), "capped": True, "rows": cap}) + "\n"
            return
        yield json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False) + "\n"


def _csv_cell(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    text = "" if value is None else str(value)
    # A cell starting with = + - @ is run as a formula by spreadsheets: quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], cap: int) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Iterable[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line(columns)
    for written, row in enumerate(rows):
        if written == cap:
            yield line([f"# {capped_note(cap)}"])
            return
        yield line(_csv_cell(row.get(column)) for column in columns)


def stream_export(
    rows: Iterable[Mapping[str, Any]], *, columns: Sequence[str], fmt: str, name: str, cap: int
) -> StreamingHttpResponse:
    """A download named `<name>-<YYYY-MM-DD>.<ext>` of at most `cap` of `rows`; the caller reads one
    row more (`cap` + 1) so that a cut file can say so and a file of exactly `cap` rows does not."""
    content_type, extension = FORMATS[fmt]
    body = _csv(rows, columns, cap) if fmt == "csv" else _jsonl(rows, cap)
    response = StreamingHttpResponse(body, content_type=content_type)
    filename = f"{name}-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
