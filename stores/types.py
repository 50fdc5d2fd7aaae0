"""What the store operations take and return: argument types and plain pydantic result models that
pages, the console and MCP all render.

No result ever carries a store's API key; `key_last4` is the most any of them shows.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from stores.decoding import as_int_or_none, as_map
from stores.models import Store


class StoreInfo(BaseModel):
    """One registered store, as an agent or a page needs to know it."""

    id: str = Field(description="Our id for the store; pass it (or the name) as `store` to other tools.")
    name: str
    orderdesk_store_id: str = Field(description="OrderDesk's numeric store id.")
    label: str = ""
    is_sandbox: bool = Field(description="True for the built-in OrderDesk emulator store with demo data.")
    base_url: str = Field(description="The OrderDesk API base URL calls for this store go to.")
    key_last4: str = Field(description="The last 4 characters of the stored OrderDesk API key.")
    last_test_at: datetime | None = None
    last_test_ok: bool | None = Field(None, description="Result of the last stores_test; null if never.")
    last_test_message: str = ""
    is_default: bool = Field(False, description="True if this is the calling API key's default store.")

    @classmethod
    def from_store(cls, store: Store, *, default_store_id: uuid.UUID | None = None) -> StoreInfo:
        return cls(
            id=str(store.pk),
            name=store.name,
            orderdesk_store_id=store.orderdesk_store_id,
            label=store.label,
            is_sandbox=store.is_sandbox,
            base_url=store.effective_base_url,
            key_last4=store.api_key_last4,
            last_test_at=store.last_test_at,
            last_test_ok=store.last_test_ok,
            last_test_message=store.last_test_message,
            is_default=default_store_id is not None and store.pk == default_store_id,
        )


class StoreList(BaseModel):
    stores: list[StoreInfo]
    default_store_id: str | None = Field(
        None, description="The store used when a call names none (set with stores_use), if any."
    )


class Folder(BaseModel):
    id: int = Field(description="The folder id, as used in `folder_id` and for `folder` arguments.")
    name: str


class StoreDetails(BaseModel):
    """A store's OrderDesk settings (secrets never included) and its folders."""

    store: StoreInfo
    name: str = Field("", description="The store's name in OrderDesk.")
    timezone: str = Field("", description="The store's time zone; the `*_local` order filters use it.")
    locale_code: str = ""
    store_country: str = ""
    store_email: str = ""
    admin_email: str = ""
    store_url: str = ""
    folders: list[Folder] = Field(description="Every folder of the store, in OrderDesk's order.")


# --- Arguments of the store operations (their descriptions end up in MCP tool schemas) -----------------

NAME_MAX = 80
LABEL_MAX = 120
API_KEY_MIN, API_KEY_MAX = 8, 200
BASE_URL_MAX = 200

StoreName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX),
    Field(description="A name for the store, unique in your account (at most 80 characters)."),
]
OrderDeskStoreId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,32}$"),
    Field(description="OrderDesk's numeric store id (OrderDesk: Store Settings → API)."),
]
OrderDeskApiKey = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=API_KEY_MIN, max_length=API_KEY_MAX),
    Field(description="The store's OrderDesk API key. Stored encrypted; never shown again."),
]
BaseUrl = Annotated[
    str,
    Field(
        description=(
            "Leave empty for OrderDesk itself (https://app.orderdesk.me/api/v2). Only https URLs on "
            "OrderDesk hosts (or this server's sandbox) are accepted."
        ),
        max_length=BASE_URL_MAX,
    ),
]
Label = Annotated[str, Field(description="An optional note shown next to the name.", max_length=LABEL_MAX)]
RequiredStoreRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
    Field(description="The store: its id, its name, or its OrderDesk store id (see stores_list)."),
]


# The only settings that leave the service: everything else (api_key, smtp_*, custom CSS…) stays out,
# including out of the cache.
SETTINGS_FIELDS = ("timezone", "locale_code", "store_country", "store_email", "admin_email", "store_url")


def settings_summary(envelope: dict[str, Any]) -> dict[str, Any]:
    """The safe part of a `GET /store` envelope: name, a few settings, and folders as [{id, name}]."""
    store = as_map(envelope.get("store"))
    settings = as_map(store.get("settings"))
    folders = []
    for folder_id, folder_name in as_map(store.get("folders")).items():
        number = as_int_or_none(folder_id)
        if number is not None:
            folders.append({"id": number, "name": str(folder_name)})
    summary = {field: str(settings.get(field) or "") for field in SETTINGS_FIELDS}
    return {"name": str(store.get("name") or ""), **summary, "folders": folders}


class StoreTestResult(BaseModel):
    """The outcome of one connection test. A failure is a result with ok=false, not an error."""

    store: StoreInfo
    ok: bool
    message: str = Field(description="OrderDesk's answer, or what went wrong and what to do about it.")
    current_date_time: str | None = Field(None, description="OrderDesk's clock (UTC) when it answered.")
    duration_ms: float
    tokens_remaining: int | None = Field(
        None, description="Requests left in the store's OrderDesk rate-limit bucket, when known."
    )
    needs_new_key: bool = Field(
        False, description="True when the stored API key was rejected or cannot be read: re-enter it."
    )
    tested_at: datetime


class StoreDeleted(BaseModel):
    id: str
    name: str
    deleted: bool = True
