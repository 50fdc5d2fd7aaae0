# Traces and spans moved into the `operations` core app (its 0001 takes them over, same tables). The
# trace's API key becomes a plain value, like its store: the foreign-key constraint is dropped first,
# because the core sits below the api_keys app and a trace outlives the key it mentions.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mcp_bridge", "0002_initial"),
        ("api_keys", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="trace",
            name="actor_key",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="tenants.apikey",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Span"),
                migrations.DeleteModel(name="Trace"),
            ],
        ),
    ]
