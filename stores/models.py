"""An OrderDesk store registered by a tenant, with its API key encrypted at rest."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from kernel import crypto
from tenants.models import Tenant


def new_postback_token() -> str:
    """256 random bits, URL-safe: the secret part of the store's post-back URL."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class StoreCredentials:
    """What the OrderDesk client needs for one call. Never logged, never rendered."""

    store_pk: uuid.UUID
    tenant_id: uuid.UUID
    orderdesk_store_id: str
    api_key: str
    base_url: str

    def __repr__(self) -> str:  # keep the key out of tracebacks and debug output
        return f"StoreCredentials(store={self.store_pk}, orderdesk_store_id={self.orderdesk_store_id!r})"


class Store(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="stores")
    name = models.CharField(max_length=80)
    orderdesk_store_id = models.CharField(max_length=32)
    api_key_encrypted = crypto.EncryptedTextField()
    api_key_last4 = models.CharField(max_length=4)
    # Blank means OrderDesk itself (or, for sandbox stores, this app's own sandbox).
    base_url = models.URLField(blank=True)
    label = models.CharField(max_length=120, blank=True)
    is_sandbox = models.BooleanField(default=False)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True)
    last_test_message = models.CharField(max_length=300, blank=True)
    # The secret in the store's OrderDesk post-back URL (/webhooks/orderdesk/<token>/). Kept plain so
    # the store page can show the URL again; it only finds the store: a delivery must also carry the
    # HMAC of its body keyed with the store's API key. Unique, so finding the store is an index lookup.
    postback_token = models.CharField(max_length=64, unique=True, null=True, default=new_postback_token)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="store_name_unique_per_tenant"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return settings.SANDBOX_BASE_URL if self.is_sandbox else settings.ORDERDESK_DEFAULT_BASE_URL

    def set_api_key(self, api_key: str) -> None:
        """Encrypt a new key for this row. The tenant must be set (the AAD binds it)."""
        self.api_key_encrypted = crypto.encrypt(
            api_key, crypto.secret_context(self, "api_key_encrypted", self.tenant)
        )
        self.api_key_last4 = api_key[-4:]

    def get_api_key(self) -> str:
        """Raises crypto.DecryptionError when the key cannot be decrypted (the UI asks to re-enter it)."""
        return crypto.decrypt(
            self.api_key_encrypted, crypto.secret_context(self, "api_key_encrypted", self.tenant)
        )

    def credentials(self) -> StoreCredentials:
        return StoreCredentials(
            store_pk=self.pk,
            tenant_id=self.tenant_id,
            orderdesk_store_id=self.orderdesk_store_id,
            api_key=self.get_api_key(),
            base_url=self.effective_base_url,
        )
