"""One authorization request on its way through the consent page.

The request itself (client, redirect URI, state, PKCE challenge, resource) is validated by the toolkit
on every GET and POST from the authorization URL's own query, so nothing the page carries can change
it; the page only adds the owner's choices (team, scope, stores, toolsets), which
`api_keys.connected_apps.connected_app_grant` checks as it checks a new API key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from oauthlib.oauth2.rfc6749.errors import CustomOAuth2Error, InvalidRequestError, OAuth2Error

from api_keys import connected_apps
from api_keys.models import ApiKeyScope
from stores.models import Store
from tenants.actors import Actor, Permission
from tenants.audit import Action, audit
from tenants.models import AuditOutcome, Membership

TEAM_FIELD = "grant-team"
# Sign-in keeps a `next` of at most 300 characters (tenants.services.safe_next_url), and an
# authorization URL is often longer: it waits in the shared cache instead, under a random name.
NEXT_LIMIT = 300
PENDING_SECONDS = 30 * 60


def resumable_path(request: HttpRequest) -> str:
    """Where sign-in should come back to: this authorization URL, or a short name for it."""
    path = request.get_full_path()
    if len(path) <= NEXT_LIMIT:
        return path
    name = secrets.token_urlsafe(16)
    cache.set(f"oauth:pending:{name}", path, PENDING_SECONDS)
    return f"{reverse('oauth:authorize')}?pending={name}"


def resume(request: HttpRequest) -> HttpResponse:
    path = cache.get(f"oauth:pending:{request.GET.get('pending', '')[:64]}")
    if not path:
        error = {"description": "This sign-in took too long. Start the connection again from the app."}
        return render(request, "oauth/error.html", {"error": error}, status=400)
    return redirect(path)


def request_problem(request: HttpRequest, credentials: dict[str, Any]) -> OAuth2Error | None:
    """What this server asks of an authorization request beyond the toolkit's own checks."""
    state = credentials.get("state")
    if not state:
        return InvalidRequestError(description="state is required.")
    if credentials.get("code_challenge_method") != "S256":
        return InvalidRequestError(
            description="PKCE with code_challenge_method=S256 is required.", state=state
        )
    resources = request.GET.getlist("resource")
    if resources and resources != [settings.OAUTH_RESOURCE]:
        return CustomOAuth2Error(
            error="invalid_target",
            description=f"This server issues tokens only for {settings.OAUTH_RESOURCE}.",
            state=state,
        )
    return None


@dataclass
class Pending:
    request: HttpRequest
    client: Any  # an oauth2_provider Application
    scopes: list[str]
    credentials: dict[str, Any]
    memberships: list[Membership] = field(init=False)

    def __post_init__(self) -> None:
        user = self.request.user
        self.memberships = list(
            Membership.objects.filter(user=user).select_related("tenant", "user").order_by("tenant__name")
        )

    @cached_property
    def membership(self) -> Membership | None:
        """The team chosen on the page (or the one the person is working in)."""
        wanted = self.request.POST.get(TEAM_FIELD) if self.request.method == "POST" else None
        current = getattr(self.request, "membership", None)
        wanted = wanted or (str(current.tenant_id) if current else None)
        by_team = {str(m.tenant_id): m for m in self.memberships}
        return by_team.get(wanted or "") or (self.memberships[0] if self.memberships else None)

    @cached_property
    def actor(self) -> Actor | None:
        return Actor.for_membership(self.membership) if self.membership else None

    @property
    def may_grant(self) -> bool:
        return self.actor is not None and self.actor.has(Permission.MANAGE_KEYS)

    @property
    def read_write_offered(self) -> bool:
        return ApiKeyScope.READ_WRITE in self.scopes

    def form(self, data: Any = None) -> Any:
        from oauth.forms import ConsentForm

        tenant = self.membership.tenant if self.membership else None
        stores = Store.objects.filter(tenant=tenant).order_by("name") if tenant else Store.objects.none()
        return ConsentForm(
            data,
            team_choices=[(str(m.tenant_id), m.tenant.name) for m in self.memberships],
            store_choices=[(str(s.pk), f"{s.name} (sandbox)" if s.is_sandbox else s.name) for s in stores],
            read_write_offered=self.read_write_offered,
            initial={"team": str(tenant.pk) if tenant else ""},
        )

    def context(self, form: Any) -> dict[str, Any]:
        return {
            "client": self.client,
            "client_name": self.client.name or "An unnamed MCP client",
            "redirect_host": urlsplit(self.credentials["redirect_uri"]).netloc,
            "publisher": urlsplit(self.client.client_id).netloc,  # a metadata document's host
            "pending": self,
            "form": form,
        }


def approve(pending: Pending, form: Any, core: Any) -> str:
    """Create the connected app and the authorization code; the URL to send the browser back to."""
    if pending.actor is None or pending.membership is None:
        raise InvalidRequestError(description="Not a member of any team.")
    app = connected_apps.connected_app_grant(
        tenant=pending.membership.tenant,
        actor=pending.actor,
        client=pending.client,
        requested_scopes=pending.scopes,
        **form.grant_arguments(),
    )
    granted = dict(
        (name, pending.credentials[name])
        for name in (
            "client_id",
            "redirect_uri",
            "response_type",
            "state",
            "code_challenge",
            "code_challenge_method",
        )
        if pending.credentials.get(name)
    )
    granted |= {"resource": [settings.OAUTH_RESOURCE], "connected_app_id": app.pk}
    uri, _headers, _body, _status = core.create_authorization_response(
        request=pending.request, scopes=[app.scope], credentials=granted, allow=True
    )
    return uri


def audit_denied(pending: Pending) -> None:
    audit(
        Action.OAUTH_DENIED,
        actor=pending.actor,
        user=pending.request.user,  # type: ignore[arg-type]
        target=pending.client,
        target_type="oauth_client",
        detail={"client_id": pending.client.client_id},
    )


def audit_refused(pending: Pending, form: Any) -> None:
    """A consent the rules refused: another team's store, a role that may not grant, a widened scope."""
    audit(
        Action.OAUTH_GRANT_REFUSED,
        actor=pending.actor,
        user=pending.request.user,  # type: ignore[arg-type]
        target=pending.client,
        target_type="oauth_client",
        outcome=AuditOutcome.DENIED,
        detail={
            "client_id": pending.client.client_id,
            "errors": {name: [str(e) for e in errors] for name, errors in form.errors.items()},
        },
    )
