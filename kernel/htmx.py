"""Answering htmx and plain requests from the same view.

A view renders its whole page for a normal request and only the swapped fragment (a `{% partialdef %}`
of that page) for an htmx request. A history restore is an htmx request too, but it replaces the whole
body after a cache miss, so it gets the whole page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest


def template_for(request: HttpRequest, page: str, partial: str) -> str:
    """The page for a normal request, only its fragment for an htmx swap (not for a history restore)."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return f"{page}#{partial}"
    return page


def clean_query_url(request: HttpRequest) -> str:
    """The request's URL without its empty query parameters, for the address bar after a filter swap."""
    params = [(key, value) for key, values in request.GET.lists() for value in values if value]
    return request.path + (f"?{urlencode(params)}" if params else "")
