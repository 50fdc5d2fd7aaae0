"""The one way every face calls an operation: `run_operation`.

The console, /mcp, stdio, pages and management commands all come through here, so each call gets the
same treatment whoever made it: the actor's toolsets and permission are checked, the raw arguments are
validated against the operation's input model (messages name the field), the call runs within one
time budget for all its upstream calls, and one Trace records it with a Span per upstream attempt;
a write to OrderDesk is audited and a refusal recorded as `access.denied`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from pydantic import ValidationError

from kernel import context, deadlines, metrics, telemetry, tracing
from kernel.errors import InvalidInput, OperationError
from kernel.storable import find_nul
from kernel.types import Progress
from operations import recording
from operations.registry import Operation, Service, check_allowed, validation_message
from tenants.actors import Actor

logger = logging.getLogger(__name__)
# One line per operation run, at INFO; settings.LOGGING shows it with LOG_FORMAT=json.
calls_logger = logging.getLogger("operations.calls")


@dataclass
class Invocation:
    operation: Operation
    result: Any
    trace_id: Any


def _time_budget(op: Operation):
    # One 30 s budget for all of an operation's upstream calls; batches (which report progress) may
    # run longer, each of their calls keeping its own deadline.
    if op.reports_progress:
        return contextlib.nullcontext()
    return deadlines.budget(settings.ORDERDESK_OPERATION_DEADLINE)


def _refuse_nul(arguments: dict[str, Any]) -> None:
    """No argument may hold a NUL: PostgreSQL could not record it, and no caller needs one. Refused
    like any other bad input, before anything is sent to OrderDesk."""
    path = find_nul(arguments)
    if path is not None:
        location = ".".join(str(part) for part in path) or "arguments"
        raise InvalidInput(
            f"Invalid arguments: {location}: must not contain the NUL character (U+0000)",
            field=str(path[0]) if path else None,
        )


async def _call(op: Operation, arguments: dict[str, Any], actor: Actor, progress: Progress | None) -> Any:
    check_allowed(op, actor)
    _refuse_nul(arguments)
    try:
        validated = op.input_model.model_validate(arguments)
    except ValidationError as exc:
        message, field = validation_message(exc, op.input_model)
        raise InvalidInput(message, field=field) from None
    kwargs = {name: getattr(validated, name) for name in type(validated).model_fields}
    if op.reports_progress:
        kwargs["progress"] = progress
    with _time_budget(op):
        return await op.func(tenant=actor.tenant, actor=actor, **kwargs)


async def run_operation(
    op: Operation,
    arguments: dict[str, Any],
    *,
    actor: Actor,
    progress: Progress | None = None,
) -> Invocation:
    """Call `op` for `actor` with raw `arguments`, recording one Trace (and auditing a write).

    The face is the request context's `source` (web, console, mcp, stdio, cli). Raises OperationError
    subclasses for anticipated failures; anything else is a crash, logged here with the request id and
    re-raised for the face to show generically.
    """
    started = time.perf_counter()
    error: BaseException | None = None
    result: Any = None
    source = context.current().source
    with (
        context.noting(operation=op.name, tenant=str(actor.tenant.pk)),
        telemetry.operation_span(op.name, source=source) as span,
        tracing.recording() as recorder,
    ):
        try:
            result = await _call(op, arguments, actor, progress)
        except OperationError as exc:
            error = exc
        except Exception as exc:
            error = exc
            logger.exception("operation %s crashed (request %s)", op.name, context.current().request_id)
        except asyncio.CancelledError as exc:
            # The caller went away (client disconnect, timeout, server shutdown) while upstream calls,
            # writes among them, may already have been made: the call still gets its trace and audit.
            error = exc
        _observe(op, source, error, time.perf_counter() - started, span)
        saving = recording.save_trace(
            op=op,
            actor=actor,
            source=source,
            arguments=arguments,
            recorder=recorder,
            result=result,
            error=error,
            duration_ms=(time.perf_counter() - started) * 1000,
        )
        try:
            if isinstance(error, asyncio.CancelledError):
                # Shielded: a repeated cancellation must not stop the record of a cancelled call.
                await asyncio.shield(saving)
                raise error
            trace = await saving
        except recording.TraceNotRecorded:
            # The recorder logged it under the request id and kept the audit row of a write. A caller
            # whose call failed learns why; a call that succeeded leaves as a crash whose reference
            # (the request id) is the one in the log.
            if error is not None:
                raise error from None
            raise
        except Exception:
            logger.exception(
                "operation %s could not be recorded (request %s)", op.name, context.current().request_id
            )
            raise
    if error is not None:
        # Any exception, a crash included, leaves with the id of its trace (the faces read it with
        # getattr); exceptions declare no such attribute, so it is set by name.
        setattr(error, "trace_id", trace.id)  # noqa: B010
        raise error
    return Invocation(operation=op, result=result, trace_id=trace.id)


def outcome_of(error: BaseException | None) -> str:
    """The run's outcome as a short, bounded label: "ok", the error's code, "crash" or "cancelled"."""
    if error is None:
        return "ok"
    if isinstance(error, OperationError):
        return error.code
    return "cancelled" if isinstance(error, asyncio.CancelledError) else "crash"


def _observe(op: Operation, source: str, error: BaseException | None, seconds: float, span: Any) -> None:
    """The operation's metrics, its log line and the outcome on its span."""
    outcome = outcome_of(error)
    metrics.count_operation(op.name, source, outcome, seconds)
    telemetry.end_operation_span(span, outcome)
    calls_logger.info(
        "operation %s finished: %s",
        op.name,
        outcome,
        extra={"outcome": outcome, "duration_ms": round(seconds * 1000, 2)},
    )


def operation_of(target: Operation | Callable[..., Any]) -> Operation:
    """The Operation itself, or the one a service declared with `@operation`."""
    if isinstance(target, Operation):
        return target
    if isinstance(target, Service):
        return target.operation
    raise TypeError(f"{target!r} was not declared with @operation")


async def run(target: Operation | Callable[..., Any], arguments: dict[str, Any], *, actor: Actor) -> Any:
    """Run an operation (or a service declared one) for a face that wants only its result."""
    return (await run_operation(operation_of(target), arguments, actor=actor)).result


def run_operation_sync(op: Operation, arguments: dict[str, Any], *, actor: Actor) -> Invocation:
    """`run_operation` for synchronous callers (function views, management commands)."""
    return async_to_sync(run_operation)(op, arguments, actor=actor)


def run_sync(target: Operation | Callable[..., Any], arguments: dict[str, Any], *, actor: Actor) -> Any:
    """`run` for synchronous callers: only the result."""
    return run_operation_sync(operation_of(target), arguments, actor=actor).result
