"""Running operations from the API console.

Which operations an actor sees (all of its toolsets, with the ones its role may not call shown
disabled), a synchronous run for plain form posts, and background runs for operations that report
progress. A background run is an asyncio task in the serving process; its state lives in the shared
cache under a random run id bound to the tenant and user, so any process can answer a poll and nobody
else can read it.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import json
import logging
import os
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync, sync_to_async
from django.core.cache import cache
from django.db import close_old_connections
from pydantic import ValidationError

from kernel import context
from kernel.errors import Forbidden, InvalidInput, NotFound, OperationError
from kernel.redaction import redact
from mcp_bridge.console_history import AUTOMATIC_KEY_PREFIX, without_automatic_key
from operations.models import Trace
from operations.recording import audit_refusal, to_jsonable
from operations.registry import REGISTRY, TOOLSETS, Operation, Registry, check_allowed, validation_message
from operations.runner import run_operation
from tenants import denials
from tenants.actors import Actor

logger = logging.getLogger(__name__)

RUN_TTL = 60 * 60  # a finished run's result stays readable for an hour
RESULT_DISPLAY_LIMIT = 256 * 1024  # characters of pretty JSON shown (and kept in the cache)
_background_tasks: set[asyncio.Task] = set()  # strong references: the loop only keeps weak ones


def get_registry() -> Registry:
    """The operations the console offers. A function so tests can substitute a registry."""
    return REGISTRY


@dataclass(frozen=True)
class ConsoleEntry:
    op: Operation
    allowed: bool  # False: shown, but the actor's role may not call it (a viewer and a write)


def console_groups(actor: Actor) -> list[tuple[str, list[ConsoleEntry]]]:
    """Every operation in the actor's toolsets, grouped by toolset in the registry's toolset order."""
    callable_names = {op.name for op in get_registry().for_actor(actor)}
    groups: dict[str, list[ConsoleEntry]] = {}
    for op in get_registry():
        if actor.allows_toolset(op.toolset):
            groups.setdefault(op.toolset, []).append(ConsoleEntry(op, op.name in callable_names))
    return [
        (toolset, sorted(groups[toolset], key=lambda entry: entry.op.name))
        for toolset in TOOLSETS
        if toolset in groups
    ]


def operation_for(actor: Actor, name: str) -> Operation:
    """The operation called `name`, if it is in the actor's toolsets (NotFound otherwise)."""
    op = get_registry().get(name)
    if not actor.allows_toolset(op.toolset):
        raise NotFound(f"There is no operation called {name!r}.")
    return op


def find_operation(name: str) -> Operation | None:
    try:
        return get_registry().get(name)
    except NotFound:
        return None


def ensure_callable(op: Operation, actor: Actor) -> None:
    """Refuse (Forbidden, a 403) before anything runs, and record the refusal in the audit log."""
    try:
        check_allowed(op, actor)
    except Forbidden:
        audit_refusal(op, actor)
        raise


def console_context(request_id: str) -> context.RequestContext:
    """The request context of a console run: the page request's id and IP, interface "console"."""
    return context.RequestContext(source="console", request_id=request_id, ip=context.current().ip)


@dataclass
class RunOutcome:
    """What the console shows after a run. Plain data, so it can wait in the cache for a poll."""

    operation: str
    ok: bool
    result_json: str = ""
    result_truncated: bool = False
    error: str = ""
    error_code: str = ""
    field: str | None = None
    crashed: bool = False
    request_id: str = ""
    trace_id: str | None = None
    duration_ms: float | None = None
    upstream_calls: int | None = None
    field_errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    # The arguments the run was made with, redacted like a trace's (for "copy as" and "next page").
    arguments: dict[str, Any] | None = None

    @classmethod
    def invalid(cls, op: Operation, exc: OperationError, request_id: str = "") -> RunOutcome:
        outcome = cls(operation=op.name, ok=False, error=str(exc), error_code=exc.code, request_id=request_id)
        outcome.field = exc.field
        if exc.field:
            outcome.field_errors = {exc.field: [str(exc)]}
        return outcome


