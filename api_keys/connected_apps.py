"""Connected apps: what an owner granted an OAuth client, and revoking it.

A connected app is an `ApiKey` of kind "oauth" (see `api_keys.models`): granting one follows the rules
of `key_create` (owners only, the team's own stores, known toolsets), and its tokens authenticate as
that key's `Actor`, so tools see one kind of caller. Revoking it ends every token bound to it at once:
the app's row is read on every /mcp call, in every process, and its token rows are deleted.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from api_keys.models import ApiKey, ApiKeyKind, ApiKeyScope, OAuthTokenBinding, OAuthTokenKind
from api_keys.services import (
    _clean_scope,
    _clean_stores,
    _clean_toolsets,
    key_summary,
    require_key_manager,
)
from kernel.errors import InvalidInput, NotFound
from tenants.actors import Actor
from tenants.audit import Action, audit
from tenants.denials import note_not_found
from tenants.models import Tenant

NAME_FALLBACK = "OAuth client"


def checksum(raw: str) -> str:
    """The SHA-256 hex digest django-oauth-toolkit looks its tokens up by (`token_checksum`)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def scopes_allowing(scope: str) -> frozenset[str]:
    """The OAuth scopes a client must have asked for to be granted `scope`."""
    return frozenset({ApiKeyScope.READ_WRITE}) if scope == ApiKeyScope.READ_WRITE else frozenset()


def connected_app_grant(
    *,
    tenant: Tenant,
    actor: Actor,
    client: Any,  # an oauth2_provider Application
    requested_scopes: Iterable[str],
    scope: str,
    all_stores: bool = True,
    store_ids: Iterable[uuid.UUID | str] = (),
    toolsets: Iterable[str] = (),
) -> ApiKey:
    """Record an owner's consent for `client`: a connected app acting with these grants.

    Same rules as `key_create` (owners only; the team's own stores; known toolsets). read_write is
    granted only to a client that asked for it. A new consent by the same person for the same client
    and team replaces the previous one (its tokens are revoked), so re-connecting never piles up apps.
    """
    require_key_manager(tenant=tenant, actor=actor)
    scope = _clean_scope(scope)
    if scope == ApiKeyScope.READ_WRITE and ApiKeyScope.READ_WRITE not in set(requested_scopes):
        raise InvalidInput("This app asked for read access only.", field="scope")
    stores = _clean_stores(tenant, all_stores, store_ids)
    chosen_toolsets = _clean_toolsets(toolsets)
    key_id = secrets.token_hex(6)
    with transaction.atomic():
        for previous in _live_apps(tenant).filter(oauth_client=client, created_by=actor.user):
            _revoke(previous, actor=actor, reason="replaced by a new consent")
        app = ApiKey.objects.create(
            id=key_id,
            tenant=tenant,
            kind=ApiKeyKind.OAUTH,
            oauth_client=client,
            name=(client.name or NAME_FALLBACK)[:120],
            prefix=f"app_{key_id}",
            secret_hash="",  # no secret: its tokens are bound to it instead
            scope=scope,
            all_stores=all_stores,
            toolsets=chosen_toolsets,
            created_by=actor.user,
        )
        app.stores.set(stores)
        detail = key_summary(app, stores) | {"client_id": client.client_id, "client_name": client.name}
        audit(Action.OAUTH_GRANTED, actor=actor, target=app, detail=detail)
    return app


def connected_app_revoke(*, tenant: Tenant, actor: Actor, app_id: str) -> ApiKey:
    """Revoke a connected app and every token bound to it; the next /mcp call with them gets 401."""
    require_key_manager(tenant=tenant, actor=actor)
    app = _live_or_revoked(tenant).filter(pk=str(app_id)).first()
    if app is None:
        note_not_found(actor=actor, model=ApiKey, pk=str(app_id), target_type="connected_app")
        raise NotFound("No such connected app.", field="app_id")
    with transaction.atomic():
        _revoke(app, actor=actor, reason="revoked on the keys page")
    return app


def revoke_after_code_reuse(app: ApiKey) -> None:
    """A used authorization code came back: whoever holds it may have the tokens too (RFC 6749 §4.1.2)."""
    with transaction.atomic():
        _revoke(app, actor=None, reason="authorization code used twice")


def _revoke(app: ApiKey, *, actor: Actor | None, reason: str) -> None:
    now = timezone.now()
    bindings = OAuthTokenBinding.objects.filter(connected_app=app)
    access = bindings.filter(kind=OAuthTokenKind.ACCESS).values("checksum")
    refresh = bindings.filter(kind=OAuthTokenKind.REFRESH).values("checksum")
    # Refresh tokens first: each holds its access token, which the delete below removes anyway.
    deleted_refresh, _ = get_refresh_token_model().objects.filter(token_checksum__in=refresh).delete()
    deleted_access, _ = get_access_token_model().objects.filter(token_checksum__in=access).delete()
    prune_bindings(app.pk)
    if ApiKey.objects.filter(pk=app.pk, revoked_at__isnull=True).update(revoked_at=now):
        app.revoked_at = now
        audit(
            Action.OAUTH_APP_REVOKED,
            actor=actor,
            tenant=app.tenant,
            target=app,
            detail={"key_id": app.pk, "reason": reason, "tokens_deleted": deleted_refresh + deleted_access},
        )


def bind(app_id: str, kind: OAuthTokenKind, raw: str) -> None:
    OAuthTokenBinding.objects.create(connected_app_id=app_id, kind=kind, checksum=checksum(raw))


def prune_bindings(app_id: str) -> int:
    """Forget the bindings of an app's access and refresh tokens that no longer exist (rotated away,
    revoked, or cleared by the toolkit's `cleartokens`), so a busy client's refreshes do not pile them
    up. Code bindings stay: they recognise a code presented again."""
    bindings = OAuthTokenBinding.objects.filter(connected_app_id=app_id)
    access = get_access_token_model().objects.filter(token_checksum=OuterRef("checksum"))
    refresh = get_refresh_token_model().objects.filter(token_checksum=OuterRef("checksum"))
    gone_access = bindings.filter(kind=OAuthTokenKind.ACCESS).exclude(Exists(access))
    gone_refresh = bindings.filter(kind=OAuthTokenKind.REFRESH).exclude(Exists(refresh))
    return gone_access.delete()[0] + gone_refresh.delete()[0]


def bound_app(kind: OAuthTokenKind, raw: str) -> ApiKey | None:
    """The connected app a code or token was issued for (revoked or not), or None."""
    binding = (
        OAuthTokenBinding.objects.select_related("connected_app__tenant")
        .filter(kind=kind, checksum=checksum(raw))
        .first()
    )
    return binding.connected_app if binding else None


# --- Reading ---------------------------------------------------------------------------------------------


def _live_or_revoked(tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(tenant=tenant, kind=ApiKeyKind.OAUTH)


def _live_apps(tenant: Tenant) -> QuerySet[ApiKey]:
    return _live_or_revoked(tenant).filter(revoked_at__isnull=True)


def connected_apps_for(tenant: Tenant, actor: Actor) -> QuerySet[ApiKey]:
    """The team's live connected apps, newest first, with their client, stores and grantor loaded."""
    require_key_manager(tenant=tenant, actor=actor)
    return (
        _live_apps(tenant)
        .select_related("oauth_client", "created_by")
        .prefetch_related("stores")
        .order_by("-created_at", "pk")
    )
