from django.contrib import admin
from django.urls import include, path

from mcp_bridge.views.dashboard import dashboard as dashboard_view
from orderdesk_admin import views
from orderdesk_admin.admin_login import admin_login

# Django's own 500 view renders without any context; ours shows the request id.
handler500 = "orderdesk_admin.error_pages.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("admin/login/", admin_login),  # before the admin's own, which it wraps
    path("admin/", admin.site.urls),
    path("", include("tenants.urls")),
    path("keys/", include("api_keys.urls")),
    path("", include("oauth.urls")),
    path("stores/", include("stores.urls")),
    path("webhooks/orderdesk/", include("orders.webhooks")),
    path("sandbox/api/v2/", include("sandbox.urls")),
    path("sandbox/", include("sandbox.ui_urls")),
    path("", include("mcp_bridge.urls")),
    path("", dashboard_view, name="dashboard"),
]
