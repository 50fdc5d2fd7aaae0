"""The e-mails the accounts flows send, each rendered from a text and an HTML template and sent with
kernel.mail (the one mail path)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from kernel.mail import MailNotSent, send_mail
from tenants.models import Invitation
from tenants.services.magic_links import link_minutes

SUBJECTS = {
    "login": "Your sign-in link for OrderDesk Admin",
    "signup": "Finish creating your OrderDesk Admin account",
    "invite": "You are invited to {tenant} on OrderDesk Admin",
    "no_account": "Signing in to OrderDesk Admin",
    "signup_existing": "You already have an OrderDesk Admin account",
}


def _send(kind: str, to: str, **extra) -> bool:
    ctx = {"site_url": settings.SITE_URL, "minutes": link_minutes(), **extra}
    return send_mail(
        to=to,
        subject=SUBJECTS[kind].format(**extra),
        text=render_to_string(f"tenants/email/{kind}.txt", ctx),
        html=render_to_string(f"tenants/email/{kind}.html", ctx),
    )


def send_login_link(*, to: str, url: str) -> None:
    _send("login", to, url=url)


def send_signup_link(*, to: str, url: str) -> None:
    _send("signup", to, url=url)


def send_signup_existing(
    *, to: str, login_url: str, create_url: str, new_team: str, teams: list[str]
) -> None:
    _send("signup_existing", to, url=login_url, create_url=create_url, new_team=new_team, teams=teams)


def send_invitation(*, invitation: Invitation, url: str) -> None:
    """Raises MailNotSent when the message did not leave, so the owner who invited is told.

    (The sign-in and sign-up mails stay silent about it: their pages say the same whatever happened,
    so they never tell who has an account; the failure is logged for the operator.)
    """
    inviter = invitation.invited_by.email if invitation.invited_by else "An owner"
    sent = _send(
        "invite",
        invitation.email,
        url=url,
        tenant=invitation.tenant.name,
        inviter=inviter,
        role=invitation.get_role_display().lower(),
    )
    if not sent:
        raise MailNotSent(
            f"The invitation is saved but could not be e-mailed to {invitation.email}: the mail server "
            "refused it or could not be reached (see the server log). Resend it once mail works.",
            field="email",
        )


def send_no_account(*, to: str) -> None:
    signup_url = settings.SITE_URL + reverse("tenants:signup") if settings.SIGNUP_OPEN else ""
    _send("no_account", to, signup_url=signup_url)
