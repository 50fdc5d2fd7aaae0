"""Make the audit log append-only in the database too, so not even raw SQL can rewrite history."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS tenants_auditevent_no_update BEFORE UPDATE ON tenants_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS tenants_auditevent_no_delete BEFORE DELETE ON tenants_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS tenants_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS tenants_auditevent_no_delete;",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION tenants_auditevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER tenants_auditevent_append_only BEFORE UPDATE OR DELETE ON tenants_auditevent
       FOR EACH ROW EXECUTE FUNCTION tenants_auditevent_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS tenants_auditevent_append_only ON tenants_auditevent;",
    "DROP FUNCTION IF EXISTS tenants_auditevent_append_only();",
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
