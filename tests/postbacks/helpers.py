"""Signing deliveries the way OrderDesk does (orderdesk-api.md §6.3)."""

import json

from orders.postbacks import signature


def delivery(store, order, *, key=None, store_id=None, body=None):
    """POST arguments for the test client: form field `order`, the two headers."""
    text = body if body is not None else json.dumps(order)
    return {
        "path": f"/webhooks/orderdesk/{store.postback_token}/",
        "data": {"order": text},
        "headers": {
            "X-Order-Desk-Store-Id": store_id if store_id is not None else store.orderdesk_store_id,
            "X-Order-Desk-Hash": signature(key or store.get_api_key(), text),
        },
    }


def order(order_id="5001", updated="2026-01-02 10:00:00", **fields):
    return {"id": order_id, "date_updated": updated, "folder_id": 1001, **fields}
