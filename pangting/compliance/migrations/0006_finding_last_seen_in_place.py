"""A run refreshes its open findings' `last_seen` in place (issue 15).

The column loses its index and its constraint (runs are never deleted; the database checked the
reference of every finding again at each run's commit), and on PostgreSQL the table keeps half
of each page free (fillfactor 50): an UPDATE that changes no indexed column and finds room on
the row's page is a HOT update, which writes no index entry. Rows already stored move to such
pages as they are rewritten; `VACUUM FULL compliance_finding` moves them all at once.
"""

import django.db.models.deletion
from django.db import migrations, models

FILL_FACTOR = 50


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE compliance_finding SET (fillfactor = {FILL_FACTOR})", params=None)


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE compliance_finding RESET (fillfactor)", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0005_finding_digest"),
    ]

    operations = [
        migrations.AlterField(
            model_name="finding",
            name="last_seen",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="compliance.compliancerun",
            ),
        ),
        migrations.RunPython(leave_room, fill_pages),
    ]
