"""The audit log's filters: one action, one actor.

The actors offered are those in the tenant's own log (from `selectors.audit_event_filters`), so any
other label is reported on the form and ignored by the query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters
from django.db.models import QuerySet

from tenants.audit import Action
from tenants.models import AuditEvent


class AuditFilterSet(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        label="Action", empty_label="Any action", choices=[(a.value, a.value) for a in Action]
    )
    actor = django_filters.ChoiceFilter(field_name="actor_label", label="Actor", empty_label="Anyone")

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
