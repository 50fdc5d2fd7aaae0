from django.apps import AppConfig


class McpBridgeConfig(AppConfig):
    name = "mcp_bridge"
    verbose_name = "MCP server, console and trace viewer"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_delete, post_save

        from mcp_bridge import broadcast, resource_events, tail_access
        from operations.signals import trace_recorded
        from stores.changes import order_changed
        from tenants.models import Membership, User

        trace_recorded.connect(broadcast.on_trace_recorded, dispatch_uid="mcp_bridge.live_tail")
        # Subscribed MCP clients hear of changed orders and folders (mcp_bridge.mcp_resources).
        order_changed.connect(resource_events.on_order_changed, dispatch_uid="mcp_bridge.resources")
        # A live-tail socket ends with the access it was opened with.
        user_logged_out.connect(tail_access.on_logged_out, dispatch_uid="mcp_bridge.tail_logout")
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(
                tail_access.on_membership_changed,
                sender=Membership,
                dispatch_uid=f"mcp_bridge.tail_member_{name}",
            )
        post_save.connect(tail_access.on_user_saved, sender=User, dispatch_uid="mcp_bridge.tail_user")
