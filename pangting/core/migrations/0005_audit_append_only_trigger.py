"""PostgreSQL: a trigger refuses UPDATE and DELETE on the audit log.

Only a DELETE in a transaction that set the session variable `pangting.audit_archive` (what
`manage.py archive_audit_log` does, after exporting the rows) passes. SQLite has no such
guard: there the model refuses changes and `verify_audit_log` finds any made behind its back.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION pangting_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('pangting.audit_archive', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION pangting_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS pangting_audit_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_chain"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
