"""Copy-paste configuration for MCP clients, shown next to a newly created key."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings

SERVER_NAME = "orderdesk"


@dataclass(frozen=True)
class ClientConfig:
    slug: str  # element id suffix
    title: str
    hint: str
    text: str


def mcp_url() -> str:
    # SITE_URL, never the Host header: the address agents use must not depend on who asked.
    return f"{settings.SITE_URL}/mcp"


def client_configs(raw_key: str) -> list[ClientConfig]:
    url = mcp_url()
    bearer = f"Bearer {raw_key}"
    desktop = {
        "mcpServers": {
            SERVER_NAME: {
                "command": "npx",
                "args": ["-y", "mcp-remote", url, "--header", "Authorization:${ORDERDESK_AUTH}"],
                "env": {"ORDERDESK_AUTH": bearer},
            }
        }
    }
    generic = {
        "mcpServers": {SERVER_NAME: {"type": "http", "url": url, "headers": {"Authorization": bearer}}}
    }
    return [
        ClientConfig(
            "inspector",
            "MCP Inspector (CLI)",
            "Lists the tools this key can use: a quick check that everything works.",
            f'npx @modelcontextprotocol/inspector --cli {url} --transport http --header "Authorization: '
            f'{bearer}" --method tools/list',
        ),
        ClientConfig(
            "claude-code",
            "Claude Code",
            "Run once in a terminal.",
            f'claude mcp add --transport http {SERVER_NAME} {url} --header "Authorization: {bearer}"',
        ),
        ClientConfig(
            "claude-desktop",
            "Claude Desktop",
            "Merge into claude_desktop_config.json, then restart Claude Desktop. The header goes through an "
            "environment variable because some launchers split arguments at spaces.",
            json.dumps(desktop, indent=2),
        ),
        ClientConfig(
            "generic",
            "Other MCP clients (JSON)",
            "For clients that take a remote server as type, url and headers.",
            json.dumps(generic, indent=2),
        ),
    ]
