"""The API console: every operation of the registry as a form generated from its input schema."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from kernel.htmx import template_for
from kernel.methods import post_only
from mcp_bridge import (
    console_confirm,
    console_examples,
    console_output,
    console_runs,
    console_text,
    selectors,
)
from mcp_bridge.console_runs import RunOutcome
from mcp_bridge.forms import OperationForm
from operations.registry import Operation
from stores.selectors import stores_visible
from tenants.actors import Permission
from tenants.http import AppRequest, member_required

PAGE = "mcp_bridge/console.html"


def _form(request: AppRequest, op: Operation, **kwargs: Any) -> OperationForm:
    stores = stores_visible(tenant=request.tenant, actor=request.actor)
    return OperationForm(op, stores=stores, default_store_id=request.actor.default_store_id, **kwargs)


def _context(request: AppRequest, op: Operation | None = None, form=None, **extra: Any) -> dict[str, Any]:
    if form is not None and extra.get("outcome") is not None:
        console_confirm.attach_errors(form, extra["outcome"])
    description = console_text.markdown(console_text.for_operator(op.description)) if op else ""
    return {
        "groups": console_runs.console_groups(request.actor),
        "op": op,
        "description": description,
        "allowed": op is not None and request.actor.has(op.permission),
        "form": form,
        "field_names": list(form.fields) if form is not None else [],
        "submission_token": console_runs.new_submission_token(),
        **extra,
    }


def _replayed(request: AppRequest, op: Operation) -> dict[str, Any] | None:
    trace_id = request.GET.get("trace")
    if not trace_id:
        return None
    return selectors.replay_arguments(
        tenant=request.tenant, trace_id=trace_id, operation=op.name, actor=request.actor
    )


@require_GET
@member_required(Permission.READ)
def console(request: AppRequest) -> HttpResponse:
    return render(request, PAGE, _context(request))


@require_GET
@member_required(Permission.READ)
def console_operation(request: AppRequest, name: str) -> HttpResponse:
    op = console_runs.operation_for(request.actor, name)
    replayed = _replayed(request, op)
    example = console_examples.initial_for(op.name) if request.GET.get("example") else None
    form = _form(request, op, initial=replayed or example)
    form.focus_first()
    replayed_from = request.GET.get("trace") if replayed else None
    template = template_for(request, PAGE, "console-form")
    context = _context(request, op, form, replayed_from=replayed_from, nav_oob=template != PAGE)
    return render(request, template, context)


def _confirmation(request: AppRequest, op: Operation, form: OperationForm) -> HttpResponse | None:
    """A destructive run asks first, in the page (a server round trip, so it works without
    JavaScript): the post without `confirmed=1` shows what will be changed and where; Cancel goes back
    to the filled-in form. None: go ahead and run."""
    if not op.destructive or request.POST.get("confirmed") == "1":
        return None
    confirm = None if request.POST.get("cancel") else console_confirm.subject(op, form)
    response = render(
        request, template_for(request, PAGE, "console-form"), _context(request, op, form, confirm=confirm)
    )
    if request.htmx:  # the form posts into the result area; the question replaces the form itself
        response["HX-Retarget"], response["HX-Reswap"] = "#console-form", "outerHTML"
    return response


@post_only("mcp_bridge:console-operation", "name")
@member_required(Permission.READ)
def console_run(request: AppRequest, name: str) -> HttpResponse:
    op = console_runs.operation_for(request.actor, name)
    console_runs.ensure_callable(op, request.actor)  # a viewer's write: 403, audited, nothing runs
    form = _form(request, op, data=request.POST)
    if not form.is_valid():
        outcome = RunOutcome(operation=op.name, ok=False, field_errors=dict(form.errors))
        return _result(request, op, form, outcome)
    if (confirmation := _confirmation(request, op, form)) is not None:
        return confirmation
    token = request.POST.get("submission_token")
    arguments, repeated = console_runs.claim_submission(op, form.arguments(), token, actor=request.actor)
    if repeated is not None:
        return _result(request, op, form, repeated)
    ctx = console_runs.console_context(request.request_id)
    if request.htmx and op.reports_progress and console_runs.can_run_in_background():
        outcome = console_runs.precheck(op, arguments, request.request_id)
        if outcome is None:
            run_id = console_runs.start_run(op, arguments, actor=request.actor, ctx=ctx)
            return render(request, f"{PAGE}#console-progress", _progress_context(run_id, op))
        return _result(request, op, form, outcome)
    return _result(request, op, form, console_runs.run_now(op, arguments, actor=request.actor, ctx=ctx))


def _result(request: AppRequest, op: Operation, form: OperationForm, outcome: RunOutcome) -> HttpResponse:
    context = _context(request, op, form, outcome=outcome, oob=bool(request.htmx))
    # The readable view, "copy as" and the next page's form (built like this operation's own form).
    context.update(
        console_output.result_context(op, outcome, lambda initial: _form(request, op, initial=initial))
    )
    return render(request, template_for(request, PAGE, "console-result"), context)


def _progress_context(run_id: str, op: Operation, state=None) -> dict[str, Any]:
    status_url = reverse("mcp_bridge:console-run-status", args=[run_id])
    return {"op": op, "run_id": run_id, "status_url": status_url, "state": state}


@require_GET
@member_required(Permission.READ)
def console_run_status(request: AppRequest, run_id: str) -> HttpResponse:
    state = console_runs.run_state(run_id, actor=request.actor)
    op = console_runs.operation_for(request.actor, state.operation)
    if not state.finished:
        context = {**_context(request, op, _form(request, op)), **_progress_context(run_id, op, state)}
        return render(request, template_for(request, PAGE, "console-progress"), context)
    return _result(request, op, _form(request, op), state.result)
