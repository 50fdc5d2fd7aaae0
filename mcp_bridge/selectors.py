"""Reading traces: the filtered list, one trace with its spans and business diff, replay arguments,
the dashboard's aggregates, and the membership behind a live-tail socket. Always within one tenant."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import quantiles
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from api_keys.models import ApiKey
from kernel.errors import NotFound
from mcp_bridge import aggregates
from mcp_bridge.console_history import without_automatic_key
from mcp_bridge.filters import TraceFilterSet
from operations.models import Span, Trace, TraceOutcome
from stores.models import Store
from tenants.actors import Actor
from tenants.denials import note_not_found
from tenants.middleware import session_is_live, session_membership
from tenants.models import Membership, Tenant, User

TRACES_PER_PAGE = 50
# The list counts its matches up to this many: counting a million rows costs more than the page itself,
# and "10,000+" tells the operator to narrow the filters just as well as the exact figure would.
TRACE_COUNT_CAP = 10_000
# An export holds at most this many rows (newest first); a capped file says so in its last line.
TRACE_EXPORT_CAP = 100_000
RECENT_TRACES = 10
CHART_HOURS = 24
# The dashboard reads at most this many traces of the last 24 hours; beyond it the charts show the
# newest ones, which keeps the page fast for a tenant whose agents call thousands of times an hour.
CHART_ROW_LIMIT = 50_000
# Columns the list needs; the JSON columns (arguments, result, before/after) can be large.
_LIST_FIELDS = (
    "id",
    "tenant_id",
    "operation",
    "source",
    "store_id",
    "store_name",
    "actor_label",
    "outcome",
    "error_code",
    "duration_ms",
    "upstream_calls",
    "started_at",
)
# What an export writes per trace: the list's columns and what a search matches on. The arguments
# are stored redacted; results and business snapshots stay out (large, and on the detail page).
TRACE_EXPORT_FIELDS = (
    "id",
    "started_at",
    "operation",
    "outcome",
    "error_code",
    "error_message",
    "source",
    "store_name",
    "actor_label",
    "request_id",
    "order_id",
    "duration_ms",
    "upstream_calls",
    "arguments",
)


# --- The list ---------------------------------------------------------------------------------------


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


def _tenant_traces(tenant: Tenant) -> QuerySet[Trace]:
    return Trace.objects.filter(tenant=tenant).only(*_LIST_FIELDS).order_by("-started_at", "-id")


def trace_filters(
    *, tenant: Tenant, data: Mapping[str, Any] | None = None, operation_names: Iterable[str] = ()
) -> TraceFilterSet:
    """The list's filters bound to `data` (the query parameters) over the tenant's traces, choosing
    only among the tenant's own operations, stores, members and keys."""
    choices = trace_filter_choices(tenant=tenant, operation_names=operation_names)
    return TraceFilterSet(data or {}, queryset=_tenant_traces(tenant), **choices)


def trace_list(*, tenant: Tenant, filters: Mapping[str, Any] | None = None) -> QuerySet[Trace]:
    """The tenant's traces, newest first, narrowed by `filters` (query parameters of the list)."""
    return trace_filters(tenant=tenant, data=filters).qs if filters else _tenant_traces(tenant)


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 rows (a LIMITed subquery), so the first page of a million traces
    costs what a page of a thousand does; `capped` says the count is a floor."""

    cap = TRACE_COUNT_CAP

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def trace_page(*, filters: TraceFilterSet, page: Any = 1) -> Page:
    return CappedPaginator(filters.qs, TRACES_PER_PAGE).get_page(page)


def trace_export_rows(*, filters: TraceFilterSet, cap: int) -> Iterable[dict[str, Any]]:
    """The filtered traces as plain rows, newest first, `cap` + 1 at most (one more tells the export
    it was cut), streamed in chunks."""
    return filters.qs.values(*TRACE_EXPORT_FIELDS)[: cap + 1].iterator(chunk_size=2000)


def trace_filter_choices(*, tenant: Tenant, operation_names: Iterable[str] = ()) -> dict[str, list]:
    """Choices for the filters: operations, the tenant's stores, its members and its keys."""
    seen_operations = _seen_operations(tenant)
    stores = Store.objects.filter(tenant=tenant).order_by("name").values_list("id", "name")
    users = User.objects.filter(memberships__tenant=tenant).order_by("email").values_list("id", "email")
    keys = ApiKey.objects.filter(tenant=tenant).order_by("name").values_list("id", "name", "prefix")
    return {
        "operations": sorted({*operation_names, *seen_operations}),
        "stores": [(str(pk), name) for pk, name in stores],
        "actors": [(f"user:{pk}", email) for pk, email in users]
        + [(f"key:{pk}", f"key {name} ({prefix})") for pk, name, prefix in keys],
    }


