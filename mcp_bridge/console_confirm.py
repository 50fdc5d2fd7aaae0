"""What the console's form shows around a run: the in-page question before a destructive run, and an
operation's own argument errors placed on the field they are about."""

from __future__ import annotations

from dataclasses import dataclass

from mcp_bridge import console_text
from mcp_bridge.console_runs import RunOutcome
from mcp_bridge.forms import OperationForm
from operations.registry import Operation

# The arguments that name the record a destructive operation changes, most specific first.
RECORD_ARGUMENTS = ("item_id", "shipment_id", "product_id", "order_id", "order_ids", "product_ids")


@dataclass(frozen=True)
class Confirmation:
    """The question asked before a destructive run, naming the record and the store."""

    operation: str
    record: str  # e.g. "order 1000123"; empty when no argument names one
    store: str
    verb: str  # what the red button says: "Yes, delete" / "Yes, overwrite"


def _label(argument: str) -> str:
    return argument.removesuffix("_ids").removesuffix("_id").replace("_", " ")


def _record(op: Operation, form: OperationForm) -> str:
    for argument in RECORD_ARGUMENTS:
        value = form.cleaned_data.get(argument)
        if value not in (None, "", []):
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            return f"{_label(argument)}{'s' if argument.endswith('_ids') else ''} {shown}"
    return ""


def _store_name(form: OperationForm) -> str:
    field = form.fields.get("store")
    chosen = str(form.cleaned_data.get("store") or "")
    return next((str(label) for value, label in getattr(field, "choices", []) if str(value) == chosen), "")


def subject(op: Operation, form: OperationForm) -> Confirmation:
    deletes = "delete" in op.name
    return Confirmation(
        operation=op.name,
        record=_record(op, form),
        store=_store_name(form),
        verb="Yes, delete" if deletes else "Yes, overwrite",
    )


def attach_errors(form: OperationForm, outcome: RunOutcome) -> None:
    """Put the operation's field errors on the form's fields, in plain words, so the inputs are marked
    invalid and the message sits next to them. A nested field (`order_data.shipping`) is shown on its
    top-level field; the message names the path inside it."""
    placed: dict[str, list[str]] = {}
    for name, messages in outcome.field_errors.items():
        top = name.split(".")[0].split("[")[0]
        placed.setdefault(top, []).extend(console_text.plain_error(str(m), top) for m in messages)
    outcome.field_errors = placed
    if outcome.field:
        outcome.field = outcome.field.split(".")[0].split("[")[0]
    for name, messages in placed.items():
        if name in form.fields and form.is_bound and not form.errors.get(name):
            form.add_error(name, messages)
