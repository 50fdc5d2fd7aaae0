"""Reading request values the way OrderDesk does, and writing them back with its types.

Every parser raises a 400 `ApiError` naming the field, so handlers never see a half-parsed value; a
record id in a path that names no record is a 404 (`get_by_number`).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Manager, Model, QuerySet
from django.utils import timezone

from sandbox.engine.errors import bad_request, not_found

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
CENT = Decimal("0.01")
MAX_BATCH = 500  # entries in one batch request
_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- Output ---------------------------------------------------------------------------------------


def fmt_timestamp(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT) if value else ""


def fmt_date(value: date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def money(value: Decimal | float | int) -> float:
    return float(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def php_map(value: dict | list | None) -> dict | list:
    """PHP's json_encode turns an empty associative array into `[]` (orderdesk-api.md §2)."""
    return value if value else []


def now() -> datetime:
    """UTC now at second precision: OrderDesk timestamps carry no fractions."""
    return timezone.now().replace(microsecond=0)


def bumped(previous: datetime | None) -> datetime:
    """A new `date_updated`. Two writes within one second must still move it, or a client that
    compares `date_updated` to detect changes would miss the second write."""
    current = now()
    if previous is not None and current <= previous:
        return previous + timedelta(seconds=1)
    return current


# --- Input ----------------------------------------------------------------------------------------


def as_text(value: Any, field: str, *, max_length: int = 255) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        value = str(value)
    if not isinstance(value, str):
        raise bad_request(f"{field} must be a string")
    if len(value) > max_length:
        raise bad_request(f"{field} is too long (at most {max_length} characters)")
    return value


def as_money(value: Any, field: str) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise bad_request(f"{field} must be a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise bad_request(f"{field} must be a number, not {str(value)[:40]!r}") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e11"):
        raise bad_request(f"{field} is out of range")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def as_float(value: Any, field: str) -> float:
    return float(as_money_like(value, field))


def as_money_like(value: Any, field: str) -> Decimal:
    """A number without rounding to cents (weights)."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise bad_request(f"{field} must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise bad_request(f"{field} must be a number, not {str(value)[:40]!r}") from None
    if not number.is_finite() or abs(number) >= Decimal("1e9"):
        raise bad_request(f"{field} is out of range")
    return number


def as_int(value: Any, field: str, *, default: int = 0, minimum: int | None = None) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise bad_request(f"{field} must be a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,15}\s*", value):
        value = int(value)
    if not isinstance(value, int) or abs(value) >= 10**15:
        raise bad_request(f"{field} must be a whole number")
    if minimum is not None and value < minimum:
        raise bad_request(f"{field} must be at least {minimum}")
    return value


def as_map(value: Any, field: str, *, max_json: int | None = None) -> dict[str, Any]:
    """A key→value map; PHP's `[]` (and null) mean empty."""
    if value is None or value == [] or value == "":
        return {}
    if not isinstance(value, dict):
        raise bad_request(f"{field} must be an object of names to values")
    result = {str(key): item for key, item in value.items()}
    if max_json is not None and len(json.dumps(result)) > max_json:
        raise bad_request(f"{field} is too large (at most {max_json} characters as JSON)")
    return result


def as_list(value: Any, field: str) -> list[Any]:
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise bad_request(f"{field} must be a list")
    return value


def as_batch(body: Any, key: str, *, empty: str) -> list[Any]:
    """A batch body: a bare array or `{key: [...]}`, with 1 to MAX_BATCH entries (`empty` is the
    message for none)."""
    if isinstance(body, dict) and key in body:
        body = body[key]
    entries = as_list(body, key)
    if not entries:
        raise bad_request(empty)
    if len(entries) > MAX_BATCH:
        raise bad_request(f"At most {MAX_BATCH} {key.replace('_', ' ')} per batch")
    return entries


def as_object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_request(f"{field} must be a JSON object")
    return value


def parse_bound(value: str, field: str, *, zone: ZoneInfo, end: bool) -> datetime:
    """A date-filter bound in any of the formats clients send (orderdesk-api.md §3.3):
    `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD`, or ISO 8601 (`2025-01-01T00:00:00.000Z`, with an offset).

    A value without a zone is read in `zone` (UTC, or the store's zone for the *_local filters); an
    explicit zone or `Z` always wins.
    ASSUMPTION (orderdesk-api.md §3.3): both bounds are inclusive, and a bare date as an end bound
    covers that whole day (23:59:59), so `search_start_date=D&search_end_date=D` means "on day D".
    """
    raw = value.strip()
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise bad_request(
            f"{field} must be a date like 2025-01-31, 2025-01-31 13:45:00 or 2025-01-31T13:45:00Z"
        ) from None
    if _BARE_DATE.match(raw) and end:
        parsed = parsed.replace(hour=23, minute=59, second=59)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def parse_timestamp(value: Any, field: str) -> datetime:
    """A timestamp written into a record (`date_added`): UTC unless it names its zone."""
    text = as_text(value, field)
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise bad_request(f"{field} must be a timestamp like 2025-01-31 13:45:00 (UTC)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(microsecond=0)


# --- Ids in paths -----------------------------------------------------------------------------------


def get_by_number[M: Model](rows: QuerySet[M] | Manager[M], field: str, value: Any, message: str) -> M:
    """The row of `rows` whose `field` is the number `value`. Not a number, or no such row: a 404
    with OrderDesk's `message` (e.g. "Order Not Found")."""
    try:
        number = int(str(value))
    except ValueError:
        raise not_found(message) from None
    found = rows.filter(**{field: number}).first()
    if found is None:
        raise not_found(message)
    return found
