"""The year's formula (R-O14): checked when saved, unknown rules refused by name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pangting.assessment import services
from pangting.assessment.models import AssessmentScheme
from pangting.compliance import registry
from pangting.core import parameters


@pytest.fixture
def throwaway_rule():
    """A check registered for the test only, so the test does not depend on which checks exist."""
    registry.ordered_rules()
    registry.rule("R-S90", "测试用规则")(lambda ctx: [])
    yield "R-S90"
    registry.RULES.pop("R-S90", None)
    parameters.REGISTRY.pop("R-S90", None)  # registering the rule also declared its title there
    parameters.TITLES.pop("R-S90", None)


def save(w, formula: str, **options):
    return services.save_scheme(organization=w.root, year=2026, formula=formula, actor=w.supervisor, **options)


def test_it_saves_a_formula_that_names_a_registered_rule(world, throwaway_rule):
    scheme = save(world, f'clamp(70 - 2 * red("{throwaway_rule}") - amber("R-S*"), 0, 100)', confirm=True)
    assert scheme.status == AssessmentScheme.Status.CONFIRMED
    assert scheme.confirmed_by == world.supervisor
    assert scheme.history.count() == 1


def test_it_refuses_a_formula_that_names_an_unknown_rule_naming_it(world, throwaway_rule):
    """R-O14: a formula that references a rule not registered as a check is refused when saved."""
    with pytest.raises(ValidationError) as caught:
        save(world, f'60 - red("{throwaway_rule}") - red("R-S91") - findings("R-Q1")')
    messages = caught.value.message_dict["formula"]
    assert messages == ["公式引用了未登记为检查项的规则“R-S91”。", "公式引用了未登记为检查项的规则“R-Q1”。"]
    assert not AssessmentScheme.objects.exists()


def test_it_refuses_a_rule_that_is_unregistered_after_the_test_rule_is_removed(world, throwaway_rule):
    registry.RULES.pop(throwaway_rule)
    with pytest.raises(ValidationError, match="R-S90"):
        save(world, 'red("R-S90")')


def test_it_refuses_a_syntax_error_with_its_position(world):
    with pytest.raises(ValidationError) as caught:
        save(world, "60 + visits.count")
    assert caught.value.message_dict["formula"] == ["第6个字符处：不允许访问属性（“.”）。"]


def test_it_refuses_a_formula_that_cannot_score_an_unobserved_unit(world):
    with pytest.raises(ValidationError, match=r"未被旁听.*obs_score.*coalesce"):
        save(world, "60 + 0.4 * obs_score")
    with pytest.raises(ValidationError, match="除数为零"):
        save(world, "100 / visits")


def test_it_changes_the_years_scheme_in_place_and_keeps_its_history(world):
    first = save(world, services.DEFAULT_FORMULA, confirm=True)
    second = save(world, "coalesce(obs_score, 75)")
    assert first.pk == second.pk
    assert second.status == AssessmentScheme.Status.DRAFT
    assert [h.formula for h in second.history.order_by("history_date")] == [
        services.DEFAULT_FORMULA,
        "coalesce(obs_score, 75)",
    ]


def test_the_default_formula_is_accepted_by_the_rule_engine_in_force(world):
    assert save(world, services.DEFAULT_FORMULA).formula == services.DEFAULT_FORMULA


def test_the_scheme_page_shows_the_refusal_in_chinese_and_saves_nothing(world, client_for):
    response = client_for(world.supervisor).post(
        reverse("assessment:scheme"), {"year": "2026", "formula": '80 - red("R-S91")', "max_score": "100"}
    )
    assert response.status_code == 200
    assert "公式引用了未登记为检查项的规则“R-S91”。" in response.content.decode()
    assert not AssessmentScheme.objects.exists()


def test_the_scheme_page_saves_and_shows_the_formula(world, client_for):
    client = client_for(world.supervisor)
    response = client.post(
        reverse("assessment:scheme"),
        {"year": "2026", "formula": "coalesce(obs_score, 80)", "max_score": "100", "confirm": "on"},
    )
    assert response.status_code == 302
    scheme = AssessmentScheme.objects.get(year=2026)
    assert (scheme.organization, scheme.status) == (world.root, AssessmentScheme.Status.CONFIRMED)
    page = client.get(reverse("assessment:scheme"), {"year": "2026"}).content.decode()
    assert "coalesce(obs_score, 80)" in page
    assert "已确定" in page


def test_the_scheme_page_offers_the_default_formula_for_a_new_year(world, client_for):
    page = client_for(world.supervisor).get(reverse("assessment:scheme"), {"year": "2031"}).content.decode()
    assert "coalesce(obs_score, 80)" in page
    assert "尚未保存" in page
