"""Small presentation helpers for the console, trace and dashboard templates."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django import template
from django.template.defaultfilters import linebreaks_filter

from mcp_bridge.selectors import HourStats

register = template.Library()


@register.filter
def get_item(mapping: Mapping | None, key: str) -> Any:
    return mapping.get(key) if mapping else None


@register.filter(is_safe=True)
def docstring(text: str) -> str:
    """A docstring as paragraphs: its hard line wraps joined, its blank lines kept (escaped)."""
    return linebreaks_filter(re.sub(r"(?<!\n)\n(?!\n)", " ", text or ""), autoescape=True)


@register.filter
def pretty_json(value: Any) -> str:
    """JSON text or data, indented for reading; other text is returned as it is."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@register.filter
def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@register.filter
def ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.2f} s" if value >= 10_000 else f"{value:.0f} ms"


@register.filter
def axis_ms(value: float | None) -> str:
    """A short duration for an axis label: "800 ms", "2 s", "1.5 s"."""
    if not value:
        return "0"
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:g} s"


@register.filter
def outcome_badge(outcome: str) -> str:
    return {"ok": "ok", "error": "warn", "crash": "bad"}.get(outcome, "")


# --- Charts (server-rendered SVG; coordinates only, the template draws) ------------------------------

CHART_WIDTH, CHART_HEIGHT = 720, 180
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 8, 24, 22


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _frame(hours: list[HourStats]) -> dict[str, Any]:
    plot_w = CHART_WIDTH - PAD_LEFT - PAD_RIGHT
    slot = plot_w / max(len(hours), 1)
    labels = [
        {"x": round(PAD_LEFT + i * slot + slot / 2, 1), "text": h.start.strftime("%H:%M")}
        for i, h in enumerate(hours)
        if i % 6 == 0 or i == len(hours) - 1
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": PAD_LEFT,
        "right": CHART_WIDTH - PAD_RIGHT,
        "top": PAD_TOP,
        "base": CHART_HEIGHT - PAD_BOTTOM,
        "label_y": CHART_HEIGHT - 6,
        "slot": slot,
        "labels": labels,
        "legend_x": CHART_WIDTH - PAD_RIGHT - 120,
        "legend_y": 8,
    }


@register.simple_tag
def volume_chart(hours: list[HourStats]) -> dict[str, Any]:
    """Stacked bars per hour: successful calls below, errors on top."""
    frame = _frame(hours)
    top = _nice_max(max((h.total for h in hours), default=0))
    scale = (frame["base"] - frame["top"]) / top
    bars = []
    for i, h in enumerate(hours):
        x = frame["left"] + i * frame["slot"] + frame["slot"] * 0.15
        ok_h, err_h = h.ok * scale, h.errors * scale
        bars.append(
            {
                "hour": h,
                "x": round(x, 1),
                "w": round(frame["slot"] * 0.7, 1),
                "ok_y": round(frame["base"] - ok_h, 1),
                "ok_h": round(ok_h, 1),
                "err_y": round(frame["base"] - ok_h - err_h, 1),
                "err_h": round(err_h, 1),
            }
        )
    return {**frame, "bars": bars, "max": int(top), "mid_y": (frame["base"] + frame["top"]) / 2}


@register.simple_tag
def latency_chart(hours: list[HourStats]) -> dict[str, Any]:
    """p50 and p95 lines per hour, through the hours that had calls."""
    frame = _frame(hours)
    top = _nice_max(max((h.p95 or 0 for h in hours), default=0))
    scale = (frame["base"] - frame["top"]) / top
    series: dict[str, list[dict[str, Any]]] = {"p50": [], "p95": []}
    for i, h in enumerate(hours):
        if not h.total:
            continue
        x = round(frame["left"] + i * frame["slot"] + frame["slot"] / 2, 1)
        for name in series:
            value = getattr(h, name)
            series[name].append(
                {"x": x, "y": round(frame["base"] - value * scale, 1), "value": value, "hour": h}
            )
    return {
        **frame,
        "max": top,
        "mid_y": (frame["base"] + frame["top"]) / 2,
        "p50": series["p50"],
        "p95": series["p95"],
        "p50_points": " ".join(f"{p['x']},{p['y']}" for p in series["p50"]),
        "p95_points": " ".join(f"{p['x']},{p['y']}" for p in series["p95"]),
    }
