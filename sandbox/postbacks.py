"""The sandbox posting its order changes back, signed like OrderDesk's "Post Order JSON" rule.

EXTENSION (orderdesk-api.md §6.3 and §7.2: an emulator "may" simulate outbound post-backs): when a
sandbox store has post-backs on, every successful write to one of its orders is followed, once the
write has committed, by a POST of the order as GET /orders/{id} would return it: form field `order`,
headers X-ORDER-DESK-STORE-ID and X-ORDER-DESK-HASH (hex HMAC-SHA256 of the JSON, keyed with the
store's API key, whose plaintext lives encrypted in the tenant's Store). The target is the configured
URL, which must be one of this app's own post-back URLs (no SSRF), by default that of the sandbox's
Store (from SITE_URL), so the whole loop runs locally. It runs in a thread, off the request path,
with a short timeout; failures are logged.
ASSUMPTION: one POST per changed order and no retries (OrderDesk's retry schedule is not simulated).
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import httpx
from django.conf import settings
from django.db import close_old_connections, transaction
from django.urls import reverse

from sandbox.engine import orders, serialize
from sandbox.engine.errors import ApiError
from sandbox.models import SandboxStore
from stores.postback_signing import signature

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})


def changed_order_ids(method: str, kwargs: dict[str, str], payload: dict[str, Any]) -> list[str]:
    """The orders a successful write changed: the one in the URL, the one created, or those moved."""
    if method not in WRITE_METHODS:
        return []
    found = [kwargs["order_id"]] if kwargs.get("order_id") else []
    order = payload.get("order")
    if isinstance(order, dict) and order.get("id"):
        found.append(str(order["id"]))
    for result in payload.get("results") or []:
        if isinstance(result, dict) and "original_folder_id" in result:
            found.append(str(result["order_id"]))
    return list(dict.fromkeys(found))


def postback_prefix() -> str:
    return settings.SITE_URL + "/webhooks/orderdesk/"


def allowed_url(url: str) -> bool:
    """Only this app's own post-back URLs: a sandbox must not be a way to make this server POST into
    the network it runs in (SSRF)."""
    return url.startswith(postback_prefix()) and "?" not in url and "#" not in url and ".." not in url


def target_url(sandbox: SandboxStore) -> str | None:
    if sandbox.postback_url:
        return sandbox.postback_url if allowed_url(sandbox.postback_url) else None
    if sandbox.store is None or not sandbox.store.postback_token:
        return None
    return settings.SITE_URL + reverse("orderdesk-postback", args=[sandbox.store.postback_token])


def after_write(store: SandboxStore, method: str, kwargs: dict[str, str], payload: dict[str, Any]) -> None:
    """Called by the dispatcher after each successful answer: schedules the post-backs, if any."""
    if not store.postback_enabled:
        return
    order_ids = changed_order_ids(method, kwargs, payload)
    if order_ids:
        transaction.on_commit(lambda: _start(store.pk, order_ids))


def _start(store_pk: int, order_ids: list[str]) -> None:
    threading.Thread(target=post_orders, args=(store_pk, order_ids), daemon=True).start()


def post_orders(store_pk: int, order_ids: list[str]) -> None:
    from sandbox.provisioning import ensure_api_key

    try:
        sandbox = SandboxStore.objects.select_related("store__tenant").get(pk=store_pk)
        url = target_url(sandbox)
        if url is None or sandbox.store is None:
            return
        api_key = ensure_api_key(sandbox)
        with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
            for order_id in order_ids:
                _post_one(client, sandbox, api_key, url, order_id)
    except Exception:
        logger.exception("sandbox post-back for store %s failed", store_pk)
    finally:
        close_old_connections()


def _post_one(client: httpx.Client, sandbox: SandboxStore, api_key: str, url: str, order_id: str) -> None:
    try:
        record = orders.get_order(sandbox, order_id)
    except ApiError:
        return  # deleted meanwhile: OrderDesk's rules post existing orders only
    text = json.dumps(serialize.order(record, store=sandbox, with_history=False))
    headers = {
        "X-ORDER-DESK-STORE-ID": sandbox.orderdesk_store_id,
        "X-ORDER-DESK-HASH": signature(api_key, text),
    }
    try:
        response = client.post(url, data={"order": text}, headers=headers)
    except httpx.HTTPError as exc:
        logger.warning("sandbox post-back of order %s to %s failed: %s", order_id, url, exc)
        return
    if response.status_code > 201:
        logger.warning("sandbox post-back of order %s answered %s", order_id, response.status_code)
