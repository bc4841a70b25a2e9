"""Move the compliance rule parameters, with their history, into the core registry's table.

The stored overrides keep their rule ID and name (the checks declare the same names in
`core.parameters`); the history rows follow them, pointing at the new rows.
"""

from django.db import migrations


def _values(row):
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def forward(apps, schema_editor):
    old, new = apps.get_model("compliance", "RuleParameter"), apps.get_model("core", "RuleParameter")
    id_map = {}  # old row id -> new row id
    for row in old.objects.order_by("pk"):
        data = _values(row)
        old_id = data.pop("id")  # popped before the insert, so the new table's sequence numbers the row
        id_map[old_id] = new.objects.create(**data).pk
    old_history = apps.get_model("compliance", "HistoricalRuleParameter")
    new_history = apps.get_model("core", "HistoricalRuleParameter")
    for row in old_history.objects.order_by("pk"):
        data = _values(row)
        data.pop("history_id")
        if data["id"] in id_map:  # history of a row deleted outright has nothing to point at
            data["id"] = id_map[data["id"]]
            new_history.objects.create(**data)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("core", "0002_rule_parameter_registry"),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="historicalruleparameter",
            name="history_user",
        ),
        migrations.DeleteModel(
            name="RuleParameter",
        ),
        migrations.DeleteModel(
            name="HistoricalRuleParameter",
        ),
    ]
