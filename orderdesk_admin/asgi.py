"""The whole app as one ASGI application, served by uvicorn.

lifespan   -> the MCP app's lifespan (starts the SDK's session manager task group)
http /mcp  -> the MCP streamable-HTTP app (mcp_bridge.server)
http *     -> Django (pages, console, sandbox, health, metrics)
(every http request is logged and counted once by kernel.access.AccessLog)
websocket  -> Channels consumers (live trace tail), from SITE_URL's exact origin and signed-in only
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderdesk_admin.settings")

from django.core.asgi import get_asgi_application

django_app = get_asgi_application()  # before anything that imports models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from kernel import context  # noqa: E402
from kernel.access import AccessLog  # noqa: E402
from mcp_bridge.server import mcp_http_app  # noqa: E402
from orderdesk_admin.proxy_headers import ServerProxyHeadersRefused  # noqa: E402
from orderdesk_admin.routing import websocket_urlpatterns  # noqa: E402
from orderdesk_admin.ws_origin import SiteOriginValidator  # noqa: E402

MCP_PATH = "/mcp"


async def http_router(scope, receive, send):
    path = scope.get("path", "")
    if path == MCP_PATH or path.startswith(MCP_PATH + "/"):
        context.note(route="mcp")
        return await mcp_http_app(scope, receive, send)
    return await django_app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        # Django rejects lifespan scopes, and without the MCP lifespan every /mcp request fails with
        # "Task group is not initialized": the MCP app owns the process lifespan.
        "lifespan": mcp_http_app,
        "http": AccessLog(http_router),  # one "request finished" line and the request metrics
        "websocket": SiteOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
# Served only while the server hands over the real peer address, from which the app alone derives
# the client's (uvicorn --no-proxy-headers; see orderdesk_admin.proxy_headers).
application = ServerProxyHeadersRefused(application)
