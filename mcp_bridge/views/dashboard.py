"""The dashboard: the tenant's stores, its latest traces, and the last 24 hours of calls."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kernel.htmx import template_for
from mcp_bridge import selectors
from stores.selectors import stores_visible
from tenants.actors import Permission
from tenants.http import AppRequest, member_required


@require_GET
@member_required(Permission.READ)
def dashboard(request: AppRequest) -> HttpResponse:
    stores = stores_visible(tenant=request.tenant, actor=request.actor)
    summary = selectors.dashboard_summary(tenant=request.tenant, stores=stores)
    context = {
        "summary": summary,
        "can_manage_stores": request.actor.has(Permission.MANAGE_STORES),
        "can_manage_keys": request.actor.has(Permission.MANAGE_KEYS),
    }
    return render(request, template_for(request, "mcp_bridge/dashboard.html", "dashboard-activity"), context)
