"""Reads for the accounts pages: members, invitations, the audit log and the tenant switcher.

Every query is scoped to the tenant passed in (which always comes from the caller's membership).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse

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


# An audit export holds at most this many events (newest first); a capped file says so.
AUDIT_EXPORT_CAP = 100_000
AUDIT_EXPORT_FIELDS = (
    "created_at",
    "actor_label",
    "action",
    "operation",
    "target_type",
    "target_id",
    "target_label",
    "outcome",
    "ip",
    "request_id",
    "source",
    "detail",
)
# Interfaces whose requests run operations, and so leave traces to look for by request id.
_TRACED_SOURCES = frozenset({"mcp", "stdio", "console", "cli"})


def _trace_id(event: AuditEvent) -> str | None:
    trace = event.detail.get("trace") if isinstance(event.detail, dict) else None
    try:
        return str(UUID(str(trace))) if trace else None
    except ValueError:
        return None


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The page's events, each with `operation_name` (the operation it records, if any) and
    `trace_url`: its trace, named in the event when the call was traced, else the trace list searched
    by its request id (no query per row: the trace list itself lives above this layer)."""
    rows = list(events)
    for event in rows:
        detail = event.detail if isinstance(event.detail, dict) else {}
        event.operation_name = str(detail.get("operation", ""))  # type: ignore[attr-defined]
        trace_id = _trace_id(event)
        if trace_id:
            url = reverse("mcp_bridge:trace-detail", args=[trace_id])
        elif event.request_id and event.source in _TRACED_SOURCES:
            url = reverse("mcp_bridge:trace-list") + "?" + urlencode({"request_id": event.request_id})
        else:
            url = ""
        event.trace_url = url  # type: ignore[attr-defined]
    return rows


def audit_export_rows(
    *, filters: AuditFilterSet, cap: int, leave_out: int | None = None
) -> Iterator[dict[str, Any]]:
    """The filtered events as plain rows, newest first, `cap` + 1 at most (one more tells the export
    it was cut), streamed in chunks; `leave_out` is the export's own event, written just before."""
    columns = [name for name in AUDIT_EXPORT_FIELDS if name != "operation"]
    events = filters.qs.exclude(pk=leave_out) if leave_out is not None else filters.qs
    for row in events.values(*columns)[: cap + 1].iterator(chunk_size=2000):
        detail = row["detail"] if isinstance(row["detail"], dict) else {}
        yield {**row, "operation": str(detail.get("operation", ""))}


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
