"""The request type our views see, and the decorator that admits tenant members."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from kernel.middleware import IdentifiedRequest
from tenants.actors import Actor, Permission
from tenants.audit import Action, audit
from tenants.models import AuditOutcome, Membership, Tenant, User


class AppRequest(IdentifiedRequest):
    htmx: HtmxDetails
    user: User
    tenant: Tenant
    membership: Membership
    actor: Actor


def member_required(permission: Permission = Permission.READ) -> Callable:
    """Signed in, a member of a tenant, and holding `permission` (403 otherwise, audited).

    The tenant always comes from the membership (TenantMiddleware), never from the URL or a form.
    """

    def decorator(view):
        def refuse(request):
            if not request.user.is_authenticated:
                return _to_login(request)
            if getattr(request, "membership", None) is None:
                return render(request, "tenants/no_tenant.html", status=403)
            return None

        if iscoroutinefunction(view):

            @wraps(view)
            async def async_wrapper(request, *args, **kwargs) -> HttpResponse:
                if response := refuse(request):
                    return response
                if not request.actor.has(permission):
                    await sync_to_async(_audit_denial)(request, permission)
                request.actor.require(permission)  # raises Forbidden -> Django's 403
                return await view(request, *args, **kwargs)

            return async_wrapper

        @wraps(view)
        def wrapper(request, *args, **kwargs) -> HttpResponse:
            if response := refuse(request):
                return response
            if not request.actor.has(permission):
                _audit_denial(request, permission)
            request.actor.require(permission)  # raises Forbidden -> Django's 403
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _audit_denial(request, permission: Permission) -> None:
    """Access-control failures are security events: recorded here as the console and /mcp do."""
    audit(
        Action.ACCESS_DENIED,
        actor=request.actor,
        target_type="page",
        target_label=request.path[:200],
        outcome=AuditOutcome.DENIED,
        detail={"permission": str(permission), "method": request.method},
    )


def _to_login(request) -> HttpResponse:
    """The sign-in page, coming back here afterwards. An htmx request would follow a plain redirect
    and swap the whole sign-in page into a fragment, so it gets a full-page client redirect instead,
    back to the page the fragment lives on."""
    htmx = getattr(request, "htmx", None)
    if htmx:
        login = redirect_to_login(htmx.current_url_abs_path or "/")
        return HttpResponseClientRedirect(login["Location"])
    return redirect_to_login(request.get_full_path())
