"""Move the compliance rule parameters, with their history, into the core registry's table.

The stored overrides keep their rule ID and name (the checks declare the same names in
`core.parameters`); the history rows follow them, pointing at the new rows.
"""

from django.db import migrations


def _copy(model, target, id_map=None):
    fields = [f.attname for f in model._meta.concrete_fields]
    for row in model.objects.order_by("pk"):
        data = {name: getattr(row, name) for name in fields}
        if id_map is None:
            old = data.pop("id")
            new = target.objects.create(**data)
            yield old, new.pk
        else:
            data.pop("history_id")
            if data["id"] not in id_map:
                continue
            data["id"] = id_map[data["id"]]
            target.objects.create(**data)


def forward(apps, schema_editor):
    old, new = apps.get_model("compliance", "RuleParameter"), apps.get_model("core", "RuleParameter")
    id_map = dict(_copy(old, new))
    old_history = apps.get_model("compliance", "HistoricalRuleParameter")
    new_history = apps.get_model("core", "HistoricalRuleParameter")
    for _ in _copy(old_history, new_history, id_map):
        pass


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
