"""The audit log page: the tenant's events, newest first, filtered by action and actor."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kernel.htmx import template_for
from tenants import selectors
from tenants.actors import Permission
from tenants.http import AppRequest, member_required

PAGE_SIZE = 50


@require_GET
@member_required(Permission.READ)
def audit_log(request: AppRequest) -> HttpResponse:
    filters = selectors.audit_event_filters(tenant=request.tenant, actor=request.actor, data=request.GET)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": filters.form, "page_obj": page}
    return render(request, template_for(request, "tenants/audit.html", "audit-table"), context)
