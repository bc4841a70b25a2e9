"""The data migrations move stored study and compliance parameters, with history, into the registry."""

from __future__ import annotations

import pytest

from pangting.tests.migrating import migrate_to, migrate_to_latest

BEFORE = [("core", "0001_initial"), ("compliance", "0001_initial"), ("study", "0003_session_time_message")]
AFTER = [("core", "0002_rule_parameter_registry"), ("study", "0004_move_study_parameters_to_core")]


@pytest.mark.django_db(transaction=True)
def test_it_moves_stored_values_and_their_history_into_the_core_table():
    old = migrate_to(BEFORE)
    try:
        compliance_row = old.get_model("compliance", "RuleParameter").objects.create(
            rule_id="R-S3", name="min_rate", value=85, note="检查口径"
        )
        old.get_model("compliance", "HistoricalRuleParameter").objects.create(
            id=compliance_row.pk, rule_id="R-S3", name="min_rate", value=85, note="检查口径",
            created_at=compliance_row.created_at, updated_at=compliance_row.updated_at,
            history_date=compliance_row.updated_at, history_type="+",
        )  # fmt: skip
        study = old.get_model("study", "StudyParameter")
        study.objects.create(key="participation_threshold", value="9/10")  # R-S3 is already set: the check's 85 stays
        study.objects.create(key="report_days_after", value="5")
        study.objects.create(key="upload_extensions", value="pdf，.DOCX")

        new = migrate_to(AFTER)
        rows = {(r.rule_id, r.name): (r.value, r.note) for r in new.get_model("core", "RuleParameter").objects.all()}
        assert rows == {
            ("R-S3", "min_rate"): (85, "检查口径 学习参数原为 9/10"),
            ("R-S10", "report_days_after"): (5, ""),
            ("R-S14", "upload_extensions"): (["pdf", "docx"], ""),
        }
        history = new.get_model("core", "HistoricalRuleParameter").objects.get(rule_id="R-S3")
        live = new.get_model("core", "RuleParameter").objects.get(rule_id="R-S3")
        assert (history.id, history.value, history.history_type) == (live.pk, 85, "+")
    finally:
        migrate_to_latest()
