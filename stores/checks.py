"""What a store may be: each check raises InvalidInput naming the field, as pages, the console and MCP
show it. The store operations (`stores.services`) apply them."""

from __future__ import annotations

import re
import uuid

from django.conf import settings

from kernel.errors import InvalidInput
from stores.models import Store
from stores.types import API_KEY_MAX, API_KEY_MIN, LABEL_MAX, NAME_MAX
from stores.upstream.target import check_base_url
from tenants.models import Tenant

_DIGITS = re.compile(r"^[0-9]{1,32}$")


def clean_name(tenant: Tenant, value: str, *, exclude: uuid.UUID | None = None) -> str:
    name = (value or "").strip()
    if not name:
        raise InvalidInput("name: give the store a name.", field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"name: at most {NAME_MAX} characters.", field="name")
    # Names are matched case-insensitively when a call names a store, so they must be unique that way.
    taken = Store.objects.filter(tenant=tenant, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise InvalidInput(f"name: there is already a store called {name!r}.", field="name")
    return name


def clean_orderdesk_store_id(value: str) -> str:
    store_id = (value or "").strip()
    if not _DIGITS.match(store_id):
        raise InvalidInput(
            "orderdesk_store_id: OrderDesk store ids are digits only (Store Settings → API in OrderDesk).",
            field="orderdesk_store_id",
        )
    return store_id


def clean_api_key(value: str) -> str:
    api_key = (value or "").strip()
    if not API_KEY_MIN <= len(api_key) <= API_KEY_MAX:
        raise InvalidInput(
            f"api_key: the OrderDesk API key must be {API_KEY_MIN} to {API_KEY_MAX} characters.",
            field="api_key",
        )
    if any(ch.isspace() for ch in api_key):
        raise InvalidInput("api_key: the OrderDesk API key cannot contain spaces.", field="api_key")
    return api_key


def clean_base_url(value: str) -> str:
    """A store's base URL as stored: blank for OrderDesk itself, else what `check_base_url` allows."""
    url = (value or "").strip().rstrip("/")
    if not url or url == settings.ORDERDESK_DEFAULT_BASE_URL:
        return ""
    return check_base_url(url)


def clean_label(value: str) -> str:
    label = (value or "").strip()
    if len(label) > LABEL_MAX:
        raise InvalidInput(f"label: at most {LABEL_MAX} characters.", field="label")
    return label
