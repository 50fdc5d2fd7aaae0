"""WebSocket routes (Channels)."""

from mcp_bridge.routing import websocket_urlpatterns as trace_websocket_urlpatterns

websocket_urlpatterns = [*trace_websocket_urlpatterns]
