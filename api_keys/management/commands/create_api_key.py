"""`manage.py create_api_key --email E --name N --scope read|read_write [--stores S1,S2] [--admin]
[--toolsets T1,T2] [--rate N] [--expires DAYS|YYYY-MM-DD] [--output-schema]`

Prints the new key, alone, on stdout (so `KEY=$(manage.py create_api_key …)` works); every note goes
to stderr. The key is the same kind `/keys/` makes, created through the same service (which decides
what is allowed) and audited with source "cli".
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from api_keys import services
from api_keys.models import ApiKeyScope
from kernel import context
from kernel.errors import OperationError
from operations.registry import TOOLSETS
from stores.models import Store
from stores.selectors import store_for_call
from tenants.actors import Actor
from tenants.models import Membership, Role

# The service names its fields; a message on the command line names the option instead.
OPTION_FOR_FIELD = {
    "name": "--name",
    "scope": "--scope",
    "store_ids": "--stores",
    "toolsets": "--toolsets",
    "calls_per_minute": "--rate",
    "expires_at": "--expires",
}


def comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def rate(value: str) -> int:
    """A whole number; its range is the service's rule."""
    try:
        return int(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"give the tool calls per minute as a whole number from 1 to {services.CALLS_PER_MINUTE_MAX:,}, "
            f"not {value!r}"
        ) from None


def expiry(value: str) -> dt.datetime:
    """`N` days from now, or an ISO date (the key stops at 00:00 UTC that day) or date and time (UTC
    unless it says otherwise). Whether it is in the future is the service's rule."""
    text = value.strip()
    if text.isdigit():
        days = int(text)
        if days < 1:
            raise argparse.ArgumentTypeError("give at least 1 day, or an ISO date such as 2030-01-31")
        return timezone.now() + dt.timedelta(days=days)
    try:
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time.min, tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"give a number of days or an ISO date such as 2030-01-31, not {value!r}"
        ) from None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


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
        parser.add_argument(
            "--toolsets",
            type=comma_list,
            default=[],
            help=f"Comma-separated toolsets the key may use, of {', '.join(TOOLSETS)} (default: all).",
        )
        parser.add_argument(
            "--rate",
            type=rate,
            default=None,
            metavar="N",
            help=f"Tool calls per minute, 1 to {services.CALLS_PER_MINUTE_MAX:,} (default: the server's).",
        )
        parser.add_argument(
            "--expires",
            type=expiry,
            default=None,
            metavar="DAYS|DATE",
            help="Days from now, or an ISO date (the key stops at 00:00 UTC that day). Default: never.",
        )
        parser.add_argument(
            "--output-schema",
            action="store_true",
            help="Send MCP outputSchema and structuredContent to this key (roughly doubles what it reads).",
        )

    def handle(self, *args, **options) -> None:
        membership = self._owner_membership(options["email"])
        store_refs = comma_list(options["stores"])
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
                    toolsets=options["toolsets"],
                    calls_per_minute=options["rate"],
                    expires_at=options["expires"],
                    output_schema=options["output_schema"],
                )
            except OperationError as exc:
                where = OPTION_FOR_FIELD.get(exc.field or "", exc.field)
                raise CommandError(f"{where}: {exc}" if where else str(exc)) from None
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
