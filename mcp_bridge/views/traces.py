"""The trace viewer: the tenant's traces, filtered and live, and one trace with its spans and diff."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from kernel import exports
from kernel.htmx import clean_query_url, template_for
from mcp_bridge import console_runs, selectors
from mcp_bridge.routing import LIVE_TAIL_PATH
from mcp_bridge.timeline import trace_timeline
from tenants.actors import Permission
from tenants.audit import Action
from tenants.http import AppRequest, member_required
from tenants.services.exports import export_record


@require_GET
@member_required(Permission.READ)
def trace_list(request: AppRequest) -> HttpResponse:
    names = [op.name for op in console_runs.get_registry()]
    filters = selectors.trace_filters(tenant=request.tenant, data=request.GET, operation_names=names)
    context = {
        "form": filters.form,
        "page_obj": selectors.trace_page(filters=filters, page=request.GET.get("page")),
        "export_query": filters.export_query(),
        "live": filters.is_live,
        "live_url": f"{LIVE_TAIL_PATH}?{filters.live_query()}".rstrip("?"),
    }
    response = render(request, template_for(request, "mcp_bridge/trace_list.html", "trace-results"), context)
    return push_url(response, clean_query_url(request)) if request.htmx else response


@require_GET
@member_required(Permission.READ)
def trace_export(request: AppRequest) -> StreamingHttpResponse:
    """The filtered traces as a JSON Lines or CSV download (arguments as stored: redacted)."""
    names = [op.name for op in console_runs.get_registry()]
    filters = selectors.trace_filters(tenant=request.tenant, data=request.GET, operation_names=names)
    fmt = exports.export_format(request.GET.get("format"))
    export_record(actor=request.actor, action=Action.TRACES_EXPORTED, fmt=fmt, filters=filters.valid_values())
    cap = selectors.TRACE_EXPORT_CAP
    rows = selectors.trace_export_rows(filters=filters, cap=cap)
    columns = selectors.TRACE_EXPORT_FIELDS
    return exports.stream_export(rows, columns=columns, fmt=fmt, name="traces", cap=cap)


@require_GET
@member_required(Permission.READ)
def trace_detail(request: AppRequest, trace_id: UUID) -> HttpResponse:
    trace = selectors.trace_get(tenant=request.tenant, trace_id=trace_id, actor=request.actor)
    spans = selectors.trace_spans(trace)
    context = {
        "trace": trace,
        "spans": spans,
        "timeline": trace_timeline(trace, spans),
        "diff": selectors.trace_diff(trace),
        "can_replay": console_runs.find_operation(trace.operation) is not None,
    }
    return render(request, template_for(request, "mcp_bridge/trace_detail.html", "trace-detail"), context)
