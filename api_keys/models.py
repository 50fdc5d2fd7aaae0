"""The keys agents present to /mcp, and the apps connected to it by OAuth.

A key belongs to a tenant and may be limited to some of its stores, so this app sits above `stores`.
Only a bcrypt hash of the secret is kept (see `api_keys.core`).

A connected app is an `ApiKey` row of kind "oauth": it holds what an owner granted an OAuth client on
the consent page (scope, stores, toolsets), so its tokens act as the same `Actor` an API key does. It
has no secret of its own: its access and refresh tokens (django-oauth-toolkit's rows, kept only as
SHA-256 checksums) are bound to it by `OAuthTokenBinding`.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tenants.models import Tenant, User


class ApiKeyScope(models.TextChoices):
    READ = "read", "Read only"
    READ_WRITE = "read_write", "Read and write"


class ApiKeyKind(models.TextChoices):
    KEY = "key", "API key"
    OAUTH = "oauth", "Connected app"


class ApiKey(models.Model):
    """A key an agent presents to /mcp as `odk_<id>_<secret>`.

    The id is the primary key (one indexed lookup); only a bcrypt hash of the secret is kept.
    """

    id = models.CharField(primary_key=True, max_length=24, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=ApiKeyKind.choices, default=ApiKeyKind.KEY)
    # For a connected app: the OAuth client it was granted to (deleting the client removes the app).
    oauth_client = models.ForeignKey(
        "oauth2_provider.Application", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
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


class OAuthTokenKind(models.TextChoices):
    CODE = "code", "Authorization code"
    ACCESS = "access", "Access token"
    REFRESH = "refresh", "Refresh token"


class OAuthTokenBinding(models.Model):
    """Which connected app an authorization code, access token or refresh token acts for.

    Keyed by the SHA-256 checksum django-oauth-toolkit itself looks tokens up by (`token_checksum`), so
    no token value is stored here either. A code's binding outlives the code: presenting a used code
    again is recognised, and the app's tokens are revoked (RFC 6749 §4.1.2).
    """

    connected_app = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="oauth_bindings")
    kind = models.CharField(max_length=8, choices=OAuthTokenKind.choices)
    checksum = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} of {self.connected_app_id}"
