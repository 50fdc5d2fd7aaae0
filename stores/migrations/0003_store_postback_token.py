from django.db import migrations, models

import stores.models


def fill_tokens(apps, schema_editor):
    Store = apps.get_model("stores", "Store")
    for store in Store.objects.filter(postback_token__isnull=True).only("pk"):
        store.postback_token = stores.models.new_postback_token()
        store.save(update_fields=["postback_token"])


class Migration(migrations.Migration):
    dependencies = [("stores", "0002_initial")]

    # In three steps: a callable default is evaluated once for an AddField, which would give every
    # existing store the same (unique) token.
    operations = [
        migrations.AddField(
            model_name="store",
            name="postback_token",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="store",
            name="postback_token",
            field=models.CharField(
                default=stores.models.new_postback_token, max_length=64, null=True, unique=True
            ),
        ),
    ]