# The tenant's distinct operation names by a skip scan of the (tenant, operation, started_at) index: one
# index probe per name (a dozen), where SELECT DISTINCT reads an index entry per trace (a million).
_SEEN_OPERATIONS_SQL = """
WITH RECURSIVE seen(operation) AS (
    SELECT (SELECT operation FROM mcp_bridge_trace WHERE tenant_id = %s ORDER BY operation LIMIT 1)
    UNION ALL
    SELECT (
        SELECT t.operation FROM mcp_bridge_trace t
        WHERE t.tenant_id = %s AND t.operation > seen.operation ORDER BY t.operation LIMIT 1
    )
    FROM seen WHERE seen.operation IS NOT NULL
)
SELECT operation FROM seen WHERE operation IS NOT NULL LIMIT 200
"""


def _seen_operations(tenant: Tenant) -> list[str]:
    tenant_id = Trace._meta.get_field("tenant").get_db_prep_value(tenant.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(_SEEN_OPERATIONS_SQL, [tenant_id, tenant_id])
        return [operation for (operation,) in cursor.fetchall()]


def trace_row_meta(trace: Trace) -> dict[str, str]:
    """What the live tail matches its LIVE_FILTERS against (the values the list's filters choose)."""
    actor = f"user:{trace.actor_user_id}" if trace.actor_user_id else ""
    actor = f"key:{trace.actor_key_id}" if trace.actor_key_id else actor
    return {
        "operation": trace.operation,
        "outcome": trace.outcome,
        "source": trace.source,
        "store": str(trace.store_id) if trace.store_id else "",
        "actor": actor,
        "request_id": trace.request_id,
        "order_id": trace.order_id,
        "error_code": trace.error_code,
        "error_message": trace.error_message,
    }


def matches_live_filters(filters: Mapping[str, str], meta: Mapping[str, str]) -> bool:
    """Whether a new trace belongs in a tail opened with `filters`: the list's own rules, so a tail
    never shows a row the same filters would not list (free text within the message, any case)."""
    for name, wanted in filters.items():
        if not wanted:
            continue
        if name == "q":
            term = wanted.strip()
            exact = term in (meta.get("request_id"), meta.get("order_id"), meta.get("error_code"))
            if not exact and term.casefold() not in str(meta.get("error_message", "")).casefold():
                return False
        elif meta.get(name) != wanted:
            return False
    return True


# --- One trace -------------------------------------------------------------------------------------------


def trace_get(*, tenant: Tenant, trace_id: Any, actor: Actor | None = None) -> Trace:
    """One trace of the tenant; another tenant's (or a malformed id) is NotFound, and another
    tenant's is audited as `actor`'s access.denied (tenants.denials)."""
    pk = _as_uuid(trace_id)
    trace = Trace.objects.filter(tenant=tenant, pk=pk).first() if pk else None
    if trace is None:
        note_not_found(actor=actor, model=Trace, pk=pk, target_type="trace")
        raise NotFound("No such trace.")
    return trace


def trace_spans(trace: Trace) -> list[Span]:
    return list(trace.spans.order_by("seq"))


def replay_arguments(
    *, tenant: Tenant, trace_id: Any, operation: str, actor: Actor | None = None
) -> dict[str, Any]:
    """A trace's (redacted) arguments to pre-fill the console; they must belong to `operation`. The
    idempotency key the console made up for that run is left out: running again is a new call."""
    trace = trace_get(tenant=tenant, trace_id=trace_id, actor=actor)
    if trace.operation != operation or not isinstance(trace.arguments, dict):
        raise NotFound("That trace is not a call of this operation.")
    return without_automatic_key(dict(trace.arguments))


# --- The before/after diff -------------------------------------------------------------------------


_MISSING = object()


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested JSON as {"dotted.path": leaf}; list items are numbered (`items.0.sku`).

    Empty objects and lists are leaves of their own, so emptying a list shows as a change.
    """
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out.update(flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for index, sub in enumerate(value):
            out.update(flatten(sub, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "(value)": value}


@dataclass(frozen=True)
class DiffRow:
    path: str
    change: str  # changed | added | removed
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class TraceDiff:
    rows: list[DiffRow] = field(default_factory=list)
    unchanged: int = 0

    @property
    def counts(self) -> dict[str, int]:
        counts = {"changed": 0, "added": 0, "removed": 0}
        for row in self.rows:
            counts[row.change] += 1
        return counts


def diff(before: Any, after: Any) -> TraceDiff:
    """Field-level differences between two snapshots of a business object."""
    old = flatten(before) if before is not None else {}  # a create has no "before"
    new = flatten(after) if after is not None else {}  # a delete has no "after"
    rows, unchanged = [], 0
    for path in sorted(old.keys() | new.keys(), key=_path_key):
        a, b = old.get(path, _MISSING), new.get(path, _MISSING)
        if a is _MISSING:
            rows.append(DiffRow(path, "added", after=b))
        elif b is _MISSING:
            rows.append(DiffRow(path, "removed", before=a))
        elif a != b or type(a) is not type(b):
            rows.append(DiffRow(path, "changed", before=a, after=b))
        else:
            unchanged += 1
    return TraceDiff(rows=rows, unchanged=unchanged)


def _path_key(path: str) -> list[tuple[int, int | str]]:
    # Numbered list items sort numerically (items.2 before items.10).
    return [(0, int(part)) if part.isdigit() else (1, part) for part in path.split(".")]


def trace_diff(trace: Trace) -> TraceDiff | None:
    """The diff of a write's business object, or None when the operation recorded no snapshots."""
    if trace.before is None and trace.after is None:
        return None
    return diff(trace.before, trace.after)


# --- Dashboard ---------------------------------------------------------------------------------------------


def recent_traces(*, tenant: Tenant, limit: int = RECENT_TRACES) -> list[Trace]:
    return list(_tenant_traces(tenant)[:limit])


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The value below which `fraction` (a whole percent, 0.01 to 0.99) of `values` lie, interpolated
    linearly between the closest ranks (the inclusive method, numpy's default); None for no values."""
    percent = round(fraction * 100)  # quantiles(n=100) returns the 99 cut points 1% … 99%
    if not (1 <= percent <= 99 and math.isclose(fraction * 100, percent)):
        raise ValueError(f"percentile() takes a whole percent from 0.01 to 0.99, not {fraction}")
    if len(values) < 2:  # quantiles() wants two values before Python 3.13; one value is every percentile
        return values[0] if values else None
    return quantiles(values, n=100, method="inclusive")[percent - 1]


@dataclass
class _Stats:
    ok: int = 0
    errors: int = 0  # anticipated errors and crashes
    durations: list[float] = field(default_factory=list, repr=False)
    # (p50, p95) when the database computed them (mcp_bridge.aggregates); else from `durations`.
    computed: tuple[float | None, float | None] | None = field(default=None, repr=False)

    @property
    def total(self) -> int:
        return self.ok + self.errors

    @property
    def p50(self) -> float | None:
        return self.computed[0] if self.computed else percentile(self.durations, 0.50)

    @property
    def p95(self) -> float | None:
        return self.computed[1] if self.computed else percentile(self.durations, 0.95)

    def take(self, row: Mapping[str, Any]) -> None:
        self.ok, self.errors = row["ok"], row["total"] - row["ok"]
        self.computed = (row["p50"], row["p95"])


@dataclass
class HourStats(_Stats):
    start: datetime = field(default_factory=timezone.now)


@dataclass
class OperationStats(_Stats):
    name: str = ""

    @property
    def error_percent(self) -> float:
        return 100.0 * self.errors / self.total if self.total else 0.0


@dataclass(frozen=True)
class Activity:
    hours: list[HourStats]
    operations: list[OperationStats]  # busiest first


def recent_activity(*, tenant: Tenant, now: datetime | None = None, hours: int = CHART_HOURS) -> Activity:
    """Calls and latency per hour for the last `hours` hours (the current hour last), and per
    operation over the same window, from one read of the traces."""
    now = now or timezone.now()
    current = now.replace(minute=0, second=0, microsecond=0)
    buckets = [HourStats(start=current - timedelta(hours=hours - 1 - i)) for i in range(hours)]
    if aggregates.in_database():
        return _activity_in_database(tenant=tenant, buckets=buckets, now=now)
    per_operation: dict[str, OperationStats] = {}
    rows = (
        Trace.objects.filter(tenant=tenant, started_at__gte=buckets[0].start, started_at__lte=now)
        .order_by("-started_at")
        .annotate(hour=aggregates.hour_index(buckets[0].start))
        .values_list("hour", "outcome", "duration_ms", "operation")[:CHART_ROW_LIMIT]
    )
    for index, outcome, duration_ms, operation in rows:
        if 0 <= index < hours:
            op = per_operation.setdefault(operation, OperationStats(name=operation))
            for stats in (buckets[index], op):
                if outcome == TraceOutcome.OK:
                    stats.ok += 1
                else:
                    stats.errors += 1
                stats.durations.append(duration_ms)
    operations = sorted(per_operation.values(), key=lambda op: (-op.total, op.name))
    return Activity(hours=buckets, operations=operations)


def _activity_in_database(*, tenant: Tenant, buckets: list[HourStats], now: datetime) -> Activity:
    """recent_activity's figures from the database's GROUP BY: two small results, every row counted."""
    hour_rows, operation_rows = aggregates.activity_rows(tenant_id=tenant.pk, start=buckets[0].start, end=now)
    by_start = {bucket.start: bucket for bucket in buckets}
    for row in hour_rows:
        if row["hour"] in by_start:
            by_start[row["hour"]].take(row)
    operations = []
    for row in operation_rows:
        operations.append(OperationStats(name=row["operation"]))
        operations[-1].take(row)
    operations.sort(key=lambda op: (-op.total, op.name))
    return Activity(hours=buckets, operations=operations)


def hourly_activity(
    *, tenant: Tenant, now: datetime | None = None, hours: int = CHART_HOURS
) -> list[HourStats]:
    """Calls and latency per hour for the last `hours` hours (the current hour last)."""
    return recent_activity(tenant=tenant, now=now, hours=hours).hours


@dataclass(frozen=True)
class DashboardSummary:
    stores: list[Store]
    recent: list[Trace]
    hours: list[HourStats]
    sandbox: Store | None
    operations: list[OperationStats] = field(default_factory=list)

    @property
    def calls_24h(self) -> int:
        return sum(h.total for h in self.hours)

    @property
    def errors_24h(self) -> int:
        return sum(h.errors for h in self.hours)


def dashboard_summary(
    *, tenant: Tenant, stores: QuerySet[Store], now: datetime | None = None
) -> DashboardSummary:
    store_list = list(stores.order_by("-is_sandbox", "name")[:50])
    activity = recent_activity(tenant=tenant, now=now)
    return DashboardSummary(
        stores=store_list,
        recent=recent_traces(tenant=tenant),
        hours=activity.hours,
        sandbox=next((s for s in store_list if s.is_sandbox), None),
        operations=activity.operations,
    )


# --- Live tail sockets ---------------------------------------------------------------------------------


def socket_membership(*, user: Any, session: Mapping[str, Any] | None) -> Membership | None:
    """The membership a WebSocket acts as. Sockets skip the HTTP middleware, so the same session
    lifetime rule and membership choice are applied here: a socket of an expired session is refused."""
    if user is None or not getattr(user, "is_authenticated", False) or session is None:
        return None
    if not session_is_live(session, int(time.time())):
        return None
    return session_membership(user, session)
