"""Reads for the accounts pages: members, invitations, the audit log and the tenant switcher.

Every query is scoped to the tenant passed in (which always comes from the caller's membership).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from kernel.errors import NotFound
from tenants.actors import Actor, Permission
from tenants.filters import AuditFilterSet
from tenants.models import AuditEvent, Invitation, Membership, Tenant, User


def member_list(*, tenant: Tenant, actor: Actor) -> QuerySet[Membership]:
    actor.require_in(tenant, Permission.READ)
    return (
        Membership.objects.select_related("user").filter(tenant=tenant).order_by("created_at", "user__email")
    )


def invitation_list(*, tenant: Tenant, actor: Actor) -> QuerySet[Invitation]:
    """Open invitations (not accepted, not revoked), newest first."""
    actor.require_in(tenant, Permission.READ)
    return (
        Invitation.objects.select_related("invited_by")
        .filter(tenant=tenant, accepted_at=None, revoked_at=None)
        .order_by("-created_at")
    )


def audit_event_list(*, tenant: Tenant, actor: Actor) -> QuerySet[AuditEvent]:
    """The tenant's audit events, newest first."""
    actor.require_in(tenant, Permission.READ)
    return AuditEvent.objects.filter(tenant=tenant).order_by("-created_at", "-id")


def audit_event_filters(
    *, tenant: Tenant, actor: Actor, data: Mapping[str, Any] | None = None
) -> AuditFilterSet:
    """The audit page's filters bound to `data` (the query parameters) over the tenant's events; the
    actors offered are the ones in the tenant's own log."""
    labels = audit_actor_labels(tenant=tenant, actor=actor)
    return AuditFilterSet(
        data or {}, queryset=audit_event_list(tenant=tenant, actor=actor), actor_labels=labels
    )


def audit_actor_labels(*, tenant: Tenant, actor: Actor) -> list[str]:
    """Every actor that appears in the tenant's audit log, for the filter's choices."""
    actor.require_in(tenant, Permission.READ)
    # DISTINCT in the database: the log only grows, and this runs on every audit page view.
    labels = AuditEvent.objects.filter(tenant=tenant).exclude(actor_label="").order_by("actor_label")
    return list(labels.values_list("actor_label", flat=True).distinct())


def user_memberships(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("tenant").filter(user=user).order_by("tenant__name", "created_at")
    )


def user_membership(*, user: User, membership_id: UUID | str) -> Membership:
    """One of `user`'s own memberships (the tenant switcher); anyone else's is NotFound."""
    try:
        return user_memberships(user=user).get(pk=membership_id)
    except (Membership.DoesNotExist, ValueError, ValidationError):
        raise NotFound("You are not a member of that team.") from None
