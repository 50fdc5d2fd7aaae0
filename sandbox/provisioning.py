"""Giving a tenant its sandbox store: emulator-side store + the tenant's encrypted `stores.Store`."""

from __future__ import annotations

import secrets

from django.db import transaction

from kernel.crypto import DecryptionError
from sandbox.demo.loader import seed_store
from sandbox.engine import gate
from sandbox.engine import stores as engine_stores
from sandbox.models import SandboxStore
from stores.models import Store
from tenants.audit import Action, audit
from tenants.models import Tenant

SANDBOX_STORE_NAME = "Sandbox"


def _free_name(tenant: Tenant) -> str:
    """ "Sandbox", or "Sandbox 2", "Sandbox 3", … when the tenant already uses the name."""
    taken = set(Store.objects.filter(tenant=tenant).values_list("name", flat=True))
    if SANDBOX_STORE_NAME not in taken:
        return SANDBOX_STORE_NAME
    number = 2
    while f"{SANDBOX_STORE_NAME} {number}" in taken:
        number += 1
    return f"{SANDBOX_STORE_NAME} {number}"


def tenant_sandbox(tenant: Tenant) -> SandboxStore | None:
    """The tenant's first working sandbox (a sandbox Store linked to emulator data), if any."""
    return (
        SandboxStore.objects.filter(tenant=tenant, store__isnull=False, store__is_sandbox=True)
        .select_related("store", "store__tenant")
        .order_by("created_at", "id")
        .first()
    )


def random_seed() -> int:
    return secrets.randbelow(2**31)


@transaction.atomic
def create_sandbox(*, tenant: Tenant, orders: int = 60, seed: int | None = None) -> SandboxStore:
    """Always a new sandbox store for `tenant`, with fresh credentials and demo data."""
    name = _free_name(tenant)
    sandbox, api_key = engine_stores.create_sandbox_store(
        tenant=tenant, name=f"{tenant.name} {name}"[:120], store_email="orders@example.com"
    )
    store = Store(
        tenant=tenant,
        name=name,
        orderdesk_store_id=sandbox.orderdesk_store_id,
        base_url="",  # blank: settings.SANDBOX_BASE_URL (Store.effective_base_url)
        is_sandbox=True,
        label="Demo data, served by this app",
    )
    store.set_api_key(api_key)
    store.save()
    sandbox.store = store
    sandbox.save(update_fields=["store"])
    seed_store(sandbox, orders=orders, seed=random_seed() if seed is None else seed)
    audit(
        Action.STORE_CREATED,
        tenant=tenant,
        target=store,
        detail={"sandbox": True, "orderdesk_store_id": sandbox.orderdesk_store_id, "orders": orders},
    )
    return sandbox


def provision_sandbox_store(*, tenant: Tenant, orders: int = 60, seed: int | None = None) -> Store:
    """Create the tenant's sandbox store (with demo data) and return its `stores.Store`.

    Idempotent: a tenant that already has a working sandbox store gets that one back untouched
    (re-filling is `sandbox_seed`'s job). `seed=None` picks a random seed.
    """
    existing = tenant_sandbox(tenant)
    if existing is not None:
        return existing.store
    return create_sandbox(tenant=tenant, orders=orders, seed=seed).store


def ensure_api_key(sandbox: SandboxStore) -> str:
    """The plaintext key of a sandbox store, from the tenant's encrypted Store. If it can no longer be
    decrypted (a keyring without the old key), a new key replaces it on both sides."""
    store = sandbox.store
    try:
        api_key = store.get_api_key()
    except DecryptionError:
        api_key = None
    if api_key is None or gate.hash_key(api_key) != sandbox.api_key_hash:
        api_key = gate.mint_key()
        with transaction.atomic():
            store.set_api_key(api_key)
            store.save(update_fields=["api_key_encrypted", "api_key_last4", "updated_at"])
            engine_stores.set_api_key(sandbox, api_key)
            audit(
                Action.STORE_UPDATED,
                tenant=store.tenant,
                target=store,
                detail={"changed": ["api_key"], "reason": "the sandbox key could not be decrypted"},
            )
    return api_key


def on_tenant_created(sender, *, tenant: Tenant, **kwargs) -> None:
    """Receiver of tenants.signals.tenant_created (connected in SandboxConfig.ready)."""
    provision_sandbox_store(tenant=tenant)
