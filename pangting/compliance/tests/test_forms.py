"""The rule-parameter form: a declared rule and parameter, a value of its kind, a note that fits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.compliance.forms import FindingFilterForm, RuleParameterForm
from pangting.compliance.tests.builders import stored_finding
from pangting.core.models import RuleParameter

pytestmark = pytest.mark.django_db


def test_it_accepts_a_value_of_the_parameters_kind():
    form = RuleParameterForm({"rule": "R-S3", "name": "min_rate", "value": "85", "note": "党委会决定"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"rule": "R-S3", "name": "min_rate", "value": "85", "note": "党委会决定"}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"rule": "R-S3", "name": "min_rate", "value": "abc"}, "无效"),
        ({"rule": "R-S3", "name": "min_rate", "value": ""}, "无效"),
        ({"rule": "R-S3", "name": "nonsense", "value": "1"}, "未知的规则参数"),
        ({"rule": "", "name": "min_rate", "value": "85"}, ""),
        ({"rule": "R-S3", "name": "min_rate", "value": "85", "note": "长" * 201}, "200"),
    ],
    ids=["bad-value", "empty-value", "unknown-parameter", "no-rule", "note-too-long"],
)
def test_it_refuses_with_a_chinese_message(data, fragment):
    form = RuleParameterForm(data)
    assert not form.is_valid()
    assert form.error_lines() and fragment in " ".join(form.error_lines())


def test_it_refuses_a_too_long_note_on_the_page_instead_of_cutting_it(world, client_for):
    """No silent loss: a note longer than the field is refused, not truncated, and nothing is stored."""
    response = client_for(world.supervisor).post(
        reverse("compliance:rule_parameter"),
        {"rule": "R-S3", "name": "min_rate", "value": "85", "note": "长" * 201},
        follow=True,
    )
    assert "200" in response.content.decode() and not RuleParameter.objects.exists()


def test_it_reads_the_findings_filters_and_falls_back_on_anything_unknown(world):
    from pangting.orgs.models import Organization

    units = Organization.objects.filter(pk__in=[world.unit_a.pk, world.unit_b.pk])
    chosen = FindingFilterForm(
        {"year": "2025", "unit": str(world.unit_b.pk), "rule": "R-S7", "show": "all"},
        rule_ids=["R-S3", "R-S7"], units=units, default_year=2026,
    ).filters()  # fmt: skip
    assert chosen == {"year": 2025, "unit": world.unit_b, "rule": "R-S7", "show": "all"}
    by_code = FindingFilterForm({"unit_text": "ub"}, rule_ids=[], units=units, default_year=2026).filters()
    assert by_code["unit"] == world.unit_b  # typed without JavaScript: matched on the server
    outside = FindingFilterForm(
        {"year": "²", "unit": str(world.root.pk), "rule": "R-X1", "show": "weird"},
        rule_ids=["R-S3", "R-S7"], units=units, default_year=2026,
    )  # fmt: skip
    assert outside.filters() == {"year": 2026, "unit": None, "rule": "", "show": "open"}
    assert "不在您的查看范围内" in outside.errors["unit"][0]  # said, not a 500
    assert FindingFilterForm({}, rule_ids=[], units=units, default_year=2026).filters()["year"] == 2026


def test_it_filters_the_findings_page_by_unit_and_open_or_all(world, client_for):
    from pangting.compliance.models import ComplianceRun

    run = ComplianceRun.objects.create(year=2026, counts={})
    common = {"year": 2026, "period": "2026", "severity": "amber", "first_seen": run, "last_seen": run}
    stored_finding(rule_id="R-S7", unit=world.unit_a, key="a", message="甲学院的问题", **common)
    stored_finding(
        rule_id="R-S7", unit=world.unit_b, key="b", message="乙学院已消除的问题", resolved_at=run.started_at, **common
    )
    client = client_for(world.supervisor)
    url = reverse("compliance:finding_list")
    page = client.get(url, {"year": "2026"}).content.decode()
    assert "甲学院的问题" in page and "乙学院已消除的问题" not in page  # open only by default
    page = client.get(url, {"year": "2026", "unit": world.unit_b.pk, "show": "all"}).content.decode()
    assert "乙学院已消除的问题" in page and "甲学院的问题" not in page
