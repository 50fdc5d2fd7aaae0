"""The app as the MCP conformance suite sees it: the suite cannot send an Authorization header, so
this loopback-only wrapper adds the key from CONFORMANCE_KEY to every request. Used only by
scripts/mcp_conformance.py; never served to anyone else."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderdesk_admin.settings")

from orderdesk_admin.asgi import application as product

_BEARER = b"Bearer " + os.environ["CONFORMANCE_KEY"].encode()


async def application(scope, receive, send):
    if scope["type"] == "http":
        headers = [(name, value) for name, value in scope["headers"] if name != b"authorization"]
        scope = {**scope, "headers": [*headers, (b"authorization", _BEARER)]}
    await product(scope, receive, send)
