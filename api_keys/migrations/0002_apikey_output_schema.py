# Per-key opt-in to MCP outputSchema and structuredContent (the table is still tenants_apikey).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("api_keys", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="output_schema",
            field=models.BooleanField(default=False),
        ),
    ]
