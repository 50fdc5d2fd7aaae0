"""Sign-up and sign-in by e-mailed link (security.md §1.2 to 1.4).

Requests never reveal whether an address has an account: every accepted request sends exactly one
e-mail and the caller shows the same page whatever happened. A sign-up for an existing account gets an
e-mail saying so, with a sign-in link (and a link that creates the new team it asked for); a sign-in
for an unknown address gets a short "no account here" note (or, when the address has a pending
invitation, a fresh invitation link). Nothing is created until a link is redeemed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kernel.errors import Forbidden
from tenants.audit import Action, audit
from tenants.models import AuditOutcome, Invitation, MagicLink, MagicLinkPurpose, Membership, Tenant, User
from tenants.services import emails, magic_links, ratelimits
from tenants.services.magic_links import LinkRefused
from tenants.services.tenants import (
    clean_email,
    clean_team_name,
    default_tenant_name,
    tenant_create,
    user_get_or_create,
)

SIGNUP_CLOSED = "Sign-up is closed on this server. Ask an owner of an existing team to invite you."


@dataclass(frozen=True)
class SignIn:
    """The outcome of a redeemed link: who signs in, into which membership, and where to go next."""

    user: User
    membership: Membership | None
    next_url: str
    purpose: str


@dataclass(frozen=True)
class LinkPreview:
    """What redeeming a link would do, for its confirm page: which account signs in, to which team.

    Naming both is what stops a forwarded link from quietly signing someone into another person's
    account (login CSRF): the page says whose account and team it is before anything happens.
    """

    purpose: str
    email: str
    team: str  # the team the link signs in to, or creates; "" when the account has no team
    role: str = ""  # invitations: the role offered, as shown ("viewer")
    invited_by: str = ""  # invitations: who sent it (an e-mail address, or "an owner" if they left)


def home_membership(user: User) -> Membership | None:
    return Membership.objects.select_related("tenant").filter(user=user).order_by("created_at").first()


def _home_tenant(email: str) -> Tenant | None:
    membership = (
        Membership.objects.select_related("tenant").filter(user__email=email).order_by("created_at").first()
    )
    return membership.tenant if membership else None


def _audit_request(email: str, purpose: str, *, sent: str = "", user: User | None = None, **kw) -> None:
    detail = {"purpose": purpose, **({"sent": sent} if sent else {}), **kw.pop("detail", {})}
    audit(
        Action.LINK_REQUESTED,
        tenant=_home_tenant(email),
        user=user,
        target_type="email",
        target_label=email,
        detail=detail,
        **kw,
    )


def _count(email: str, purpose: str) -> None:
    try:
        ratelimits.count_link_request(email)
    except ratelimits.Refused as exc:
        if not exc.repeated:
            _audit_request(email, purpose, outcome=AuditOutcome.DENIED, detail={"reason": "rate-limited"})
        raise


def _send_login_link(email: str, next_url: str = "") -> None:
    issued = magic_links.issue(purpose=MagicLinkPurpose.LOGIN, email=email, next_url=next_url)
    emails.send_login_link(to=email, url=issued.url)


def signup_request(*, email: str, tenant_name: str = "") -> None:
    """E-mail a sign-up link (or a sign-in link, when the address already has an account).

    Raises Forbidden when sign-up is closed, InvalidInput for a bad address or team name, RateLimited
    over a limit.
    """
    if not settings.SIGNUP_OPEN:
        raise Forbidden(SIGNUP_CLOSED)
    email = clean_email(email)
    tenant_name = clean_team_name(tenant_name, field="tenant_name", label="Organisation name")
    _count(email, MagicLinkPurpose.SIGNUP)
    user = User.objects.filter(email=email).first()
    if user is not None:
        sent = _tell_existing_account(user, tenant_name)
    else:
        issued = magic_links.issue(purpose=MagicLinkPurpose.SIGNUP, email=email, tenant_name=tenant_name)
        emails.send_signup_link(to=email, url=issued.url)
        sent = "signup"
    _audit_request(email, MagicLinkPurpose.SIGNUP, sent=sent, user=user)


def _tell_existing_account(user: User, tenant_name: str) -> str:
    """A sign-up with an address that already has an account. The page cannot say so (it would tell a
    stranger who has an account), so the e-mail does: it holds a sign-in link and, when a team name the
    account does not have yet was asked for, a second link that creates that team. What was sent."""
    teams = list(
        Membership.objects.filter(user=user).order_by("created_at").values_list("tenant__name", flat=True)
    )
    login = magic_links.issue(purpose=MagicLinkPurpose.LOGIN, email=user.email)
    create_url = ""
    if tenant_name and user.is_active and tenant_name.casefold() not in {t.casefold() for t in teams}:
        create_url = magic_links.issue(
            purpose=MagicLinkPurpose.SIGNUP, email=user.email, tenant_name=tenant_name
        ).url
    emails.send_signup_existing(
        to=user.email, login_url=login.url, create_url=create_url, new_team=tenant_name, teams=teams
    )
    return "login+signup" if create_url else "login"


def login_request(*, email: str, next_url: str = "") -> None:
    """E-mail a sign-in link (or an invitation link, or a "no account" note) to `email`.

    Raises InvalidInput for a bad address and RateLimited over a limit.
    """
    email = clean_email(email)
    _count(email, MagicLinkPurpose.LOGIN)
    user = User.objects.filter(email=email, is_active=True).first()
    invitation = None
    if user is not None:
        _send_login_link(email, next_url)
        sent = "login"
    elif invitation := _pending_invitation(email):
        issued = magic_links.issue(purpose=MagicLinkPurpose.INVITE, email=email, invitation=invitation)
        emails.send_invitation(invitation=invitation, url=issued.url)
        sent = "invite"
    else:
        emails.send_no_account(to=email)
        sent = "no_account"
    _audit_request(email, MagicLinkPurpose.LOGIN, sent=sent, user=user)


def _pending_invitation(email: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("tenant", "invited_by")
        .filter(email=email, accepted_at=None, revoked_at=None)
        .order_by("-created_at")
        .first()
    )


def link_redeem(*, token: str) -> SignIn:
    """Redeem an e-mailed link: exactly once, within its lifetime, for the purpose it was made for.

    Raises RateLimited when this client IP has failed too often (even for a valid link), and
    LinkRefused (with a reason) for a link that is unknown, expired, used, revoked or unusable.
    """
    purpose = magic_links.token_purpose(token) or "unknown"
    try:
        ratelimits.check_redeem_allowed()
    except ratelimits.Refused as exc:
        if not exc.repeated:
            _audit_failure(
                LinkRefused("unknown"), purpose, reason="rate-limited", outcome=AuditOutcome.DENIED
            )
        raise
    try:
        with transaction.atomic():
            if purpose == MagicLinkPurpose.SIGNUP and not settings.SIGNUP_OPEN:
                raise LinkRefused("signup_closed")
            link = magic_links.consume(token=token, purpose=purpose)
            sign_in = _COMPLETE[purpose](link)
    except LinkRefused as exc:
        ratelimits.count_redeem_failure()
        _audit_failure(exc, purpose)
        raise
    tenant = sign_in.membership.tenant if sign_in.membership else None
    audit(
        Action.LOGIN_SUCCEEDED,
        tenant=tenant,
        user=sign_in.user,
        target=sign_in.user,
        detail={"purpose": purpose},
    )
    return sign_in


def link_preview(*, token: str) -> LinkPreview:
    """What `token` signs in to, without using it, counting it or auditing it (GET of the link).

    Raises LinkRefused for a link that cannot be used; its message never names the account.
    """
    link = magic_links.peek(token=token)
    if link.purpose == MagicLinkPurpose.SIGNUP:
        if not settings.SIGNUP_OPEN:
            raise LinkRefused("signup_closed", email=link.email)
        return LinkPreview(link.purpose, link.email, link.tenant_name or default_tenant_name(link.email))
    if link.purpose == MagicLinkPurpose.INVITE:
        invitation = link.invitation
        if invitation is None or invitation.accepted_at or invitation.revoked_at:
            raise LinkRefused("invitation", email=link.email)
        role = invitation.get_role_display().lower()
        inviter = invitation.invited_by.email if invitation.invited_by else "an owner"
        return LinkPreview(link.purpose, link.email, invitation.tenant.name, role=role, invited_by=inviter)
    user = User.objects.filter(email=link.email, is_active=True).first()
    if user is None:
        raise LinkRefused("account", email=link.email)
    membership = home_membership(user)
    return LinkPreview(link.purpose, link.email, membership.tenant.name if membership else "")


def _audit_failure(exc: LinkRefused, purpose: str, *, reason: str = "", outcome: str = AuditOutcome.FAILURE):
    audit(
        Action.LOGIN_FAILED,
        tenant=_home_tenant(exc.email) if exc.email else None,
        target_type="email" if exc.email else "",
        target_label=exc.email,
        outcome=outcome,
        detail={"reason": reason or exc.reason, "purpose": purpose},
    )


def _active_user(email: str, *, create: bool) -> User:
    user, _ = user_get_or_create(email) if create else (User.objects.filter(email=email).first(), False)
    if user is None or not user.is_active:
        raise LinkRefused("account", email=email)
    return user


def _complete_login(link: MagicLink) -> SignIn:
    user = _active_user(link.email, create=False)
    return SignIn(user=user, membership=home_membership(user), next_url=link.next_url, purpose=link.purpose)


def _complete_signup(link: MagicLink) -> SignIn:
    existing = User.objects.filter(email=link.email).first()
    if existing is not None and not existing.is_active:
        raise LinkRefused("account", email=link.email)
    tenant, user = tenant_create(email=link.email, name=link.tenant_name, provision_strict=False)
    audit(Action.SIGNUP_COMPLETED, tenant=tenant, user=user, target=tenant)
    membership = Membership.objects.select_related("tenant").get(tenant=tenant, user=user)
    return SignIn(user=user, membership=membership, next_url=link.next_url, purpose=link.purpose)


def _complete_invite(link: MagicLink) -> SignIn:
    invitation = link.invitation
    if invitation is None:
        raise LinkRefused("invitation", email=link.email)
    accepted = Invitation.objects.filter(
        pk=invitation.pk, email=link.email, accepted_at=None, revoked_at=None
    ).update(accepted_at=timezone.now())
    if accepted != 1:
        raise LinkRefused("invitation", email=link.email)
    user = _active_user(link.email, create=True)
    membership, created = Membership.objects.select_related("tenant").get_or_create(
        tenant=invitation.tenant, user=user, defaults={"role": invitation.role}
    )
    if created:
        audit(
            Action.MEMBER_JOINED,
            tenant=invitation.tenant,
            user=user,
            target=membership,
            detail={"role": membership.role, "invitation": str(invitation.pk)},
        )
    return SignIn(user=user, membership=membership, next_url=link.next_url, purpose=link.purpose)


_COMPLETE: dict[str, Callable[[MagicLink], SignIn]] = {
    MagicLinkPurpose.LOGIN: _complete_login,
    MagicLinkPurpose.SIGNUP: _complete_signup,
    MagicLinkPurpose.INVITE: _complete_invite,
}


def logout_record(*, user: User, tenant: Tenant | None, reason: str = "") -> None:
    """Audit a sign-out (the session itself is ended by the web layer); `reason` "expired" when the
    session timed out rather than the person signing out."""
    audit(Action.LOGOUT, tenant=tenant, user=user, target=user, detail={"reason": reason} if reason else {})


def password_login_check(*, username: str) -> None:
    """Before a password sign-in (the Django admin): RateLimited once a budget is used up (the first
    refusal of a window is audited)."""
    try:
        ratelimits.check_password_allowed(username)
    except ratelimits.Refused as exc:
        if not exc.repeated:
            _audit_password_failure(username, reason="rate-limited", outcome=AuditOutcome.DENIED)
        raise


def password_login_record(*, username: str, user: User | None) -> None:
    """Audit a password sign-in: `user` when it succeeded, None when it failed (which also counts
    against the IP's and the account's failure budgets)."""
    if user is not None:
        audit(
            Action.LOGIN_SUCCEEDED,
            tenant=_home_tenant(user.email),
            user=user,
            target=user,
            detail={"purpose": "admin"},
        )
        return
    ratelimits.count_password_failure(username)
    _audit_password_failure(username, reason="bad-credentials", outcome=AuditOutcome.FAILURE)


def _audit_password_failure(username: str, *, reason: str, outcome: str) -> None:
    audit(
        Action.LOGIN_FAILED,
        tenant=_home_tenant(username),
        target_type="email",
        target_label=username[:200],
        outcome=outcome,
        detail={"reason": reason, "purpose": "admin"},
    )
