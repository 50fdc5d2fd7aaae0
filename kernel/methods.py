"""POST-only views that a browser may still open.

A form's action URL ends up in the address bar, a bookmark or a link (a button styled as a link, a
reload after a failed post). Django's `require_POST` answers those GETs with an empty 405, which the
browser shows as its own error page; `post_only` sends them to the page the form belongs to instead.
Other methods still get a 405 naming POST.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from asgiref.sync import markcoroutinefunction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect

_READS = ("GET", "HEAD")


def post_only(page: str, *carried: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Accept POST; redirect a GET or HEAD to the URL named `page`, with the view's URL arguments
    named in `carried` (e.g. `post_only("stores:detail", "store_id")`)."""

    def answer_without_post(request: HttpRequest, kwargs: dict[str, Any]) -> HttpResponse:
        if request.method in _READS:
            return redirect(page, **{name: kwargs[name] for name in carried})
        return HttpResponseNotAllowed(["POST"])

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                if request.method != "POST":
                    return answer_without_post(request, kwargs)
                return await view(request, *args, **kwargs)

            return markcoroutinefunction(async_wrapper)

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != "POST":
                return answer_without_post(request, kwargs)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
