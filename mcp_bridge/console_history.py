"""An operator's own recent console runs: the traces they started from the console, in one tenant.

No model of its own: every console run is already a trace (source "console", the operator as its
actor), with its redacted arguments, outcome and duration. "Run again" opens the operation's form
filled in from that trace.
"""

from __future__ import annotations

import json
from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from operations.models import Trace, TraceOutcome, TraceSource
from tenants.models import Tenant

RUNS_SHOWN = 10
SUMMARY_LENGTH = 120
# The idempotency key the console gives a write the operator left without one (one per form render).
# It belongs to that one submission: a copied call or a "Run again" must not reuse it, or the server
# would answer with the first run's result instead of running again.
AUTOMATIC_KEY_PREFIX = "console:"
_FIELDS = ("id", "operation", "arguments", "outcome", "error_code", "duration_ms", "started_at")


def without_automatic_key(arguments: dict[str, Any]) -> dict[str, Any]:
    key = arguments.get("idempotency_key")
    if isinstance(key, str) and key.startswith(AUTOMATIC_KEY_PREFIX):
        return {name: value for name, value in arguments.items() if name != "idempotency_key"}
    return arguments


@dataclass(frozen=True)
class ConsoleRun:
    trace_id: str
    operation: str
    inputs: str  # a one-line summary of the (redacted) arguments
    outcome: str
    outcome_label: str
    error_code: str
    duration_ms: float
    started_at: datetime
    can_run_again: bool  # the operation is still one of the operator's


def inputs_summary(arguments: Any, length: int = SUMMARY_LENGTH) -> str:
    """`name=value` pairs, values as compact JSON, cut to `length` characters."""
    if not isinstance(arguments, dict) or not arguments:
        return ""
    arguments = without_automatic_key(arguments)
    text = ", ".join(
        f"{name}={json.dumps(value, ensure_ascii=False, default=str)}" for name, value in arguments.items()
    )
    return text if len(text) <= length else text[: length - 1] + "…"


def console_runs(
    *,
    tenant: Tenant,
    user: Any,
    available: Container[str],
    operation: str | None = None,
    limit: int = RUNS_SHOWN,
) -> list[ConsoleRun]:
    """The newest console runs `user` started in `tenant` (of `operation` only, when given). Another
    member's runs, and the user's runs in other teams, are never included. `available` names the
    operations the operator may open now (the others are listed without "Run again")."""
    if user is None or not getattr(user, "pk", None):
        return []
    rows = Trace.objects.filter(tenant=tenant, source=TraceSource.CONSOLE, actor_user=user)
    if operation is not None:
        rows = rows.filter(operation=operation)
    return [
        ConsoleRun(
            trace_id=str(trace.pk),
            operation=trace.operation,
            inputs=inputs_summary(trace.arguments),
            outcome=trace.outcome,
            outcome_label=TraceOutcome(trace.outcome).label
            if trace.outcome in TraceOutcome.values
            else trace.outcome,
            error_code=trace.error_code,
            duration_ms=trace.duration_ms,
            started_at=trace.started_at,
            can_run_again=trace.operation in available,
        )
        for trace in rows.only(*_FIELDS).order_by("-started_at", "-id")[:limit]
    ]
