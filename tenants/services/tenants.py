"""Creating tenants: at sign-up and from `manage.py create_tenant`."""

from __future__ import annotations

import logging
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from kernel.errors import InvalidInput
from tenants.audit import Action, audit
from tenants.models import Membership, Role, Tenant, User
from tenants.signals import tenant_created

logger = logging.getLogger(__name__)

# Addresses at these domains say nothing about an organisation, so a default name uses the mailbox.
_WEBMAIL = {
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com", "icloud.com",
    "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net", "web.de", "mail.com",
}  # fmt: skip


def normalise_email(email: str) -> str:
    """The one spelling we store and compare: trimmed and lower-cased (User.objects does the same)."""
    return (email or "").strip().lower()


def clean_email(email: str) -> str:
    email = normalise_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email!r} is not a valid e-mail address.", field="email") from None
    return email


# Control characters (CR, LF, NUL, tab, ...) and Unicode line/paragraph separators. A team name is shown
# on every page and goes into e-mail subjects, where a line break made every invitation fail to send.
_NOT_IN_NAMES = {"Cc", "Zl", "Zp"}
TEAM_NAME_MAX = 120


def clean_team_name(name: str, *, field: str = "name", label: str = "Team name") -> str:
    """`name` trimmed and cut to TEAM_NAME_MAX; InvalidInput naming `label` if it holds a control
    character or line break ("" stays "": the caller picks a default)."""
    name = (name or "").strip()
    if any(unicodedata.category(ch) in _NOT_IN_NAMES for ch in name):
        raise InvalidInput(f"{label} cannot contain line breaks or other control characters.", field=field)
    return name[:TEAM_NAME_MAX]


def default_tenant_name(email: str) -> str:
    """ "Acme Corp" for ann@acme-corp.com; "ann's team" for ann@gmail.com."""
    local, _, domain = email.partition("@")
    if not domain or domain in _WEBMAIL:
        return f"{local}'s team"[:120]
    labels = domain.split(".")
    # The registrable name: "acme" in mail.acme.com and in acme.co.uk.
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in {"co", "com", "org", "net", "ac", "gov"}:
        label = labels[-3]
    else:
        label = labels[-2] if len(labels) >= 2 else labels[0]
    return label.replace("-", " ").replace("_", " ").title()[:120] or f"{local}'s team"[:120]


def user_get_or_create(email: str) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    return User.objects.create_user(email), True


@transaction.atomic
def tenant_create(*, email: str, name: str = "", provision_strict: bool = True) -> tuple[Tenant, User]:
    """A new tenant owned by `email` (the user is created if needed), announced with `tenant_created`
    (the sandbox app gives it a sandbox store then). InvalidInput for a bad address or team name.

    With `provision_strict=False` a failing receiver is logged and the tenant is kept, so a person
    signing up is never locked out by demo data; the command passes True and fails.
    """
    email = clean_email(email)
    name = clean_team_name(name) or default_tenant_name(email)
    user, _ = user_get_or_create(email)
    tenant = Tenant.objects.create(name=name)
    Membership.objects.create(tenant=tenant, user=user, role=Role.OWNER)
    audit(Action.TENANT_CREATED, tenant=tenant, user=user, target=tenant)
    if provision_strict:
        tenant_created.send(sender=Tenant, tenant=tenant, user=user)
    else:
        try:
            with transaction.atomic():
                tenant_created.send(sender=Tenant, tenant=tenant, user=user)
        except Exception:
            logger.exception("Could not set up the new tenant %s (its sandbox store)", tenant.pk)
    return tenant, user
