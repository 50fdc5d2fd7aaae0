"""The dashboard's hourly and per-operation figures, summed and ranked in PostgreSQL.

Reading tens of thousands of rows into Python to count them and sort their durations costs far more
than the database doing it: PostgreSQL answers with one row per hour and one per operation, and its
`percentile_cont` interpolates between the closest ranks exactly as `selectors.percentile` does.

SQLite has no percentile function, so `selectors` still reads the rows and ranks them in Python; but
SQLite computes each row's hour offset itself (`hour_index`), so Python never parses the timestamps,
which was most of the read's cost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, IntegerField, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncHour

from operations.models import Trace, TraceOutcome


class Percentile(Aggregate):
    """PostgreSQL's `percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


def in_database() -> bool:
    return connection.vendor == "postgresql"


def _figures() -> dict[str, Any]:
    return {
        "ok": Count("id", filter=Q(outcome=TraceOutcome.OK)),
        "total": Count("id"),
        "p50": Percentile("duration_ms", 0.5),
        "p95": Percentile("duration_ms", 0.95),
    }


def activity_rows(*, tenant_id: Any, start: datetime, end: datetime) -> tuple[list[dict], list[dict]]:
    """Per UTC hour and per operation over [start, end]: ok, total, p50, p95 (two grouped queries)."""
    window = Trace.objects.filter(tenant_id=tenant_id, started_at__gte=start, started_at__lte=end).order_by()
    hours = window.annotate(hour=TruncHour("started_at", tzinfo=UTC)).values("hour").annotate(**_figures())
    operations = window.values("operation").annotate(**_figures())
    return list(hours), list(operations)


def hour_index(start: datetime) -> RawSQL:
    """SQLite: which hour after `start` the row's `started_at` falls in (0 for the first), computed by
    the database in whole seconds (SQLite keeps times to the millisecond, so a row less than a
    millisecond before an hour may count in that hour)."""
    return RawSQL(
        "(CAST(strftime('%%s', started_at) AS INTEGER) - %s) / 3600",
        [int(start.timestamp())],
        output_field=IntegerField(),
    )
