"""News that an order of a store changed, from whichever side learned it.

Sent by the order services after a write made through this app, and by the OrderDesk post-back
receiver when OrderDesk reports a change. Received by what must follow the change: cached reads of
the order and the store's lists are dropped, and MCP clients subscribed to the order's or its folder's
resource are notified (across processes when Redis is configured).

Receivers get keyword arguments: `tenant_id` and `store_id` (UUIDs of our rows), `order_id` (OrderDesk's
id as a string), `folder_ids` (the folders the order was in before and/or is in now, as ints; may be
empty when unknown) and `origin` ("write" for a change made through this app, "postback" for one
OrderDesk reported).
"""

from __future__ import annotations

from django.dispatch import Signal

order_changed = Signal()
