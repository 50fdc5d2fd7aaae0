"""MCP resources of orders and folders, without the SDK: their URIs, who may subscribe to which, and
the change events that reach subscribers across processes.

`orderdesk://stores/{store}/orders/{order_id}` is one order, `orderdesk://stores/{store}/folders/{folder}`
the first page of a folder's orders. Reads accept a store's id or name and a folder's id or name;
the canonical form, the one tool results link to and the only one subscriptions honour, holds the
store's UUID and the folder's numeric id, so an event names exactly one resource of exactly one tenant.

`stores.changes.order_changed` is turned into one channel-layer message per changed resource, sent to
a group named after the resource's URI; a listen stream joins the groups of the URIs it subscribed to
(on whichever process it is served) and re-checks its key before each delivery. With Redis configured
the channel layer is shared by every process; without it (one process) it is in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote
from uuid import UUID

import anyio
from channels.layers import get_channel_layer

from kernel.errors import OperationError
from stores.selectors import astore_for_call
from tenants.actors import Actor

logger = logging.getLogger(__name__)

SCHEME = "orderdesk"
ORDER_TEMPLATE = "orderdesk://stores/{store}/orders/{order_id}"
FOLDER_TEMPLATE = "orderdesk://stores/{store}/folders/{folder}"
MESSAGE_TYPE = "resource.updated"
_URI = re.compile(r"^orderdesk://stores/([^/?#]+)/(orders|folders)/([^/?#]+)$")


@dataclass(frozen=True)
class ResourceRef:
    kind: str  # "orders" or "folders"
    store: str
    key: str  # the order id, or the folder's id or name

    @property
    def is_order(self) -> bool:
        return self.kind == "orders"


def parse(uri: str) -> ResourceRef | None:
    match = _URI.match(str(uri))
    if match is None:
        return None
    store, kind, key = (unquote(part).strip() for part in match.groups())
    return ResourceRef(kind, store, key) if store and key else None


def order_uri(store_id: UUID | str, order_id: Any) -> str:
    return f"orderdesk://stores/{store_id}/orders/{quote(str(order_id), safe='')}"


def folder_uri(store_id: UUID | str, folder_id: Any) -> str:
    return f"orderdesk://stores/{store_id}/folders/{quote(str(folder_id), safe='')}"


def group_name(uri: str) -> str:
    # Group names allow only ASCII letters, digits, hyphens, underscores and periods (< 100 chars).
    return "mcpres." + hashlib.sha256(uri.encode()).hexdigest()[:48]


def changed_uris(store_id: UUID | str, order_id: Any, folder_ids: Any) -> list[str]:
    return [order_uri(store_id, order_id), *(folder_uri(store_id, f) for f in folder_ids or ())]


async def subscribable(uri: str, actor: Actor, allowed: Any) -> UUID | None:
    """The store id of `uri` when it is canonical and `actor` may read it (`allowed(actor)` says
    whether its key may use the orders tools at all); None otherwise."""
    ref = parse(uri)
    if ref is None or not allowed(actor):
        return None
    if not ref.is_order and not ref.key.isdigit():
        return None
    try:
        store = await astore_for_call(tenant=actor.tenant, actor=actor, store=ref.store)
    except OperationError:
        return None
    canonical = order_uri(store.pk, ref.key) if ref.is_order else folder_uri(store.pk, ref.key)
    return store.pk if canonical == uri else None


async def publish(*, tenant_id: Any, store_id: Any, order_id: Any, folder_ids: Any = (), **_: Any) -> None:
    """Announce the resources of a changed order. A courtesy like the live tail: a missing or failing
    channel layer is logged and the sender carries on."""
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        for uri in changed_uris(store_id, order_id, folder_ids):
            message = {"type": MESSAGE_TYPE, "uri": uri, "tenant": str(tenant_id), "store": str(store_id)}
            await layer.group_send(group_name(uri), message)
    except Exception:
        logger.warning("resource-updated push for order %s failed", order_id, exc_info=True)


async def on_order_changed(sender: Any, **kwargs: Any) -> None:
    """Receiver of stores.changes.order_changed (connected in McpBridgeConfig.ready)."""
    await publish(**kwargs)


@contextlib.asynccontextmanager
async def joined(uris: Iterable[str]) -> AsyncIterator[Callable[[], Awaitable[dict[str, Any]]]]:
    """Membership of the groups of `uris` on the channel layer, from any process; yields `next_update`,
    which waits for the next message about one of them. Without a channel layer it waits forever."""
    wanted = set(uris)
    layer = get_channel_layer()
    if layer is None or not wanted:

        async def never() -> dict[str, Any]:
            await anyio.sleep_forever()
            raise AssertionError("unreachable")

        yield never
        return
    channel = await layer.new_channel("mcpres.")
    groups = {group_name(uri) for uri in wanted}
    for group in groups:
        await layer.group_add(group, channel)

    async def next_update() -> dict[str, Any]:
        while True:
            message = await layer.receive(channel)
            if message.get("uri") in wanted:
                return message

    try:
        yield next_update
    finally:
        # A stream ends by cancellation: leave the groups anyway (their entries would expire later).
        with anyio.CancelScope(shield=True):
            for group in groups:
                try:
                    await layer.group_discard(group, channel)
                except Exception:
                    logger.debug("group_discard failed", exc_info=True)
