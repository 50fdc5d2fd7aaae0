"""Writes of the accounts area: e-mailed links, sign-up and sign-in, tenants and teams."""

from tenants.services.magic_links import LinkRefused, safe_next_url
from tenants.services.signin import (
    LinkPreview,
    SignIn,
    link_preview,
    link_redeem,
    login_request,
    logout_record,
    password_login_check,
    password_login_record,
    signup_request,
)
from tenants.services.team import (
    LAST_OWNER,
    invitation_resend,
    invitation_revoke,
    member_change_role,
    member_invite,
    member_remove,
)
from tenants.services.tenants import clean_email, default_tenant_name, normalise_email, tenant_create

__all__ = [
    "LAST_OWNER",
    "LinkPreview",
    "LinkRefused",
    "SignIn",
    "clean_email",
    "default_tenant_name",
    "invitation_resend",
    "invitation_revoke",
    "link_preview",
    "link_redeem",
    "login_request",
    "logout_record",
    "member_change_role",
    "member_invite",
    "member_remove",
    "normalise_email",
    "password_login_check",
    "password_login_record",
    "safe_next_url",
    "signup_request",
    "tenant_create",
]
