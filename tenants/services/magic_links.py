"""E-mailed one-time links: issuing, hashing and redeeming them (security.md §1.2).

A token is `<purpose>.<43 random url-safe characters>` (256 bits from `secrets`). Only its SHA-256 is
stored, and because the purpose is part of what is hashed, a token whose purpose prefix is changed
matches no row; redemption also filters on the purpose it expects, so a sign-up link can never sign
anyone in and a sign-in link can never create a tenant. Redemption is one conditional UPDATE, so a link
works once even when two requests race for it.

Written here rather than with django-sesame or allauth's login by code: sesame's links are signed, not
stored, so they cannot be single-use by an atomic update or revoked by a newer link, and allauth brings
its own account model and pages; sign-up and invitations ride on the same links.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from kernel import context
from tenants.models import Invitation, MagicLink, MagicLinkPurpose

_SEPARATOR = "."  # not in the url-safe base64 alphabet, so the prefix parses unambiguously


class LinkRefused(Exception):
    """A link that cannot be redeemed; `reason` goes to the audit log, `message` to the person."""

    MESSAGES = {
        "unknown": "This link is not valid. Copy the whole link from the e-mail, or ask for a new one.",
        "expired": "This link has expired. Links work for {minutes} minutes; ask for a new one.",
        "used": "This link has already been used. Each link works once; ask for a new one.",
        "revoked": "A newer link was sent to this address; use the newest e-mail, or ask for a new one.",
        "signup_closed": "Sign-up is closed on this server. Ask an owner of an existing team to invite you.",
        "invitation": "This invitation is no longer open. Ask the team's owner to invite you again.",
        "account": "This account cannot sign in. Ask the team's owner for help.",
    }

    def __init__(self, reason: str, *, email: str = ""):
        self.reason = reason
        self.email = email  # whose link it was, when the link exists (for the audit log)
        self.message = self.MESSAGES[reason].format(minutes=link_minutes())
        super().__init__(self.message)


@dataclass(frozen=True)
class IssuedLink:
    link: MagicLink
    token: str  # exists only here and in the e-mail

    @property
    def url(self) -> str:
        return magic_url(self.token)


def link_minutes() -> int:
    return max(1, settings.MAGIC_LINK_TTL // 60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(purpose: str) -> str:
    return f"{purpose}{_SEPARATOR}{secrets.token_urlsafe(32)}"


def token_purpose(token: str) -> str | None:
    """The purpose a token claims (not proof of anything: only a matching hash proves it)."""
    purpose, sep, _ = token.partition(_SEPARATOR)
    return purpose if sep and purpose in MagicLinkPurpose.values else None


def magic_url(token: str) -> str:
    """Always built from SITE_URL: the Host header of the request that asked for it is never trusted."""
    return settings.SITE_URL + reverse("tenants:magic", kwargs={"token": token})


def safe_next_url(candidate: str | None) -> str:
    """`candidate` if it stays on this site (SITE_URL's host only), else ""."""
    if not candidate or len(candidate) > 300:
        return ""
    site = urlsplit(settings.SITE_URL)
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={site.netloc}, require_https=site.scheme == "https"
    )
    return candidate if allowed else ""


def issue(
    *,
    purpose: str,
    email: str,
    next_url: str = "",
    tenant_name: str = "",
    invitation: Invitation | None = None,
) -> IssuedLink:
    """Store a new link for `email` and `purpose`, revoking that pair's older unused links."""
    token = new_token(purpose)
    now = timezone.now()
    # Invitations from different tenants to one address are independent: only the same invitation's
    # older links are replaced.
    older = _unused(email=email, purpose=purpose)
    if invitation is not None:
        older = older.filter(invitation=invitation)
    with transaction.atomic():
        older.update(revoked_at=now)
        link = MagicLink.objects.create(
            purpose=purpose,
            email=email,
            token_hash=hash_token(token),
            invitation=invitation,
            next_url=safe_next_url(next_url),
            tenant_name=tenant_name,
            requested_ip=context.current().ip,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.MAGIC_LINK_TTL),
        )
    return IssuedLink(link=link, token=token)


def revoke_for_invitation(invitation: Invitation) -> int:
    return MagicLink.objects.filter(invitation=invitation, used_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )


def consume(*, token: str, purpose: str) -> MagicLink:
    """Mark the link used, exactly once: one conditional UPDATE whose row count decides.

    Raises LinkRefused with the reason when no row was updated. Call it inside a transaction that also
    does the link's work, so a failure there puts the link back.
    """
    if token_purpose(token) != purpose:
        raise LinkRefused("unknown")
    token_hash = hash_token(token)
    now = timezone.now()
    updated = MagicLink.objects.filter(
        token_hash=token_hash, purpose=purpose, used_at=None, revoked_at=None, expires_at__gt=now
    ).update(used_at=now)
    if updated != 1:
        raise _why_refused(token_hash, purpose)
    return MagicLink.objects.select_related("invitation__tenant", "invitation__invited_by").get(
        token_hash=token_hash
    )


def peek(*, token: str) -> MagicLink:
    """The link `token` would redeem, left unused (the confirm page shows what it would do).

    Raises LinkRefused like `consume` for a link that cannot be used. Reads only: mail scanners open
    links, and opening one must neither use it up nor count as a failed redemption.
    """
    purpose = token_purpose(token)
    if purpose is None:
        raise LinkRefused("unknown")
    token_hash = hash_token(token)
    link = (
        MagicLink.objects.select_related("invitation__tenant")
        .filter(token_hash=token_hash, purpose=purpose, used_at=None, revoked_at=None)
        .filter(expires_at__gt=timezone.now())
        .first()
    )
    if link is None:
        raise _why_refused(token_hash, purpose)
    return link


def _why_refused(token_hash: str, purpose: str) -> LinkRefused:
    link = MagicLink.objects.filter(token_hash=token_hash, purpose=purpose).first()
    if link is None:
        return LinkRefused("unknown")
    if link.used_at is not None:
        return LinkRefused("used", email=link.email)
    if link.revoked_at is not None:
        return LinkRefused("revoked", email=link.email)
    return LinkRefused("expired", email=link.email)


def _unused(*, email: str, purpose: str):
    return MagicLink.objects.filter(email=email, purpose=purpose, used_at=None, revoked_at=None)
