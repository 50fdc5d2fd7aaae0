"""Writing the audit log. Every state change and security event goes through `audit()`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from asgiref.sync import sync_to_async
from django.db import models

from kernel import context
from kernel.redaction import redact
from kernel.storable import storable, storable_text
from tenants.actors import Actor
from tenants.models import AuditEvent, AuditOutcome, Tenant, User


class Action(StrEnum):
    LINK_REQUESTED = "link.requested"
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGOUT = "logout"
    SIGNUP_COMPLETED = "signup.completed"
    TENANT_CREATED = "tenant.created"
    STORE_CREATED = "store.created"
    STORE_UPDATED = "store.updated"
    STORE_DELETED = "store.deleted"
    STORE_TESTED = "store.tested"
    STORE_BREAKER_RESET = "store.breaker_reset"
    KEY_CREATED = "key.created"
    KEY_REVOKED = "key.revoked"
    KEY_UPDATED = "key.updated"
    KEY_ROTATED = "key.rotated"
    KEY_DEFAULT_STORE = "key.default_store"
    KEY_AUTH_FAILED = "key.auth_failed"
    OAUTH_CLIENT_REGISTERED = "oauth.client_registered"
    OAUTH_GRANTED = "oauth.granted"  # an owner approved a client on the consent page
    OAUTH_DENIED = "oauth.denied"  # the consent page's Deny
    OAUTH_GRANT_REFUSED = "oauth.grant_refused"  # a consent the rules refuse (role, store, scope)
    OAUTH_TOKEN_ISSUED = "oauth.token_issued"
    OAUTH_TOKEN_REFRESHED = "oauth.token_refreshed"
    OAUTH_TOKEN_REFUSED = "oauth.token_refused"  # bad or expired code, PKCE failure, wrong audience
    OAUTH_CODE_REUSED = "oauth.code_reused"
    OAUTH_APP_REVOKED = "oauth.app_revoked"
    MEMBER_INVITED = "member.invited"
    MEMBER_JOINED = "member.joined"
    MEMBER_ROLE_CHANGED = "member.role_changed"
    MEMBER_REMOVED = "member.removed"
    INVITATION_REVOKED = "invitation.revoked"
    SECRETS_REWRAPPED = "secrets.rewrapped"
    SANDBOX_SEEDED = "sandbox.seeded"
    SANDBOX_FAULTS = "sandbox.faults"
    SANDBOX_KEY_SHOWN = "sandbox.key_shown"
    TRACES_EXPORTED = "traces.exported"  # detail: format, filters, rows
    AUDIT_EXPORTED = "audit.exported"
    OPERATION = "operation"  # a write through the registry: detail names it
    ACCESS_DENIED = "access.denied"
    POSTBACK_RECEIVED = "postback.received"  # an OrderDesk post-back, verified; detail: order, outcome
    POSTBACK_REFUSED = "postback.refused"  # a post-back to a store's URL that failed verification
    POSTBACK_TOKEN_REGENERATED = "postback.token_regenerated"


def audit(
    action: Action | str,
    *,
    tenant: Tenant | None = None,
    actor: Actor | None = None,
    user: User | None = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_label: str = "",
    outcome: str = AuditOutcome.SUCCESS,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. IP, request id and interface come from the request context."""
    ctx = context.current()
    if actor is not None:
        tenant = tenant or actor.tenant
        user = user or actor.user
    if target is not None:
        target_type = target_type or target._meta.model_name or ""
        target_id = target_id or str(target.pk)
        target_label = target_label or str(target)[:200]
    return AuditEvent.objects.create(
        tenant=tenant,
        actor_user=user,
        actor_key_id=actor.api_key.pk if actor and actor.api_key else None,
        actor_label=storable_text(actor.label if actor else (user.email if user else ""))[:200],
        action=str(action),
        target_type=target_type,
        target_id=storable_text(target_id)[:64],
        target_label=storable_text(target_label)[:200],
        outcome=outcome,
        ip=ctx.ip,
        request_id=ctx.request_id,
        source=ctx.source,
        # Details quote callers and OrderDesk: NUL is escaped so every database can store the event.
        detail=storable(redact(detail or {})),
    )


aaudit = sync_to_async(audit)
