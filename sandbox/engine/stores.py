"""Sandbox stores themselves: creating one with credentials, allocating public ids, GET /store."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction

from sandbox.engine import gate
from sandbox.models import SandboxFolder, SandboxStore
from tenants.models import Tenant

STORE_NUMBER_RANGE = (10_000, 99_999)


def create_sandbox_store(
    *, tenant: Tenant, name: str = "Sandbox Store", store_email: str = ""
) -> tuple[SandboxStore, str]:
    """A new, empty sandbox store with a fresh numeric id and API key. Returns (store, plaintext key);
    only the key's hash is kept here."""
    api_key = gate.mint_key()
    for _ in range(20):
        number = str(secrets.randbelow(STORE_NUMBER_RANGE[1] - STORE_NUMBER_RANGE[0]) + STORE_NUMBER_RANGE[0])
        if SandboxStore.objects.filter(orderdesk_store_id=number).exists():
            continue
        try:
            with transaction.atomic():
                store = SandboxStore.objects.create(
                    tenant=tenant,
                    orderdesk_store_id=number,
                    api_key_hash=gate.hash_key(api_key),
                    name=name[:120],
                    store_email=store_email,
                )
        except IntegrityError:  # another process took the same number in between
            continue
        return store, api_key
    raise RuntimeError("Could not find a free sandbox store number.")


def set_api_key(store: SandboxStore, api_key: str) -> None:
    store.api_key_hash = gate.hash_key(api_key)
    store.save(update_fields=["api_key_hash"])


def lock(store: SandboxStore) -> SandboxStore:
    """Re-read the store holding its write lock (call inside a transaction). Writes to one store
    queue here, so id allocation and read-modify-write of an order never interleave."""
    return SandboxStore.objects.select_for_update().get(pk=store.pk)


def allocate_ids(store: SandboxStore, count: int = 1) -> list[int]:
    """`count` new public ids for objects of `store`, which must be locked (see `lock`)."""
    first = store.next_id
    store.next_id += count
    SandboxStore.objects.filter(pk=store.pk).update(next_id=store.next_id)
    return [store.public_id_base + first + offset for offset in range(count)]


def folders_map(store: SandboxStore) -> dict[str, str]:
    return {str(folder.folder_id): folder.name for folder in store.folders.all()}


def store_payload(store: SandboxStore) -> dict[str, Any]:
    """`GET /store` (orderdesk-api.md §3.2). The API key and the SMTP credentials are left out, as the
    live API does now [THIRD-PARTY GLAMA]."""
    return {
        "id": store.orderdesk_store_id,
        "name": store.name,
        "settings": {
            "app_version": "2.0",
            "locale_code": "en_US",
            "timezone": store.timezone,
            "store_country": "US",
            "store_email": store.store_email,
            "admin_email": store.store_email,
            "normalize_capitalization": "1",
            "normalize_phone_numbers": "0",
            "date_format": "Y-m-d H:i:s",
            "short_date_format": "Y-m-d",
            "orders_per_page": 50,
            "report_frequency": "",
            "dashboard_report_type": "daily",
            "store_url": "https://sandbox.example.com",
            "custom_css": "",
            "security_po_box_warn": "",
            "security_different_address_warn": "",
            "security_different_country_warn": "",
            "security_quantity_warn": 0,
            "limit_address_field_char_length": 0,
            "country_name_format": "0",
            "all_orders_name": "All Orders",
            "all_orders_column_view": [],
            "shipping_methods": [],
            "default_checkout_data_fields": [],
            "auto_update_stock_count": "",
            "auto_create_inventory_items": "",
            "normalizeCapitalization": 1,
        },
        "folders": folders_map(store) or [],
    }


def folder_by_id(store: SandboxStore, folder_id: int) -> SandboxFolder | None:
    return store.folders.filter(folder_id=folder_id).first()


def folder_by_name(store: SandboxStore, name: str) -> SandboxFolder | None:
    # ASSUMPTION (orderdesk-api.md §3.12): "exact folder name"; case is ignored, as people type it.
    return store.folders.filter(name__iexact=name.strip()).first()


def first_folder(store: SandboxStore) -> SandboxFolder | None:
    return store.folders.first()
