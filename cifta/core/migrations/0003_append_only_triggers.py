"""On PostgreSQL, refuse UPDATE, DELETE and TRUNCATE on the audit tables at the database itself
(defence in depth: the application never issues them; the hash chain detects what a
database superuser might still do after disabling the trigger)."""

from django.db import migrations

TABLES = ("core_objectchange", "core_auditevent")


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        CREATE OR REPLACE FUNCTION cifta_refuse_audit_change() RETURNS trigger AS $$
        BEGIN
            -- Test databases are emptied between tests; they opt in per session. (A database
            -- superuser can switch triggers off anyway: the hash chain is the real control.)
            IF TG_OP = 'TRUNCATE' AND current_setting('cifta.allow_audit_truncate', true) = 'on' THEN
                RETURN NULL;
            END IF;
            RAISE EXCEPTION 'audit rows are append-only (% on %)', TG_OP, TG_TABLE_NAME;
        END;
        $$ LANGUAGE plpgsql;
        """,
        params=None,  # no placeholders: the % signs belong to PL/pgSQL
    )
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION cifta_refuse_audit_change();"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION cifta_refuse_audit_change();"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS cifta_refuse_audit_change();")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_chain_heads")]
    operations = [migrations.RunPython(install, remove)]
