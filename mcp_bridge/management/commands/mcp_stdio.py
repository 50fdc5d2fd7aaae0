"""`manage.py mcp_stdio --key odk_…`: the /mcp tools over stdin/stdout, for clients that only speak stdio.

The same tools, key scoping, rate limits, traces (source "stdio") and audit as /mcp. stdout carries
nothing but JSON-RPC: every log handler writes to stderr, and while serving the MCP SDK points file
descriptor 1 at stderr too, so even a stray print cannot corrupt the protocol stream.
"""

from __future__ import annotations

import logging
import sys

import anyio
from django.core.management.base import BaseCommand, CommandError

from api_keys.core import authenticate
from kernel import context
from kernel.errors import Forbidden
from mcp_bridge.mcp_auth import audit_auth_failure, parse_options
from mcp_bridge.server import serve_stdio


def _logs_to_stderr() -> None:
    """Point any log handler that writes to stdout at stderr instead."""
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logging.root.manager.loggerDict)]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
                handler.setStream(sys.stderr)


class Command(BaseCommand):
    help = "Serve the MCP tools over stdin/stdout for one agent API key."
    requires_system_checks = []  # start fast; checks would only print (to stderr) anyway

    def add_arguments(self, parser):
        parser.add_argument("--key", required=True, help="The agent API key (odk_…) to act as.")
        # The same narrowing a /mcp connection asks for with its X-OrderDesk-* headers.
        parser.add_argument("--toolsets", help="Serve only these of the key's toolsets (comma-separated).")
        parser.add_argument("--read-only", action="store_true", help="Serve only the key's reading tools.")
        parser.add_argument(
            "--output-schema",
            choices=("true", "false"),
            help="Send output schemas and structured results (default: the key's setting).",
        )

    def handle(self, *args, **options):
        _logs_to_stderr()
        raw = options["key"].strip()
        with context.bind(context.RequestContext(source="stdio")):
            actor = authenticate(raw)
            if actor is None:
                audit_auth_failure(raw, interface="stdio")
                raise CommandError("The API key is invalid, revoked or expired.")
        try:
            connection = parse_options(
                options["toolsets"], "true" if options["read_only"] else None, options["output_schema"]
            )
            connection.narrow(actor)
        except (ValueError, Forbidden) as exc:
            raise CommandError(str(exc).replace("X-OrderDesk-", "--").lower()) from None
        logging.getLogger(__name__).info("Serving MCP over stdio for %s", actor.label)
        anyio.run(serve_stdio, raw, actor, connection)
