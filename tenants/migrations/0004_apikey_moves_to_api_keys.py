# ApiKey now lives in the `api_keys` app (its 0001 takes the table over). The audit log keeps the id of
# the key that acted as a plain value (it never had a database constraint). State only.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_magiclink_tenant_name"),
        ("api_keys", "0001_initial"),
        ("mcp_bridge", "0003_traces_move_to_operations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="auditevent", name="actor_key"),
                migrations.AddField(
                    model_name="auditevent",
                    name="actor_key_id",
                    field=models.CharField(blank=True, db_index=True, max_length=24, null=True),
                ),
                migrations.DeleteModel(name="ApiKey"),
            ],
        ),
    ]
