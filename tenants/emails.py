"""The e-mails the accounts flows send. Each is rendered from a text and an HTML template and sent
through Django's mail API (settings.MAILERS) by a django.tasks task.

The task's arguments hold the finished message, link included. With the immediate backend (the
default) they never leave the process; a queue backend that stores task arguments would keep live
links at rest until they expire, so pick one that does not persist arguments, or keep its store as
private as the database.
"""

from __future__ import annotations

import email.policy
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse

from tenants.models import Invitation
from tenants.services.magic_links import link_minutes

logger = logging.getLogger(__name__)

SUBJECTS = {
    "login": "Your sign-in link for OrderDesk Admin",
    "signup": "Finish creating your OrderDesk Admin account",
    "invite": "You are invited to {tenant} on OrderDesk Admin",
    "no_account": "Signing in to OrderDesk Admin",
}


@task()
def send_email(*, to: str, subject: str, text: str, html: str) -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    try:
        message.send(using="default")
    except Exception:
        # The body (and its link) stays out of the log; the address and the failure are enough.
        logger.exception("Could not send %r to %s", subject, to)
        raise


def _send(kind: str, to: str, **extra) -> None:
    ctx = {"site_url": settings.SITE_URL, "minutes": link_minutes(), **extra}
    send_email.enqueue(
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


class ConsoleEmailBackend(DjangoConsoleBackend):
    """The development mail backend: Django's console backend, but with long lines kept whole.

    Django's prints messages quoted-printable, which breaks every line over 78 characters with "="
    soft breaks, so a sign-in link could not be clicked or copied from the terminal. Lines up to
    RFC 5322's 998-character limit are written as they are instead.
    """

    _policy = email.policy.default.clone(max_line_length=998)

    def write_message(self, message) -> None:
        data = message.message(policy=self._policy).as_bytes().decode("utf-8", "replace")
        self.stream.write(f"{data}\n{'-' * 79}\n")
