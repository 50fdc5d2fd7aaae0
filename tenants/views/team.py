"""The team page: members, open invitations, and (for owners) invite / change role / remove / revoke.

The tenant is always request.tenant (from the signed-in membership); ids in URLs are looked up inside
it by the services, so another tenant's ids answer 404.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from kernel.errors import Conflict, InvalidInput, RateLimited
from kernel.htmx import template_for
from kernel.mail import MailNotSent
from kernel.methods import post_only
from tenants import selectors, services
from tenants.actors import Permission
from tenants.forms import InviteForm, SwitchTenantForm
from tenants.http import AppRequest, member_required
from tenants.middleware import SESSION_MEMBERSHIP
from tenants.models import Role

_EXPECTED = (Conflict, InvalidInput, MailNotSent, RateLimited)


def _team_page(
    request: AppRequest, *, invite_form: InviteForm | None = None, notice: str = "", error: str = ""
):
    context = {
        "members": selectors.member_list(tenant=request.tenant, actor=request.actor),
        "invitations": selectors.invitation_list(tenant=request.tenant, actor=request.actor),
        "invite_form": invite_form or InviteForm(),
        "roles": Role.choices,
        "can_manage": request.actor.has(Permission.MANAGE_TEAM),
        "notice": notice,
        "error": error,
    }
    return render(request, template_for(request, "tenants/team.html", "team-panel"), context)


def _done(request: AppRequest, change: Callable[[], str], *, reload: bool = False) -> HttpResponse:
    """Run a team change; answer with the panel (htmx) or a redirect carrying a message.

    `reload` when the change touched the caller's own membership: their role (and so the page) changed.
    """
    try:
        notice, error = change(), ""
    except _EXPECTED as exc:
        notice, error = "", str(exc)
    if request.htmx and not reload:
        return _team_page(request, notice=notice, error=error)
    messages.add_message(request, messages.ERROR if error else messages.SUCCESS, error or notice)
    return HttpResponseClientRedirect(reverse("tenants:team")) if request.htmx else redirect("tenants:team")


@require_GET
@member_required(Permission.READ)
def team(request: AppRequest) -> HttpResponse:
    return _team_page(request)


@post_only("tenants:team")
@member_required(Permission.MANAGE_TEAM)
def member_invite(request: AppRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.member_invite(
                tenant=request.tenant, actor=request.actor, **form.cleaned_data
            )
        except _EXPECTED as exc:
            form.add_error("email", str(exc))
        else:
            return _done(request, lambda: f"Invitation sent to {invitation.email}.")
    return _team_page(request, invite_form=form)


@post_only("tenants:team")
@member_required(Permission.MANAGE_TEAM)
def member_role(request: AppRequest, membership_id: UUID) -> HttpResponse:
    def change() -> str:
        membership = services.member_change_role(
            tenant=request.tenant,
            actor=request.actor,
            membership_id=membership_id,
            role=request.POST.get("role", ""),
        )
        return f"{membership.user.email} is now {membership.get_role_display().lower()}."

    return _done(request, change, reload=membership_id == request.membership.pk)


@post_only("tenants:team")
@member_required(Permission.MANAGE_TEAM)
def member_remove(request: AppRequest, membership_id: UUID) -> HttpResponse:
    def change() -> str:
        membership = services.member_remove(
            tenant=request.tenant, actor=request.actor, membership_id=membership_id
        )
        return f"{membership.user.email} was removed from the team."

    return _done(request, change, reload=membership_id == request.membership.pk)


@post_only("tenants:team")
@member_required(Permission.MANAGE_TEAM)
def invitation_revoke(request: AppRequest, invitation_id: UUID) -> HttpResponse:
    def change() -> str:
        invitation = services.invitation_revoke(
            tenant=request.tenant, actor=request.actor, invitation_id=invitation_id
        )
        return f"The invitation for {invitation.email} was revoked."

    return _done(request, change)


@post_only("tenants:team")
@member_required(Permission.MANAGE_TEAM)
def invitation_resend(request: AppRequest, invitation_id: UUID) -> HttpResponse:
    def change() -> str:
        invitation = services.invitation_resend(
            tenant=request.tenant, actor=request.actor, invitation_id=invitation_id
        )
        return f"A new invitation link was sent to {invitation.email}."

    return _done(request, change)


@post_only("dashboard")
@login_required
def switch_tenant(request: AppRequest) -> HttpResponse:
    """Work in another of the caller's own teams (checked against their memberships)."""
    form = SwitchTenantForm(request.POST)
    membership_id = form.cleaned_data["membership"] if form.is_valid() else ""
    membership = selectors.user_membership(user=request.user, membership_id=membership_id)
    request.session[SESSION_MEMBERSHIP] = str(membership.pk)
    return redirect("dashboard")
