"""Giving a tenant its sandbox store. Replaced by the sandbox's own provisioning once it exists."""

from __future__ import annotations

from tenants.models import Tenant


def provision_sandbox_store(*, tenant: Tenant, orders: int = 60, seed: int | None = None):
    """Create the tenant's sandbox store (with demo data) and return its `stores.Store`.

    Placeholder until the emulator lands: returns None and creates nothing.
    """
    return None
