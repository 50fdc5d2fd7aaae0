"""The request type our views see, and the decorator that admits tenant members."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from asgiref.sync import iscoroutinefunction
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.middleware import HtmxDetails

from tenants.actors import Actor, Permission
from tenants.models import Membership, Tenant, User


class AppRequest(HttpRequest):
    htmx: HtmxDetails
    user: User
    tenant: Tenant
    membership: Membership
    actor: Actor
    request_id: str


def member_required(permission: Permission = Permission.READ) -> Callable:
    """Signed in, a member of a tenant, and holding `permission` (403 otherwise).

    The tenant always comes from the membership (TenantMiddleware), never from the URL or a form.
    """

    def decorator(view):
        def refuse(request):
            if getattr(request, "membership", None) is None:
                return render(request, "tenants/no_tenant.html", status=403)
            request.actor.require(permission)  # raises Forbidden -> Django's 403
            return None

        if iscoroutinefunction(view):

            @wraps(view)
            async def async_wrapper(request, *args, **kwargs) -> HttpResponse:
                return refuse(request) or await view(request, *args, **kwargs)

            return login_required(async_wrapper)

        @wraps(view)
        def wrapper(request, *args, **kwargs) -> HttpResponse:
            return refuse(request) or view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator
