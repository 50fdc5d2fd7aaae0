# API keys moved here from `tenants` (so the accounts app no longer refers to stores). The table,
# `tenants_apikey`, and its store list `tenants_apikey_stores` keep their names: state only.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("stores", "0002_initial"),
        ("tenants", "0003_magiclink_tenant_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiKey",
                    fields=[
                        (
                            "id",
                            models.CharField(
                                editable=False, max_length=24, primary_key=True, serialize=False
                            ),
                        ),
                        ("name", models.CharField(max_length=120)),
                        ("prefix", models.CharField(max_length=48)),
                        ("secret_hash", models.CharField(max_length=128)),
                        (
                            "scope",
                            models.CharField(
                                choices=[("read", "Read only"), ("read_write", "Read and write")],
                                default="read",
                                max_length=16,
                            ),
                        ),
                        ("stores_admin", models.BooleanField(default=False)),
                        ("all_stores", models.BooleanField(default=True)),
                        ("toolsets", models.JSONField(blank=True, default=list)),
                        ("calls_per_minute", models.PositiveIntegerField(blank=True, null=True)),
                        ("expires_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "default_store",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="stores.store",
                            ),
                        ),
                        (
                            "stores",
                            models.ManyToManyField(blank=True, related_name="api_keys", to="stores.store"),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_keys",
                                to="tenants.tenant",
                            ),
                        ),
                    ],
                    options={"db_table": "tenants_apikey"},
                ),
            ],
        ),
    ]
