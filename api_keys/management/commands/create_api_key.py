"""`manage.py create_api_key --email E --name N --scope read|read_write [--stores S1,S2] [--admin]`

Prints the new key, alone, on stdout (so `KEY=$(manage.py create_api_key …)` works); every note goes
to stderr. The key is the same kind `/keys/` makes, created through the same service and audited with
source "cli".
"""

from __future__ import annotations

import contextlib
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api_keys import services
from api_keys.models import ApiKeyScope
from kernel import context
from kernel.errors import OperationError
from stores.models import Store
from stores.selectors import store_for_call
from tenants.actors import Actor
from tenants.models import Membership, Role


class Command(BaseCommand):
    help = "Create an agent API key for the tenant E owns and print it once on stdout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="An owner of the tenant.")
        parser.add_argument("--name", required=True, help="What the key is for.")
        parser.add_argument("--scope", required=True, choices=ApiKeyScope.values)
        parser.add_argument(
            "--stores",
            default="",
            help="Comma-separated store ids or names the key is limited to (default: all stores).",
        )
        parser.add_argument("--admin", action="store_true", help="Add the stores:admin scope.")

    def handle(self, *args, **options) -> None:
        membership = self._owner_membership(options["email"])
        store_refs = [ref.strip() for ref in options["stores"].split(",") if ref.strip()]
        owner = Actor.for_membership(membership)
        stores = [self._store(owner, ref) for ref in store_refs]
        # Anything the service prints (the console e-mail backend writes notifications to stdout)
        # goes to stderr, so stdout carries the key and nothing else.
        with context.bind(context.RequestContext(source="cli")), contextlib.redirect_stdout(sys.stderr):
            try:
                key, raw = services.key_create(
                    tenant=membership.tenant,
                    actor=owner,
                    name=options["name"],
                    scope=options["scope"],
                    stores_admin=options["admin"],
                    all_stores=not stores,
                    store_ids=[store.pk for store in stores],
                )
            except OperationError as exc:
                raise CommandError(f"{exc.field}: {exc}" if exc.field else str(exc)) from None
        self.stderr.write(f"Created key {key.prefix}… ({key.name}) for tenant {membership.tenant.name}.")
        self.stdout.write(raw)

    def _owner_membership(self, email: str) -> Membership:
        owned = list(
            Membership.objects.select_related("tenant", "user")
            .filter(user__email__iexact=email.strip(), role=Role.OWNER)
            .order_by("created_at", "pk")
        )
        if not owned:
            raise CommandError(f"{email} is not the owner of any tenant.")
        if len(owned) > 1:
            self.stderr.write(
                f"{email} owns {len(owned)} tenants; using {owned[0].tenant.name} "
                f"({owned[0].tenant.pk}), the oldest membership."
            )
        return owned[0]

    def _store(self, owner: Actor, ref: str) -> Store:
        """The same resolution as every operation's `store` argument: id, name or OrderDesk store id."""
        try:
            return store_for_call(tenant=owner.tenant, actor=owner, store=ref)
        except OperationError as exc:
            raise CommandError(f"--stores: {exc}") from None
