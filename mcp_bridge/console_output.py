"""What the console shows around a result: a readable view of it (a table for lists of objects, a
tree for objects) next to the raw JSON, the same call written for other clients ("copy as"), and the
fields of the next page's run when the result carries a cursor.
"""

from __future__ import annotations

import json
import pprint
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms

from api_keys.client_config import mcp_url
from kernel.redaction import REDACTED
from mcp_bridge.console_runs import RunOutcome
from operations.registry import Operation

# The protocol revision the snippets speak: /mcp serves it statelessly, one request per call, with
# its routing headers (Mcp-Method, Mcp-Name) checked against the body.
PROTOCOL_VERSION = "2026-07-28"
KEY_VARIABLE = "ORDERDESK_MCP_KEY"
MAX_NODES = 3000  # beyond this a readable view would be slower to read than the raw JSON
MAX_DEPTH = 8
MAX_TABLE_ROWS = 500
CELL_LENGTH = 80
TITLE_LENGTH = 500


# --- The readable view -------------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    css: str = ""
    title: str = ""  # the whole value, when the cell shows it cut


@dataclass
class Node:
    """One value of the result. `kind` is scalar, object, list or table (a list of objects)."""

    kind: str
    depth: int = 0
    text: str = ""
    css: str = ""
    members: list[tuple[str, Node]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    hidden_rows: int = 0

    @property
    def open(self) -> bool:
        return self.depth < 2  # the first levels unfolded; deeper ones one click away

    @property
    def summary(self) -> str:
        if self.kind == "object":
            return f"{{…}} {len(self.members)} field{'s' if len(self.members) != 1 else ''}"
        count = len(self.rows) + self.hidden_rows if self.kind == "table" else len(self.members)
        return f"[…] {count} item{'s' if count != 1 else ''}"


class _TooLarge(Exception):
    pass


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _scalar_css(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, (int, float)) else "string"


def _cell(value: Any) -> Cell:
    if isinstance(value, str):
        text = value
    elif value is None:
        return Cell("—", "null")
    else:
        text = _compact(value)
    css = _scalar_css(value) if not isinstance(value, (dict, list)) else "nested"
    if len(text) <= CELL_LENGTH:
        return Cell(text, css)
    title = text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"
    return Cell(text[: CELL_LENGTH - 1] + "…", css, title)


def _is_table(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


class _Builder:
    def __init__(self) -> None:
        self.nodes = 0

    def count(self, n: int = 1) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            raise _TooLarge

    def node(self, value: Any, depth: int = 0) -> Node:
        self.count()
        if depth >= MAX_DEPTH and isinstance(value, (dict, list)):
            cell = _cell(value)
            return Node("scalar", depth, text=cell.title or cell.text, css="nested")
        if isinstance(value, (dict, list)) and not value:
            return Node("scalar", depth, text=_compact(value), css="nested")
        if _is_table(value):
            return self.table(value, depth)
        if isinstance(value, dict):
            members = [(str(k), self.node(v, depth + 1)) for k, v in value.items()]
            return Node("object", depth, members=members)
        if isinstance(value, list):
            return Node(
                "list", depth, members=[(str(i), self.node(v, depth + 1)) for i, v in enumerate(value)]
            )
        text = value if isinstance(value, str) else _compact(value)
        return Node("scalar", depth, text=text, css=_scalar_css(value))

    def table(self, items: list[dict[str, Any]], depth: int) -> Node:
        columns: dict[str, None] = {}  # every key of every row, in the order first seen
        for item in items:
            columns.update(dict.fromkeys(item))
        shown = items[:MAX_TABLE_ROWS]
        self.count(len(shown) * max(1, len(columns)))
        rows = [
            [_cell(item[name]) if name in item else Cell("", "absent") for name in columns] for item in shown
        ]
        return Node("table", depth, columns=list(columns), rows=rows, hidden_rows=len(items) - len(shown))


def readable(result_json: str, truncated: bool = False) -> Node | None:
    """The result as nodes for the table/tree view; None when it is not worth one (a single value,
    a cut-off result that is no longer JSON, or too many values to read this way)."""
    if truncated or not result_json:
        return None
    try:
        value = json.loads(result_json)
        if not isinstance(value, (dict, list)) or not value:
            return None
        return _Builder().node(value)
    except (ValueError, _TooLarge, RecursionError):
        return None


# --- Copy as -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    slug: str
    title: str
    hint: str
    text: str


def jsonrpc_body(tool: str, arguments: dict[str, Any], request_id: int = 1) -> dict[str, Any]:
    """A `tools/call` request of the 2026-07-28 protocol, self-contained (no session, no handshake)."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": PROTOCOL_VERSION,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "curl", "version": "1"},
    }
    params = {"name": tool, "arguments": arguments, "_meta": meta}
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


def jsonrpc_headers(tool: str) -> list[tuple[str, str]]:
    return [
        ("Authorization", f"Bearer ${KEY_VARIABLE}"),
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("MCP-Protocol-Version", PROTOCOL_VERSION),
        ("Mcp-Method", "tools/call"),
        ("Mcp-Name", tool),
    ]


def curl_command(tool: str, arguments: dict[str, Any]) -> str:
    body = json.dumps(jsonrpc_body(tool, arguments), ensure_ascii=False, default=str)
    lines = [f"curl -sS {shlex.quote(mcp_url())}"]
    for name, value in jsonrpc_headers(tool):
        # Double quotes around the Authorization header only, so the shell puts the key in.
        quoted = f'"{name}: {value}"' if value.startswith("Bearer $") else shlex.quote(f"{name}: {value}")
        lines.append(f"-H {quoted}")
    lines.append(f"--data-raw {shlex.quote(body)}")
    return " \\\n  ".join(lines)


PYTHON_TEMPLATE = """\
import asyncio
import os

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

URL = {url!r}
ARGUMENTS = {arguments}


async def main() -> None:
    headers = {{"Authorization": f"Bearer {{os.environ['{variable}']}}"}}
    async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
        async with Client(streamable_http_client(URL, http_client=http)) as client:
            result = await client.call_tool({tool!r}, ARGUMENTS)
    text = result.content[0].text if result.content else ""
    if result.is_error:
        raise SystemExit(text)
    print(text)


asyncio.run(main())
"""


def python_snippet(tool: str, arguments: dict[str, Any]) -> str:
    literal = pprint.pformat(arguments, indent=4, width=88, sort_dicts=False)
    return PYTHON_TEMPLATE.format(url=mcp_url(), arguments=literal, variable=KEY_VARIABLE, tool=tool)


def snippets(tool: str, arguments: dict[str, Any]) -> list[Snippet]:
    """The same call as a JSON-RPC body, a curl command and a Python script. `arguments` are the run's
    redacted arguments: no secret the operator typed reaches the page, nor any API key."""
    key_hint = f"Set {KEY_VARIABLE} to an agent API key (API keys page) first."
    body = json.dumps(jsonrpc_body(tool, arguments), indent=2, ensure_ascii=False, default=str)
    return [
        Snippet(
            "jsonrpc",
            "MCP JSON-RPC request",
            f"POST to {mcp_url()} with the headers of the curl command.",
            body,
        ),
        Snippet(
            "curl", "curl", f"{key_hint} The answer is one server-sent event.", curl_command(tool, arguments)
        ),
        Snippet(
            "python",
            "Python (mcp SDK)",
            f"{key_hint} Needs the mcp package (pip install mcp).",
            python_snippet(tool, arguments),
        ),
    ]


def has_redacted(value: Any) -> bool:
    return REDACTED in json.dumps(value, ensure_ascii=False, default=str)


# --- Next page ---------------------------------------------------------------------------------------


def next_cursor(input_fields: Iterable[str], result_json: str, truncated: bool = False) -> str | None:
    """The result's `next_cursor`, when the operation takes a `cursor` to continue from it."""
    if "cursor" not in input_fields or truncated or '"next_cursor"' not in result_json:
        return None
    try:
        value = json.loads(result_json)
    except ValueError:
        return None
    cursor = value.get("next_cursor") if isinstance(value, dict) else None
    return cursor if isinstance(cursor, str) and cursor else None


def form_data(form: forms.Form) -> list[tuple[str, str]]:
    """An unbound form's initial values as the name/value pairs its own post would send."""
    pairs = []
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.NullBooleanField):
            value = {True: "true", False: "false"}.get(value)
        elif isinstance(bound.field, forms.BooleanField):
            value = "on" if value else None  # an unticked box is simply absent
        if value is not None and value != "":
            pairs.append((bound.name, str(value)))
    return pairs


def next_page_data(
    arguments: dict[str, Any] | None,
    result_json: str,
    *,
    input_fields: Iterable[str],
    make_form: Callable[[dict[str, Any]], forms.Form],
    truncated: bool = False,
) -> list[tuple[str, str]] | None:
    """The posted fields of the same run with `cursor` set to the result's next cursor; None when
    there is no next page, or when a secret argument would have to be typed again."""
    if arguments is None or has_redacted(arguments):
        return None
    cursor = next_cursor(input_fields, result_json, truncated)
    if cursor is None:
        return None
    return form_data(make_form({**arguments, "cursor": cursor}))


# --- For the template --------------------------------------------------------------------------------


def result_context(
    op: Operation, outcome: RunOutcome | None, make_form: Callable[[dict[str, Any]], forms.Form]
) -> dict[str, Any]:
    """What the result area shows besides the outcome itself."""
    if outcome is None:
        return {}
    arguments = outcome.arguments
    data = {
        "readable": readable(outcome.result_json, outcome.result_truncated) if outcome.ok else None,
        "snippets": snippets(op.name, arguments) if arguments is not None else [],
        "snippets_redacted": arguments is not None and has_redacted(arguments),
        "next_page": None,
    }
    if outcome.ok:
        data["next_page"] = next_page_data(
            arguments,
            outcome.result_json,
            input_fields=op.input_model.model_fields,
            make_form=make_form,
            truncated=outcome.result_truncated,
        )
    return data
