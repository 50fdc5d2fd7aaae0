"""WebSocket routes of the trace viewer (mounted by orderdesk_admin.routing)."""

from django.urls import path

from mcp_bridge.consumers import TraceTailConsumer

LIVE_TAIL_PATH = "/ws/traces/"

websocket_urlpatterns = [path("ws/traces/", TraceTailConsumer.as_asgi(), name="trace-tail")]
