import atexit

from django.apps import AppConfig
from django.conf import settings


class OrderdeskAdminConfig(AppConfig):
    name = "orderdesk_admin"
    verbose_name = "OrderDesk Admin"

    def ready(self) -> None:
        from kernel import metrics, telemetry

        telemetry.configure(settings.OTEL_EXPORTER_OTLP_ENDPOINT)
        if settings.PROMETHEUS_MULTIPROC_DIR:
            atexit.register(metrics.forget_this_process)
