"""Finding messages are stored in Chinese and shown in the reader's language (issue 16).

A check writes its message with `finding_message`: the Chinese text is what the finding
stores (and what runs, exports and documents print); its msgid and parameters let pages
and the API render it again in English. Rows stored before msgids keep showing their text.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop
from rest_framework.test import APIClient

from pangting.compliance import services
from pangting.compliance.messages import finding_message, label, period, render_stored
from pangting.compliance.models import ComplianceRun, Finding
from pangting.compliance.tests.builders import stored_finding
from pangting.core.system import system_actor
from pangting.tests.test_i18n import english_catalog  # noqa: F401  (fixture)

from .builders import filed_plan, good_session, travel

pytestmark = pytest.mark.django_db


def english_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_message_is_chinese_whatever_the_active_language(english_catalog):  # noqa: F811
    with translation.override("en"):
        message = finding_message(
            gettext_noop("{day}学习会{what}逾期未报送（截止{due}）"),
            day=dt.date(2026, 11, 3), what=label(gettext_noop("会后材料")), due=dt.date(2026, 11, 10),
        )  # fmt: skip

    assert message == "2026年11月3日学习会会后材料逾期未报送（截止2026年11月10日）"
    assert message.msgid == "{day}学习会{what}逾期未报送（截止{due}）"
    assert message.params == {
        "day": {"date": "2026-11-03"},
        "what": {"label": "会后材料"},
        "due": {"date": "2026-11-10"},
    }


def test_it_renders_a_message_in_english_with_dates_labels_and_periods(english_catalog):  # noqa: F811
    message = finding_message(
        gettext_noop("{period}中心组集体学习{count}次，少于要求的{required}次"),
        period=period("2026-H1"), count=0, required=1,
    )  # fmt: skip
    assert message == "2026年春季学期中心组集体学习0次，少于要求的1次"

    with translation.override("en"):
        assert render_stored(message.msgid, message.params, message) == (
            "Spring semester 2026: 0 center group study sessions, fewer than the required 1"
        )
        overdue = finding_message(
            gettext_noop("{day}学习会{what}逾期未报送（截止{due}）"),
            day=dt.date(2026, 11, 3), what=label(gettext_noop("会后材料")), due=dt.date(2026, 11, 10),
        )  # fmt: skip
        assert render_stored(overdue.msgid, overdue.params, overdue) == (
            "Study session of 3 Nov 2026: post-session materials overdue, not sent (due 10 Nov 2026)"
        )


def test_a_run_renders_each_message_as_one_message_alone_while_reusing_what_it_rendered():
    """Issue 15: inside a run (`in_site_language`) the days, labels and periods already shown are
    reused; the text, msgid and parameters are the same as a message made alone."""
    from pangting.core.i18n import in_site_language

    def make(day: dt.date) -> list:
        overdue = finding_message(
            gettext_noop("{day}学习会{what}逾期未报送（截止{due}）"),
            day=day, what=label(gettext_noop("会后材料")), due=dt.date(2026, 11, 10),
        )  # fmt: skip
        return [
            overdue,
            finding_message(
                gettext_noop("{period}中心组集体学习{count}次，少于要求的{required}次"),
                period=period("2026-H1"),
                count=0,
                required=1,
            ),
            finding_message(
                gettext_noop("{day}学习会第一议题“{title}”未填写{fields}"),
                day=day,
                title="学习",
                fields=[label(gettext_noop("讲话/指示出处")), label(gettext_noop("会后材料"))],
            ),
            finding_message(gettext_noop("{sent}报送的“{title}”"), sent=overdue, title="纪要"),  # a nested message
            finding_message(gettext_noop("{day}学习会已推迟{count}次"), day=day),  # does not fit: empty text
        ]

    alone = make(dt.date(2026, 11, 3)) + make(dt.date(2026, 11, 4))
    with translation.override("en"), in_site_language():
        in_run = make(dt.date(2026, 11, 3)) + make(dt.date(2026, 11, 4))
    assert [(str(m), m.msgid, m.params) for m in in_run] == [(str(m), m.msgid, m.params) for m in alone]
    assert str(in_run[2]) == "2026年11月3日学习会第一议题“学习”未填写讲话/指示出处、会后材料"
    assert str(in_run[5]) == "2026年11月4日学习会会后材料逾期未报送（截止2026年11月10日）"


def test_a_translation_that_does_not_fit_its_parameters_falls_back_to_the_stored_text():
    assert render_stored("{day}学习会已推迟{count}次", {"day": {"date": "2026-03-01"}}, "存档文字") == "存档文字"
    assert render_stored("", {}, "旧记录的说明") == "旧记录的说明"


def _missing_plan_finding(world) -> Finding:
    """R-S1: unit A has not filed its 2026 plan on 2 February (unit B's plan makes 2026 a year in use)."""
    filed_plan(world, world.unit_b)
    with travel(dt.date(2026, 2, 2)):
        services.run_checks(2026, actor=system_actor(), rules=["R-S1"])
    return Finding.objects.get(rule_id="R-S1", unit=world.unit_a)


def test_a_run_stores_the_chinese_text_with_its_msgid_and_parameters(world):
    finding = _missing_plan_finding(world)

    assert finding.message.startswith("2026年度学习计划未报送（截止2026年")
    assert finding.message_id == "{year}年度学习计划未报送（截止{due}）"
    assert finding.message_params["year"] == 2026
    # What exports and the command print is the stored Chinese text.
    [row] = services.finding_rows([finding])
    assert row["message"] == finding.message


def test_the_finding_list_shows_the_message_in_the_readers_language(world, client_for, english_catalog):  # noqa: F811
    finding = _missing_plan_finding(world)
    client = client_for(world.supervisor)
    url = reverse("compliance:finding_list") + "?year=2026"

    with travel(dt.date(2026, 2, 3)):
        chinese = client.get(url).content.decode()
        english = english_client(client).get(url).content.decode()

    assert finding.message in chinese
    assert "2026 annual study plan not submitted (due " in english
    assert finding.message not in english


def test_the_api_shows_the_message_and_evidence_labels_in_the_readers_language(world, english_catalog):  # noqa: F811
    session = good_session(world)
    run = ComplianceRun.objects.create(year=2026, actor=system_actor(), counts={})
    message = finding_message(gettext_noop("{day}学习会已推迟{count}次"), day=dt.date(2026, 3, 5), count=2)
    from pangting.compliance.checks._common import session_evidence

    evidence = session_evidence(session)
    stored_finding(
        rule_id="R-S11", unit=world.unit_a, year=2026, period="2026-03", key="k", severity="amber",
        message=message, message_id=message.msgid, message_params=message.params,
        evidence=[services._evidence(evidence)], first_seen=run, last_seen=run,
    )  # fmt: skip
    client = APIClient()
    client.force_authenticate(world.supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    [row] = client.get("/api/v1/compliance/findings/", {"year": 2026}).json()["results"]

    assert row["message"] == "Study session of 5 Mar 2026: postponed 2 times"
    assert evidence.label == f"2026年10月15日学习会：{session.title}"
    assert row["evidence"][0]["label"] == f"Study session of 15 Oct 2026: {session.title}"


def test_an_old_finding_without_a_msgid_still_shows_its_text(world, client_for, english_catalog):  # noqa: F811
    run = ComplianceRun.objects.create(year=2026, actor=system_actor(), counts={})
    stored_finding(
        rule_id="R-S7", unit=world.unit_a, year=2026, period="2026", key="old", severity="amber",
        message="会后未形成学习小结", evidence=[{"model": "orgs.organization", "pk": world.unit_a.pk, "label": "甲"}],
        first_seen=run, last_seen=run,
    )  # fmt: skip
    client = english_client(client_for(world.supervisor))

    with travel(dt.date(2026, 2, 3)):
        page = client.get(reverse("compliance:finding_list") + "?year=2026").content.decode()

    assert "会后未形成学习小结" in page


def test_the_unit_page_shows_the_finding_and_its_evidence_in_english(world, client_for, english_catalog):  # noqa: F811
    """R-S4 found by a real run (the unit page re-runs the checks when records changed)."""
    from pangting.study.models import AgendaItem

    agenda = [
        {"kind": AgendaItem.Kind.THEORY, "title": "集中学习"},
        {"kind": AgendaItem.Kind.DISCUSSION, "title": "研讨"},
    ]
    session = good_session(world, agenda=agenda)
    url = reverse("reports:unit", args=[world.unit_a.pk])
    client = client_for(world.secretary_a)

    with travel(dt.date(2026, 11, 23)):
        services.run_checks(2026, actor=system_actor())
        chinese = client.get(url, {"year": "2026"}).content.decode()
        english = english_client(client).get(url, {"year": "2026"}).content.decode()

    assert "2026年10月15日学习会未安排“第一议题”" in chinese
    assert "Study session of 15 Oct 2026: no first agenda item" in english
    assert f"Study session of 15 Oct 2026: {session.title}" in english
    assert "学习会未安排" not in english
