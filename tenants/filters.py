"""The audit log's filters: action, actor, a date range and free text.

The actors offered are those in the tenant's own log (from `selectors.audit_event_filters`), so any
other label is reported on the form and ignored by the query. Dates at the calendar's edges are no
bound on that side (kernel.dates), never an overflow.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from kernel import dates
from tenants.audit import Action
from tenants.models import AuditEvent


class AuditFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


class AuditFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_q",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "actor, target, action or request id"}
        ),
    )
    action = django_filters.ChoiceFilter(
        label="Action", empty_label="Any action", choices=[(a.value, a.value) for a in Action]
    )
    actor = django_filters.ChoiceFilter(field_name="actor_label", label="Actor", empty_label="Anyone")
    date_from = django_filters.DateFilter(
        label="From", method="filter_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label="To", method="filter_to", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        form = AuditFilterForm

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[AuditEvent] | None = None,
        *,
        actor_labels: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(data, queryset, **kwargs)
        self.filters["actor"].extra["choices"] = [(label, label) for label in actor_labels]

    def filter_q(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        """Text anywhere in who acted, on what, how and through which operation; a request id exactly."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(actor_label__icontains=value)
            | Q(target_label__icontains=value)
            | Q(target_id__icontains=value)
            | Q(target_type=value)
            | Q(action__icontains=value)
            | Q(detail__operation__icontains=value)
            | Q(request_id=value)
        )

    def filter_from(self, queryset: QuerySet[AuditEvent], name: str, value: date) -> QuerySet[AuditEvent]:
        bound = dates.on_or_after("created_at", value)
        return queryset.none() if bound is None else queryset.filter(**bound)

    def filter_to(self, queryset: QuerySet[AuditEvent], name: str, value: date) -> QuerySet[AuditEvent]:
        bound = dates.on_or_before("created_at", value)
        return queryset.none() if bound is None else queryset.filter(**bound)

    def export_query(self) -> str:
        """The query string of an export of what the page shows: its valid filters."""
        return urlencode({name: value for name, value in self.valid_values().items() if value})

    def valid_values(self) -> dict[str, Any]:
        """Every valid value, also when another one is not (that one is reported and ignored)."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return self.form.cleaned_data
