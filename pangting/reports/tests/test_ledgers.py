"""Ledgers (台账): each kind's columns and rows, scoping, filters, bad parameters, query counts.

The scene: unit A has a plan, a spring session with one member on leave, a branch meeting
in its branch, an autumn visit walked to the end (record, feedback with one problem,
rectification accepted) and invites unit B to cross-observe its spring session; unit B has
an autumn session and a planned visit.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pangting.core.models import AuditEvent
from pangting.core.system import system_actor
from pangting.observation import services as observation_services
from pangting.observation.models import TeamMember
from pangting.reports import ledgers
from pangting.reports.ledgers import LEDGERS, LedgerQuery, Period, Scope
from pangting.study import services as study_services
from pangting.study.models import Attendance, SessionKind
from pangting.study.tests.builders import at, make_session
from pangting.tests.builders import make_person

pytestmark = pytest.mark.django_db


def build_scene(w: Any) -> dict[str, Any]:
    """The records every test reads (see the module docstring)."""
    from pangting.observation.tests.scenes import planned, walk

    study_services.create_plan(
        w.unit_a,
        actor=w.secretary_a,
        year=2026,
        themes=[{"period": 3, "theme": "党的创新理论"}, {"period": 10, "theme": "四中全会精神"}],
    )
    spring = make_session(w.unit_a, starts_at=at(2026, 3, 10), actor=w.secretary_a)
    study_services.record_attendance(
        spring, w.member_person, actor=w.secretary_a, status=Attendance.Status.LEAVE, leave_reason="出差"
    )
    branch = make_session(
        w.branch_a, starts_at=at(2026, 4, 8), kind=SessionKind.BRANCH_STUDY, agenda=[], actor=w.secretary_a
    )
    autumn_b = make_session(w.unit_b, starts_at=at(2026, 10, 15), actor=w.secretary_b, title="乙学院学习会")
    make_session(w.unit_a, starts_at=at(2025, 11, 5), actor=w.secretary_a, title="上一年的学习会")
    visit = walk(w, "closed")
    leader_b = make_person("钱校领导", w.root, post="副校长", is_school_leader=True)
    planned(w, unit=w.unit_b, semester=1, target_month=5, team=[(leader_b, TeamMember.Role.LEADER)])
    cross = observation_services.invite_cross_observation(w.unit_a, w.unit_b, actor=w.supervisor, session=spring)
    return {"spring": spring, "branch": branch, "autumn_b": autumn_b, "visit": visit, "cross": cross}


@pytest.fixture
def scene(world: Any) -> dict[str, Any]:
    return build_scene(world)


def export(client: Any, **params: Any) -> Any:
    return client.get(reverse("reports:ledger_export"), {"year": "2026", **params})


def workbook(response: Any) -> Any:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == ledgers.XLSX_CONTENT_TYPE
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(response: Any, sheet: str | None = None) -> tuple[list[Any], list[list[Any]]]:
    book = workbook(response)
    values = [list(r) for r in (book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True)]
    return values[0], values[1:]


def by_header(headers: list[Any], row: list[Any]) -> dict[str, Any]:
    return dict(zip(headers, row, strict=True))


# -- each kind --------------------------------------------------------------------------


def test_it_exports_sessions_with_the_columns_a_secretary_keeps(world, scene, client_for):
    headers, data = rows(export(client_for(world.supervisor), kind="sessions"))
    assert headers == LEDGERS["sessions"].headers
    assert [r[1] for r in data] == [
        "甲学院党委",
        "甲学院党委",
        "甲学院第一党支部",
        "乙学院党委",
    ]  # by unit, then date; 2025 left out
    spring = by_header(headers, data[0])
    assert spring["序号"] == 1
    assert spring["日期"] == dt.datetime(2026, 3, 10)  # a real Excel date …
    assert spring["时间"] == "14:30—16:30"
    assert spring["地点"] == "行政楼301会议室"
    assert spring["第一议题"] == "是"  # R-S4
    assert (spring["应到人数"], spring["实到人数"], spring["请假人数"], spring["缺席人数"]) == (1, 0, 1, 0)
    assert spring["参学率"] == "0%"  # R-S3
    assert spring["安排表报送截止"] == dt.datetime(2026, 3, 8)  # R-S10: 2 days before
    assert spring["安排表逾期"] == "是"  # never submitted, and the day has passed
    assert spring["改期次数"] == 0
    assert spring["状态"] == "计划中"
    assert by_header(headers, data[2])["第一议题"] == "否"  # the branch meeting has no agenda
    book = workbook(export(client_for(world.supervisor), kind="sessions"))
    assert book.worksheets[0]["E2"].number_format == 'yyyy"年"m"月"d"日"'  # … shown as 2026年3月10日


def test_it_exports_one_attendance_row_per_person_with_leave_and_make_up(world, scene, client_for):
    headers, data = rows(export(client_for(world.supervisor), kind="attendance", unit=str(world.unit_a.pk)))
    assert headers == LEDGERS["attendance"].headers
    first = by_header(headers, data[0])
    assert (first["单位"], first["姓名"], first["出勤"], first["请假事由"]) == ("甲学院党委", "陈成员", "请假", "出差")
    assert first["待补学"] == "是"  # R-S3: leave is followed by make-up study
    assert first["学习会日期"] == dt.datetime(2026, 3, 10)


def test_it_exports_plans_with_their_themes(world, scene, client_for):
    headers, data = rows(export(client_for(world.supervisor), kind="plans"))
    assert headers == LEDGERS["plans"].headers
    assert len(data) == 1
    plan = by_header(headers, data[0])
    assert (plan["单位"], plan["年度"], plan["状态"], plan["专题数"]) == ("甲学院党委", 2026, "草稿", 2)
    assert plan["学习专题"] == "3月：党的创新理论；10月：四中全会精神"


def test_it_exports_visits_with_team_letter_and_deadlines(world, scene, client_for):
    headers, data = rows(export(client_for(world.supervisor), kind="visits"))
    assert headers == LEDGERS["visits"].headers
    assert [r[4] for r in data] == ["乙学院党委", "甲学院党委"]  # spring first
    visit = by_header(headers, data[1])
    assert visit["函件编号"] == scene["visit"].letter_number
    assert (visit["组长"], visit["联络员"], visit["状态"]) == ("王校领导", "李联络", "已办结")
    assert visit["学习会日期"] == dt.datetime(2026, 9, 30)
    assert visit["回复期限"] == dt.datetime(2026, 10, 13)  # R-O4: 7 working days after delivery
    assert visit["回复逾期"] is None  # an empty cell
    assert by_header(headers, data[0])["所属计划"] == "2026年度理论学习中心组学习巡听旁听计划"


def test_it_exports_filed_records_with_scores_and_the_composite(world, scene, client_for):
    headers, data = rows(export(client_for(world.supervisor), kind="records"))
    assert headers == LEDGERS["records"].headers
    assert len(data) == 1  # the unit B visit has no record
    record = by_header(headers, data[0])
    assert record["组织领导得分"] == 90 and record["学习效果得分"] == 75
    assert record["综合评分"] == 82.5  # R-O18
    assert record["填报期限"] == dt.datetime(2026, 10, 3)  # R-O8: 3 days
    assert record["逾期填报"] is None  # an empty cell
    assert record["存在问题"] == "成果转化不够。"


def test_it_exports_feedback_with_the_checklist_points_that_have_problems(world, scene, client_for):
    headers, data = rows(export(client_for(world.supervisor), kind="feedback"))
    assert headers == LEDGERS["feedback"].headers
    feedback = by_header(headers, data[0])
    assert feedback["问题数"] == 1
    assert feedback["存在问题的方面"] == "成果转化是否明显"  # R-O9
    assert feedback["成果转化是否明显"] == "是" and feedback["学习主题是否鲜明"] is None
    assert feedback["反馈期限"] == dt.datetime(2026, 10, 20)
    assert feedback["逾期反馈"] is None  # an empty cell


def test_it_exports_rectification_until_verified(world, scene, client_for):
    headers, data = rows(export(client_for(world.supervisor), kind="rectification"))
    assert headers == LEDGERS["rectification"].headers
    item = by_header(headers, data[0])
    assert (item["问题类别"], item["责任人"], item["状态"]) == ("成果转化是否明显", "陈成员", "已验收")  # R-O10
    assert item["整改期限"] == dt.datetime(2026, 11, 30)
    assert item["验收日期"] == dt.datetime(2026, 10, 22)


def test_it_exports_cross_observation_for_both_units(world, scene, client_for):
    headers, data = rows(export(client_for(world.secretary_b), kind="cross"))  # B sat in on A (R-O13)
    assert headers == LEDGERS["cross"].headers
    cross = by_header(headers, data[0])
    assert (cross["学期"], cross["邀请单位"], cross["列席单位"]) == ("春季学期", "甲学院党委", "乙学院党委")
    assert cross["学习会日期"] == dt.datetime(2026, 3, 10)
    assert cross["报告期限"] == dt.datetime(2026, 3, 13)


def test_it_puts_every_kind_in_one_workbook_with_a_chinese_file_name(world, scene, client_for):
    response = export(client_for(world.supervisor), kind="all")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''")  # RFC 5987
    assert unquote(disposition.split("''", 1)[1]) == "台账汇总-2026.xlsx"
    assert workbook(response).sheetnames == [ledger.title for ledger in LEDGERS.values()]
    event = AuditEvent.objects.get(action="download", detail__view="reports:ledger_export")
    assert event.actor == world.supervisor and event.target == "台账汇总-2026.xlsx"
    assert event.detail["kinds"] == list(LEDGERS)


def test_it_names_the_file_after_kind_period_and_unit(world, scene, client_for):
    response = export(client_for(world.supervisor), kind="sessions", semester="1", unit=str(world.unit_a.pk))
    assert unquote(response["Content-Disposition"].split("''", 1)[1]) == "学习会台账-2026-春季学期-甲学院党委.xlsx"


def test_it_writes_headers_only_for_an_empty_period(world, scene, client_for):
    response = client_for(world.supervisor).get(reverse("reports:ledger_export"), {"kind": "sessions", "year": "2031"})
    headers, data = rows(response)
    assert headers == LEDGERS["sessions"].headers and data == []


# -- scoping ----------------------------------------------------------------------------


def test_it_gives_the_secretary_of_unit_b_only_unit_b_rows(world, scene, client_for):
    client = client_for(world.secretary_b)
    _, sessions = rows(export(client, kind="sessions"))
    assert [r[1] for r in sessions] == ["乙学院党委"]
    _, visits = rows(export(client, kind="visits"))
    assert [r[4] for r in visits] == ["乙学院党委"]
    _, attendance = rows(export(client, kind="attendance"))
    assert [(r[1], r[5]) for r in attendance] == [("乙学院党委", "周成员")]
    for kind in ("records", "feedback", "rectification", "plans"):
        assert rows(export(client, kind=kind))[1] == [], kind


def test_it_lets_the_linked_leader_see_unit_a_only(world, scene, client_for):
    _, sessions = rows(export(client_for(world.leader), kind="sessions"))
    assert {r[1] for r in sessions} == {"甲学院党委", "甲学院第一党支部"}


@pytest.mark.parametrize("persona", ["member", "outsider", "sysadmin", "auditor"])
def test_it_refuses_those_who_keep_no_ledger_with_404(world, scene, client_for, persona):
    client = client_for(getattr(world, persona))
    assert client.get(reverse("reports:ledgers")).status_code == 404
    assert export(client, kind="sessions").status_code == 404


def test_it_does_not_let_a_member_who_is_also_a_secretary_elsewhere_export_their_own_unit(world, scene):
    """A member's OWN reach (unit A) does not widen a ledger; their secretary reach (B) does."""
    from pangting.accounts import services as account_services
    from pangting.accounts.models import Role

    account_services.assign_role(
        world.member, Role.STUDY_SECRETARY, world.unit_b, actor=system_actor(), valid_from=dt.date(2020, 1, 1)
    )
    world.member._pangting_policy = None
    scope = Scope(world.member)
    names = {
        s.organization.name
        for s in LEDGERS["sessions"].queryset(scope.reach(LEDGERS["sessions"]), LedgerQuery(Period(2026)))
    }
    assert names == {"乙学院党委"}


def test_it_hides_the_kinds_a_user_reaches_nothing_for(world, scene, client_for, monkeypatch):
    from pangting.accounts import policy
    from pangting.accounts.models import Role

    # A deployment whose leadership viewers read study records only.
    monkeypatch.setitem(policy.GRANTS, Role.LEADERSHIP_VIEWER, {policy.Action.STUDY_VIEW: policy.Extent.SUBTREE})
    page = client_for(world.viewer).get(reverse("reports:ledgers")).content.decode()
    assert 'data-testid="ledger-sessions"' in page and 'data-testid="ledger-attendance"' in page
    assert 'data-testid="ledger-visits"' not in page and 'data-testid="ledger-cross"' not in page
    response = export(client_for(world.viewer), kind="visits")
    assert response.status_code == 200 and "没有这种台账，或您无权查看这种台账。" in response.content.decode()
    assert workbook(export(client_for(world.viewer), kind="all")).sheetnames == [
        "年度学习计划台账",
        "学习会台账",
        "学习会考勤台账",
    ]
