"""The trace list's filters: one FilterSet for the page's form, the list's query and the live tail's query.

Its choices come from `selectors.trace_filters`, from the tenant's own operations, stores, members and
keys, so a value that is not among them (another tenant's store, a made-up actor) is reported on the
form and ignored by the query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from operations.models import Trace, TraceOutcome, TraceSource

# What a live tail narrows pushed rows by (the keys of selectors.trace_row_meta). The dates are left
# out: every trace a tail receives was recorded just now.
LIVE_FILTERS = ("operation", "outcome", "source", "store", "actor")


def _day_start(day: date, *, days_later: int = 0) -> datetime | None:
    """Midnight `days_later` days after `day` in the current time zone, as the UTC moment the database
    compares with; None at the calendar's edges (0001-01-01, 9999-12-31), where that moment does not
    exist: a date out there is no bound on that side."""
    try:
        local = datetime.combine(day + timedelta(days=days_later), dtime.min)
        return local.replace(tzinfo=timezone.get_current_timezone()).astimezone(UTC)
    except OverflowError:
        return None


class TraceFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


class TraceFilterSet(django_filters.FilterSet):
    operation = django_filters.ChoiceFilter(label="Operation", empty_label="Any operation")
    outcome = django_filters.ChoiceFilter(
        label="Outcome", choices=TraceOutcome.choices, empty_label="Any outcome"
    )
    source = django_filters.ChoiceFilter(
        label="Source", choices=TraceSource.choices, empty_label="Any source"
    )
    store = django_filters.ChoiceFilter(field_name="store_id", label="Store", empty_label="Any store")
    actor = django_filters.ChoiceFilter(label="Actor", empty_label="Anyone", method="filter_actor")
    date_from = django_filters.DateFilter(
        label="From", method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label="To", method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    # Not a narrowing: it opens the live tail, which then applies LIVE_FILTERS to new traces.
    live = django_filters.BooleanFilter(label="Live", method="filter_live", widget=forms.CheckboxInput)

    class Meta:
        form = TraceFilterForm

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Trace] | None = None,
        *,
        operations: Iterable[str] = (),
        stores: Iterable[tuple[str, str]] = (),
        actors: Iterable[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(data, queryset, **kwargs)
        self.filters["operation"].extra["choices"] = [(name, name) for name in operations]
        self.filters["store"].extra["choices"] = list(stores)
        self.filters["actor"].extra["choices"] = list(actors)

    def filter_actor(self, queryset: QuerySet[Trace], name: str, value: str) -> QuerySet[Trace]:
        # A valid choice is "user:<id>" (a member) or "key:<id>" (one of the tenant's API keys).
        kind, _, ident = value.partition(":")
        if kind == "user":
            return queryset.filter(actor_user_id=int(ident))
        return queryset.filter(actor_key_id=ident)

    def filter_from(self, queryset: QuerySet[Trace], name: str, value: date) -> QuerySet[Trace]:
        start = _day_start(value)
        if start is None:  # nothing starts after the last day, and everything after the first
            return queryset.none() if value.year == date.max.year else queryset
        return queryset.filter(started_at__gte=start)

    def filter_to(self, queryset: QuerySet[Trace], name: str, value: date) -> QuerySet[Trace]:
        end = _day_start(value, days_later=1)
        if end is None:
            return queryset if value.year == date.max.year else queryset.none()
        return queryset.filter(started_at__lt=end)

    def filter_live(self, queryset: QuerySet[Trace], name: str, value: bool) -> QuerySet[Trace]:
        return queryset

    def valid_values(self) -> dict[str, Any]:
        """Every valid value, also when another one is not (that one is reported and ignored)."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return self.form.cleaned_data

    @property
    def is_live(self) -> bool:
        return bool(self.valid_values().get("live"))

    def live_query(self) -> str:
        """The query string of the live tail's socket: the valid LIVE_FILTERS that are set."""
        valid = self.valid_values()
        return urlencode({name: valid[name] for name in LIVE_FILTERS if valid.get(name)})
