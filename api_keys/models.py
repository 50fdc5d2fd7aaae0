"""The keys agents present to /mcp.

A key belongs to a tenant and may be limited to some of its stores, so this app sits above `stores`.
Only a bcrypt hash of the secret is kept (see `api_keys.core`).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tenants.models import Tenant, User


class ApiKeyScope(models.TextChoices):
    READ = "read", "Read only"
    READ_WRITE = "read_write", "Read and write"


class ApiKey(models.Model):
    """A key an agent presents to /mcp as `odk_<id>_<secret>`.

    The id is the primary key (one indexed lookup); only a bcrypt hash of the secret is kept.
    """

    id = models.CharField(primary_key=True, max_length=24, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=120)
    prefix = models.CharField(max_length=48)  # "odk_<id>_abcd", enough to recognise a key in a list
    secret_hash = models.CharField(max_length=128)
    scope = models.CharField(max_length=16, choices=ApiKeyScope.choices, default=ApiKeyScope.READ)
    stores_admin = models.BooleanField(default=False)  # the `stores:admin` scope
    all_stores = models.BooleanField(default=True)
    stores = models.ManyToManyField("stores.Store", blank=True, related_name="api_keys")
    # Toolsets narrow what the key lists and may call: [] means every toolset its scope allows.
    toolsets = models.JSONField(default=list, blank=True)
    default_store = models.ForeignKey(
        "stores.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    calls_per_minute = models.PositiveIntegerField(null=True, blank=True)  # None: the server default
    # Send MCP outputSchema and structuredContent for this key's tools. Opt-in: it roughly doubles what
    # an agent reads for every tools/list and tool result.
    output_schema = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set when the key is rotated: the key that took its place (this one stops at revoked_at or, after a
    # grace period, at expires_at).
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The table kept its name when keys became their own app.
        db_table = "tenants_apikey"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
