"""Reads for the accounts pages: members, invitations, the audit log and the tenant switcher.

Every query is scoped to the tenant passed in (which always comes from the caller's membership).
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from kernel.errors import NotFound
from tenants.actors import Actor, Permission
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


def audit_event_list(*, tenant: Tenant, actor: Actor, action: str = "", actor_label: str = "") -> QuerySet:
    """The tenant's audit events, newest first, optionally narrowed to one action and/or one actor."""
    actor.require_in(tenant, Permission.READ)
    events = AuditEvent.objects.filter(tenant=tenant).order_by("-created_at", "-id")
    if action:
        events = events.filter(action=action)
    if actor_label:
        events = events.filter(actor_label=actor_label)
    return events


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
