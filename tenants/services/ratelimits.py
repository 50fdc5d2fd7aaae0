"""Rate limits for e-mailed links and password sign-ins, on the shared cache (kernel.ratelimit).

The rules live in services, which never see a request, so every limit here names its group and
passes the already-derived key value: the client IP from the request context (trusted proxies only,
see kernel.middleware) or a hash of the normalised e-mail address (addresses never reach the cache
in clear).
"""

from __future__ import annotations

import hashlib

from django.conf import settings

from kernel import context
from kernel.errors import RateLimited
from kernel.ratelimit import Usage, usage

GROUP_LINK_PER_EMAIL = "tenants.magic_link.per_email"
GROUP_LINK_PER_IP = "tenants.magic_link.per_ip"
GROUP_REDEEM_FAILURES_PER_IP = "tenants.magic_redeem.failures_per_ip"
GROUP_PASSWORD_FAILURES_PER_IP = "tenants.password.failures_per_ip"
GROUP_PASSWORD_FAILURES_PER_ACCOUNT_AND_IP = "tenants.password.failures_per_account_and_ip"

TOO_MANY = "Too many requests. Please wait a little and try again."


def email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def ip_key() -> str:
    return context.current().ip or "unknown"


class Refused(RateLimited):
    """RateLimited, knowing whether a request earlier in the same window was refused already.

    Callers audit only the first refusal: a client that keeps hammering a limit must not be able to
    write audit rows at will (into the log of the tenant whose member's address it names).
    """

    def __init__(self, spent: Usage, *, repeated: bool):
        super().__init__(TOO_MANY, retry_after=float(spent.retry_after))
        self.repeated = repeated


def _refuse(spent: Usage, *, repeated: bool = False) -> Refused:
    return Refused(spent, repeated=repeated)


def _refuse_attempt(group: str, rate: str, value: str) -> None:
    """Raise Refused once `value` has used up its failure budget. A refused attempt counts as one
    more failure, which is how the first refusal of a window is told from the ones after it."""
    spent = usage(group, value, rate, increment=False)
    if spent.exhausted:
        usage(group, value, rate, increment=True)
        raise _refuse(spent, repeated=spent.count > spent.limit)


def count_link_request(email: str) -> None:
    """Count one link e-mail for this client IP and this address; raise RateLimited once either is over.

    The IP is counted first so that one client cycling through addresses is stopped without also
    using up the budgets of the addresses it names.
    """
    for group, rate, value in (
        (GROUP_LINK_PER_IP, settings.RATE_MAGIC_LINK_PER_IP, ip_key()),
        (GROUP_LINK_PER_EMAIL, settings.RATE_MAGIC_LINK_PER_EMAIL, email_key(email)),
    ):
        counted = usage(group, value, rate, increment=True)
        if counted.should_limit:
            raise _refuse(counted, repeated=counted.count > counted.limit + 1)


def count_link_email(email: str) -> None:
    """Count one link e-mail to this address only (invitations sent by an owner)."""
    counted = usage(
        GROUP_LINK_PER_EMAIL, email_key(email), settings.RATE_MAGIC_LINK_PER_EMAIL, increment=True
    )
    if counted.should_limit:
        raise _refuse(counted)


def check_redeem_allowed() -> None:
    """Refuse every redemption from an IP that has used up its failure budget, even a valid link."""
    _refuse_attempt(GROUP_REDEEM_FAILURES_PER_IP, settings.RATE_MAGIC_REDEEM_FAILURES_PER_IP, ip_key())


def count_redeem_failure() -> None:
    usage(GROUP_REDEEM_FAILURES_PER_IP, ip_key(), settings.RATE_MAGIC_REDEEM_FAILURES_PER_IP, increment=True)


def _password_budgets(username: str) -> tuple[tuple[str, str, str], ...]:
    """Failures are counted per client IP (one address guessing across accounts) and per account and
    IP together. Not per account alone: anyone who knows a superuser's address could then keep that
    superuser out for the whole window by failing on purpose from anywhere."""
    ip = ip_key()
    return (
        (GROUP_PASSWORD_FAILURES_PER_IP, settings.RATE_PASSWORD_FAILURES_PER_IP, ip),
        (
            GROUP_PASSWORD_FAILURES_PER_ACCOUNT_AND_IP,
            settings.RATE_PASSWORD_FAILURES,
            f"{email_key(username)}|{ip}",
        ),
    )


def check_password_allowed(username: str) -> None:
    """Refuse a password sign-in (the Django admin) from an IP that has used up its failure budget, or
    for an account from an IP that has used up that pair's budget, even with the right password."""
    for group, rate, value in _password_budgets(username):
        _refuse_attempt(group, rate, value)


def count_password_failure(username: str) -> None:
    for group, rate, value in _password_budgets(username):
        usage(group, value, rate, increment=True)
