"""The audit log page: the tenant's events, newest first, filtered by action and actor."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tenants import selectors
from tenants.actors import Permission
from tenants.forms import AuditFilterForm
from tenants.http import AppRequest, member_required

PAGE_SIZE = 50


@require_GET
@member_required(Permission.READ)
def audit_log(request: AppRequest) -> HttpResponse:
    labels = selectors.audit_actor_labels(tenant=request.tenant, actor=request.actor)
    form = AuditFilterForm(request.GET, actor_labels=labels)
    chosen = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_event_list(
        tenant=request.tenant,
        actor=request.actor,
        action=chosen.get("action", ""),
        actor_label=chosen.get("actor", ""),
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "tenants/audit.html" + ("#audit-table" if request.htmx else "")
    return render(request, template, {"form": form, "page_obj": page})
