"""Session lifetime rules and the tenant context of a signed-in operator."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import logout

from kernel import context
from tenants.actors import Actor
from tenants.models import Membership, User
from tenants.services import logout_record

SESSION_AUTH_AT = "auth_at"
SESSION_LAST_SEEN = "last_seen"
SESSION_MEMBERSHIP = "membership_id"
SESSION_EXPIRED = "session_expired"  # set in the fresh session after a timeout, for the login page
# Refreshing last_seen on every request would write the session on every request; a minute of
# slack on a 30-minute idle timeout is invisible to people and saves most of those writes.
_LAST_SEEN_GRANULARITY = 60


class _SyncAndAsync:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def process(self, request) -> None:
        """What the middleware does before the view, in sync code."""
        raise NotImplementedError

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        self.process(request)
        return self.get_response(request)

    async def __acall__(self, request):
        await sync_to_async(self.process)(request)
        return await self.get_response(request)


def stamp_session(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: every sign-in (magic link, Django admin) starts both clocks, so a
    session created by any login path gets the same 12 h / 30 min limits instead of none."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_AUTH_AT] = request.session[SESSION_LAST_SEEN] = int(time.time())


def session_is_live(session: Mapping[str, Any], now: int) -> bool:
    """Within 12 hours of sign-in and 30 minutes of the last request (ASVS L2). Pages and the live-tail
    WebSocket both apply this."""
    auth_at, last_seen = session.get(SESSION_AUTH_AT, 0), session.get(SESSION_LAST_SEEN, 0)
    return now - auth_at <= settings.SESSION_COOKIE_AGE and now - last_seen <= settings.SESSION_IDLE_TIMEOUT


def session_membership(user: User, session: Mapping[str, Any]) -> Membership | None:
    """The membership a signed-in user acts as: the one chosen in the tenant switcher, else the oldest."""
    memberships = Membership.objects.select_related("tenant", "user").filter(user=user)
    chosen = session.get(SESSION_MEMBERSHIP)
    return (chosen and memberships.filter(pk=chosen).first()) or memberships.order_by("created_at").first()


class SessionLifetimeMiddleware(_SyncAndAsync):
    """12 hours after sign-in, or 30 minutes without a request, the session ends (ASVS L2)."""

    def process(self, request) -> None:
        if not request.user.is_authenticated:
            return
        now = int(time.time())
        if not session_is_live(request.session, now):
            membership = session_membership(request.user, request.session)
            logout_record(
                user=request.user, tenant=membership.tenant if membership else None, reason="expired"
            )
            logout(request)
            request.session_expired = True
            request.session[SESSION_EXPIRED] = True  # survives the redirect to the login page
            return
        if now - request.session.get(SESSION_LAST_SEEN, 0) >= _LAST_SEEN_GRANULARITY:
            request.session[SESSION_LAST_SEEN] = now


class TenantMiddleware(_SyncAndAsync):
    """Sets request.membership, request.tenant and request.actor for signed-in operators."""

    def process(self, request) -> None:
        request.membership = request.tenant = request.actor = None
        if not request.user.is_authenticated:
            return
        membership = session_membership(request.user, request.session)
        if membership is None:
            return
        request.membership = membership
        request.tenant = membership.tenant
        context.note(tenant=str(membership.tenant_id))
        request.actor = Actor.for_membership(membership)
