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
import unicodedata

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend
from django.tasks import task
from django.tasks.base import TaskResultStatus

from kernel.errors import OperationError

logger = logging.getLogger(__name__)

# Characters that end or break a header line: control characters (CR, LF, NUL, NEL, ...) and
# Unicode's line and paragraph separators.
_LINE_BREAKING = {"Cc", "Zl", "Zp"}


class MailNotSent(OperationError):
    """A message the app tried to send did not leave: the mail server refused it or was not reached."""

    code = "mail_not_sent"


def header_text(value: str) -> str:
    """`value` made safe for a header: every control character or line break becomes a space, and
    runs of spaces collapse. Django refuses a header with a line break (BadHeaderError), which would
    lose the whole message; text people typed (a team name) reaches subjects."""
    spaced = "".join(" " if unicodedata.category(ch) in _LINE_BREAKING else ch for ch in value)
    return " ".join(spaced.split())


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


def send_mail(*, to: str | list[str], subject: str, text: str, html: str = "") -> bool:
    """Send one message (plain text, optionally with an HTML alternative) to one or more addresses.

    False when the message is known not to have been sent (the failure is logged): with the immediate
    task backend delivery happens here, so a down mail server is known at once. A queue backend only
    takes the message; a later failure is the worker's to log, and this answers True.
    """
    result = deliver.enqueue(
        to=[to] if isinstance(to, str) else list(to), subject=header_text(subject), text=text, html=html
    )
    return result.status != TaskResultStatus.FAILED


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
