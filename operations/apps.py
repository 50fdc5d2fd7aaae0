from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations and traces"

    def ready(self) -> None:
        # Every app declares its operations on its own services (`@operation`), as the admin's
        # `admin.py` modules register models: importing each app's `services` fills REGISTRY before the
        # first request, without the core importing the apps above it.
        autodiscover_modules("services")
