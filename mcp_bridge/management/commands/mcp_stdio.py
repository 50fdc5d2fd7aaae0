"""`manage.py mcp_stdio`: the /mcp tools over stdin/stdout, for clients that only speak stdio.

The agent key comes from the `ORDERDESK_MCP_KEY` environment variable or from a file (`--key-file`,
readable by its owner only), never from the command line by choice: a process's arguments are
visible to every user of the machine (`ps`, /proc/<pid>/cmdline), its environment only to its owner.
`--key` still works, with a warning on stderr.

The same tools, key scoping, rate limits, traces (source "stdio") and audit as /mcp. stdout carries
nothing but JSON-RPC: every log handler writes to stderr, and while serving the MCP SDK points file
descriptor 1 at stderr too, so even a stray print cannot corrupt the protocol stream.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

import anyio
from django.core.management.base import BaseCommand, CommandError

from api_keys.core import authenticate
from kernel import context
from kernel.errors import Forbidden
from mcp_bridge.mcp_auth import audit_auth_failure, parse_options
from mcp_bridge.server import serve_stdio

KEY_VARIABLE = "ORDERDESK_MCP_KEY"
KEY_FLAG_WARNING = (
    f"Warning: --key puts the API key in the process list, where other users of this machine can read "
    f"it; set {KEY_VARIABLE} or use --key-file instead."
)


def _logs_to_stderr() -> None:
    """Point any log handler that writes to stdout at stderr instead."""
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logging.root.manager.loggerDict)]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
                handler.setStream(sys.stderr)


def key_from_file(path: str) -> str:
    """The key in `path`, refused (as ssh refuses a private key) if others may read the file."""
    file = Path(path)
    try:
        mode = file.stat().st_mode
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CommandError(
                f"{path} can be read by other users (mode {stat.S_IMODE(mode):o}); run chmod 600 on it."
            )
        return file.read_text().strip()
    except OSError as exc:
        raise CommandError(f"Cannot read the key file {path}: {exc.strerror}.") from None


class Command(BaseCommand):
    help = (
        f"Serve the MCP tools over stdin/stdout for one agent API key, read from {KEY_VARIABLE} "
        "or --key-file."
    )
    requires_system_checks = []  # start fast; checks would only print (to stderr) anyway

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--key-file", help=f"A file holding the agent API key (odk_…), instead of {KEY_VARIABLE}."
        )
        source.add_argument(
            "--key", help="The agent API key itself (discouraged: other users see it in the process list)."
        )
        # The same narrowing a /mcp connection asks for with its X-OrderDesk-* headers.
        parser.add_argument("--toolsets", help="Serve only these of the key's toolsets (comma-separated).")
        parser.add_argument("--read-only", action="store_true", help="Serve only the key's reading tools.")
        parser.add_argument(
            "--output-schema",
            choices=("true", "false"),
            help="Send output schemas and structured results (default: the key's setting).",
        )

    def raw_key(self, options) -> str:
        if options["key_file"]:
            raw = key_from_file(options["key_file"])
        elif options["key"]:
            self.stderr.write(KEY_FLAG_WARNING)
            raw = options["key"].strip()
        else:
            raw = os.environ.get(KEY_VARIABLE, "").strip()
        if not raw:
            raise CommandError(f"Give the agent API key in {KEY_VARIABLE} or a file named by --key-file.")
        return raw

    def handle(self, *args, **options):
        _logs_to_stderr()
        raw = self.raw_key(options)
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
