"""`/sandbox/api/v2/…`: the OrderDesk API v2 emulator. A trailing slash is tolerated; anything else
under the prefix answers OrderDesk-style JSON 404."""

from django.urls import re_path

from sandbox.api import dispatch, views

app_name = "sandbox"

_ID = r"(?P<{}>[^/]+)"
ORDER = _ID.format("order_id")

urlpatterns = [
    re_path(r"^test/?$", views.test_view, name="test"),
    re_path(r"^store/?$", views.store_view, name="store"),
    re_path(r"^orders/?$", views.orders_view, name="orders"),
    re_path(rf"^orders/{ORDER}/?$", views.order_view, name="order"),
    re_path(rf"^orders/{ORDER}/order-history/?$", views.history_view, name="order-history"),
    re_path(rf"^orders/{ORDER}/order-items/?$", views.items_view, name="order-items"),
    re_path(rf"^orders/{ORDER}/order-items/{_ID.format('item_id')}/?$", views.item_view, name="order-item"),
    re_path(rf"^orders/{ORDER}/shipments/?$", views.shipments_view, name="shipments"),
    re_path(
        rf"^orders/{ORDER}/shipments/{_ID.format('shipment_id')}/?$", views.shipment_view, name="shipment"
    ),
    re_path(r"^batch-shipments/?$", views.batch_shipments_view, name="batch-shipments"),
    re_path(r"^move-orders/?$", views.move_orders_view, name="move-orders"),
    re_path(r"^inventory-items/?$", views.inventory_view, name="inventory-items"),
    re_path(
        rf"^inventory-items/{_ID.format('item_id')}/?$", views.inventory_item_view, name="inventory-item"
    ),
    re_path(r"^batch-inventory-items/?$", views.batch_inventory_view, name="batch-inventory-items"),
    re_path(r"^.*$", dispatch.unknown_endpoint),
]
