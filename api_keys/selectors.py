"""Reading agent API keys: only the tenant's own, and only for owners."""

from __future__ import annotations

from django.db.models import Case, CharField, QuerySet, Value, When
from django.utils import timezone

from api_keys.models import ApiKey, ApiKeyKind
from api_keys.services import require_key_manager
from kernel.errors import NotFound
from stores.models import Store
from tenants.actors import Actor
from tenants.denials import note_not_found
from tenants.models import Tenant


def _with_status(keys: QuerySet[ApiKey]) -> QuerySet[ApiKey]:
    """Annotate `status`: revoked wins over expired, which wins over rotated (replaced, but still working
    for its grace period), which wins over active."""
    return keys.annotate(
        status=Case(
            When(revoked_at__isnull=False, then=Value("revoked")),
            When(expires_at__lte=timezone.now(), then=Value("expired")),
            When(replaced_by__isnull=False, then=Value("rotated")),
            default=Value("active"),
            output_field=CharField(),
        )
    )


def keys_for(tenant: Tenant, actor: Actor) -> QuerySet[ApiKey]:
    """The tenant's API keys (not its connected apps), newest first, with their stores and creator
    loaded and `status` set."""
    require_key_manager(tenant=tenant, actor=actor)
    keys = (
        ApiKey.objects.filter(tenant=tenant, kind=ApiKeyKind.KEY)
        .select_related("created_by", "replaced_by")
        .prefetch_related("stores")
    )
    return _with_status(keys).order_by("-created_at", "pk")


def key_get(tenant: Tenant, actor: Actor, key_id: str) -> ApiKey:
    """One key of the tenant; another tenant's key is NotFound (and audited, tenants.denials)."""
    key = keys_for(tenant, actor).filter(pk=str(key_id)).first()
    if key is None:
        note_not_found(actor=actor, model=ApiKey, pk=str(key_id), target_type="apikey")
        raise NotFound("No such API key.", field="key_id")
    return key


def store_choices(tenant: Tenant, actor: Actor) -> list[tuple[str, str]]:
    """(id, label) of every store a key of this tenant may be limited to."""
    require_key_manager(tenant=tenant, actor=actor)
    return [
        (str(pk), f"{name} (sandbox)" if sandbox else name)
        for pk, name, sandbox in Store.objects.filter(tenant=tenant)
        .order_by("name")
        .values_list("pk", "name", "is_sandbox")
    ]
