"""Forms for the store pages. They check shape only; the services hold the rules and name the field
when they refuse a value (`apply_error` puts that message next to the field)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator

from kernel.errors import InvalidInput
from stores import selectors
from stores.models import Store
from stores.types import API_KEY_MAX, API_KEY_MIN, BASE_URL_MAX, LABEL_MAX, NAME_MAX


class StoreForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX)
    orderdesk_store_id = forms.CharField(
        label="OrderDesk store id",
        max_length=32,
        validators=[
            RegexValidator(r"^[0-9]+$", "Digits only, as shown in OrderDesk under Store Settings → API.")
        ],
        help_text="Digits, from OrderDesk: Store Settings → API.",
    )
    api_key = forms.CharField(
        label="API key",
        min_length=API_KEY_MIN,
        max_length=API_KEY_MAX,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted. Only its last 4 characters are ever shown again.",
    )
    base_url = forms.CharField(
        label="Base URL",
        required=False,
        max_length=BASE_URL_MAX,
        help_text=f"Leave blank for OrderDesk ({settings.ORDERDESK_DEFAULT_BASE_URL}).",
    )
    label = forms.CharField(required=False, max_length=LABEL_MAX, help_text="Optional note.")

    def apply_error(self, exc: InvalidInput) -> None:
        """Show a service's refusal next to the field it names (or above the form)."""
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message.removeprefix(f"{field}: ") if field else exc.message)


class StoreEditForm(StoreForm):
    def __init__(self, *args, store: Store, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": store.name,
                "orderdesk_store_id": store.orderdesk_store_id,
                "base_url": store.base_url,
                "label": store.label,
            },
        )
        super().__init__(*args, **kwargs)
        api_key = self.fields["api_key"]
        if not selectors.store_key_readable(store):
            api_key.label = "API key"
            api_key.help_text = "The stored key can no longer be decrypted: enter the store's API key again."
            return
        api_key.required = False
        api_key.label = "New API key"
        api_key.help_text = (
            f"Leave blank to keep the current key ending in {store.api_key_last4}."
            if store.api_key_last4
            else "Leave blank to keep the current key."
        )
