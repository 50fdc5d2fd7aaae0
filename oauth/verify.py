"""Who an OAuth access token presented to /mcp acts as: its connected app's `Actor`, exactly as an API
key with the same grants would.

Checked on every request, against the database (so a revocation counts on the next call in every
process): the token exists (looked up by its SHA-256 checksum, the only form it is kept in), has not
expired, was issued for this resource and no other (RFC 8707: its audience is exactly
`settings.OAUTH_RESOURCE`), and its connected app is live. The token itself never leaves this module:
upstream calls use only the stores' own credentials.
"""

from __future__ import annotations

from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from api_keys import connected_apps, core
from api_keys.models import ApiKey, ApiKeyKind, OAuthTokenKind
from tenants.actors import Actor


@dataclass(frozen=True)
class Verdict:
    actor: Actor | None
    reason: str = ""  # why it was refused, for the audit log (no token material)
    app: ApiKey | None = None


def authenticate(raw: str) -> Verdict:
    access = (
        get_access_token_model()
        .objects.filter(token_checksum=connected_apps.checksum(raw))
        .values("expires", "resource")
        .first()
    )
    if access is None:
        return Verdict(None, "unknown or revoked access token")
    app = connected_apps.bound_app(OAuthTokenKind.ACCESS, raw)
    if access["expires"] <= timezone.now():
        return Verdict(None, "expired access token", app)
    if list(access["resource"] or ()) != [settings.OAUTH_RESOURCE]:
        return Verdict(None, "access token issued for another resource", app)
    if app is None or app.kind != ApiKeyKind.OAUTH:
        return Verdict(None, "access token of no connected app")
    loaded = core.load(app.pk)
    if loaded is None:
        return Verdict(None, "connected app revoked", app)
    key, allowed = loaded
    if core.needs_touch(key):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return Verdict(core.actor_for(key, allowed), app=key)


aauthenticate = sync_to_async(authenticate)
