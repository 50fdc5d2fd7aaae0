"""The one way the app sends e-mail: `send_mail` enqueues a django.tasks task that sends through
Django's mail API (settings.MAILERS), so every message, whatever area composed it, is delivered and
logged the same way.

The task's arguments hold the finished message (a sign-in link included). With the immediate backend
(the default) they never leave the process; a queue backend that stores task arguments would keep
live links at rest until they expire, so pick one that does not persist arguments, or keep its store
as private as the database.
"""

from __future__ import annotations

import email.policy
import logging

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend
from django.tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver(*, to: list[str], subject: str, text: str, html: str = "") -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send(using="default")
    except Exception:
        # The body (and any link in it) stays out of the log; the addresses and the failure are enough.
        logger.exception("Could not send %r to %s", subject, ", ".join(to))
        raise


def send_mail(*, to: str | list[str], subject: str, text: str, html: str = "") -> None:
    """Send one message (plain text, optionally with an HTML alternative) to one or more addresses."""
    deliver.enqueue(to=[to] if isinstance(to, str) else list(to), subject=subject, text=text, html=html)


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
