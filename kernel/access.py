"""One "request finished" line and the request metrics for every HTTP request, pages and /mcp alike.

An ASGI layer outside everything else: it opens the request's notes (kernel.context), which the layers
inside fill in (request id, face, tenant, operation, route name), and once the response is sent it
logs one line with the method, the path (credentials in it redacted), the status and the duration,
and counts the request by route name. A path is never a metric label: the route name is, or
"unmatched" when nothing claimed the request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from kernel import context, metrics
from kernel.redaction import redact_text

logger = logging.getLogger(__name__)

UNMATCHED = "unmatched"


class AccessLog:
    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def observed_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with context.notes_scope() as notes:
            try:
                await self.app(scope, receive, observed_send)
            finally:
                seconds = time.perf_counter() - started
                method = scope.get("method", "")
                route = notes.get("route") or UNMATCHED
                metrics.count_request(method, route, status, seconds)
                logger.info(
                    "request finished",
                    extra={
                        "method": method,
                        "path": redact_text(scope.get("path", "")),
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                    },
                )
