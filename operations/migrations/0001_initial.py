# Traces and spans, taken over from `mcp_bridge` (see its 0003) with their tables: state only.

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("mcp_bridge", "0003_traces_move_to_operations"),
        ("tenants", "0003_magiclink_tenant_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Trace",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("operation", models.CharField(db_index=True, max_length=64)),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("mcp", "MCP"),
                                    ("stdio", "MCP (stdio)"),
                                    ("console", "Console"),
                                    ("web", "Web"),
                                    ("cli", "Command line"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("store_id", models.UUIDField(blank=True, null=True)),
                        ("store_name", models.CharField(blank=True, max_length=80)),
                        (
                            "actor_key_id",
                            models.CharField(blank=True, db_index=True, max_length=24, null=True),
                        ),
                        ("actor_label", models.CharField(blank=True, max_length=200)),
                        ("arguments", models.JSONField(blank=True, default=dict)),
                        (
                            "outcome",
                            models.CharField(
                                choices=[("ok", "OK"), ("error", "Error"), ("crash", "Crash")], max_length=8
                            ),
                        ),
                        ("error_code", models.CharField(blank=True, max_length=32)),
                        ("error_message", models.CharField(blank=True, max_length=500)),
                        ("result_summary", models.JSONField(blank=True, null=True)),
                        ("before", models.JSONField(blank=True, null=True)),
                        ("after", models.JSONField(blank=True, null=True)),
                        ("duration_ms", models.FloatField()),
                        ("upstream_calls", models.PositiveIntegerField(default=0)),
                        ("request_id", models.CharField(blank=True, max_length=64)),
                        ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "actor_user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="traces",
                                to="tenants.tenant",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "mcp_bridge_trace",
                        "ordering": ["-started_at"],
                        "indexes": [
                            models.Index(
                                fields=["tenant", "-started_at"], name="mcp_bridge__tenant__3cd3c0_idx"
                            ),
                            models.Index(
                                fields=["tenant", "operation", "-started_at"],
                                name="mcp_bridge__tenant__c2b6e5_idx",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Span",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("seq", models.PositiveSmallIntegerField()),
                        ("method", models.CharField(max_length=8)),
                        ("path", models.CharField(max_length=300)),
                        ("query", models.CharField(blank=True, max_length=1000)),
                        ("status", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("attempt", models.PositiveSmallIntegerField(default=1)),
                        ("duration_ms", models.FloatField()),
                        ("tokens_remaining", models.IntegerField(blank=True, null=True)),
                        ("retry_reason", models.CharField(blank=True, max_length=40)),
                        ("request_body", models.TextField(blank=True)),
                        ("response_body", models.TextField(blank=True)),
                        ("error", models.CharField(blank=True, max_length=300)),
                        ("started_at", models.DateTimeField()),
                        (
                            "trace",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="spans",
                                to="operations.trace",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "mcp_bridge_span",
                        "ordering": ["trace", "seq"],
                        "constraints": [
                            models.UniqueConstraint(fields=("trace", "seq"), name="span_seq_unique")
                        ],
                    },
                ),
            ],
        ),
    ]