def pretty_result(result: Any) -> tuple[str, bool]:
    text = json.dumps(to_jsonable(result), indent=2, ensure_ascii=False, default=str)
    if len(text) > RESULT_DISPLAY_LIMIT:
        return text[:RESULT_DISPLAY_LIMIT], True
    return text, False


def _trace_figures(trace_id: Any) -> tuple[float | None, int | None]:
    row = Trace.objects.filter(pk=trace_id).values_list("duration_ms", "upstream_calls").first()
    return row if row else (None, None)


async def execute(
    op: Operation,
    arguments: dict[str, Any],
    *,
    actor: Actor,
    ctx: context.RequestContext,
    progress: Any = None,
) -> RunOutcome:
    """Run through the registry (permission check, validation, trace, audit) and describe the result."""
    with context.bind(ctx):
        try:
            invocation = await run_operation(op, arguments, actor=actor, progress=progress)
        except OperationError as exc:
            outcome = RunOutcome.invalid(op, exc, ctx.request_id)
            trace_id = getattr(exc, "trace_id", None)
        except Exception as exc:  # run_operation already logged it with the request id
            outcome = RunOutcome(operation=op.name, ok=False, crashed=True, request_id=ctx.request_id)
            trace_id = getattr(exc, "trace_id", None)
        else:
            text, truncated = pretty_result(invocation.result)
            outcome = RunOutcome(operation=op.name, ok=True, result_json=text, result_truncated=truncated)
            outcome.request_id, trace_id = ctx.request_id, invocation.trace_id
    outcome.arguments = redact(without_automatic_key(to_jsonable(arguments)))
    if trace_id is not None:
        outcome.trace_id = str(trace_id)
        outcome.duration_ms, outcome.upstream_calls = await sync_to_async(_trace_figures)(trace_id)
    return outcome


def run_now(
    op: Operation, arguments: dict[str, Any], *, actor: Actor, ctx: context.RequestContext
) -> RunOutcome:
    """A synchronous run, for form posts without JavaScript and operations without progress."""
    return async_to_sync(execute)(op, arguments, actor=actor, ctx=ctx)


def precheck(op: Operation, arguments: dict[str, Any], request_id: str = "") -> RunOutcome | None:
    """Validate before starting a background run, so a bad field is reported at once, on its field."""
    try:
        op.input_model.model_validate(arguments)
    except ValidationError as exc:
        message, field_name = validation_message(exc)
        return RunOutcome.invalid(op, InvalidInput(message, field=field_name), request_id)
    return None


# --- One run per form submission -----------------------------------------------------------------

SUBMISSION_TTL = 24 * 60 * 60
_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def new_submission_token() -> str:
    """A fresh token for one rendering of an operation's form (sent back with its post)."""
    return secrets.token_urlsafe(16)


def _valid_token(token: str | None) -> bool:
    return bool(token) and 16 <= len(token or "") <= 64 and set(token or "") <= _TOKEN_ALPHABET


def claim_submission(
    op: Operation, arguments: dict[str, Any], token: str | None, *, actor: Actor
) -> tuple[dict[str, Any], RunOutcome | None]:
    """Make a second post of the same form render (a double click, a re-sent form) write nothing.

    Writes that take an `idempotency_key` get one derived from the token when the operator left it
    empty, so the second post returns the first one's result. Other writes claim the token: the
    second post is refused. Reads run every time. Returns the arguments to run with, or the outcome
    that replaces the run.
    """
    if op.read_only or not _valid_token(token):
        return arguments, None
    if "idempotency_key" in op.input_model.model_fields:
        if not arguments.get("idempotency_key"):
            arguments = {**arguments, "idempotency_key": f"{AUTOMATIC_KEY_PREFIX}{token}"}
        return arguments, None
    if cache.add(f"console:submission:{actor.tenant.pk}:{token}", 1, SUBMISSION_TTL):
        return arguments, None
    message = (
        f"This form was already submitted and {op.name} ran once (a second press of Run?); its result "
        "is in the trace list. Press Run again to run it once more."
    )
    return arguments, RunOutcome(operation=op.name, ok=False, error=message, error_code="already_submitted")


# --- Background runs ------------------------------------------------------------------------------


