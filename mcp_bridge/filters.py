"""The trace list's filters: one FilterSet for the page's form, the list's query and the live tail's query.

Its choices come from `selectors.trace_filters`, from the tenant's own operations, stores, members and
keys, so a value that is not among them (another tenant's store, a made-up actor) is reported on the
form and ignored by the query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from kernel import dates
from operations.models import Trace, TraceOutcome, TraceSource

# What a live tail narrows pushed rows by (the keys of selectors.trace_row_meta). The dates are left
# out: every trace a tail receives was recorded just now.
LIVE_FILTERS = (
    "operation",
    "outcome",
    "source",
    "store",
    "actor",
    "request_id",
    "order_id",
    "error_code",
    "q",
)
# Free text is matched against error messages of this many recent days unless a From date is given:
# a substring cannot use an ordinary index, so the scan is bounded by the (tenant, started_at) index.
TEXT_SEARCH_DAYS = 7
# Error codes are short snake_case words (not_found, upstream_rejected, crash, …).
_ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


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
    q = django_filters.CharFilter(
        label="Search",
        method="filter_q",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "request id, order id, error code or text"}
        ),
        help_text=f"Text is looked for in error messages of the last {TEXT_SEARCH_DAYS} days, "
        "or from the From date.",
    )
    request_id = django_filters.CharFilter(label="Request id", max_length=64)
    order_id = django_filters.CharFilter(label="Order id", max_length=64)
    error_code = django_filters.CharFilter(label="Error code", max_length=32)
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
        bound = dates.on_or_after("started_at", value)
        return queryset.none() if bound is None else queryset.filter(**bound)

    def filter_to(self, queryset: QuerySet[Trace], name: str, value: date) -> QuerySet[Trace]:
        bound = dates.on_or_before("started_at", value)
        return queryset.none() if bound is None else queryset.filter(**bound)

    def filter_q(self, queryset: QuerySet[Trace], name: str, value: str) -> QuerySet[Trace]:
        """The one search box: an error code, else a request or order id, else text in error messages.

        Each exact kind is an index lookup; the first that finds anything wins (one EXISTS each), so a
        search never ORs an index lookup with a substring scan, which no index serves.
        """
        value = value.strip()
        if not value:
            return queryset
        exact = [queryset.filter(Q(request_id=value) | Q(order_id=value))]
        if _ERROR_CODE.match(value):
            exact.insert(0, queryset.filter(error_code=value))
        for narrowed in exact:
            if narrowed.exists():
                return narrowed
        if not self.valid_values().get("date_from"):
            queryset = queryset.filter(started_at__gte=timezone.now() - timedelta(days=TEXT_SEARCH_DAYS))
        return queryset.filter(error_message__icontains=value)

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

    def export_query(self) -> str:
        """The query string of an export of what the list shows: its valid filters, without the tail."""
        valid = self.valid_values()
        return urlencode({name: value for name, value in valid.items() if value and name != "live"})

    def live_query(self) -> str:
        """The query string of the live tail's socket: the valid LIVE_FILTERS that are set."""
        valid = self.valid_values()
        return urlencode({name: valid[name] for name in LIVE_FILTERS if valid.get(name)})
