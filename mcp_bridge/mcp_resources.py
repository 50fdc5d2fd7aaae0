"""The SDK side of the order and folder resources (`resource_events` holds the SDK-free rest):
their templates, the links tool results carry, and `subscriptions/listen` scoped to the caller.

The SDK's own listen handler delivers every published event whose URI a stream asked for, to
anyone. This one honours only the canonical URIs the caller's key may read, receives events from
the channel layer (so from any process) and re-checks the key before each delivery: a revoked key's
stream ends, and a key narrowed meanwhile no longer hears about stores it lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import SUBSCRIPTION_ID_META_KEY, ResourceUpdated, event_to_notification
from mcp.types import (
    INVALID_REQUEST,
    ResourceLink,
    ResourceTemplate,
    SubscriptionFilter,
    SubscriptionsAcknowledgedNotification,
    SubscriptionsAcknowledgedNotificationParams,
    SubscriptionsListenRequestParams,
    SubscriptionsListenResult,
)

from api_keys.core import areload
from mcp_bridge import mcp_auth, resource_events
from orders.types import Order, OrderPage
from tenants.actors import Actor

logger = logging.getLogger(__name__)

JSON = "application/json"
# Links in a list result: the first few orders only, so a page of 100 does not grow by 100 links.
LIST_LINKS = 3
# One stream may watch this many resources; more is refused rather than silently cut.
MAX_SUBSCRIPTIONS_PER_STREAM = 100

TEMPLATES = [
    ResourceTemplate(
        uri_template=resource_events.ORDER_TEMPLATE,
        name="order",
        description="One order, as orders_get returns it. {store}: store id or name.",
        mime_type=JSON,
    ),
    ResourceTemplate(
        uri_template=resource_events.FOLDER_TEMPLATE,
        name="folder",
        description="The newest orders of a folder (first page, summary fields). {folder}: id or name.",
        mime_type=JSON,
    ),
]


def read_call(ref: resource_events.ResourceRef) -> tuple[str, dict[str, Any]]:
    """The operation and arguments that serve a resource: the same ones as the tools."""
    if ref.is_order:
        return "orders_get", {"store": ref.store, "order_id": ref.key}
    folder = {"folder_id": ref.key} if ref.key.isdigit() else {"folder_name": ref.key}
    return "orders_list", {"store": ref.store, "fields": "summary", **folder}


def order_ids(result: Any) -> list[str]:
    if isinstance(result, Order):
        return [str(result.id)]
    if isinstance(result, OrderPage):
        return [str(row.id) for row in result.orders[:LIST_LINKS]]
    return []


def order_links(store_id: UUID, ids: list[str]) -> list[ResourceLink]:
    return [
        ResourceLink(
            type="resource_link",
            uri=resource_events.order_uri(store_id, i),
            name=f"order {i}",
            mime_type=JSON,
        )
        for i in ids
    ]


class ResourceListenHandler:
    """Serves `subscriptions/listen` (2026-07-28): resource-updated events for the caller's resources.

    `may_read(actor)` says whether a key may use the tools that read orders at all."""

    def __init__(self, may_read: Callable[[Actor], bool]):
        self.may_read = may_read

    async def __call__(
        self, ctx: ServerRequestContext[Any, Any], params: SubscriptionsListenRequestParams
    ) -> SubscriptionsListenResult:
        subscription_id = ctx.request_id
        if subscription_id is None:
            raise MCPError(INVALID_REQUEST, "subscriptions/listen requires a request id")
        caller = mcp_auth.current_caller()
        actor = await caller.current_actor() if caller else None
        if caller is None or actor is None:
            raise MCPError(INVALID_REQUEST, "This API key is no longer valid (revoked or expired).")
        requested = list(dict.fromkeys(params.notifications.resource_subscriptions or ()))
        if len(requested) > MAX_SUBSCRIPTIONS_PER_STREAM:
            raise MCPError(INVALID_REQUEST, f"At most {MAX_SUBSCRIPTIONS_PER_STREAM} resources per stream.")
        uris: dict[str, UUID] = {}
        for uri in requested:
            store_id = await resource_events.subscribable(uri, actor, self.may_read)
            if store_id is not None:
                uris[uri] = store_id
        meta: dict[str, Any] = {SUBSCRIPTION_ID_META_KEY: subscription_id}
        # Only resource subscriptions are honoured: tools and lists do not change while a key is used.
        honored = SubscriptionFilter(resource_subscriptions=list(uris) or None)
        async with resource_events.joined(uris) as next_update:
            await ctx.session.send_notification(
                SubscriptionsAcknowledgedNotification(
                    params=SubscriptionsAcknowledgedNotificationParams(notifications=honored, _meta=meta)
                ),
                related_request_id=subscription_id,
            )
            while uris:
                message = await next_update()
                verdict = await self._verdict(caller, actor, uris[message["uri"]], message)
                if verdict is None:
                    break  # the key was revoked or expired: the stream ends with it
                if verdict:
                    event = event_to_notification(ResourceUpdated(uri=message["uri"]), meta)
                    await ctx.session.send_notification(event, related_request_id=subscription_id)
        return SubscriptionsListenResult(_meta=meta)

    async def _verdict(
        self, caller: mcp_auth.Caller, actor: Actor, store_id: UUID, message: dict[str, Any]
    ) -> bool | None:
        """None when the key is no longer live; else whether it may still read that resource."""
        if actor.api_key is not None:
            fresh = await areload(actor.api_key.pk)
            if fresh is None:
                return None
            actor = caller.options.narrow(fresh)
        else:
            current = await caller.current_actor()
            if current is None:
                return None
            actor = current
        return (
            message.get("tenant") == str(actor.tenant.pk)
            and message.get("store") == str(store_id)
            and actor.may_use_store(store_id)
            and self.may_read(actor)
        )
