"""Session lifetime rules and the tenant context of a signed-in operator."""

from __future__ import annotations

import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import logout

from tenants.actors import Actor
from tenants.models import Membership

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


class SessionLifetimeMiddleware(_SyncAndAsync):
    """12 hours after sign-in, or 30 minutes without a request, the session ends (ASVS L2)."""

    def process(self, request) -> None:
        if not request.user.is_authenticated:
            return
        now = int(time.time())
        auth_at = request.session.get(SESSION_AUTH_AT, 0)
        last_seen = request.session.get(SESSION_LAST_SEEN, 0)
        if now - auth_at > settings.SESSION_COOKIE_AGE or now - last_seen > settings.SESSION_IDLE_TIMEOUT:
            logout(request)
            request.session_expired = True
            request.session[SESSION_EXPIRED] = True  # survives the redirect to the login page
            return
        if now - last_seen >= _LAST_SEEN_GRANULARITY:
            request.session[SESSION_LAST_SEEN] = now


class TenantMiddleware(_SyncAndAsync):
    """Sets request.membership, request.tenant and request.actor for signed-in operators."""

    def process(self, request) -> None:
        request.membership = request.tenant = request.actor = None
        if not request.user.is_authenticated:
            return
        memberships = Membership.objects.select_related("tenant", "user").filter(user=request.user)
        chosen = request.session.get(SESSION_MEMBERSHIP)
        membership = (chosen and memberships.filter(pk=chosen).first()) or memberships.order_by(
            "created_at"
        ).first()
        if membership is None:
            return
        request.membership = membership
        request.tenant = membership.tenant
        request.actor = Actor.for_membership(membership)
