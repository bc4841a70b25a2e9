"""不可安排时间: months a leader or liaison cannot visit are a hard constraint of the year's plan (R-O1, R-O3).

Entered on a supervisor page, passed to the planner by the instance builder, shown on the draft
review, refused when a draft visit is moved into them; with no month left, the run explains
why in Chinese and nothing is planned.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from pangting.observation.models import Visit
from pangting.planning import services
from pangting.planning.instance import build_instance, team_id
from pangting.planning.models import PlanRun, Unavailability
from pangting.planning.tests.builders import add_college
from pangting.tests.builders import make_person


@pytest.fixture
def college(world):
    """The personas' world plus a third unit C and a second leader linked to B and C."""
    return add_college(world)


def away(w, person, first, last, reason="赴省委党校学习", year=2027):
    return services.create_unavailability(
        actor=w.supervisor, supervisor_org=w.root, person=person, year=year, first_month=first, last_month=last,
        reason=reason,
    )  # fmt: skip


def run_for(w, **parameters):
    parameters.setdefault("time_limit", 3)
    run = services.create_run(actor=w.supervisor, supervisor_org=w.root, year=2027, **parameters)
    return services.execute_run(run)


def months_of(run, unit):
    return sorted(v["month"] for v in run.draft["visits"] if v["unit_id"] == str(unit.pk))


def client(user):
    c = Client()
    c.force_login(user)
    return c


def test_it_never_plans_a_team_in_a_month_its_leader_is_away(college):
    w = college
    away(w, w.leader_person, 3, 6)
    away(w, w.leader_person, 9, 11, reason="出国访问")
    built = build_instance(w.root, 2027, {})
    team = next(t for t in built.instance.teams if t.id == team_id(w.leader_person.pk))
    assert team.unavailable_months == frozenset({3, 4, 5, 6, 9, 10, 11})
    run = run_for(w, lanzhou_rule=True)  # R-O12: the linked leader visits 甲学院 each semester
    assert run.has_plan, run.explanation
    leader_a = [v["month"] for v in run.draft["visits"] if v["team_id"] == team_id(w.leader_person.pk)]
    assert leader_a and set(leader_a) <= {7, 12}
    assert months_of(run, w.unit_a) == [7, 12]


def test_it_never_plans_a_unit_in_a_month_its_liaison_is_away(college):
    w = college
    away(w, w.liaison_person, 3, 6, reason="援疆")  # 李联络 serves 甲学院
    away(w, w.liaison_person, 10, 12, reason="援疆")
    built = build_instance(w.root, 2027, {})
    unit_a = next(u for u in built.instance.units if u.id == str(w.unit_a.pk))
    assert unit_a.unavailable_months == frozenset({3, 4, 5, 6, 10, 11, 12})
    run = run_for(w, lanzhou_rule=True)
    assert run.has_plan, run.explanation
    assert months_of(run, w.unit_a) == [7, 9]


def test_with_every_month_away_it_explains_in_chinese_and_plans_nothing(college):
    w = college
    for person in (w.leader_person, w.leader_b_person):
        away(w, person, 1, 12)
    run = run_for(w)
    assert run.status == PlanRun.Status.DONE and not run.has_plan and run.draft["visits"] == []
    assert "全年没有可安排的月份" in run.explanation and "（R-O11）" in run.explanation
    for name in ("甲学院党委", "乙学院党委", "丙学院党委"):
        assert name in run.explanation
    with pytest.raises(ValidationError, match="没有可审定的计划草案"):
        services.approve_run(run, actor=w.supervisor)
    assert not Visit.objects.filter(year=2027).exists()
    page = client(w.supervisor).get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert "未能生成计划" in page and "不可安排时间" in page and "赴省委党校学习" in page


def test_it_refuses_to_move_a_draft_visit_into_a_month_someone_is_away(college):
    w = college
    run = run_for(w)
    item = next(v for v in run.draft["visits"] if v["unit_id"] == str(w.unit_a.pk))
    semester_months = (3, 4, 5, 6, 7) if item["semester"] == 1 else (9, 10, 11, 12)
    target = next(m for m in semester_months if m != item["month"])
    leader = w.leader_person if item["leader_id"] == w.leader_person.pk else w.leader_b_person
    away(w, leader, target, target, reason="参加全国两会")
    before = copy.deepcopy(run.draft)
    with pytest.raises(ValidationError, match=f"{target}月不能安排甲学院党委的巡听旁听：{leader.name}（参加全国两会）"):
        services.adjust_draft(
            run, actor=w.supervisor, unit_id=str(w.unit_a.pk), semester=item["semester"], month=target
        )
    run.refresh_from_db()
    assert run.draft == before
    # The review page marks the month and says why.
    page = client(w.supervisor).get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert f"{target}月（不可安排）" in page and "参加全国两会" in page and "style=" not in page


