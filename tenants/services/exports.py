"""Downloads of a tenant's logs are themselves recorded: who took which rows, in what format."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenants.actors import Actor, Permission
from tenants.audit import Action, audit
from tenants.models import AuditEvent


def export_record(*, actor: Actor, action: Action, fmt: str, filters: Mapping[str, Any]) -> AuditEvent:
    """Audit an export of the actor's tenant's traces or audit log, with the filters that chose it."""
    actor.require(Permission.READ)
    chosen = {name: str(value) for name, value in filters.items() if value not in (None, "", False)}
    return audit(
        action, actor=actor, target_type="export", target_id=fmt, detail={"format": fmt, "filters": chosen}
    )
