from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from operations.signals import trace_recorded
        from orders import changes
        from stores.changes import order_changed

        order_changed.connect(changes.drop_cached_reads, dispatch_uid="orders.drop_cached_reads")
        trace_recorded.connect(changes.announce_write, dispatch_uid="orders.announce_write")
