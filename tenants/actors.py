"""Who is acting, and what they may do. Services take an `Actor` and check it themselves, so no
interface (page, console, MCP, stdio) can skip a rule."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any
from uuid import UUID

from kernel.errors import Forbidden
from tenants.models import Membership, Role, Tenant, User


class Permission(StrEnum):
    READ = "read"  # stores, orders, inventory, traces, audit
    WRITE = "write"  # orders, items, shipments, inventory
    MANAGE_STORES = "manage_stores"  # register, edit, delete and test stores
    MANAGE_KEYS = "manage_keys"  # agent API keys
    MANAGE_TEAM = "manage_team"  # invitations, roles, removals


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.OPERATOR: frozenset({Permission.READ, Permission.WRITE, Permission.MANAGE_STORES}),
    Role.VIEWER: frozenset({Permission.READ}),
}


@dataclass(frozen=True)
class Actor:
    tenant: Tenant
    permissions: frozenset[Permission]
    user: User | None = None
    role: str | None = None
    api_key: Any = None  # an api_keys.ApiKey: that app sits above this one
    # None means every store of the tenant; otherwise the Store ids this actor may touch.
    allowed_store_ids: frozenset[UUID] | None = None
    toolsets: frozenset[str] = field(default_factory=frozenset)  # empty: no narrowing
    default_store_id: UUID | None = None

    @classmethod
    def for_membership(cls, membership: Membership) -> Actor:
        return cls(
            tenant=membership.tenant,
            user=membership.user,
            role=membership.role,
            permissions=ROLE_PERMISSIONS[membership.role],
        )

    @classmethod
    def system(cls, tenant: Tenant) -> Actor:
        """Management commands run as the machine's administrator."""
        return cls(tenant=tenant, permissions=frozenset(Permission))

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        if self.api_key is not None:
            return f"key {self.api_key.name} ({self.api_key.prefix})"
        return "system"

    def has(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        if permission not in self.permissions:
            raise Forbidden(_DENIED[permission])

    def require_in(self, tenant: Tenant, permission: Permission) -> None:
        """`require`, and refuse outright an actor of another tenant. Interfaces always pass the
        actor's own tenant, so a mismatch is a wiring mistake that must fail closed, not act."""
        if self.tenant.pk != tenant.pk:
            raise Forbidden(_DENIED[Permission.READ])
        self.require(permission)

    def may_use_store(self, store_id: UUID) -> bool:
        return self.allowed_store_ids is None or store_id in self.allowed_store_ids

    def allows_toolset(self, toolset: str) -> bool:
        return not self.toolsets or toolset in self.toolsets

    def narrowed(self, *, toolsets: frozenset[str] | None = None, read_only: bool = False) -> Actor:
        """This actor limited further (a connection may ask for less than its key allows, never more):
        `toolsets` intersected with the key's own, `read_only` keeps only the read permission."""
        narrowed = self
        if toolsets is not None:
            kept = toolsets & self.toolsets if self.toolsets else toolsets
            if not kept:  # an empty set would mean "no narrowing": refuse instead of widening
                raise Forbidden(f"This key allows none of the toolsets {', '.join(sorted(toolsets))}.")
            narrowed = replace(narrowed, toolsets=kept)
        if read_only:
            narrowed = replace(narrowed, permissions=self.permissions & {Permission.READ})
        return narrowed


_DENIED = {
    Permission.READ: "You do not have access to this tenant.",
    Permission.WRITE: "This needs write access: a read_write API key, or the operator or owner role.",
    Permission.MANAGE_STORES: (
        "Managing stores needs the operator or owner role, or an API key with stores:admin."
    ),
    Permission.MANAGE_KEYS: "Only owners manage API keys.",
    Permission.MANAGE_TEAM: "Only owners manage the team.",
}
