"""Forms for the store pages. The services hold the rules and name the field when they refuse a value
(`apply_error` puts that message next to the field). The form runs the same checks (`stores.checks`)
first, so every wrong field is reported at once instead of one per submission."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator

from kernel.errors import InvalidInput
from stores import checks, selectors
from stores.models import Store
from stores.types import API_KEY_MAX, API_KEY_MIN, BASE_URL_MAX, LABEL_MAX, NAME_MAX
from tenants.models import Tenant


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

    def __init__(self, *args, tenant: Tenant, store: Store | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant, self.store = tenant, store

    def _checked(self, field: str, check) -> str:
        try:
            return check(self.cleaned_data[field])
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message.removeprefix(f"{field}: ")) from None

    def clean_name(self) -> str:
        exclude = self.store.pk if self.store else None
        return self._checked("name", lambda value: checks.clean_name(self.tenant, value, exclude=exclude))

    def clean_orderdesk_store_id(self) -> str:
        return self._checked("orderdesk_store_id", checks.clean_orderdesk_store_id)

    def clean_api_key(self) -> str:
        if not self.cleaned_data["api_key"] and not self.fields["api_key"].required:
            return ""
        return self._checked("api_key", checks.clean_api_key)

    def clean_base_url(self) -> str:
        return self._checked("base_url", checks.clean_base_url)

    @property
    def api_key_dropped(self) -> bool:
        """A key was typed but the form comes back with errors: the key is never sent back to the
        browser (no secret in a page), so the operator must type it again."""
        return self.is_bound and bool(self.errors) and bool(self.data.get("api_key", "").strip())

    def apply_error(self, exc: InvalidInput) -> None:
        """Show a service's refusal next to the field it names (or above the form)."""
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message.removeprefix(f"{field}: ") if field else exc.message)


class StoreEditForm(StoreForm):
    def __init__(self, *args, store: Store, **kwargs):
        kwargs.setdefault("tenant", store.tenant)
        kwargs.setdefault(
            "initial",
            {
                "name": store.name,
                "orderdesk_store_id": store.orderdesk_store_id,
                "base_url": store.base_url,
                "label": store.label,
            },
        )
        super().__init__(*args, store=store, **kwargs)
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
