"""Forms generated from an operation's input JSON schema.

The console never hand-writes a form: every field comes from `op.input_schema()` (the same schema MCP
clients see), so a new operation shows up with the right inputs, help texts, required markers and
defaults the moment it is registered.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pydantic
from django import forms
from django.core.exceptions import ValidationError

from kernel.redaction import is_secret_key
from mcp_bridge import console_examples, console_text
from operations.registry import Operation
from stores.models import Store

JSON_TYPES = {"object", "array"}
_TEMPLATE_DEPTH = 3
# Optional arguments shown above "More options": the ones nearly every run of a list sets.
PROMOTED = frozenset({"limit"})
STORE_HELP = "The store this runs against."


# --- Reading the schema ---------------------------------------------------------------------------


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref`s into `$defs`; keywords next to the reference (description, default) win."""
    seen = 0
    while "$ref" in node and seen < 10:
        target = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    return node


def _unwrap_optional(node: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """`X | None` is `anyOf: [X, null]` in JSON schema: return X and whether null is allowed."""
    node = _resolve(node, defs)
    variants = node.get("anyOf") or node.get("oneOf")
    if not variants:
        return node, node.get("type") == "null"
    outer = {k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}
    options = [_resolve(v, defs) for v in variants]
    non_null = [v for v in options if v.get("type") != "null"]
    nullable = len(non_null) < len(options)
    if len(non_null) == 1:
        return {**non_null[0], **outer}, nullable
    return {**outer, "x-variants": non_null}, nullable


def json_template(node: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> Any:
    """A skeleton value for a JSON field: what the operation expects, with empty values to fill in."""
    node, nullable = _unwrap_optional(node, defs)
    # Inside the value, an optional member shows its default (often null); the value itself always
    # shows its shape, since its own default is what an empty field already means.
    if "default" in node and (node["default"] is not None or (nullable and depth > 0)):
        return node["default"]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        if depth >= _TEMPLATE_DEPTH:
            return {}
        return {name: json_template(sub, defs, depth + 1) for name, sub in node.get("properties", {}).items()}
    if kind == "array":
        items = node.get("items")
        return [json_template(items, defs, depth + 1)] if items and depth < _TEMPLATE_DEPTH else []
    return {"string": "", "integer": 0, "number": 0, "boolean": False}.get(kind)


@dataclass(frozen=True)
class FieldSpec:
    """One input of an operation, as the console renders it."""

    name: str
    kind: str  # store | choice | checkbox | nullbool | integer | number | json | text
    required: bool
    nullable: bool
    default: Any
    description: str
    schema: dict[str, Any]
    template: Any = None
    example: Any = None  # a realistic value that runs as it is (see console_examples)

    @property
    def has_default(self) -> bool:
        return self.default is not None

    @property
    def main(self) -> bool:
        """Shown at once; the other (optional) fields are folded under "More options"."""
        return self.required or self.kind == "store" or self.example is not None or self.name in PROMOTED


def field_specs(schema: dict[str, Any]) -> list[FieldSpec]:
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    specs = []
    for name, raw in schema.get("properties", {}).items():
        node, nullable = _unwrap_optional(raw, defs)
        kind = _kind(name, node, nullable)
        specs.append(
            FieldSpec(
                name=name,
                kind=kind,
                required=name in required,
                nullable=nullable,
                default=node.get("default"),
                description=node.get("description", ""),
                schema=node,
                template=json_template(raw, defs) if kind == "json" else None,
            )
        )
    return specs


def _kind(name: str, node: dict[str, Any], nullable: bool) -> str:
    kind = node.get("type")
    if name == "store":
        return "store"
    if "enum" in node or "const" in node:
        return "choice"
    if kind == "boolean":
        return "nullbool" if nullable else "checkbox"
    if kind in ("integer", "number"):
        return kind
    if kind == "string":
        return "text"
    variants = node.get("x-variants", [])
    if variants and all(v.get("type") in ("string", "integer", "number") for v in variants):
        return "text"  # e.g. `int | str`: the operation's own validation coerces the text
    return "json"  # objects, arrays, models, and anything without a simpler input


# --- The generated form -----------------------------------------------------------------------------


class JsonArgumentField(forms.CharField):
    """A JSON value typed into a textarea, parsed here so a typo is reported on its own field."""

    widget = forms.Textarea

    def __init__(self, *, expect: str | None = None, **kwargs):
        self.expect = expect
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                "This is not valid JSON: %(msg)s (line %(line)s, column %(col)s).",
                code="invalid_json",
                params={"msg": exc.msg, "line": exc.lineno, "col": exc.colno},
            ) from None
        if self.expect == "object" and not isinstance(parsed, dict):
            raise ValidationError('Expected a JSON object, like {"field": "value"}.', code="not_object")
        if self.expect == "array" and not isinstance(parsed, list):
            raise ValidationError("Expected a JSON array, like [ … ].", code="not_array")
        return parsed

    def prepare_value(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _choice_field(spec: FieldSpec, required: bool) -> forms.Field:
    values = spec.schema.get("enum") or [spec.schema.get("const")]
    by_text = {_json_text(v): v for v in values}
    # An optional choice with a default has nothing to gain from a blank option: the default is it.
    blank = not required and (spec.nullable or not spec.has_default)
    choices = ([("", "—")] if blank else []) + [(text, text) for text in by_text]
    return forms.TypedChoiceField(
        choices=choices, coerce=lambda text: by_text[text], required=required, empty_value=None
    )


def _text_widget(spec: FieldSpec) -> forms.Widget:
    fmt = spec.schema.get("format")
    if fmt == "date":
        return forms.DateInput(attrs={"type": "date"})
    if fmt == "date-time":
        return forms.TextInput(attrs={"placeholder": "YYYY-MM-DD HH:MM:SS"})
    if (spec.schema.get("maxLength") or 0) > 300:
        return forms.Textarea(attrs={"rows": 4})
    return forms.TextInput()


def build_field(spec: FieldSpec, stores: Iterable[Store]) -> forms.Field:
    # A required-but-nullable argument may be left empty (it is sent as null), so the browser must
    # not insist on a value.
    required = spec.required and not spec.nullable
    common = {
        "required": required,
        "help_text": console_text.for_operator(spec.description),
        "label": spec.name,
    }
    schema = spec.schema
    if spec.kind == "store":
        # Always a named store: the operator sees which one a run goes to, whatever the default.
        choices = [(str(s.pk), f"{s.name} (sandbox)" if s.is_sandbox else s.name) for s in stores]
        return forms.ChoiceField(choices=choices, **{**common, "help_text": STORE_HELP})
    if spec.kind == "choice":
        field = _choice_field(spec, required)
        field.help_text, field.label = common["help_text"], spec.name
        return field
    if spec.kind == "checkbox":
        return forms.BooleanField(**{**common, "required": False})
    if spec.kind == "nullbool":
        return forms.NullBooleanField(widget=forms.NullBooleanSelect, **common)
    if spec.kind == "integer":
        return forms.IntegerField(min_value=schema.get("minimum"), max_value=schema.get("maximum"), **common)
    if spec.kind == "number":
        return forms.FloatField(min_value=schema.get("minimum"), max_value=schema.get("maximum"), **common)
    if spec.kind == "json":
        expect = schema.get("type") if schema.get("type") in JSON_TYPES else None
        shown = spec.example if spec.example is not None else spec.template
        placeholder = json.dumps(shown, indent=2) if shown not in (None, "", {}) else ""
        widget = forms.Textarea(attrs={"rows": 6, "placeholder": placeholder, "spellcheck": "false"})
        return JsonArgumentField(expect=expect, widget=widget, **common)
    widget = _text_widget(spec)
    if is_secret_key(spec.name):  # an API key typed into the console is not echoed back to the page
        widget = forms.PasswordInput(attrs={"autocomplete": "off"})
    return forms.CharField(
        max_length=schema.get("maxLength"),
        min_length=schema.get("minLength") if required else None,
        widget=widget,
        **common,
    )


def _store_value(value: Any, stores: list[Store]) -> Any:
    """A replayed `store` argument may be a name or an OrderDesk store id: select the matching store."""
    if value in (None, ""):
        return value
    text = str(value).strip()
    for store in stores:
        if text in (str(store.pk), store.orderdesk_store_id) or text.lower() == store.name.lower():
            return str(store.pk)
    return value


def preselected_store(stores: list[Store], default_store_id: UUID | None = None) -> str | None:
    """The store a form starts on: the actor's default; else the only store; else the sandbox (when
    there is exactly one), so a first try writes to demo data and never to a real shop; else the first."""
    by_pk = {store.pk: store for store in stores}
    sandboxes = [store for store in stores if store.is_sandbox]
    chosen = by_pk.get(default_store_id) if default_store_id else None
    chosen = chosen or (sandboxes[0] if len(sandboxes) == 1 else None) or (stores[0] if stores else None)
    return str(chosen.pk) if chosen else None


def _with_example(spec: FieldSpec, operation: str) -> FieldSpec:
    found = console_examples.example_for(operation, spec.name)
    if found is None:
        return spec
    example, fields_note = found
    return dataclasses.replace(spec, example=example, description=f"{spec.description} {fields_note}".strip())


def _place(spec: FieldSpec) -> int:
    """The store first (where it runs), then what must be given, then the rest of the main fields."""
    return 0 if spec.kind == "store" else 1 if spec.required else 2 if spec.main else 3


class OperationForm(forms.Form):
    """The console form of one operation. `arguments()` turns it into the operation's arguments."""

    def __init__(
        self,
        op: Operation,
        *,
        stores: Iterable[Store] = (),
        initial: dict | None = None,
        default_store_id: UUID | None = None,
        **kwargs,
    ):
        self.op = op
        specs = [_with_example(spec, op.name) for spec in field_specs(op.input_schema())]
        self.specs = {spec.name: spec for spec in sorted(specs, key=_place)}
        stores = list(stores) if "store" in self.specs else []
        defaults = {name: spec.default for name, spec in self.specs.items() if spec.has_default}
        initial = {**defaults, **(initial or {})}
        if "store" in self.specs:
            initial["store"] = _store_value(initial.get("store"), stores) or preselected_store(
                stores, default_store_id
            )
        super().__init__(initial=initial, **kwargs)
        for name, spec in self.specs.items():
            self.fields[name] = build_field(spec, stores)
            # The error list sits next to the input, empty until there is an error: assistive
            # technology reads it with the field (Django only links it when the form has errors).
            described = [f"id_{name}_helptext"] if self.fields[name].help_text else []
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(
                [*described, f"console-errors-{name}"]
            )

    def clean(self) -> dict[str, Any]:
        """Check the arguments against the operation's own model, so its errors (a pattern, a bound)
        are shown on their fields in plain words before anything runs."""
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.op.input_model.model_validate(self.arguments())
        except pydantic.ValidationError as exc:
            schemas = {name: spec.schema for name, spec in self.specs.items()}
            for name, messages in console_text.field_errors(exc, schemas).items():
                self.add_error(name if name in self.fields else None, messages)
        return cleaned

    @property
    def has_example(self) -> bool:
        return any(spec.example is not None for spec in self.specs.values())

    def focus_first(self) -> None:
        """Put the cursor in the first argument to fill in (a required one, else the first)."""
        names = [name for name, spec in self.specs.items() if spec.required] or list(self.specs)
        if names:
            self.fields[names[0]].widget.attrs["autofocus"] = True

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, spec in self.specs.items() if spec.main]

    @property
    def more_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, spec in self.specs.items() if not spec.main]

    @property
    def more_open(self) -> bool:
        """Unfold "More options" when one of them has an error or a value other than its default."""
        for field in self.more_fields:
            value = field.value()
            default = self.specs[field.name].default
            if field.errors or value not in (
                None,
                "",
                default,
                str(default) if default is not None else None,
            ):
                return True
        return False

    def arguments(self) -> dict[str, Any]:
        """The cleaned values, leaving out optional fields left empty (the operation's default applies)."""
        arguments: dict[str, Any] = {}
        for name, spec in self.specs.items():
            value = self.cleaned_data.get(name)
            if spec.kind == "checkbox":
                if spec.required or bool(value) != bool(spec.default):
                    arguments[name] = bool(value)
            elif value is None or value == "":
                if spec.required and spec.nullable:
                    arguments[name] = None
            else:
                arguments[name] = value
        return arguments

    def field_spec(self, name: str) -> FieldSpec:
        return self.specs[name]
