"""Pages of the operator console: dashboard, API console and trace viewer."""

from __future__ import annotations

from orderdesk_admin.http import AppRequest


def template_for(request: AppRequest, page: str, partial: str) -> str:
    """The page for a normal request, only its fragment for an htmx swap (not for a history restore)."""
    if request.htmx and not request.htmx.history_restore_request:
        return f"{page}#{partial}"
    return page
