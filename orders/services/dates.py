"""Date arguments: accepted in the formats OrderDesk clients use, sent in the one format it documents.

Accepted: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` and ISO 8601 (`2025-01-31T08:00:00Z`, with or without an
offset). Sent as `YYYY-MM-DD HH:MM:SS`. A bare date means the start of that day for a start bound and
the end of that day (23:59:59) for an end bound, so `search_end_date=2025-01-31` includes the 31st.
UTC filters convert an offset to UTC; the `*_local` filters are in the store's own time zone and take
no offset.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

from kernel.errors import InvalidInput

ORDERDESK_FORMAT = "%Y-%m-%d %H:%M:%S"
_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def utc_now_text() -> str:
    return datetime.now(UTC).strftime(ORDERDESK_FORMAT)


def parse_date(value: str, *, field: str, end: bool = False, local: bool = False) -> datetime:
    """A naive datetime (UTC, or store-local for `local`) for one date argument."""
    text = str(value).strip()
    try:
        if _BARE_DATE.match(text):
            day = datetime.strptime(text, "%Y-%m-%d")
            return datetime.combine(day.date(), time(23, 59, 59) if end else time(0, 0, 0))
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
    except ValueError:
        raise InvalidInput(
            f"{field} must be a date like 2025-01-31, 2025-01-31 08:00:00 or 2025-01-31T08:00:00Z, "
            f"not {text!r}.",
            field=field,
        ) from None
    if parsed.tzinfo is not None:
        if local:
            raise InvalidInput(
                f"{field} is in the store's local time zone: give it without an offset, like "
                f"2025-01-31 08:00:00 (or use the UTC filter without _local).",
                field=field,
            )
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def date_range(
    values: dict[str, str | None], pairs: list[tuple[str, str]], *, local_fields: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Validate every date argument in `values` and each (start, end) pair; OrderDesk-formatted."""
    parsed: dict[str, datetime] = {}
    ends = {end for _, end in pairs}
    for name, value in values.items():
        if value is None or str(value).strip() == "":
            continue
        parsed[name] = parse_date(value, field=name, end=name in ends, local=name in local_fields)
    for start, end in pairs:
        if start in parsed and end in parsed and parsed[start] > parsed[end]:
            raise InvalidInput(
                f"{end} ({parsed[end].strftime(ORDERDESK_FORMAT)}) is before {start} "
                f"({parsed[start].strftime(ORDERDESK_FORMAT)}).",
                field=end,
            )
    return {name: moment.strftime(ORDERDESK_FORMAT) for name, moment in parsed.items()}
