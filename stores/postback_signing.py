"""How OrderDesk signs a post-back (orderdesk-api.md §6.3): shared by the receiver, which checks it,
and the sandbox, which signs like OrderDesk."""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse


def signature(api_key: str, order_json: str) -> str:
    """What OrderDesk sends as X-ORDER-DESK-HASH: PHP's hash_hmac('sha256', rawurldecode($order), $key)."""
    text = urllib.parse.unquote(order_json)  # rawurldecode: %XX only, a "+" stays a "+"
    return hmac.new(api_key.encode(), text.encode(), hashlib.sha256).hexdigest()
