"""Mounted at the site root: the well-known documents must sit at the origin (RFC 8414, RFC 9728)."""

from django.urls import path

from oauth import views

app_name = "oauth"

urlpatterns = [
    path(
        ".well-known/oauth-protected-resource/mcp",
        views.protected_resource_metadata,
        name="protected-resource-metadata",
    ),
    path(
        ".well-known/oauth-authorization-server",
        views.authorization_server_metadata,
        name="authorization-server-metadata",
    ),
    path("oauth/register", views.register, name="register"),
    path("oauth/authorize/", views.authorize, name="authorize"),
    path("oauth/token/", views.token, name="token"),
]
