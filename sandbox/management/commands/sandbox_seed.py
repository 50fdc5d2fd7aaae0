"""`manage.py sandbox_seed --email E [--orders N] [--seed K]`: (re)fill E's tenant's sandbox store
with N demo orders and print its credentials as shell variables (product.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kernel import context
from sandbox.demo.loader import seed_store
from sandbox.provisioning import create_sandbox, ensure_api_key, random_seed, tenant_sandbox
from tenants.actors import Actor
from tenants.audit import Action, audit
from tenants.models import Membership, Role

MAX_ORDERS = 5000


class Command(BaseCommand):
    help = (
        "Refill the sandbox store of the e-mail's team with demo orders (creating the store if needed) "
        "and print ORDERDESK_STORE_ID, ORDERDESK_API_KEY and ORDERDESK_BASE_URL lines for a shell."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="An operator of the team whose sandbox to fill.")
        parser.add_argument("--orders", type=int, default=60, help="How many demo orders (default 60).")
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="Same seed, same data (on the same day). Default: keep the store's seed.",
        )

    def handle(self, *args, email: str, orders: int, seed: int | None, **options) -> None:
        if not 0 <= orders <= MAX_ORDERS:
            raise CommandError(f"--orders must be between 0 and {MAX_ORDERS}.")
        # A person in several teams: the first team they own, else the first they joined.
        memberships = Membership.objects.select_related("tenant").filter(user__email__iexact=email.strip())
        membership = (
            memberships.filter(role=Role.OWNER).order_by("created_at").first()
            or memberships.order_by("created_at").first()
        )
        if membership is None:
            raise CommandError(f"No operator with the e-mail {email!r} belongs to a team.")
        tenant = membership.tenant
        with context.bind(context.RequestContext(source="cli")), transaction.atomic():
            sandbox = tenant_sandbox(tenant)
            if sandbox is None:
                sandbox = create_sandbox(tenant=tenant, orders=orders, seed=seed)
            else:
                chosen = (
                    seed if seed is not None else sandbox.seed if sandbox.seed is not None else random_seed()
                )
                seed_store(sandbox, orders=orders, seed=chosen)
            api_key = ensure_api_key(sandbox)
            audit(
                Action.SANDBOX_SEEDED,
                actor=Actor.system(tenant),
                target=sandbox.store,
                detail={"orders": orders, "seed": sandbox.seed, "email": email},
            )
        self.stdout.write(f"ORDERDESK_STORE_ID={sandbox.orderdesk_store_id}")
        self.stdout.write(f"ORDERDESK_API_KEY={api_key}")
        self.stdout.write(f"ORDERDESK_BASE_URL={settings.SANDBOX_BASE_URL}")
