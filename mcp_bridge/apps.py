from django.apps import AppConfig


class McpBridgeConfig(AppConfig):
    name = "mcp_bridge"
    verbose_name = "MCP server, console and trace viewer"

    def ready(self) -> None:
        from mcp_bridge import broadcast
        from operations.signals import trace_recorded

        trace_recorded.connect(broadcast.on_trace_recorded, dispatch_uid="mcp_bridge.live_tail")
