"""The data migration moves the branch frequency defaults to the 2018 regulations (R-B2, R-B8)."""

from __future__ import annotations

import pytest

from pangting.tests.migrating import migrate_to, migrate_to_latest

BEFORE = [("study", "0011_rules_never_checked")]
AFTER = [("study", "0012_branch_defaults_2018_regulations")]


def _rows(apps):
    Rule = apps.get_model("study", "MeetingFrequencyRule")
    return {(r.rule_code, r.session_kind, r.applies_to): (r.period, r.min_count) for r in Rule.objects.all()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the seeded rules, even after an earlier flush
def test_it_moves_untouched_defaults_keeps_edited_ones_and_adds_the_theme_day():
    old = migrate_to(BEFORE)
    try:
        Rule = old.get_model("study", "MeetingFrequencyRule")
        # The rows the migrations seeded, as they stood before (an earlier transactional test's
        # flush may have emptied the table; restoring them here keeps the test independent).
        for kind, applies_to in (
            ("member_meeting", "without_party_groups"),
            ("party_group_meeting", "with_party_groups"),
        ):
            Rule.objects.get_or_create(
                rule_code="R-B2", session_kind=kind, applies_to=applies_to, defaults={"period": "month", "min_count": 1}
            )
        assert _rows(old)[("R-B2", "member_meeting", "without_party_groups")] == ("month", 1)
        assert not Rule.objects.filter(rule_code="R-B8").exists()

        new = migrate_to(AFTER)
        rows = _rows(new)
        assert rows[("R-B2", "member_meeting", "without_party_groups")] == ("quarter", 1)
        assert rows[("R-B8", "theme_day", "all_branches")] == ("month", 1)
        assert rows[("R-B2", "party_group_meeting", "with_party_groups")] == ("month", 1)  # untouched
        history = new.get_model("study", "HistoricalMeetingFrequencyRule").objects.filter(
            history_change_reason__contains="2018"
        )
        assert sorted(h.history_type for h in history) == ["+", "~"]

        # Backwards restores the old default; a deployment's own number is kept going forward.
        old = migrate_to(BEFORE)
        assert _rows(old)[("R-B2", "member_meeting", "without_party_groups")] == ("month", 1)
        assert not old.get_model("study", "MeetingFrequencyRule").objects.filter(rule_code="R-B8").exists()
        old.get_model("study", "MeetingFrequencyRule").objects.filter(
            rule_code="R-B2", applies_to="without_party_groups"
        ).update(min_count=2)
        new = migrate_to(AFTER)
        assert _rows(new)[("R-B2", "member_meeting", "without_party_groups")] == ("month", 2)
    finally:
        migrate_to_latest()
