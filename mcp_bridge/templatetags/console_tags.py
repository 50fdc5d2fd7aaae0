"""Filters of the API console page."""

from __future__ import annotations

from django import template

from mcp_bridge import console_text

register = template.Library()


@register.filter
def plain_error(message: object, field: str = "") -> str:
    """An error shown next to its field: no "Invalid arguments:" prefix, no field name in front."""
    return console_text.plain_error(str(message), field)


@register.filter
def for_operator(text: str) -> str:
    """A description without the advice written for agents (which tool to call first)."""
    return console_text.for_operator(text)
