"""The compact form of a tool's contract that agents read in every conversation.

tools/list is paid for in context by every agent on every conversation, so its schemas say only what
a model needs to build a valid call: types, which arguments are required, enums, defaults and the
numeric ranges. Everything else is either enforced by the server with a message naming the field
(string lengths and patterns) or said once in the server instructions instead of in every tool (the
`store`, paging, `fields`, idempotency and date rules). The full documentation of a tool, with every
field description and its output schema, stays one call away in `describe_tool`.
"""

from __future__ import annotations

from typing import Any

from mcp_bridge.mcp_output import NAME_MAPS, VALUE_KEYWORDS

# Arguments shared by many tools: the server instructions explain them once.
SHARED_ARGUMENTS = frozenset({"store", "cursor", "limit", "fields", "idempotency_key", "order_id"})

# Validation the server does itself (with a message naming the field); repeating it costs context.
_SERVER_CHECKED = frozenset({"maxLength", "minLength", "pattern", "minProperties", "maxItems", "title"})


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) == 1


def _plain_optional(schema: dict[str, Any]) -> dict[str, Any]:
    """`{anyOf: [X, null], default: null}` is how pydantic spells an optional argument; to an agent
    it is just X, not listed in `required`."""
    options = schema.get("anyOf")
    if not isinstance(options, list) or schema.get("default") is not None:
        return schema
    rest = [option for option in options if not _is_null(option)]
    if len(rest) == len(options):
        return schema
    merged = {key: value for key, value in schema.items() if key not in ("anyOf", "default")}
    if len(rest) == 1 and isinstance(rest[0], dict):
        return {**rest[0], **merged}
    return {**merged, "anyOf": rest}


def _date_rule(description: Any) -> bool:
    return isinstance(description, str) and description.startswith("YYYY-MM-DD")


def compact(node: Any, *, names: bool = False) -> Any:
    """A copy of a JSON schema in its compact wire form (see the module docstring)."""
    if isinstance(node, list):
        return [compact(item) for item in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {key: compact(value) for key, value in node.items()}
    node = _plain_optional(node)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SERVER_CHECKED and not isinstance(value, dict):
            continue
        if key == "description" and _date_rule(value):
            continue
        out[key] = value if key in VALUE_KEYWORDS else compact(value, names=key in NAME_MAPS)
    return out


def wire_input_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A tool's inputSchema as listed: compact, shared arguments undocumented, unknown ones refused."""
    wired = compact(schema)
    properties = wired.setdefault("properties", {})
    for name in SHARED_ARGUMENTS & properties.keys():
        properties[name].pop("description", None)
    wired["additionalProperties"] = False
    wired["type"] = "object"
    return wired


def description_summary(docstring: str) -> str:
    """The first paragraph of a service's docstring, on one line: what the tool does and when to use
    it. The rest is the full documentation (`describe_tool`, the console)."""
    first = docstring.strip().split("\n\n", 1)[0]
    return " ".join(first.split())
