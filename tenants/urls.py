from django.urls import path

from tenants import views

app_name = "tenants"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("auth/magic/<str:token>/", views.magic_link, name="magic"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.member_invite, name="member-invite"),
    path("team/members/<uuid:membership_id>/role/", views.member_role, name="member-role"),
    path("team/members/<uuid:membership_id>/remove/", views.member_remove, name="member-remove"),
    path("team/invitations/<uuid:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("team/invitations/<uuid:invitation_id>/resend/", views.invitation_resend, name="invitation-resend"),
    path("switch-team/", views.switch_tenant, name="switch-tenant"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export/", views.audit_export, name="audit-export"),
]
