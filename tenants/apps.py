from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tenants.middleware import stamp_session

        user_logged_in.connect(stamp_session, dispatch_uid="tenants.stamp_session")
