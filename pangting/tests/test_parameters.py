"""The one rule-parameter registry (`pangting.core.parameters`), keyed by rule ID."""

from __future__ import annotations

import importlib
from fractions import Fraction

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import Promise

from pangting.compliance import services as compliance_services
from pangting.core import parameters
from pangting.core.models import RuleParameter
from pangting.core.parameters import Parameter
from pangting.study.parameters import get_parameters

pytestmark = pytest.mark.django_db


def test_it_holds_one_r_s3_threshold_for_the_study_pages_and_the_check(world):
    """R-S3: the study pages and the compliance check read the same number."""
    assert get_parameters().participation_threshold == Fraction(9, 10)
    assert compliance_services.all_parameters()["R-S3"]["min_rate"] == 90

    parameters.set_value("R-S3", "min_rate", "87.5%", actor=world.supervisor, note="省委新要求")

    assert get_parameters().participation_threshold == Fraction(7, 8)
    assert compliance_services.all_parameters()["R-S3"]["min_rate"] == 87.5
    row = RuleParameter.objects.get(rule_id="R-S3", name="min_rate")
    assert (row.note, row.history.first().history_user) == ("省委新要求", world.supervisor)


def test_it_declares_every_study_and_compliance_number_under_a_rule_id():
    compliance_services.all_parameters()  # the checks are registered
    declared = dict(parameters.declared())
    assert {"min_rate", "makeup_days", "checkin_opens_minutes_before"} <= {p.name for p in declared["R-S3"]}
    assert {"arrangement_days_before", "report_unit", "red_after_days"} <= {p.name for p in declared["R-S10"]}
    assert {p.name for p in declared["R-O11"]} == {"round_start_year"}
    assert all(rule_id.startswith("R-") for rule_id in declared)


def test_it_reads_the_deployment_setting_between_the_default_and_the_stored_value(world, settings):
    settings.PANGTING_RULE_PARAMETERS = {"R-S10": {"report_days_after": 4, "report_unit": "working"}}
    assert (get_parameters().report_days_after, get_parameters().report_unit) == (4, "working")
    parameters.set_value("R-S10", "report_days_after", "5", actor=world.supervisor)
    assert parameters.value("R-S10", "report_days_after") == 5

    settings.PANGTING_RULE_PARAMETERS = {"R-S10": {"report_days_after": "两天"}}
    with pytest.raises(ImproperlyConfigured):
        parameters.values("R-S10")


def test_it_validates_by_kind_and_removes_the_override_at_the_default(world):
    for rule_id, name, raw in [("R-S1", "plan_due_month", "13"), ("R-O11", "round_start_year", "1999"),
                               ("R-S14", "upload_extensions", " , "), ("R-S3", "nope", "1")]:  # fmt: skip
        with pytest.raises(ValidationError):
            parameters.set_value(rule_id, name, raw, actor=world.supervisor)
    parameters.set_value("R-S14", "upload_extensions", "PDF，.docx", actor=world.supervisor)
    assert get_parameters().upload_extensions == ("pdf", "docx")
    parameters.set_value("R-S1", "plan_due_month", "2", actor=world.supervisor)
    parameters.set_value("R-S1", "plan_due_month", "1", actor=world.supervisor)  # the default again
    assert not RuleParameter.objects.filter(rule_id="R-S1").exists()
    assert RuleParameter.all_objects.filter(rule_id="R-S1").exists()  # soft-deleted, history kept


def test_it_refuses_a_second_different_declaration_of_the_same_number():
    parameters.register("R-S3", Parameter("min_rate", 90, "参学率下限", "percent", unit="%"))  # the same: fine
    # ...and the first declaration stays, with its translatable label (pages show it in English).
    assert isinstance(parameters.REGISTRY["R-S3"]["min_rate"].label, Promise)
    with pytest.raises(ImproperlyConfigured):
        parameters.register("R-S3", Parameter("min_rate", 80, "参学率下限", "percent"))


def test_it_converts_stored_study_parameters_to_registry_values():
    migration = importlib.import_module("pangting.study.migrations.0004_move_study_parameters_to_core")
    assert migration.convert("participation_threshold", "9/10") == 90
    assert migration.convert("participation_threshold", "87.5%") == 87.5
    assert migration.convert("upload_extensions", "pdf，.DOCX") == ["pdf", "docx"]
    assert migration.convert("report_days_after", " 5 ") == 5
