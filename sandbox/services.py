"""The sandbox settings page's core: reading a tenant's sandbox stores, changing their faults and
rate limit, and re-filling their demo data. Tenant scoping and permissions are checked here."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from django.db import transaction

from kernel.errors import NotFound
from sandbox.demo.loader import seed_store
from sandbox.models import SandboxStore
from sandbox.provisioning import ensure_api_key, random_seed
from stores.models import Store
from stores.selectors import stores_visible
from tenants.actors import Actor, Permission
from tenants.audit import Action, audit
from tenants.denials import note_not_found
from tenants.models import Tenant


@dataclass(frozen=True)
class FaultSettings:
    latency_ms: int = 0
    share_429: float = 0.0
    share_500: float = 0.0
    share_503: float = 0.0
    share_timeout: float = 0.0
    timeout_seconds: float = 20.0
    script: tuple[str, ...] = ()
    seed: int | None = None
    rate_limit_enabled: bool = True
    bucket_capacity: float = 20.0
    bucket_refill_rate: float = 3.0

    @classmethod
    def of(cls, sandbox: SandboxStore) -> FaultSettings:
        return cls(
            latency_ms=sandbox.fault_latency_ms,
            share_429=sandbox.fault_share_429,
            share_500=sandbox.fault_share_500,
            share_503=sandbox.fault_share_503,
            share_timeout=sandbox.fault_share_timeout,
            timeout_seconds=sandbox.fault_timeout_seconds,
            script=tuple(sandbox.fault_script),
            seed=sandbox.fault_seed,
            rate_limit_enabled=sandbox.rate_limit_enabled,
            bucket_capacity=sandbox.bucket_capacity,
            bucket_refill_rate=sandbox.bucket_refill_rate,
        )


def sandbox_stores_list(*, tenant: Tenant, actor: Actor) -> list[SandboxStore]:
    """The tenant's sandbox stores this actor may see, oldest first."""
    actor.require(Permission.READ)
    visible = stores_visible(tenant=tenant, actor=actor).filter(is_sandbox=True)
    return list(
        SandboxStore.objects.filter(tenant=tenant, store__in=visible)
        .select_related("store")
        .order_by("created_at", "id")
    )


def sandbox_store_get(*, tenant: Tenant, actor: Actor, store_id: uuid.UUID | str) -> SandboxStore:
    """A sandbox store by our `stores.Store` id. Another tenant's store, a real (non-sandbox) store or
    one the actor may not use is NotFound."""
    actor.require(Permission.READ)
    try:
        pk = uuid.UUID(str(store_id))
    except ValueError:
        raise NotFound("No such sandbox store.", field="store") from None
    visible = stores_visible(tenant=tenant, actor=actor).filter(is_sandbox=True, pk=pk)
    sandbox = SandboxStore.objects.filter(tenant=tenant, store__in=visible).select_related("store").first()
    if sandbox is None:
        note_not_found(actor=actor, model=Store, pk=pk, target_type="store")
        raise NotFound("No such sandbox store.", field="store")
    return sandbox


@transaction.atomic
def sandbox_faults_update(
    *, tenant: Tenant, actor: Actor, store_id: uuid.UUID | str, settings: FaultSettings
) -> SandboxStore:
    """Change a sandbox store's fault injection and rate limit. A new script replaces the old one;
    the bucket starts full again so the new capacity applies at once."""
    actor.require(Permission.MANAGE_STORES)
    sandbox = sandbox_store_get(tenant=tenant, actor=actor, store_id=store_id)
    sandbox = SandboxStore.objects.select_for_update().get(pk=sandbox.pk)
    before = asdict(FaultSettings.of(sandbox))
    sandbox.fault_latency_ms = settings.latency_ms
    sandbox.fault_share_429 = settings.share_429
    sandbox.fault_share_500 = settings.share_500
    sandbox.fault_share_503 = settings.share_503
    sandbox.fault_share_timeout = settings.share_timeout
    sandbox.fault_timeout_seconds = settings.timeout_seconds
    sandbox.fault_script = list(settings.script)
    if settings.seed != sandbox.fault_seed:
        sandbox.fault_counter = 0
    sandbox.fault_seed = settings.seed
    sandbox.rate_limit_enabled = settings.rate_limit_enabled
    sandbox.bucket_capacity = settings.bucket_capacity
    sandbox.bucket_refill_rate = settings.bucket_refill_rate
    sandbox.bucket_tokens = settings.bucket_capacity
    sandbox.bucket_updated_at = 0.0
    sandbox.save()
    after = asdict(settings)
    changed = {name: after[name] for name in after if after[name] != before[name]}
    audit(Action.SANDBOX_FAULTS, actor=actor, target=sandbox.store, detail={"changed": changed})
    return sandbox


def sandbox_api_key(*, tenant: Tenant, actor: Actor, store_id: uuid.UUID | str) -> str:
    """The sandbox store's API key in plain text, for an owner connecting another OrderDesk client.

    Owners only (they manage the agents' keys, which are secrets of the same kind). Showing it changes
    nothing, not even the key (a key that cannot be decrypted any more is replaced, and that is
    audited by `ensure_api_key`); the showing itself is audited.
    """
    actor.require(Permission.MANAGE_KEYS)
    sandbox = sandbox_store_get(tenant=tenant, actor=actor, store_id=store_id)
    api_key = ensure_api_key(sandbox)
    audit(Action.SANDBOX_KEY_SHOWN, actor=actor, target=sandbox.store)
    return api_key


def sandbox_reseed(
    *, tenant: Tenant, actor: Actor, store_id: uuid.UUID | str, orders: int = 60, seed: int | None = None
) -> SandboxStore:
    """Replace a sandbox store's orders, inventory and folders with fresh demo data. Credentials and
    fault settings stay. Without a seed, the store's previous seed is used (a reset)."""
    actor.require(Permission.MANAGE_STORES)
    sandbox = sandbox_store_get(tenant=tenant, actor=actor, store_id=store_id)
    chosen = seed if seed is not None else (sandbox.seed if sandbox.seed is not None else random_seed())
    with transaction.atomic():
        seed_store(sandbox, orders=orders, seed=chosen)
        audit(
            Action.SANDBOX_SEEDED,
            actor=actor,
            target=sandbox.store,
            detail={"orders": orders, "seed": chosen},
        )
    return sandbox


@transaction.atomic
def sandbox_postbacks_update(
    *, tenant: Tenant, actor: Actor, store_id: uuid.UUID | str, enabled: bool, url: str
) -> SandboxStore:
    """Switch the sandbox's post-backs (sandbox/postbacks.py) on or off, and where they go."""
    actor.require(Permission.MANAGE_STORES)
    sandbox = sandbox_store_get(tenant=tenant, actor=actor, store_id=store_id)
    sandbox.postback_enabled, sandbox.postback_url = enabled, url
    sandbox.save(update_fields=["postback_enabled", "postback_url"])
    audit(
        Action.SANDBOX_FAULTS,
        actor=actor,
        target=sandbox.store,
        detail={"changed": {"postback_enabled": enabled, "postback_url": url}},
    )
    return sandbox
