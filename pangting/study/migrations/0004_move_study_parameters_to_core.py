"""Move the study parameters, with their history, into the core registry's table, keyed by rule ID.

Each study key becomes a parameter of the rule it belongs to (`study.parameters`); the
participation threshold becomes R-S3 `min_rate` in percent, the number the R-S3 check
reads. Where the compliance R-S3 `min_rate` was already set, that value (the one findings
were computed with) is kept and the study value is recorded in its note.
"""

from fractions import Fraction

from django.db import migrations

KEYS = {
    "participation_threshold": ("R-S3", "min_rate"),
    "checkin_opens_minutes_before": ("R-S3", "checkin_opens_minutes_before"),
    "checkin_grace_minutes_after": ("R-S3", "checkin_grace_minutes_after"),
    "arrangement_days_before": ("R-S10", "arrangement_days_before"),
    "arrangement_unit": ("R-S10", "arrangement_unit"),
    "report_days_after": ("R-S10", "report_days_after"),
    "report_unit": ("R-S10", "report_unit"),
    "plan_due_month": ("R-S1", "plan_due_month"),
    "plan_due_day": ("R-S1", "plan_due_day"),
    "max_upload_mb": ("R-S14", "max_upload_mb"),
    "upload_extensions": ("R-S14", "upload_extensions"),
}


def convert(key, raw):
    """The stored text of a study parameter as the registry's JSON value."""
    text = str(raw).strip()
    if key == "participation_threshold":
        value = Fraction(text.rstrip("%"))
        if not ("%" in text or value > 1):
            value *= 100
        return int(value) if value.denominator == 1 else float(value)
    if key in ("arrangement_unit", "report_unit"):
        return text
    if key == "upload_extensions":
        return [e.strip().lower().lstrip(".") for e in text.replace("，", ",").split(",") if e.strip()]
    return int(text)


def forward(apps, schema_editor):
    old = apps.get_model("study", "StudyParameter")
    new = apps.get_model("core", "RuleParameter")
    old_history = apps.get_model("study", "HistoricalStudyParameter")
    new_history = apps.get_model("core", "HistoricalRuleParameter")
    id_map = {}
    for row in old.objects.order_by("pk"):
        if row.key not in KEYS:
            continue
        rule_id, name = KEYS[row.key]
        value = convert(row.key, row.value)
        existing = new.objects.filter(rule_id=rule_id, name=name, deleted_at__isnull=True).first()
        if existing is not None and row.deleted_at is None:
            existing.note = f"{existing.note} 学习参数原为 {row.value}".strip()[:200]
            existing.save(update_fields=["note"])
            continue
        created = new.objects.create(
            rule_id=rule_id, name=name, value=value, note=row.note, created_at=row.created_at,
            updated_at=row.updated_at, deleted_at=row.deleted_at,
        )  # fmt: skip
        id_map[row.pk] = created.pk
    for row in old_history.objects.order_by("history_id"):
        if row.id not in id_map or row.key not in KEYS:
            continue
        rule_id, name = KEYS[row.key]
        new_history.objects.create(
            id=id_map[row.id], rule_id=rule_id, name=name, value=convert(row.key, row.value), note=row.note,
            created_at=row.created_at, updated_at=row.updated_at, deleted_at=row.deleted_at,
            history_date=row.history_date, history_change_reason=row.history_change_reason,
            history_type=row.history_type, history_user_id=row.history_user_id,
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("study", "0003_session_time_message"),
        ("core", "0002_rule_parameter_registry"),
        ("compliance", "0002_move_rule_parameters_to_core"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="historicalstudyparameter",
            name="history_user",
        ),
        migrations.DeleteModel(
            name="StudyParameter",
        ),
        migrations.DeleteModel(
            name="HistoricalStudyParameter",
        ),
    ]
