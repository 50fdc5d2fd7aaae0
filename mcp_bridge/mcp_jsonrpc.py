"""JSON-RPC shape checks the SDK's transport leaves out, run in front of it on every /mcp POST.

A request's id must be a string or an integer (JSON-RPC 2.0; MCP forbids null outright). The SDK's
2025-era transport reads `{"id": null, "method": ...}`, and any other id it cannot use, as a
notification: it answers 202, runs the method, and drops the result. Such a message is answered here
400 with -32600 Invalid Request, on every protocol version, as is a batch (removed from MCP in
2025-06-18; the SDK would answer it with an "invalid params" code).

The body is read whole and handed on unchanged; the SDK reads it whole as well.
"""

from __future__ import annotations

import json
from typing import Any

from mcp_bridge.mcp_auth import ASGIApp, Message, Receive, Scope, Send, _jsonrpc_error, _respond

INVALID_ID = "Invalid Request: a request's id must be a string or an integer (a notification has no id)."
BATCH = "Invalid Request: send one JSON-RPC message per POST; batches are not supported."


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def problem(body: bytes) -> str | None:
    """Why the body is an invalid request, or None (a body that is not JSON is the SDK's to answer)."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if isinstance(message, list):
        return BATCH
    # Only requests and notifications carry a method; a client's response may have a null id.
    if isinstance(message, dict) and "method" in message and "id" in message and not _valid_id(message["id"]):
        return INVALID_ID
    return None


class RequestIdCheck:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        received: list[Message] = []
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        reason = problem(b"".join(m.get("body", b"") for m in received if m["type"] == "http.request"))
        if reason:
            await _respond(send, 400, _jsonrpc_error(reason))
            return

        async def replay() -> Message:
            return received.pop(0) if received else await receive()

        await self.app(scope, replay, send)
