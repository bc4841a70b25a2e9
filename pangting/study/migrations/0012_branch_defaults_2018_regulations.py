"""Branch frequency defaults follow the party's branch work regulations (2018), as domain.md now says.

- R-B2: 党员大会 generally once a quarter, also in a branch without party groups (the monthly
  meeting was the stricter older reading of seed 002). Only the row that still holds the old
  default (monthly, at least once, active) is changed: a deployment that set its own number
  keeps it.
- R-B8: 主题党日 on a fixed day each month in every branch: a new rule row, added unless the
  deployment already has an R-B8 row.

Each change writes its history row (who: nobody, the migration; why: the change reason), so
the rule-parameters page shows when and why the default moved. Reversible.
"""

from django.db import migrations
from django.utils import timezone

REASON = "按《中国共产党支部工作条例（试行）》（2018）调整默认频次"
R_B2_OLD = {"rule_code": "R-B2", "session_kind": "member_meeting", "applies_to": "without_party_groups"}
R_B8 = {"rule_code": "R-B8", "session_kind": "theme_day", "applies_to": "all_branches", "period": "month"}


def _history(apps, row, history_type):
    History = apps.get_model("study", "HistoricalMeetingFrequencyRule")
    fields = {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}
    History.objects.create(
        **fields, history_date=timezone.now(), history_type=history_type, history_change_reason=REASON
    )


def forwards(apps, schema_editor):
    Rule = apps.get_model("study", "MeetingFrequencyRule")
    for row in Rule.objects.filter(**R_B2_OLD, period="month", min_count=1, active=True, deleted_at__isnull=True):
        row.period = "quarter"
        row.save()
        _history(apps, row, "~")
    if not Rule.objects.filter(rule_code="R-B8").exists():
        row = Rule.objects.create(**R_B8, min_count=1, requires_agenda_kind="")
        _history(apps, row, "+")


def backwards(apps, schema_editor):
    Rule = apps.get_model("study", "MeetingFrequencyRule")
    History = apps.get_model("study", "HistoricalMeetingFrequencyRule")
    changed = History.objects.filter(history_change_reason=REASON, history_type="~").values_list("id", flat=True)
    for row in Rule.objects.filter(pk__in=list(changed), **R_B2_OLD, period="quarter"):
        row.period = "month"
        row.save()
    added = History.objects.filter(history_change_reason=REASON, history_type="+").values_list("id", flat=True)
    Rule.objects.filter(pk__in=list(added), **R_B8).delete()
    History.objects.filter(history_change_reason=REASON).delete()


class Migration(migrations.Migration):
    dependencies = [("study", "0011_rules_never_checked")]
    operations = [migrations.RunPython(forwards, backwards)]
