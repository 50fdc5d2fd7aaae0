"""Operations as MCP tools, without the SDK: each tool's contract, argument clean-up and the error
messages agents read. `mcp_bridge.server` turns these into SDK objects.

A tool's contract is generated from its Operation, never written by hand: name = operation name,
description = the service docstring, input schema = the generated argument model (unknown properties
rejected), output schema = the return type, and honest hints.
"""

from __future__ import annotations

import difflib
import json
import math
import types
import typing
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kernel.errors import OperationError, OutcomeUnknown, RateLimited
from mcp_bridge.mcp_output import OutputShape, compact_schema, output_shape
from mcp_bridge.tool_schema import description_summary, wire_input_schema
from operations.registry import Operation


@dataclass(frozen=True)
class ToolSpec:
    operation: Operation

    @property
    def name(self) -> str:
        return self.operation.name

    @cached_property
    def input_schema(self) -> dict[str, Any]:
        """The full input schema, every field documented (describe_tool, the console)."""
        schema = compact_schema(self.operation.input_schema())
        # The argument model forbids extra fields; say so in the schema whatever pydantic emits.
        schema["additionalProperties"] = False
        schema.setdefault("properties", {})
        return schema

    @cached_property
    def wire_input_schema(self) -> dict[str, Any]:
        """What tools/list shows: the compact form (mcp_bridge.tool_schema)."""
        return wire_input_schema(self.operation.input_schema())

    @cached_property
    def description(self) -> str:
        return description_summary(self.operation.description) or self.operation.title

    @cached_property
    def output(self) -> OutputShape:
        return output_shape(self.operation.output_type)

    def annotations(self) -> dict[str, Any]:
        """The hints that differ from the MCP defaults (not read-only, destructive, not idempotent,
        open world); the destructive and idempotent hints only mean something for a write."""
        op = self.operation
        hints: dict[str, Any] = {}
        if op.read_only:
            hints["read_only_hint"] = True
        else:
            if not op.destructive:
                hints["destructive_hint"] = False
            if op.idempotent:
                hints["idempotent_hint"] = True
        if not op.open_world:
            hints["open_world_hint"] = False
        return hints


def _accepts_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _accepts_text(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_accepts_text(arg) for arg in typing.get_args(annotation))
    return False


def coerce_arguments(op: Operation, arguments: dict[str, Any]) -> dict[str, Any]:
    """Accept objects and lists sent as JSON text, which some MCP clients do, like the SDK does."""
    fields = op.input_model.model_fields
    cleaned = dict(arguments)
    for name, value in arguments.items():
        field = fields.get(name)
        if field is None or not isinstance(value, str) or _accepts_text(field.annotation):
            continue
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            continue
        if isinstance(parsed, dict | list):
            cleaned[name] = parsed
    return cleaned


def error_message(exc: OperationError) -> str:
    """The service's message, plus what to do next where the service left that out."""
    message = str(exc).strip()
    if isinstance(exc, RateLimited) and "retry after" not in message.lower():
        wait = f"retry after {math.ceil(exc.retry_after)} s" if exc.retry_after else "retry later"
        message = f"Rate limited: {wait}. {message}".strip()
    elif isinstance(exc, OutcomeUnknown) and "retry" not in message.lower():
        message += " The outcome is unknown: check whether it happened before retrying."
    return message


def unknown_tool_message(name: str, listed: list[str]) -> str:
    """The MCP SDK's own wording, plus the closest tools the caller has."""
    close = difflib.get_close_matches(name, listed, n=1)
    return f"Unknown tool: {name}" + (f"; did you mean {close[0]}?" if close else "")


# Toolsets whose results hold text written by shoppers or by the shop's other systems.
SHOPPER_TEXT_TOOLSETS = frozenset({"orders", "order_items", "shipments", "products"})


def carries_shopper_text(op: Operation) -> bool:
    return op.open_world and op.toolset in SHOPPER_TEXT_TOOLSETS


def crash_message(request_id: str) -> str:
    return f"Internal error; reference {request_id}. It has been logged; retrying will probably not help."
