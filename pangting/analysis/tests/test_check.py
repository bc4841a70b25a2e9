"""R-S8 from the text: the check flags a substitution the declared kinds let through, explains
which items were judged what and by which words, and gives an empty agenda its own message."""

from __future__ import annotations

import datetime as dt

import pytest

from pangting.compliance.tests.builders import findings, good_session
from pangting.core import parameters
from pangting.core.system import system_actor
from pangting.study.models import AgendaItem
from pangting.study.tests.builders import at, make_session

pytestmark = pytest.mark.django_db
AFTER = dt.date(2026, 11, 23)
K = AgendaItem.Kind


def test_it_passes_a_session_of_theory_study(world):
    good_session(
        world,
        agenda=[
            {"kind": K.FIRST_ITEM, "title": "学习习近平总书记最新重要讲话精神"},
            {"kind": K.THEORY, "title": "专题学习《中国共产党纪律处分条例》"},
            {"kind": K.DISCUSSION, "title": "交流研讨"},
        ],
    )
    assert findings("R-S8", today=AFTER, unit=world.unit_a) == []


def test_it_flags_relay_and_deployment_declared_as_theory_study(world):
    """R-S8: the issue's case, which the declared kinds alone let through."""
    session = good_session(
        world,
        title="10月中心组学习",
        agenda=[
            {"kind": K.THEORY, "title": "传达上级文件精神"},
            {"kind": K.THEORY, "title": "部署招生与就业工作"},
        ],
    )
    [finding] = findings("R-S8", today=AFTER, unit=world.unit_a)
    assert (finding.severity, finding.key, finding.period) == ("red", f"session:{session.pk}", "2026-10")
    assert "没有理论学习内容" in finding.message
    assert "「传达上级文件精神」判为传达文件（依据：传达、文件" in finding.message
    assert "「部署招生与就业工作」判为工作部署（依据：部署、招生、就业" in finding.message
    assert finding.measured["study_items"] == 0
    assert [i["label"] for i in finding.measured["items"] if not i["title"]] == ["document_relay", "work_deployment"]


def test_it_flags_a_study_share_below_the_configured_minimum_and_follows_the_parameter(world):
    # R-S8: 1 study item of 3 (the title says nothing): 33 % < 50 %.
    good_session(
        world,
        title="第十次会议",
        agenda=[
            {"kind": K.FIRST_ITEM, "title": "学习习近平总书记关于教育的重要论述"},
            {"kind": K.BUSINESS, "title": "研究部署期末考试工作"},
            {"kind": K.BUSINESS, "title": "业务培训：公文写作规范"},
        ],
    )
    [finding] = findings("R-S8", today=AFTER, unit=world.unit_a)
    assert "理论学习内容占比33%，低于50%" in finding.message
    assert finding.measured["study_share"] == pytest.approx(0.333)
    parameters.set_value("R-S8", "min_study_share", "30", actor=system_actor())
    assert findings("R-S8", today=AFTER, unit=world.unit_a) == []


def test_an_empty_agenda_gets_its_own_message_not_business_items_dominate(world):
    good_session(world, agenda=[])
    [finding] = findings("R-S8", today=AFTER, unit=world.unit_a)
    assert finding.severity == "amber"
    assert "未填写议程，无法判断学习内容" in finding.message and "业务" not in finding.message
    assert finding.measured["empty_agenda"] is True


def test_a_secretary_who_declares_study_as_business_is_not_flagged(world):
    good_session(
        world,
        agenda=[
            {"kind": K.BUSINESS, "title": "学习习近平总书记关于安全生产的重要论述"},
            {"kind": K.DISCUSSION, "title": "中心组成员交流研讨"},
        ],
    )
    assert findings("R-S8", today=AFTER, unit=world.unit_a) == []


def test_configured_extra_terms_change_the_judgement(world):
    good_session(world, title="第十次会议", agenda=[{"kind": K.THEORY, "title": "读书班第三讲"}])
    assert findings("R-S8", today=AFTER, unit=world.unit_a) == []  # the declared kind decides a silent text
    parameters.set_value("R-S8", "extra_terms", "读书班=business_training:5", actor=system_actor())
    [finding] = findings("R-S8", today=AFTER, unit=world.unit_a)
    assert "判为业务培训（依据：读书班）" in finding.message


def test_a_malformed_extra_term_is_refused_in_chinese_when_stored_and_skipped_when_configured(world):
    from django.core.exceptions import ValidationError

    from pangting.analysis import services

    with pytest.raises(ValidationError):
        parameters.set_value("R-S8", "extra_terms", "", actor=system_actor())
    params = {"min_study_share": 50, "extra_terms": ["读书班", "读书班=theory_study:2"]}
    assert services.invalid_terms(params) == ["读书班"]
    assert "读书班" in {t.text for t in services.lexicon_for(params).terms}


def test_a_session_not_yet_held_is_not_judged(world):
    make_session(world.unit_a, starts_at=at(2026, 12, 10), agenda=[{"kind": K.THEORY, "title": "部署招生与就业工作"}])
    assert findings("R-S8", today=AFTER, unit=world.unit_a) == []


def test_r_s8_has_one_home():
    from pangting.compliance.registry import RULES
    from pangting.study import rules

    assert RULES["R-S8"].check.__module__ == "pangting.analysis.checks"
    assert not hasattr(rules, "looks_like_work_meeting")


def test_the_demo_disguise_is_found_by_the_check_and_nothing_else_changes(world):
    """The demo's planted substitution: declared 第一议题/理论学习/交流研讨, really relay and deployment."""
    from pangting.analysis.demo import disguise

    session = good_session(world)
    before = {(r, f.key) for r, f in _all_findings()}
    assert findings("R-S8", today=AFTER, unit=world.unit_a) == []
    planted: list[tuple[str, str, str, str]] = []
    disguise(session, planted)
    [finding] = findings("R-S8", today=AFTER, unit=world.unit_a)
    assert planted == [("R-S8", world.unit_a.code, "2026-10", finding.key)]
    assert {(r, f.key) for r, f in _all_findings()} - before == {("R-S8", finding.key)}  # R-S4 still sees 第一议题


def _all_findings():
    from pangting.compliance.services import compute
    from pangting.compliance.tests.builders import travel

    with travel(AFTER, 12):
        return [(rule.id, f) for rule, f in compute(2026)]
