"""`manage.py create_tenant --email E [--name N]`: a tenant owned by E, with its sandbox store, and no
e-mail sent. Prints only the new tenant's id, so scripts can capture it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kernel import context
from kernel.errors import InvalidInput
from tenants.services import tenant_create


class Command(BaseCommand):
    help = "Create a tenant with E as its owner (creating the user if needed) and its sandbox store."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True, help="The owner's e-mail address.")
        parser.add_argument("--name", default="", help="The tenant's name (default: from the e-mail domain).")

    def handle(self, *args, email: str, name: str, **options) -> None:
        with context.bind(context.RequestContext(source="cli")):
            try:
                tenant, _user = tenant_create(email=email, name=name)
            except InvalidInput as exc:
                raise CommandError(f"--email: {exc}") from None
        self.stdout.write(str(tenant.pk))
