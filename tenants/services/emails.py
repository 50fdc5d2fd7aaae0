"""The e-mails the accounts flows send, each rendered from a text and an HTML template and sent with
kernel.mail (the one mail path)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from kernel.mail import send_mail
from tenants.models import Invitation
from tenants.services.magic_links import link_minutes

SUBJECTS = {
    "login": "Your sign-in link for OrderDesk Admin",
    "signup": "Finish creating your OrderDesk Admin account",
    "invite": "You are invited to {tenant} on OrderDesk Admin",
    "no_account": "Signing in to OrderDesk Admin",
}


def _send(kind: str, to: str, **extra) -> None:
    ctx = {"site_url": settings.SITE_URL, "minutes": link_minutes(), **extra}
    send_mail(
        to=to,
        subject=SUBJECTS[kind].format(**extra),
        text=render_to_string(f"tenants/email/{kind}.txt", ctx),
        html=render_to_string(f"tenants/email/{kind}.html", ctx),
    )


def send_login_link(*, to: str, url: str) -> None:
    _send("login", to, url=url)


def send_signup_link(*, to: str, url: str) -> None:
    _send("signup", to, url=url)


def send_invitation(*, invitation: Invitation, url: str) -> None:
    inviter = invitation.invited_by.email if invitation.invited_by else "An owner"
    _send(
        "invite",
        invitation.email,
        url=url,
        tenant=invitation.tenant.name,
        inviter=inviter,
        role=invitation.get_role_display().lower(),
    )


def send_no_account(*, to: str) -> None:
    signup_url = settings.SITE_URL + reverse("tenants:signup") if settings.SIGNUP_OPEN else ""
    _send("no_account", to, signup_url=signup_url)
