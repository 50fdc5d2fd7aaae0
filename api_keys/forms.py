"""The key forms (create, edit, rotate). They only shape input; api_keys.services decides what is allowed."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone

from api_keys.models import ApiKey, ApiKeyScope
from api_keys.services import CALLS_PER_MINUTE_MAX, NAME_MAX_LENGTH
from kernel.errors import InvalidInput
from operations.registry import TOOLSETS

TOOLSET_LABELS = {
    "stores": "Stores",
    "orders": "Orders",
    "order_items": "Order items",
    "shipments": "Shipments",
    "products": "Products (inventory)",
}


class KeyCreateForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH, help_text='Who or what will use it, e.g. "Claude on the support laptop".'
    )
    scope = forms.ChoiceField(
        choices=[
            (ApiKeyScope.READ, "read: list and look things up"),
            (ApiKeyScope.READ_WRITE, "read_write: also change orders, shipments and inventory"),
        ],
        initial=ApiKeyScope.READ,
        widget=forms.RadioSelect,
    )
    stores_admin = forms.BooleanField(
        required=False, label="stores:admin", help_text="Also allow registering and deleting stores."
    )
    store_access = forms.ChoiceField(
        choices=[("all", "All stores, including ones added later"), ("some", "Only the stores ticked below")],
        initial="all",
        widget=forms.RadioSelect,
        label="Stores",
    )
    store_ids = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Allowed stores"
    )
    toolsets = forms.MultipleChoiceField(
        required=False,
        choices=[(name, TOOLSET_LABELS.get(name, name)) for name in TOOLSETS],
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick none for every toolset the scope allows.",
    )
    expires_at = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional. The key stops working at 00:00 UTC on this date.",
    )
    calls_per_minute = forms.IntegerField(
        required=False, min_value=1, max_value=CALLS_PER_MINUTE_MAX, label="Calls per minute"
    )
    output_schema = forms.BooleanField(
        required=False,
        label="Structured output",
        help_text="Send MCP outputSchema and structuredContent; roughly doubles what the agent reads.",
    )

    def __init__(self, *args, store_choices: list[tuple[str, str]], **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["store_ids"].choices = store_choices
        self.fields["calls_per_minute"].help_text = (
            f"Optional, 1 to {CALLS_PER_MINUTE_MAX:,}. Blank: the server default "
            f"({settings.MCP_TOOL_CALLS_PER_MINUTE} per minute)."
        )

    def clean_expires_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        if day <= timezone.now().date():
            raise forms.ValidationError("Choose a date after today.")
        return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("store_access") == "some"
            and not cleaned.get("store_ids")
            and "store_ids" not in self.errors
        ):
            self.add_error("store_ids", "Tick at least one store, or choose “All stores”.")
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        all_stores = data["store_access"] == "all"
        return {
            "name": data["name"],
            "scope": data["scope"],
            "stores_admin": data["stores_admin"],
            "all_stores": all_stores,
            "store_ids": () if all_stores else data["store_ids"],
            "toolsets": data["toolsets"],
            "expires_at": data["expires_at"],
            "calls_per_minute": data["calls_per_minute"],
            "output_schema": data["output_schema"],
        }

    def add_service_error(self, exc: InvalidInput) -> None:
        """Show the service's message next to the field it names (or above the form)."""
        self.add_error(exc.field if exc.field in self.fields else None, exc.message)


class KeyEditForm(KeyCreateForm):
    """The create form, filled in with what an existing key may do."""

    def __init__(self, *args, key: ApiKey, **kwargs):
        kwargs.setdefault("initial", initial_for(key))
        super().__init__(*args, **kwargs)
        self.key = key

    def clean_expires_at(self) -> dt.datetime | None:
        day = self.cleaned_data.get("expires_at")
        if self.key.expires_at is not None and day == self.key.expires_at.astimezone(dt.UTC).date():
            return self.key.expires_at  # unchanged: kept to the second, even if it is today
        return super().clean_expires_at()


def initial_for(key: ApiKey) -> dict[str, object]:
    return {
        "name": key.name,
        "scope": key.scope,
        "stores_admin": key.stores_admin,
        "store_access": "all" if key.all_stores else "some",
        "store_ids": [str(pk) for pk in key.stores.values_list("pk", flat=True)],
        "toolsets": list(key.toolsets or ()),
        "expires_at": key.expires_at.astimezone(dt.UTC).date() if key.expires_at else None,
        "calls_per_minute": key.calls_per_minute,
        "output_schema": key.output_schema,
    }


GRACE_CHOICES = {"0": dt.timedelta(0), "1h": dt.timedelta(hours=1), "24h": dt.timedelta(hours=24)}


class KeyRotateForm(forms.Form):
    grace = forms.ChoiceField(
        label="The old key stops working",
        choices=[("0", "At once"), ("1h", "In 1 hour"), ("24h", "In 24 hours")],
        initial="0",
        widget=forms.RadioSelect,
        help_text="Until then both keys work, so agents can be moved to the new one.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def grace_period(self) -> dt.timedelta:
        return GRACE_CHOICES[self.cleaned_data["grace"]]
