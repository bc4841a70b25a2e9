"""Theme adherence hints (issue 13 item 3, R-S6): the speeches least like their themes, for the supervisor only."""

from __future__ import annotations

import pytest

from pangting.analysis import themes
from pangting.compliance.models import Finding
from pangting.study.models import StudySession
from pangting.study.tests.builders import make_session

pytestmark = pytest.mark.django_db

ON_THEME = "学习教育强国建设的重要论述，我们要深化产教融合，与企业共建实训基地，推进课程改革，提高人才培养质量。"
OFF_THEME = "近期排查发现实验室危化品台账不全，气瓶存放不规范，下一步要开展安全生产大检查，更新通风设备。"


def held_session(world):
    session = make_session(
        world.unit_a,
        title="深入学习教育强国建设的重要论述",
        content="研讨如何推进产教融合、深化课程改革",
        speakers=[
            {"speaker_name": "王在题", "written_text": ON_THEME},
            {"speaker_name": "李跑题", "written_text": OFF_THEME},
        ],
    )
    StudySession.objects.filter(pk=session.pk).update(status=StudySession.Status.HELD)
    return session


def test_the_off_theme_speech_is_listed_first(world):
    held_session(world)
    hints = themes.theme_hints(world.supervisor, 2026)
    assert [hint.speech.speaker_name for hint in hints] == ["李跑题", "王在题"]
    assert hints[0].score < 0.1 < hints[1].score
    assert hints[1].words and hints[1].plan_score is None


def test_the_hints_page_is_for_the_supervisor_and_makes_no_finding(world, client_for):
    held_session(world)
    page = client_for(world.supervisor).get("/analysis/theme-hints/?year=2026").content.decode()
    assert page.count('data-testid="theme-hint"') == 2 and page.index("李跑题") < page.index("王在题")
    assert client_for(world.secretary_a).get("/analysis/theme-hints/").status_code == 404
    bad = client_for(world.supervisor).get("/analysis/theme-hints/?year=abc")
    assert bad.status_code == 200 and "无效" in bad.content.decode()
    assert not Finding.objects.exists()


def test_a_planned_session_is_not_judged(world):
    session = held_session(world)
    StudySession.objects.filter(pk=session.pk).update(status=StudySession.Status.PLANNED)
    assert themes.theme_hints(world.supervisor, 2026) == []


def test_the_api_lists_the_same_hints_and_refuses_a_bad_year(world):
    from rest_framework.test import APIClient

    held_session(world)
    client = APIClient()
    client.force_authenticate(world.supervisor)
    rows = client.get("/api/v1/analysis/theme-hints/", {"year": 2026}).json()
    assert [row["speaker"] for row in rows] == ["李跑题", "王在题"]
    assert rows[0]["score"] < 0.1 and rows[1]["words"] and rows[1]["plan_score"] is None
    assert client.get("/api/v1/analysis/theme-hints/", {"year": "abc"}).status_code == 400
    client.force_authenticate(world.secretary_a)
    assert client.get("/api/v1/analysis/theme-hints/").status_code == 404
