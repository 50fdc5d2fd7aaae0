"""Dates picked in a filter form, as the moments a database compares with."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from django.utils import timezone


def day_start(day: date, *, days_later: int = 0) -> datetime | None:
    """Midnight `days_later` days after `day` in the current time zone, as the UTC moment the database
    compares with; None at the calendar's edges (0001-01-01, 9999-12-31), where that moment does not
    exist: a date out there is no bound on that side."""
    try:
        local = datetime.combine(day + timedelta(days=days_later), dtime.min)
        return local.replace(tzinfo=timezone.get_current_timezone()).astimezone(UTC)
    except OverflowError:
        return None


def on_or_after(field: str, value: date) -> dict[str, datetime] | None:
    """Lookup kwargs for "`field` on or after the day `value`": {} for no bound, None for nothing."""
    start = day_start(value)
    if start is None:  # nothing starts after the last day, and everything after the first
        return None if value.year == date.max.year else {}
    return {f"{field}__gte": start}


def on_or_before(field: str, value: date) -> dict[str, datetime] | None:
    """Lookup kwargs for "`field` on or before the day `value`": {} for no bound, None for nothing."""
    end = day_start(value, days_later=1)
    if end is None:
        return {} if value.year == date.max.year else None
    return {f"{field}__lt": end}
