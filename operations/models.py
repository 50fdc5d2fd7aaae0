"""Traces: one per operation call, whichever face made it, with one span per upstream HTTP attempt."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from tenants.models import Tenant, User


class TraceSource(models.TextChoices):
    MCP = "mcp", "MCP"
    STDIO = "stdio", "MCP (stdio)"
    CONSOLE = "console", "Console"
    WEB = "web", "Web"
    CLI = "cli", "Command line"
    POSTBACK = "postback", "OrderDesk post-back"


class TraceOutcome(models.TextChoices):
    OK = "ok", "OK"
    ERROR = "error", "Error"  # an anticipated failure: not found, invalid input, upstream refusal, …
    CRASH = "crash", "Crash"  # a bug; details are in the server log under the request id


class Trace(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="traces")
    operation = models.CharField(max_length=64, db_index=True)
    source = models.CharField(max_length=16, choices=TraceSource.choices)
    # Kept as plain values so a trace outlives the store, user or key it mentions.
    store_id = models.UUIDField(null=True, blank=True)
    store_name = models.CharField(max_length=80, blank=True)
    actor_user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_key_id = models.CharField(max_length=24, null=True, blank=True, db_index=True)  # api_keys.ApiKey
    actor_label = models.CharField(max_length=200, blank=True)
    arguments = models.JSONField(default=dict, blank=True)  # redacted
    outcome = models.CharField(max_length=8, choices=TraceOutcome.choices)
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    result_summary = models.JSONField(null=True, blank=True)  # redacted, capped
    before = models.JSONField(null=True, blank=True)  # the business object before a write
    after = models.JSONField(null=True, blank=True)
    duration_ms = models.FloatField()
    upstream_calls = models.PositiveIntegerField(default=0)
    request_id = models.CharField(max_length=64, blank=True)
    # The OrderDesk order the call was about (its `order_id` argument, or the order a create made), so
    # "every call about order 1001" is an index lookup rather than a scan of the JSON arguments.
    order_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "mcp_bridge_trace"  # the table kept its name when traces moved into the core
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["tenant", "-started_at"]),
            models.Index(fields=["tenant", "operation", "-started_at"]),
            # The trace list's searches: each one an index range read newest first, at any table size.
            models.Index(fields=["tenant", "request_id"], name="trace_tenant_request_idx"),
            models.Index(fields=["tenant", "order_id", "-started_at"], name="trace_tenant_order_idx"),
            models.Index(fields=["tenant", "error_code", "-started_at"], name="trace_tenant_error_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.outcome} {self.duration_ms:.0f} ms"


class Span(models.Model):
    trace = models.ForeignKey(Trace, on_delete=models.CASCADE, related_name="spans")
    seq = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    query = models.CharField(max_length=1000, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    duration_ms = models.FloatField()
    tokens_remaining = models.IntegerField(null=True, blank=True)
    retry_reason = models.CharField(max_length=40, blank=True)
    request_body = models.TextField(blank=True)  # redacted, capped at TRACE_BODY_LIMIT
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField()

    class Meta:
        db_table = "mcp_bridge_span"
        ordering = ["trace", "seq"]
        constraints = [models.UniqueConstraint(fields=["trace", "seq"], name="span_seq_unique")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status or self.error}"
