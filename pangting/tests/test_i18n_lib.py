"""The library's messages (pangting.lib.messages) reach an English reader in English, stay Chinese by default."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from pangting.core.i18n import render_error, render_message
from pangting.lib.messages import N_, Message
from pangting.tests.test_i18n import english, english_catalog  # noqa: F401  (fixture)


def test_a_message_is_its_chinese_text_and_keeps_msgid_and_params():
    message = Message(N_("{year}年的节假日安排尚未录入，无法计算工作日期限。请系统管理员先录入该年度日历。"), year=2027)
    assert message == "2027年的节假日安排尚未录入，无法计算工作日期限。请系统管理员先录入该年度日历。"
    assert message.params == {"year": 2027}
    assert copy.deepcopy(message).params == message.params


def test_list_parameters_join_with_the_separator_of_the_language(english_catalog):  # noqa: F811
    message = Message(N_("候选名单中存在重复编号：{ids}。"), ids=["1", "2"])
    assert message == "候选名单中存在重复编号：1、2。"
    with translation.override("en"):
        assert render_message(message) == "Duplicate IDs in the candidate list: 1, 2."
        assert render_error(ValueError(message)) == "Duplicate IDs in the candidate list: 1, 2."
        assert render_message("名称") == "名称"  # data passes unchanged


def test_the_unknown_calendar_year_refusal_is_english_for_an_english_reader(client_for, world, english_catalog):  # noqa: F811
    query = {"start": "2026-12-28", "amount": 7, "unit": "working"}
    chinese = client_for(world.member).get(reverse("workdays:calendar"), query).content.decode()
    assert "2027年的节假日安排尚未录入" in chinese
    page = english(client_for(world.member)).get(reverse("workdays:calendar"), query).content.decode()
    assert "The holiday arrangements for 2027 have not been entered yet" in page
    assert "节假日安排尚未录入" not in page


def test_a_draw_refusal_is_english_for_an_english_reader(world, english_catalog):  # noqa: F811
    from pangting.planning.tests.builders import make_draw

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        make_draw(world, count=5)
    assert refused.value.messages == ["The number to draw (5) exceeds the number of candidates (2)."]
    with pytest.raises(ValidationError) as chinese:
        make_draw(world, count=5)
    assert chinese.value.messages == ["抽取数量（5）超过候选数量（2）。"]


def test_draw_verification_errors_are_english_on_the_verify_page(world, client_for, english_catalog):  # noqa: F811
    from pangting.planning.tests.builders import make_draw
    from pangting.planning.tests.test_draws import tamper

    draw = tamper(make_draw(world, drawn=True), "seed_hex", "00" * 32)
    url = reverse("planning:draw_verify", args=[draw.pk])
    chinese = client_for(world.supervisor).get(url).content.decode()
    assert "公开的种子与事先公布的承诺值（SHA-256）不符。" in chinese
    page = english(client_for(world.supervisor)).get(url).content.decode()
    assert "The revealed seed does not match the commitment (SHA-256) published in advance." in page
    assert "承诺值" not in page


def test_a_planner_precheck_problem_is_english_on_the_run_page_and_chinese_when_stored(
    world,
    client_for,
    english_catalog,  # noqa: F811
):
    """Two units cannot cross-observe (R-O13): the precheck says so, in the reader's language."""
    from pangting.planning.models import PlanRun
    from pangting.planning.tests.test_runs import run_for

    run = run_for(world)
    assert not run.has_plan
    assert "交叉旁听至少需要3个单位（当前2个），且不得互为对象（R-O13）。" in run.explanation.splitlines()
    url = reverse("planning:run_detail", args=[run.pk])
    assert "交叉旁听至少需要3个单位（当前2个）" in client_for(world.supervisor).get(url).content.decode()
    page = english(client_for(world.supervisor)).get(url).content.decode()
    assert "Cross-observation needs at least 3 units (there are 2)" in page
    assert "交叉旁听至少需要" not in page

    # A run stored before the messages were kept still shows its stored text.
    result = {key: value for key, value in run.result.items() if key != "explanations"}
    PlanRun.objects.filter(pk=run.pk).update(result=result)
    page = english(client_for(world.supervisor)).get(url).content.decode()
    assert "交叉旁听至少需要3个单位（当前2个）" in page


def test_a_plan_checker_violation_renders_in_english(english_catalog):  # noqa: F811
    from pangting.lib import planner

    instance = planner.PlanningInstance(
        year=2027,
        units=(planner.Unit("u1", "甲学院党委"),),
        teams=(planner.Team("t1", "第一工作组", "l1"),),
        options=planner.PlannerOptions(cross_observation=False, lanzhou_rule=False),
    )
    (violation,) = planner.check_plan(instance, planner.Plan(visits=()))
    assert violation.message == "「甲学院党委」上一年度未被巡听，本年度也未安排，两年轮次无法全覆盖（R-O11）。"
    with translation.override("en"):
        assert render_message(violation.message) == (
            "“甲学院党委” was not observed last year and is not scheduled this year, "
            "so the two-year cycle does not cover it (R-O11)."
        )


def test_a_formula_error_is_english_on_the_scheme_page_for_an_english_reader(world, client_for, english_catalog):  # noqa: F811
    form = {"year": "2026", "formula": "60 + visits.count", "max_score": "100", "confirm": "on"}
    chinese = client_for(world.supervisor).post(reverse("assessment:scheme"), form).content.decode()
    assert "第6个字符处：不允许访问属性（“.”）。" in chinese
    page = english(client_for(world.supervisor)).post(reverse("assessment:scheme"), form).content.decode()
    assert "At character 6: Attribute access (“.”) is not allowed." in page
    assert "不允许访问属性" not in page


def test_every_library_msgid_has_an_english_translation():
    """Each msgid marked with N_(…) or Message(…) in pangting/lib is in the English catalog, translated."""
    import ast

    from babel.messages.pofile import read_po

    from pangting.tests.test_i18n import EN_PO, PACKAGE

    with EN_PO.open("rb") as po_file:
        translated = {message.id for message in read_po(po_file, locale="en") if message.id and message.string}
    missing = []
    for path in sorted((PACKAGE / "lib").rglob("*.py")):
        if "tests" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("N_", "Message")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and node.args[0].value not in translated
            ):
                missing.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.args[0].value}")
    assert not missing, "msgids without English:\n" + "\n".join(missing)


def test_a_failed_run_explains_malformed_input_in_english_and_stores_chinese(
    world,
    client_for,
    english_catalog,  # noqa: F811
    monkeypatch,
):
    from pangting.lib import planner
    from pangting.planning.tests.test_runs import run_for

    def refuse(instance):
        raise planner.InvalidInstance(
            [Message(N_("同一月份不能同时属于两个学期。")), Message(N_("学期月份须在1至12之间。"))]
        )

    monkeypatch.setattr(planner, "solve_plan", refuse)
    run = run_for(world)
    assert run.explanation.splitlines() == ["生成失败：同一月份不能同时属于两个学期。", "学期月份须在1至12之间。"]
    page = english(client_for(world.supervisor)).get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert "A month cannot belong to two semesters." in page
    assert "Semester months must be between 1 and 12." in page
    assert "学期月份" not in page