def test_the_review_marks_a_pinned_visit_whose_leader_became_unavailable_and_resolving_drops_the_pin(college):
    w = college
    run = run_for(w)
    item = next(v for v in run.draft["visits"] if v["unit_id"] == str(w.unit_c.pk))
    services.adjust_draft(run, actor=w.supervisor, unit_id=str(w.unit_c.pk), semester=item["semester"], pinned=True)
    away(w, w.leader_b_person, item["month"], item["month"], reason="外出调研")
    page = client(w.supervisor).get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert 'data-testid="visit-away"' in page and "钱校领导（外出调研）" in page
    new = services.execute_run(services.resolve_run(run, actor=w.supervisor))
    assert any("已登记为不可安排，未作为固定安排计入" in note for note in new.notes)
    assert new.has_plan, new.explanation
    assert all(
        v["month"] != item["month"] for v in new.draft["visits"] if v["team_id"] == team_id(w.leader_b_person.pk)
    )


def test_the_adjustment_log_shows_chinese_dates(college):
    w = college
    run = run_for(w)
    item = next(v for v in run.draft["visits"] if v["unit_id"] == str(w.unit_b.pk))
    services.adjust_draft(run, actor=w.supervisor, unit_id=str(w.unit_b.pk), semester=item["semester"], pinned=True)
    run.refresh_from_db()
    at = dt.datetime.fromisoformat(run.draft["adjustments"][0]["at"])
    page = client(w.supervisor).get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}" in page
    assert run.draft["adjustments"][0]["at"] not in page


# --- the supervisor's page ----------------------------------------------------------------------


def test_the_supervisor_enters_lists_and_deletes_unavailability(college):
    w = college
    c = client(w.supervisor)
    url = reverse("planning:unavailability_list")
    page = c.get(url, {"year": "2027"}).content.decode()
    assert "2027年尚未登记不可安排时间" in page and 'name="person_text"' in page and "planning=1" in page
    assert "钱校领导" not in page and "李联络" not in page  # searched (issue 15), not listed
    data = {"person": w.leader_b_person.pk, "year": 2027, "first_month": 4, "last_month": 5, "reason": "赴中央党校学习"}
    response = c.post(reverse("planning:unavailability_create"), data, follow=True)
    page = response.content.decode()
    assert "已登记不可安排时间" in page and "2027年4月至5月" in page and "赴中央党校学习" in page
    row = Unavailability.objects.get()
    assert (row.person, row.first_month, row.last_month, row.created_by) == (w.leader_b_person, 4, 5, w.supervisor)
    response = c.post(reverse("planning:unavailability_delete", args=[row.pk]), follow=True)
    assert "已删除该不可安排时间" in response.content.decode()
    assert not Unavailability.objects.exists()
    deleted = Unavailability.all_objects.get()
    assert deleted.is_deleted and deleted.history.first().history_user == w.supervisor
    response = c.post(reverse("planning:unavailability_delete", args=[row.pk]))
    assert response.status_code == 404  # a deleted row is gone for everyone


def test_bad_input_is_refused_in_chinese_and_saves_nothing(college):
    w = college
    c = client(w.supervisor)
    create = reverse("planning:unavailability_create")
    base = {"person": w.leader_person.pk, "year": 2027, "first_month": 6, "last_month": 4, "reason": "出访"}
    assert "截止月份不能早于起始月份" in c.post(create, base).content.decode()
    with pytest.raises(ValidationError, match="请填写不可安排的原因"):
        away(w, w.leader_person, 4, 4, reason="  ")
    outsider = make_person("赵无关", w.unit_b, post="教师")
    with pytest.raises(ValidationError, match="不是本组织当前的联系领导或联络员"):
        away(w, outsider, 4, 4)
    assert c.post(create, {**base, "person": outsider.pk, "last_month": 7}).status_code == 200
    assert c.post(create, {**base, "first_month": 13}).status_code == 200
    assert c.get(reverse("planning:unavailability_list"), {"year": "abc"}).status_code == 200
    with pytest.raises(ValidationError, match="无权"):
        services.create_unavailability(
            actor=w.secretary_a, supervisor_org=w.root, person=w.leader_person, year=2027, first_month=4,
            last_month=4, reason="出访",
        )  # fmt: skip
    assert not Unavailability.all_objects.exists()


def test_the_list_runs_a_fixed_number_of_queries(college, django_assert_num_queries):
    w = college
    c = client(w.supervisor)
    url = reverse("planning:unavailability_list")
    away(w, w.leader_person, 4, 4)
    c.get(url, {"year": "2027"})  # warm the session and policy caches of this client
    with django_assert_num_queries(6) as small:
        c.get(url, {"year": "2027"})
    for month in range(5, 12):
        away(w, w.leader_b_person, month, month)
        away(w, w.liaison_person, month, month)
    with django_assert_num_queries(len(small.captured_queries)):
        page = c.get(url, {"year": "2027"}).content.decode()
    assert page.count('data-testid="unavailability-row"') == 15
