from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"

    def ready(self) -> None:
        from sandbox import provisioning
        from tenants.signals import tenant_created

        # Every new tenant starts with a sandbox store full of demo data.
        tenant_created.connect(provisioning.on_tenant_created, dispatch_uid="sandbox.provision")
