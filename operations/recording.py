"""Persisting what the recorder collected: one Trace, its Spans, and an audit event for writes.

Who listens to new traces (the live tail) connects to `operations.signals.trace_recorded`; the core
knows nothing about them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from pydantic import BaseModel

from kernel import context
from kernel.errors import Forbidden, OperationError
from kernel.redaction import cap, redact
from kernel.storable import storable, storable_text
from kernel.tracing import TraceRecorder
from operations.models import Span, Trace, TraceOutcome
from operations.registry import Operation
from operations.signals import trace_recorded
from tenants.actors import Actor
from tenants.audit import Action, audit
from tenants.models import AuditOutcome

logger = logging.getLogger(__name__)

RESULT_SUMMARY_LIMIT = 16 * 1024


class TraceNotRecorded(Exception):
    """The trace of a call could not be saved (logged with the request id; a write still audited)."""


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def _capped_json(value: Any, limit: int) -> Any:
    """Keep JSON as JSON when it fits; otherwise a truncated text rendering of it."""
    if value is None:
        return None
    data = redact(to_jsonable(value))
    text = json.dumps(data, ensure_ascii=False, default=str)
    if len(text.encode()) <= limit:
        # json.dumps writes a NUL as \u0000, so text without that has none to escape.
        return storable(data) if "\\u0000" in text else data
    return {"truncated": True, "bytes": len(text.encode()), "preview": cap(text, limit - 200)}


CANCELLED_MESSAGE = (
    "The call was cancelled before it finished; a change it was making may or may not have been applied."
)


def order_reference(arguments: Any, result: Any) -> str:
    """The OrderDesk order a call was about, for searching traces by order: its `order_id` argument,
    else the `order_id` or (for an order operation's result, such as a create's) the `id` it returned."""
    for source, key in ((arguments, "order_id"), (result, "order_id"), (result, "id")):
        value = source.get(key) if isinstance(source, dict) else None
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return storable_text(str(value))[:64]
    return ""


def _outcome(error: BaseException | None) -> tuple[str, str, str]:
    if error is None:
        return TraceOutcome.OK, "", ""
    if isinstance(error, asyncio.CancelledError):
        return TraceOutcome.ERROR, "cancelled", CANCELLED_MESSAGE
    if isinstance(error, OperationError):
        return TraceOutcome.ERROR, error.code, str(error)[:500]
    return TraceOutcome.CRASH, "crash", f"Unexpected error (request {context.current().request_id})"


def audit_refusal(op: Operation, actor: Actor, **detail: str) -> None:
    """The `access.denied` event of an operation refused to `actor` (permission or toolset)."""
    audit(
        Action.ACCESS_DENIED,
        actor=actor,
        target_type="operation",
        target_id=op.name,
        outcome=AuditOutcome.DENIED,
        detail={"operation": op.name, **detail},
    )


def _save(
    *,
    op: Operation,
    actor: Actor,
    source: str,
    arguments: dict[str, Any],
    recorder: TraceRecorder,
    result: Any,
    error: BaseException | None,
    duration_ms: float,
) -> Trace:
    """Save the trace and its spans, and audit a write, in one transaction. The trace is saved in a
    savepoint of its own: if the database refuses it, the audit row of a write that happened upstream
    is still written, and the failure is logged under the request id the caller was given. A call
    that is not audited saves its trace with as few round trips as keep it whole."""
    outcome, error_code, error_message = _outcome(error)
    failure: Exception | None = None

    def create() -> Trace:
        return _create_trace(
            op=op,
            actor=actor,
            source=source,
            arguments=arguments,
            recorder=recorder,
            result=result,
            outcome=outcome,
            error_code=error_code,
            error_message=error_message,
            duration_ms=duration_ms,
        )

    if not _is_audited(op, error):
        # Only the trace is written (most reads): no audit row has to survive a refused trace, so no
        # savepoint inside a transaction, and a trace without spans is one INSERT in autocommit.
        # Inside a caller's transaction it still gets a savepoint, so a refusal leaves that intact.
        alone = not recorder.spans and not transaction.get_connection().in_atomic_block
        try:
            with contextlib.nullcontext() if alone else transaction.atomic():
                return create()
        except Exception as exc:
            _log_unrecorded(op)
            raise TraceNotRecorded(f"the trace of {op.name} was not recorded") from exc
    with transaction.atomic():
        try:
            with transaction.atomic():
                trace: Trace | None = create()
        except Exception as exc:
            trace, failure = None, exc
            _log_unrecorded(op)
        _audit_call(op, actor, recorder, error, error_message, arguments, trace)
    if trace is None:
        raise TraceNotRecorded(f"the trace of {op.name} was not recorded") from failure
    return trace


def _log_unrecorded(op: Operation) -> None:
    logger.exception(
        "the trace of operation %s was not recorded (request %s)", op.name, context.current().request_id
    )


def _is_audited(op: Operation, error: BaseException | None) -> bool:
    """Whether `_audit_call` writes an event for this call: a refusal, or a write sent upstream."""
    return isinstance(error, Forbidden) or (not op.read_only and op.toolset != "stores")


def _create_trace(
    *,
    op: Operation,
    actor: Actor,
    source: str,
    arguments: dict[str, Any],
    recorder: TraceRecorder,
    result: Any,
    outcome: str,
    error_code: str,
    error_message: str,
    duration_ms: float,
) -> Trace:
    trace = Trace.objects.create(
        tenant=actor.tenant,
        operation=op.name,
        source=source,
        store_id=recorder.store_id,
        store_name=storable_text(recorder.store_name),
        actor_user=actor.user,
        actor_key_id=actor.api_key.pk if actor.api_key else None,
        actor_label=storable_text(actor.label[:200]),
        arguments=_capped_json(arguments, RESULT_SUMMARY_LIMIT) or {},
        outcome=outcome,
        error_code=error_code,
        error_message=storable_text(error_message)[:500],
        result_summary=_capped_json(result, RESULT_SUMMARY_LIMIT),
        before=_capped_json(recorder.before, settings.TRACE_BODY_LIMIT),
        after=_capped_json(recorder.after, settings.TRACE_BODY_LIMIT),
        duration_ms=round(duration_ms, 2),
        upstream_calls=len(recorder.spans),
        request_id=context.current().request_id,
        order_id=order_reference(arguments, to_jsonable(result) if op.name.startswith("orders_") else None),
    )
    Span.objects.bulk_create(
        Span(
            trace=trace,
            seq=seq,
            method=span.method,
            path=storable_text(span.path)[:300],
            query=storable_text(span.query)[:1000],
            status=span.status,
            attempt=span.attempt,
            duration_ms=round(span.duration_ms, 2),
            tokens_remaining=span.tokens_remaining,
            retry_reason=span.retry_reason[:40],
            request_body=storable_text(span.request_body),
            response_body=storable_text(span.response_body),
            error=storable_text(span.error)[:300],
            started_at=span.started_at,
        )
        for seq, span in enumerate(recorder.spans, start=1)
    )
    return trace


def _audit_call(
    op: Operation,
    actor: Actor,
    recorder: TraceRecorder,
    error: BaseException | None,
    error_message: str,
    arguments: dict[str, Any],
    trace: Trace | None,
) -> None:
    # Without a trace (it could not be saved) the event is found by the request id every row carries.
    trace_ref = {"trace": str(trace.id)} if trace is not None else {}
    if isinstance(error, Forbidden):
        audit_refusal(op, actor, **trace_ref)
    elif _is_audited(op, error):
        # Upstream writes are audited here, once for every interface. Store operations change our
        # own database and audit themselves in their services (store.created, key.default_store, …).
        audit(
            Action.OPERATION,
            actor=actor,
            target_type="store" if recorder.store_id else "operation",
            target_id=recorder.store_id or op.name,
            target_label=recorder.store_name,
            outcome=AuditOutcome.SUCCESS if error is None else AuditOutcome.FAILURE,
            detail={
                "operation": op.name,
                "arguments": trace.arguments if trace else _capped_json(arguments, RESULT_SUMMARY_LIMIT),
                **trace_ref,
                **({"error": error_message} if error_message else {}),
            },
        )


async def save_trace(**kwargs) -> Trace:
    """Save the call (committed when this returns), then announce it (the live tail listens)."""
    trace = await sync_to_async(_save)(**kwargs)
    await trace_recorded.asend(sender=Trace, trace=trace)
    return trace
