from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "OrderDesk record kit"

    def ready(self) -> None:
        from records.store_call import forget_resolved_stores

        # A store renamed, re-keyed or deleted here is resolved afresh on the next call.
        post_save.connect(forget_resolved_stores, sender="stores.Store", dispatch_uid="records.forget_stores")
        post_delete.connect(
            forget_resolved_stores, sender="stores.Store", dispatch_uid="records.forget_stores_d"
        )
