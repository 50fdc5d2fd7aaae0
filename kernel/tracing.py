"""The span recorder: how upstream calls reach the trace of the operation that caused them.

Whoever runs an operation (the registry runner for the console and MCP) opens `recording()`. The
OrderDesk client calls `record_span()` for every HTTP attempt, and services call `note_store()` /
`note_before()` / `note_after()`. If nobody is recording, these are no-ops. Nothing here knows about the
Trace and Span models, so the core never imports an interface.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class SpanRecord:
    method: str
    path: str
    started_at: datetime
    duration_ms: float
    attempt: int = 1
    query: str = ""
    status: int | None = None
    tokens_remaining: int | None = None
    retry_reason: str = ""  # why the *next* attempt happened: "429", "503", "timeout", "connect", …
    request_body: str = ""  # already redacted and capped by the client
    response_body: str = ""
    error: str = ""


@dataclass
class TraceRecorder:
    spans: list[SpanRecord] = field(default_factory=list)
    store_id: str | None = None  # our Store.pk
    store_name: str = ""
    before: Any = None  # business object before a write (for the diff)
    after: Any = None

    def add_span(self, span: SpanRecord) -> None:
        self.spans.append(span)


_current: ContextVar[TraceRecorder | None] = ContextVar("trace_recorder", default=None)


@contextlib.contextmanager
def recording() -> Iterator[TraceRecorder]:
    recorder = TraceRecorder()
    token = _current.set(recorder)
    try:
        yield recorder
    finally:
        _current.reset(token)


def current_recorder() -> TraceRecorder | None:
    return _current.get()


def record_span(span: SpanRecord) -> None:
    if (recorder := _current.get()) is not None:
        recorder.add_span(span)


def note_store(store_id: str, store_name: str) -> None:
    if (recorder := _current.get()) is not None:
        recorder.store_id, recorder.store_name = store_id, store_name


def note_before(snapshot: Any) -> None:
    # Only the first snapshot counts: a conflict re-apply must not hide the original state.
    if (recorder := _current.get()) is not None and recorder.before is None:
        recorder.before = snapshot


def note_after(snapshot: Any) -> None:
    if (recorder := _current.get()) is not None:
        recorder.after = snapshot
