"""Fill `orgs.UnitChange` from the records already saved, so an existing install's staleness stays right.

Each organization above a record but the root gets the latest `updated_at` of the records
(soft-deleted ones too) of its subtree. That is more rows than `orgs.changes.touch` writes (the
record's own organization only), and the staleness check, which reads subtrees, answers alike. The
list is `orgs.changes.unit_change_models()` as of this migration (issue 15).
"""

from django.db import migrations
from django.db.models import Max

PATH_STEP = 8  # orgs.models.PATH_STEP

SOURCES = [
    ("study", "StudyPlan", "organization__path"),
    ("study", "StudySession", "organization__path"),
    ("study", "Attendance", "session__organization__path"),
    ("study", "Reschedule", "session__organization__path"),
    ("study", "Reflection", "organization__path"),
    ("observation", "Visit", "unit__path"),
    ("observation", "ObservationRecord", "visit__unit__path"),
    ("observation", "Feedback", "visit__unit__path"),
    ("observation", "Rectification", "unit__path"),
    ("observation", "CrossObservation", "host__path"),
    ("observation", "CrossObservation", "visitor__path"),
]


def fill(apps, schema_editor):
    latest = {}
    for app_label, model_name, field in SOURCES:
        model = apps.get_model(app_label, model_name)
        rows = model.objects.values_list(field).annotate(changed_at=Max("updated_at")).order_by()
        for path, changed_at in rows:
            for i in range(PATH_STEP, len(path or ""), PATH_STEP):
                pk = int(path[i : i + PATH_STEP])
                if pk not in latest or latest[pk] < changed_at:
                    latest[pk] = changed_at
    UnitChange = apps.get_model("orgs", "UnitChange")
    UnitChange.objects.bulk_create(
        [UnitChange(unit_id=pk, changed_at=moment) for pk, moment in sorted(latest.items())],
        batch_size=500,
        update_conflicts=True,
        unique_fields=["unit"],
        update_fields=["changed_at"],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0003_finding_message_id_and_params"),
        ("orgs", "0003_unitchange"),
        ("study", "0015_drop_staleness_only_updated_at_indexes"),
        ("observation", "0011_drop_staleness_only_updated_at_index"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
