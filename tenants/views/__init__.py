from tenants.views.audit import audit_export, audit_log
from tenants.views.auth import login_view, logout_view, magic_link, signup
from tenants.views.team import (
    invitation_resend,
    invitation_revoke,
    member_invite,
    member_remove,
    member_role,
    switch_tenant,
    team,
)

__all__ = [
    "audit_export",
    "audit_log",
    "invitation_resend",
    "invitation_revoke",
    "login_view",
    "logout_view",
    "magic_link",
    "member_invite",
    "member_remove",
    "member_role",
    "signup",
    "switch_tenant",
    "team",
]
