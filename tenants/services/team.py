"""The team of a tenant: invitations, roles and removals. A tenant always keeps at least one owner."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kernel.errors import Conflict, InvalidInput, NotFound
from kernel.mail import MailNotSent
from tenants.actors import Actor, Permission
from tenants.audit import Action, audit
from tenants.denials import note_not_found
from tenants.models import AuditOutcome, Invitation, MagicLinkPurpose, Membership, Role, Tenant
from tenants.services import emails, magic_links, ratelimits
from tenants.services.tenants import clean_email

LAST_OWNER = "A team must keep at least one owner. Make someone else an owner first."


def _role(role: str) -> str:
    if role not in Role.values:
        choices = ", ".join(Role.values)
        raise InvalidInput(f"Role must be one of {choices}, not {role!r}.", field="role")
    return role


def _membership(*, tenant: Tenant, membership_id: UUID | str, lock: bool = False) -> Membership:
    queryset = Membership.objects.select_related("user", "tenant").filter(tenant=tenant)
    if lock:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(pk=membership_id)
    except (Membership.DoesNotExist, ValueError, ValidationError):
        raise NotFound("No such member in this team.") from None


def _pending_invitation(*, tenant: Tenant, invitation_id: UUID | str) -> Invitation:
    try:
        return Invitation.objects.select_related("tenant", "invited_by").get(
            tenant=tenant, pk=invitation_id, accepted_at=None, revoked_at=None
        )
    except (Invitation.DoesNotExist, ValueError, ValidationError):
        raise NotFound("No such open invitation in this team.") from None


def _audit_foreign(*, actor: Actor, model: type[Membership] | type[Invitation], pk: UUID | str) -> None:
    """Audit an id of another tenant's member or invitation (tenants.denials). Called before the
    change's transaction: an event written inside it would be rolled back with the NotFound."""
    pk_value = pk if isinstance(pk, UUID) else _uuid_or_none(pk)
    if pk_value is not None and not model.objects.filter(tenant=actor.tenant, pk=pk_value).exists():
        note_not_found(actor=actor, model=model, pk=pk_value, target_type=model._meta.model_name or "")


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _keep_an_owner(*, tenant: Tenant, leaving: Membership) -> None:
    """Refuse when `leaving` is the last owner. Owner rows are locked (PostgreSQL) and SQLite runs
    write transactions one at a time, so two owners demoting each other cannot both succeed."""
    if leaving.role != Role.OWNER:
        return
    owners = list(
        Membership.objects.select_for_update()
        .filter(tenant=tenant, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    if owners == [leaving.pk] or not owners:
        raise Conflict(LAST_OWNER, field="role")


def member_invite(*, tenant: Tenant, actor: Actor, email: str, role: str) -> Invitation:
    """Invite `email` to join with `role` and e-mail them an invitation link.

    Refuses addresses that are already members or already have an open invitation, and counts the
    e-mail against the address's link budget (RateLimited). MailNotSent when the e-mail did not leave
    (the invitation is kept, to be resent).
    """
    actor.require_in(tenant, Permission.MANAGE_TEAM)
    email, role = clean_email(email), _role(role)
    if Membership.objects.filter(tenant=tenant, user__email=email).exists():
        raise InvalidInput(f"{email} is already a member of this team.", field="email")
    if Invitation.objects.filter(tenant=tenant, email=email, accepted_at=None, revoked_at=None).exists():
        raise Conflict(f"{email} already has an open invitation: resend or revoke it.", field="email")
    ratelimits.count_link_email(email)
    with transaction.atomic():
        invitation = Invitation.objects.create(tenant=tenant, email=email, role=role, invited_by=actor.user)
        issued = magic_links.issue(purpose=MagicLinkPurpose.INVITE, email=email, invitation=invitation)
        audit(Action.MEMBER_INVITED, actor=actor, target=invitation, detail={"role": role})
    _send_invitation(invitation, issued.url, actor=actor)
    return invitation


def _send_invitation(invitation: Invitation, url: str, *, actor: Actor) -> None:
    """E-mail the link; a message that did not leave is audited (the invitation stays open, to be
    resent) and MailNotSent tells the owner, instead of a page that says it was sent."""
    try:
        emails.send_invitation(invitation=invitation, url=url)
    except MailNotSent:
        audit(
            Action.MEMBER_INVITED,
            actor=actor,
            target=invitation,
            outcome=AuditOutcome.FAILURE,
            detail={"role": invitation.role, "error": "e-mail not sent"},
        )
        raise


def invitation_resend(*, tenant: Tenant, actor: Actor, invitation_id: UUID | str) -> Invitation:
    """E-mail a fresh link for an open invitation (the previous link stops working)."""
    actor.require_in(tenant, Permission.MANAGE_TEAM)
    _audit_foreign(actor=actor, model=Invitation, pk=invitation_id)
    invitation = _pending_invitation(tenant=tenant, invitation_id=invitation_id)
    ratelimits.count_link_email(invitation.email)
    with transaction.atomic():
        issued = magic_links.issue(
            purpose=MagicLinkPurpose.INVITE, email=invitation.email, invitation=invitation
        )
        audit(
            Action.MEMBER_INVITED,
            actor=actor,
            target=invitation,
            detail={"role": invitation.role, "resent": True},
        )
    _send_invitation(invitation, issued.url, actor=actor)
    return invitation


def invitation_revoke(*, tenant: Tenant, actor: Actor, invitation_id: UUID | str) -> Invitation:
    """Close an open invitation; its links stop working at once."""
    actor.require_in(tenant, Permission.MANAGE_TEAM)
    _audit_foreign(actor=actor, model=Invitation, pk=invitation_id)
    return _revoke(tenant=tenant, actor=actor, invitation_id=invitation_id)


@transaction.atomic
def _revoke(*, tenant: Tenant, actor: Actor, invitation_id: UUID | str) -> Invitation:
    invitation = _pending_invitation(tenant=tenant, invitation_id=invitation_id)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    magic_links.revoke_for_invitation(invitation)
    audit(Action.INVITATION_REVOKED, actor=actor, target=invitation)
    return invitation


def member_change_role(*, tenant: Tenant, actor: Actor, membership_id: UUID | str, role: str) -> Membership:
    """Give a member another role; the last owner cannot stop being one."""
    actor.require_in(tenant, Permission.MANAGE_TEAM)
    _audit_foreign(actor=actor, model=Membership, pk=membership_id)
    return _change_role(tenant=tenant, actor=actor, membership_id=membership_id, role=role)


@transaction.atomic
def _change_role(*, tenant: Tenant, actor: Actor, membership_id: UUID | str, role: str) -> Membership:
    membership = _membership(tenant=tenant, membership_id=membership_id, lock=True)
    role = _role(role)
    if membership.role == role:
        return membership
    if role != Role.OWNER:
        _keep_an_owner(tenant=tenant, leaving=membership)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit(Action.MEMBER_ROLE_CHANGED, actor=actor, target=membership, detail={"from": before, "to": role})
    return membership


def member_remove(*, tenant: Tenant, actor: Actor, membership_id: UUID | str) -> Membership:
    """Remove a member from the team (their account stays); the last owner cannot be removed."""
    actor.require_in(tenant, Permission.MANAGE_TEAM)
    _audit_foreign(actor=actor, model=Membership, pk=membership_id)
    return _remove(tenant=tenant, actor=actor, membership_id=membership_id)


@transaction.atomic
def _remove(*, tenant: Tenant, actor: Actor, membership_id: UUID | str) -> Membership:
    membership = _membership(tenant=tenant, membership_id=membership_id, lock=True)
    _keep_an_owner(tenant=tenant, leaving=membership)
    audit(Action.MEMBER_REMOVED, actor=actor, target=membership, detail={"role": membership.role})
    membership.delete()
    return membership
