"""The first `make run` is not silent while the demo loads (issue 16): numbered step lines, and
the hooks' own progress lines, through the loading command's stdout; silent for other callers."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from pangting.accounts.management.commands import seed_demo
from pangting.core import registry
from pangting.core.demo import report_progress

# A whole demo is built here: on PostgreSQL, beside another worker building one, that alone can
# take longer than the suite's default limit on two cores.
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(2400)]


def fake_study_hook(context):
    for number, unit in enumerate(context["units"], start=1):
        report_progress(context, f"  正在生成学习会 {number}/{len(context['units'])}：{unit}")


fake_study_hook.__module__ = "pangting.study.demo"


def fake_other_hook(context):
    context["other_done"] = True


def test_it_prints_a_line_per_step_and_the_hooks_progress(monkeypatch):
    monkeypatch.setattr(seed_demo.DemoBuilder, "build", lambda self: {"units": ["甲学院党委", "乙学院党委"]})
    monkeypatch.setattr(registry, "demo_hooks", lambda: [fake_study_hook, fake_other_hook])
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        "[1/3] 正在创建组织架构、人员与演示账号…",
        "[2/3] 正在生成学习计划、学习会、考勤与三会一课…",
        "  正在生成学习会 1/2：甲学院党委",
        "  正在生成学习会 2/2：乙学院党委",
        "[3/3] 正在加载其他演示数据…",
        "演示数据已加载：2个二级党组织。",
    ]


def test_it_is_silent_without_a_listener(capsys):
    context = {"units": ["甲学院党委"]}
    fake_study_hook(context)
    assert capsys.readouterr().out == ""


def test_every_registered_demo_hook_has_its_own_line():
    assert all(hook.__module__ in seed_demo.HOOK_LABELS for hook in registry.demo_hooks())
