"""On PostgreSQL, refuse TRUNCATE of the audit log too.

The row triggers of 0002 refuse UPDATE and DELETE, but TRUNCATE fires no row triggers: it would empty
the log in one statement. A statement-level BEFORE TRUNCATE trigger refuses it, alone or among other
tables. (No foreign key constraint points from the log to other tables, so `TRUNCATE … CASCADE` never
reaches it.) SQLite has no TRUNCATE (its `DELETE FROM` without WHERE is a DELETE, which 0002's trigger
already refuses), so nothing happens there.

The trigger has no switch: nothing in a session can turn it off, only the table's owner can disable or
drop it. The test harness, which must empty every table between transactional tests, does exactly that
around its flush (conftest.py).
"""

from django.db import migrations

POSTGRES = [
    # 0002's function raises whatever the event: a statement-level trigger can call it as well.
    """CREATE TRIGGER tenants_auditevent_no_truncate BEFORE TRUNCATE ON tenants_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION tenants_auditevent_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS tenants_auditevent_no_truncate ON tenants_auditevent;",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0004_apikey_moves_to_api_keys")]
    operations = [migrations.RunPython(forwards, backwards)]
