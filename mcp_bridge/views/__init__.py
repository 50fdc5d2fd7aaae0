"""Pages of the operator console: dashboard, API console and trace viewer."""

from __future__ import annotations

from urllib.parse import urlencode

from orderdesk_admin.http import AppRequest


def template_for(request: AppRequest, page: str, partial: str) -> str:
    """The page for a normal request, only its fragment for an htmx swap (not for a history restore)."""
    if request.htmx and not request.htmx.history_restore_request:
        return f"{page}#{partial}"
    return page


def clean_query_url(request: AppRequest) -> str:
    """The request's URL without its empty query parameters, for the address bar after a filter swap."""
    params = [(key, value) for key, values in request.GET.lists() for value in values if value]
    return request.path + (f"?{urlencode(params)}" if params else "")
