"""The live trace tail: a WebSocket per open trace list, joined to its tenant's group."""

from __future__ import annotations

from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from mcp_bridge import broadcast, selectors
from mcp_bridge.filters import LIVE_FILTERS


class TraceTailConsumer(AsyncWebsocketConsumer):
    """Sends each new trace of the member's tenant as a row fragment (htmx's ws extension swaps it).

    Only signed-in members connect; the tenant comes from their membership, never from the URL. The
    query string narrows the tail with the list's filters.
    """

    group: str | None = None
    tenant_id = None
    filters: dict[str, str] = {}

    async def connect(self) -> None:
        membership = await sync_to_async(selectors.socket_membership)(
            user=self.scope.get("user"), session=self.scope.get("session")
        )
        if membership is None:
            await self.close(code=4403)  # before accept: the handshake is refused
            return
        query = parse_qs(self.scope.get("query_string", b"").decode(), max_num_fields=20)
        self.filters = {name: query[name][0] for name in LIVE_FILTERS if query.get(name)}
        self.tenant_id = membership.tenant_id
        self.group = broadcast.tenant_group(membership.tenant_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """The tail only pushes; anything a browser sends is ignored."""

    async def trace_recorded(self, event: dict) -> None:
        if not selectors.matches_live_filters(self.filters, event.get("meta", {})):
            return
        html = await sync_to_async(broadcast.render_row_of)(tenant_id=self.tenant_id, trace_id=event["trace"])
        if html is not None:
            await self.send(text_data=html)
