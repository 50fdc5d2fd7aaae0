"""Auditing lookups of objects the actor may not see (security.md §1.6: a foreign object is answered
404, never 403, and the denial is audit-logged).

Selectors call `note_not_found` when a tenant-scoped lookup by id found nothing. If the object exists
all the same (another tenant's, or a store outside an API key's stores), one `access.denied` event is
written, at most once per actor and target per DENIAL_WINDOW: the dedupe key lives in the shared cache
(Redis in production), so the bound holds across processes. The answer stays a plain NotFound.

Where the event goes: to the ACTOR's tenant. The actor's own team is accountable for what its members
and keys try, and nobody can write into another team's log by guessing at it. The event holds only
what the actor sent (the kind of object and the id it asked for), never the other tenant or the
object's name, so the actor's team learns nothing it did not already have; the ids are random UUIDs
and key ids, so knowing one already means it leaked. The operator's log line names the owning tenant.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.cache import cache
from django.db import models, transaction

from tenants.actors import Actor
from tenants.audit import Action, audit
from tenants.models import AuditOutcome

logger = logging.getLogger(__name__)

DENIAL_WINDOW = 60 * 60  # seconds: one event per actor and target per hour
OTHER_TENANT = "other_tenant"
NOT_ALLOWED = "not_allowed"  # in the actor's tenant, but outside what it may use (a key's stores)


def _actor_ref(actor: Actor) -> str:
    if actor.api_key is not None:
        return f"key:{actor.api_key.pk}"
    if actor.user is not None:
        return f"user:{actor.user.pk}"
    return f"system:{actor.tenant.pk}"


def _dedupe_key(actor: Actor, target_type: str, target_id: str) -> str:
    # Hashed: the id is whatever the caller sent, and cache backends limit key length and characters.
    raw = f"{_actor_ref(actor)}|{target_type}|{target_id}"
    return "access-denied:" + hashlib.sha256(raw.encode()).hexdigest()


def note_denied(
    *, actor: Actor | None, target_type: str, target_id: Any, reason: str, owner_tenant_id: Any = None
) -> None:
    """Audit one refused lookup (deduplicated per actor and target and window). Never raises: the
    caller answers NotFound whatever happens here."""
    if actor is None:
        return
    target_id = str(target_id)[:64]
    key = _dedupe_key(actor, target_type, target_id)
    try:
        if transaction.get_connection().in_atomic_block:
            # The event may yet be rolled back with the caller's transaction (and Django has no
            # rollback hook): claim the window only once it is committed, so a rollback does not
            # silence the next attempt. Two attempts racing in that gap may both be written.
            if cache.get(key) is not None:
                return
            _write(actor, target_type, target_id, reason, owner_tenant_id)
            transaction.on_commit(lambda: cache.add(key, 1, timeout=DENIAL_WINDOW))
        elif cache.add(key, 1, timeout=DENIAL_WINDOW):  # atomic: one process of many wins the window
            _write(actor, target_type, target_id, reason, owner_tenant_id)
    except Exception:
        logger.exception("Could not record a refused %s lookup by %s", target_type, actor.label)


def note_not_found(
    *,
    actor: Actor | None,
    model: type[models.Model],
    pk: Any,
    target_type: str,
    tenant_field: str = "tenant_id",
    within_tenant: bool = False,
) -> None:
    """A lookup of `model` by `pk` scoped to `actor`'s tenant found nothing: audit it when the object
    exists in another tenant (see the module), or, with `within_tenant`, in the actor's own tenant
    but outside what the actor may use. A malformed or unknown id is an ordinary not-found."""
    if actor is None or pk is None:
        return
    owner = model._default_manager.filter(pk=pk).values_list(tenant_field, flat=True).first()
    if owner is None:
        return
    reason = OTHER_TENANT if str(owner) != str(actor.tenant.pk) else NOT_ALLOWED
    if reason == NOT_ALLOWED and not within_tenant:
        return
    note_denied(actor=actor, target_type=target_type, target_id=pk, reason=reason, owner_tenant_id=owner)


def _write(actor: Actor, target_type: str, target_id: str, reason: str, owner_tenant_id: Any) -> None:
    audit(
        Action.ACCESS_DENIED,
        actor=actor,
        target_type=target_type,
        target_id=target_id,
        outcome=AuditOutcome.DENIED,
        detail={"reason": reason, "answered": "not found"},
    )
    logger.warning(
        "access denied: %s asked for %s %r of tenant %s (%s); answered not found",
        actor.label,
        target_type,
        target_id,
        owner_tenant_id,
        reason,
    )
