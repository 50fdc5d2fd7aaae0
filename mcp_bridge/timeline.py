"""Where a trace's time went: each upstream attempt and the waits around it, laid out on one axis.

A trace of 1.2 s whose spans take 6-8 ms each spent its time between them: pacing for OrderDesk's rate
limit, the back-off before a retry, or work in this app. The timeline shows those gaps as rows of their
own, named, so the detail page answers "why was this slow" without arithmetic.

Pure functions of a trace and its spans, drawn by the template as SVG (attributes, not inline styles,
which the CSP forbids).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from operations.models import Span, Trace

# Gaps shorter than this are noise (scheduling, a database write) and are not given a row.
MIN_GAP_MS = 5.0
CHART_WIDTH = 600  # the SVG's user units; it scales to the page
ROW_HEIGHT = 22


@dataclass(frozen=True)
class TimelineRow:
    kind: str  # "call" | "wait" | "app"
    label: str
    start_ms: float
    duration_ms: float
    status: int | None = None
    seq: int | None = None  # the span's anchor on the page, for calls

    @property
    def end_ms(self) -> float:
        return self.start_ms + self.duration_ms


@dataclass(frozen=True)
class Timeline:
    total_ms: float
    rows: tuple[TimelineRow, ...]
    waited_ms: float  # time between calls (pacing, back-off)
    calling_ms: float  # time inside upstream calls

    def bars(self) -> list[dict]:
        """The SVG geometry of each row, in the chart's user units."""
        scale = CHART_WIDTH / self.total_ms if self.total_ms > 0 else 0.0
        bars = []
        for index, row in enumerate(self.rows):
            x = row.start_ms * scale
            width = max(1.0, row.duration_ms * scale)
            bars.append({"row": row, "x": round(x, 1), "width": round(min(width, CHART_WIDTH - x), 1),
                         "y": index * ROW_HEIGHT})  # fmt: skip
        return bars

    @property
    def height(self) -> int:
        return len(self.rows) * ROW_HEIGHT


def _wait_label(previous: Span | None, following: Span) -> str:
    if previous is None:
        return "before the first call (checks, cache, pacing)"
    if following.attempt > 1:
        reason = f" after {previous.retry_reason}" if previous.retry_reason else ""
        return f"back-off before attempt {following.attempt}{reason}"
    return "between calls (pacing for OrderDesk's rate limit, work in the app)"


def _offset_ms(trace: Trace, span: Span) -> float:
    return max(0.0, (span.started_at - trace.started_at).total_seconds() * 1000)


def trace_timeline(trace: Trace, spans: Sequence[Span]) -> Timeline | None:
    """The trace's rows in time order, or None when it made no upstream call."""
    if not spans:
        return None
    rows: list[TimelineRow] = []
    cursor, previous = 0.0, None
    calling = waited = 0.0
    for span in sorted(spans, key=lambda s: s.seq):
        start = _offset_ms(trace, span)
        if start - cursor >= MIN_GAP_MS:
            rows.append(TimelineRow("wait", _wait_label(previous, span), cursor, start - cursor))
            waited += start - cursor if previous is not None else 0.0
        label = f"{span.method} {span.path}" + (f" · attempt {span.attempt}" if span.attempt > 1 else "")
        rows.append(TimelineRow("call", label, start, span.duration_ms, status=span.status, seq=span.seq))
        calling += span.duration_ms
        cursor, previous = max(cursor, start + span.duration_ms), span
    total = max(trace.duration_ms, cursor)
    if total - cursor >= MIN_GAP_MS:
        rows.append(
            TimelineRow("app", "after the last call (decoding, merging, recording)", cursor, total - cursor)
        )
    return Timeline(
        total_ms=total, rows=tuple(rows), waited_ms=round(waited, 2), calling_ms=round(calling, 2)
    )
