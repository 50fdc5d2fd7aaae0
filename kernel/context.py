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


@contextlib.contextmanager
def bind(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
