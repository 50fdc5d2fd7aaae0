"""`manage.py run_operation NAME --email E [--tenant T] [--arguments JSON] [--arg name=value …]`

Runs one operation of the registry, exactly as the console or /mcp would: as the member E of their
tenant (their role decides what they may do), through `run_operation`, so the call is validated, traced
(source "cli") and, when it writes to OrderDesk, audited. Prints the result as JSON on stdout; a refusal
or failure is an error message on stderr and exit status 1.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kernel import context
from kernel.errors import OperationError
from operations.recording import to_jsonable
from operations.registry import REGISTRY
from operations.runner import run_operation_sync
from tenants.actors import Actor
from tenants.models import Membership


def _arguments(raw_json: str, pairs: list[str]) -> dict[str, Any]:
    try:
        arguments = json.loads(raw_json or "{}")
    except ValueError as exc:
        raise CommandError(f"--arguments: not valid JSON ({exc}).") from None
    if not isinstance(arguments, dict):
        raise CommandError('--arguments: give a JSON object, e.g. \'{"order_id": "123"}\'.')
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--arg: write name=value, not {pair!r}.")
        arguments[name.strip()] = value  # always text; typed values go in --arguments
    return arguments


class Command(BaseCommand):
    help = "Run one operation (as listed by the console and /mcp) as a member of a tenant; print JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The operation, e.g. orders_list or stores_test.")
        parser.add_argument("--email", required=True, help="The member acting; their role applies.")
        parser.add_argument("--tenant", default="", help="The tenant's id, for someone in several tenants.")
        parser.add_argument("--arguments", default="{}", help="The arguments as a JSON object.")
        parser.add_argument(
            "--arg", action="append", default=[], metavar="NAME=VALUE", help="One text argument (repeatable)."
        )

    def handle(self, *args, **options) -> None:
        try:
            op = REGISTRY.get(options["name"])
        except OperationError:
            names = ", ".join(op.name for op in REGISTRY)
            raise CommandError(f"There is no operation {options['name']!r}. Operations: {names}.") from None
        actor = Actor.for_membership(self._membership(options["email"], options["tenant"]))
        arguments = _arguments(options["arguments"], options["arg"])
        with context.bind(context.RequestContext(source="cli")):
            try:
                invocation = run_operation_sync(op, arguments, actor=actor)
            except OperationError as exc:
                trace = getattr(exc, "trace_id", None)
                raise CommandError(f"{exc.code}: {exc}" + (f" (trace {trace})" if trace else "")) from None
        self.stderr.write(
            f"{op.name} ran as {actor.label} in {actor.tenant.name} (trace {invocation.trace_id})."
        )
        result = json.dumps(to_jsonable(invocation.result), indent=2, ensure_ascii=False, default=str)
        self.stdout.write(result)

    def _membership(self, email: str, tenant_id: str) -> Membership:
        memberships = Membership.objects.select_related("tenant", "user").filter(
            user__email__iexact=email.strip(), user__is_active=True
        )
        if tenant_id:
            try:
                memberships = memberships.filter(tenant_id=uuid.UUID(tenant_id))
            except ValueError:
                raise CommandError(f"--tenant: {tenant_id!r} is not a tenant id.") from None
        found = list(memberships.order_by("created_at", "pk")[:2])
        if not found:
            raise CommandError(f"{email} is not a member of {'that tenant' if tenant_id else 'any tenant'}.")
        if len(found) > 1:
            raise CommandError(f"{email} is a member of several tenants; choose one with --tenant.")
        return found[0]
