from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from orders.services.common import forget_resolved_stores

        # A store renamed, re-keyed or deleted here is resolved afresh on the next call.
        post_save.connect(forget_resolved_stores, sender="stores.Store", dispatch_uid="orders.forget_stores")
        post_delete.connect(
            forget_resolved_stores, sender="stores.Store", dispatch_uid="orders.forget_stores_d"
        )
