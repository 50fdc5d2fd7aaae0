"""The audit log page: the tenant's events, newest first, filtered by action, actor, dates and text,
and the same filtered events as a download."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from kernel import exports
from kernel.htmx import clean_query_url, template_for
from tenants import selectors
from tenants.actors import Permission
from tenants.audit import Action
from tenants.http import AppRequest, member_required
from tenants.services.exports import export_record

PAGE_SIZE = 50


@require_GET
@member_required(Permission.READ)
def audit_log(request: AppRequest) -> HttpResponse:
    filters = selectors.audit_event_filters(tenant=request.tenant, actor=request.actor, data=request.GET)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.audit_rows(page.object_list)
    context = {"form": filters.form, "page_obj": page, "export_query": filters.export_query()}
    response = render(request, template_for(request, "tenants/audit.html", "audit-table"), context)
    return push_url(response, clean_query_url(request)) if request.htmx else response


@require_GET
@member_required(Permission.READ)
def audit_export(request: AppRequest) -> StreamingHttpResponse:
    """The filtered events as JSON Lines or CSV; the export is itself an audited event."""
    filters = selectors.audit_event_filters(tenant=request.tenant, actor=request.actor, data=request.GET)
    fmt = exports.export_format(request.GET.get("format"))
    event = export_record(
        actor=request.actor, action=Action.AUDIT_EXPORTED, fmt=fmt, filters=filters.valid_values()
    )
    cap = selectors.AUDIT_EXPORT_CAP
    rows = selectors.audit_export_rows(filters=filters, cap=cap, leave_out=event.pk)
    columns = selectors.AUDIT_EXPORT_FIELDS
    return exports.stream_export(rows, columns=columns, fmt=fmt, name="audit", cap=cap)
