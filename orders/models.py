"""Idempotency records: how a retried create never creates twice.

OrderDesk has no idempotency keys, so we keep them: one row per (tenant, store, operation, key) with a
hash of the request and, once done, the result. See orders/services/idempotency.py for the rules.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class IdempotencyState(models.TextChoices):
    PENDING = "pending"  # a call with this key is running now
    DONE = "done"  # finished; `result` is what the call returned
    FAILED = "failed"  # OrderDesk refused it, so nothing was created; the key may be used again
    UNKNOWN = "unknown"  # the request may or may not have been applied upstream


class IdempotencyRecord(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=60)
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(
        max_length=10, choices=IdempotencyState.choices, default=IdempotencyState.PENDING
    )
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "store", "operation", "key"], name="idempotency_key_unique_per_operation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key} ({self.state})"
