"""The console's run history panel reads its rows where it is drawn: the index page, each operation's
form and the result of a run all show it, so no view has to remember to fetch it."""

from __future__ import annotations

from django import template

from mcp_bridge.console_history import ConsoleRun, console_runs

register = template.Library()


@register.simple_tag(takes_context=True)
def recent_console_runs(context: template.Context) -> list[ConsoleRun]:
    """The signed-in operator's own recent runs in the current team (of the page's operation, if any)."""
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return []
    op = context.get("op")
    available = {entry.op.name for _, entries in context.get("groups") or [] for entry in entries}
    return console_runs(
        tenant=tenant,
        user=getattr(request, "user", None),
        available=available,
        operation=op.name if op is not None else None,
    )
