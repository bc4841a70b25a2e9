"""The default meeting frequencies (R-S2, R-B1 … R-B4); a deployment edits them in the admin.

Seed 002 lost its digits in extraction; these follow the party's branch work regulations
(domain.md notes the same).
"""

from django.db import migrations

DEFAULTS = [
    # rule, session kind, applies to, period, min count, required agenda kind
    ("R-S2", "center_group", "center_group", "month", 1, ""),
    ("R-B1", "branch_committee", "all_branches", "month", 1, ""),
    ("R-B2", "member_meeting", "without_party_groups", "month", 1, ""),
    ("R-B2", "member_meeting", "with_party_groups", "quarter", 1, ""),
    ("R-B2", "party_group_meeting", "with_party_groups", "month", 1, ""),
    ("R-B3", "party_lecture", "all_branches", "quarter", 1, ""),
    ("R-B4", "branch_study", "all_branches", "month", 1, ""),
    ("R-B4", "branch_study", "all_branches", "quarter", 1, "discussion"),
]


def create_defaults(apps, schema_editor):
    Rule = apps.get_model("study", "MeetingFrequencyRule")
    if Rule.objects.exists():
        return
    for code, kind, applies_to, period, count, agenda in DEFAULTS:
        Rule.objects.create(
            rule_code=code,
            session_kind=kind,
            applies_to=applies_to,
            period=period,
            min_count=count,
            requires_agenda_kind=agenda,
        )


class Migration(migrations.Migration):
    dependencies = [("study", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
