"""The rule-parameter form: a declared rule and parameter, a value of its kind, a note that fits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pangting.compliance.forms import RuleParameterForm
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
