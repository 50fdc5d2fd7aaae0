"""The live trace tail: a WebSocket per open trace list, joined to its tenant's group."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from kernel import leases
from mcp_bridge import broadcast, selectors, tail_access
from mcp_bridge.filters import LIVE_FILTERS
from tenants.middleware import session_is_live

logger = logging.getLogger(__name__)


class TraceTailConsumer(AsyncWebsocketConsumer):
    """Sends each new trace of the member's tenant as a row fragment (htmx's ws extension swaps it).

    Only signed-in members connect; the tenant comes from their membership, never from the URL. The
    query string narrows the tail with the list's filters. The socket lives only as long as the access
    it was opened with (mcp_bridge.tail_access), and each session and user holds a few at most.
    """

    groups_joined: list[str]
    leases_held: list[str]
    tenant_id = None
    filters: dict[str, str] = {}
    ended = False

    async def connect(self) -> None:
        self.groups_joined, self.leases_held = [], []
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        membership = await sync_to_async(selectors.socket_membership)(
            user=self.scope.get("user"), session=session
        )
        if membership is None or not self.session_key:
            await self.close(code=tail_access.FORBIDDEN)  # before accept: the handshake is refused
            return
        self.user_id, self.membership_id = membership.user_id, membership.pk
        self.tenant_id = membership.tenant_id
        self.clock = tail_access.session_clock(session)
        self.checked_at = time.monotonic()
        if not await sync_to_async(self._take_leases)():
            await self.close(code=tail_access.TOO_MANY)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode(), max_num_fields=20)
        self.filters = {name: query[name][0] for name in LIVE_FILTERS if query.get(name)}
        for group in (
            broadcast.tenant_group(self.tenant_id),
            tail_access.session_group(self.session_key),
            tail_access.user_group(self.user_id),
        ):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()
        self.watchdog = asyncio.create_task(self._watch())

    def _take_leases(self) -> bool:
        """One lease of the session's cap and one of the user's; none if either is full."""
        scopes = (
            (f"tail:session:{tail_access.session_tag(self.session_key)}", tail_access.PER_SESSION),
            (f"tail:user:{self.user_id}", tail_access.PER_USER),
        )
        for scope, cap in scopes:
            key = leases.claim(scope, cap=cap, holder=self.channel_name, ttl=tail_access.LEASE_SECONDS)
            if key is None:
                self._give_back_leases()
                return False
            self.leases_held.append(key)
        return True

    def _give_back_leases(self) -> None:
        for key in self.leases_held:
            leases.release(key, holder=self.channel_name)
        self.leases_held = []

    def _renew_leases(self) -> None:
        for key in self.leases_held:
            leases.renew(key, holder=self.channel_name, ttl=tail_access.LEASE_SECONDS)

    async def _watch(self) -> None:
        """Keeps the leases alive and ends an idle socket whose access ended with no event."""
        while not self.ended:
            await asyncio.sleep(tail_access.HEARTBEAT_SECONDS)
            try:
                await sync_to_async(self._renew_leases)()
                await self._still_allowed(force=True)
            except Exception:  # a cache or database hiccup: try again at the next beat
                logger.warning("live tail: watchdog check failed", exc_info=True)

    async def _still_allowed(self, *, force: bool = False) -> bool:
        """Ask again if forced, if the last answer is older than RECHECK_SECONDS or if the session's
        own clock says it ran out (a page request may have moved it on); end the socket if refused."""
        if self.ended:
            return False
        stale = time.monotonic() - self.checked_at >= tail_access.RECHECK_SECONDS
        if force or stale or not session_is_live(self.clock, int(time.time())):
            code, self.clock = await sync_to_async(tail_access.access_ended)(
                user_id=self.user_id, session_key=self.session_key, membership_id=self.membership_id
            )
            self.checked_at = time.monotonic()
            if code is not None:
                await self._end(code)
                return False
        return True

    async def _end(self, code: int) -> None:
        if not self.ended:
            self.ended = True
            await self._stop_watching()
            await self._leave()
            await self.close(code=code)

    async def _stop_watching(self) -> None:
        watchdog = getattr(self, "watchdog", None)
        if watchdog is not None and watchdog is not asyncio.current_task():
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog

    async def _leave(self) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []
        await sync_to_async(self._give_back_leases)()

    async def disconnect(self, code: int) -> None:
        self.ended = True
        await self._stop_watching()
        await self._leave()

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """The tail only pushes; anything a browser sends is ignored."""

    async def tail_end(self, event: dict) -> None:
        await self._end(int(event.get("code", tail_access.SIGNED_OUT)))

    async def tail_recheck(self, event: dict) -> None:
        await self._still_allowed(force=True)

    async def trace_recorded(self, event: dict) -> None:
        if not selectors.matches_live_filters(self.filters, event.get("meta", {})):
            return
        if not await self._still_allowed():
            return
        html = await sync_to_async(broadcast.render_row_of)(tenant_id=self.tenant_id, trace_id=event["trace"])
        if html is not None:
            await self.send(text_data=html)