@dataclass
class RunState:
    run_id: str
    tenant: str
    user: str
    operation: str
    finished: bool = False
    done: float = 0
    total: float | None = None
    message: str = "Starting…"
    outcome: dict[str, Any] | None = None

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return max(0, min(100, round(100 * self.done / self.total)))

    @property
    def result(self) -> RunOutcome | None:
        return RunOutcome(**self.outcome) if self.outcome is not None else None


def _cache_key(run_id: str) -> str:
    return f"console-run:{run_id}"


def _save_state(state: RunState) -> None:
    cache.set(_cache_key(state.run_id), asdict(state), RUN_TTL)


def can_run_in_background() -> bool:
    """Whether this request is served from a long-lived event loop (uvicorn) a task can outlive it on.

    A sync view under ASGI runs in a worker thread that asgiref tied to the server's loop. Under WSGI
    (or the plain test client) there is none: a task would die with the request's temporary loop, so
    the run happens synchronously instead.
    """
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return False
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return loop is not None and loop.is_running()


def start_run(op: Operation, arguments: dict[str, Any], *, actor: Actor, ctx: context.RequestContext) -> str:
    """Start `op` in the background and return its run id; poll it with `run_state`."""
    if actor.user is None:
        raise Forbidden("Console runs belong to a signed-in operator.")
    state = RunState(
        run_id=secrets.token_urlsafe(18),
        tenant=str(actor.tenant.pk),
        user=str(actor.user.pk),
        operation=op.name,
    )
    _save_state(state)
    async_to_sync(_spawn)(state, op, arguments, actor, ctx)
    return state.run_id


async def _spawn(state: RunState, op: Operation, arguments: dict[str, Any], actor: Actor, ctx) -> None:
    # A fresh context: the request's own (asgiref executors, the request context) ends with the
    # request, while this task outlives it on the server's event loop.
    task = asyncio.get_running_loop().create_task(
        _run_in_background(state, op, arguments, actor, ctx), context=contextvars.Context()
    )
    _background_tasks.add(task)
    task.add_done_callback(_background_tasks.discard)


async def _run_in_background(state: RunState, op: Operation, arguments, actor: Actor, ctx) -> None:
    async def report(done: float, total: float | None = None, message: str | None = None) -> None:
        state.done, state.total = done, total
        state.message = message or state.message
        await sync_to_async(_save_state)(state)

    try:
        outcome = await execute(op, arguments, actor=actor, ctx=ctx, progress=report)
    except asyncio.CancelledError:
        # The server stopped (or a WSGI server ended the request's event loop): say so rather than
        # leave the page polling a run that will never finish.
        outcome = RunOutcome(operation=op.name, ok=False, error="The run was interrupted before it finished.")
        state.finished, state.outcome = True, asdict(outcome)
        _save_state(state)
        raise
    except Exception:
        logger.exception("console run %s crashed (request %s)", state.run_id, ctx.request_id)
        outcome = RunOutcome(operation=op.name, ok=False, crashed=True, request_id=ctx.request_id)
    state.finished, state.outcome = True, asdict(outcome)
    state.message = "Finished."
    await sync_to_async(_save_state)(state)
    await sync_to_async(close_old_connections)()


def run_state(run_id: str, *, actor: Actor) -> RunState:
    """A run of this tenant and user; anyone else's (or an expired one) is NotFound."""
    data = cache.get(_cache_key(run_id))
    if (
        not data
        or actor.user is None
        or data.get("tenant") != str(actor.tenant.pk)
        or data.get("user") != str(actor.user.pk)
    ):
        if data:  # someone else's run: another tenant's, or another operator's of this one
            other_tenant = data.get("tenant") != str(actor.tenant.pk)
            reason = denials.OTHER_TENANT if other_tenant else denials.NOT_ALLOWED
            denials.note_denied(actor=actor, target_type="console_run", target_id=run_id, reason=reason)
        raise NotFound("No such console run (it may have expired).")
    return RunState(**data)


async def wait_for_background_runs() -> None:
    """Await every background run of this process (tests and orderly shutdown)."""
    while _background_tasks:
        await asyncio.gather(*list(_background_tasks), return_exceptions=True)
