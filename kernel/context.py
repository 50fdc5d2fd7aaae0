"""Who and where the current piece of work comes from: request id, client IP and interface.

Set once at the edge (Django middleware, the /mcp authentication layer, management commands) and read
by the core (audit records, traces) so services never need a request object.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(candidate: str | None) -> str:
    """Keep a caller's X-Request-ID only if it is short and harmless; otherwise make one."""
    if candidate and _REQUEST_ID.match(candidate):
        return candidate
    return new_request_id()


@dataclass(frozen=True)
class RequestContext:
    source: str = "cli"  # web | console | mcp | stdio | cli
    request_id: str = field(default_factory=new_request_id)
    ip: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        ctx = RequestContext()
        _current.set(ctx)
    return ctx


def peek() -> RequestContext | None:
    """The bound context, or None; unlike `current()` it never makes one (log filters use it)."""
    return _current.get()


@contextlib.contextmanager
def bind(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    note(request_id=ctx.request_id, source=ctx.source)
    try:
        yield ctx
    finally:
        _current.reset(token)


# What the logs say about the current unit of work (request id, tenant, operation, route). One
# mutable dict per HTTP request, opened by the outermost layer: inner layers (the middleware, the MCP
# guard, the operation runner) add to it, and the layer that opened it reads everything they added
# once the response is sent, for the "request finished" line and the request metrics.
_notes: ContextVar[dict[str, Any] | None] = ContextVar("log_notes", default=None)


@contextlib.contextmanager
def notes_scope(**initial: Any) -> Iterator[dict[str, Any]]:
    """Open a fresh set of notes for one unit of work and yield it."""
    notes = dict(initial)
    token = _notes.set(notes)
    try:
        yield notes
    finally:
        _notes.reset(token)


def note(**values: Any) -> None:
    """Add to the current unit of work's notes; nothing happens when no scope is open."""
    notes = _notes.get()
    if notes is not None:
        notes.update(values)


@contextlib.contextmanager
def noting(**values: Any) -> Iterator[None]:
    """Add to the open notes, or open notes of their own for the block when there are none (a
    management command, a stdio tool call), so the lines logged inside always carry `values`."""
    if _notes.get() is not None:
        note(**values)
        yield
        return
    with notes_scope(**values):
        yield


def notes() -> dict[str, Any]:
    return _notes.get() or {}
