"""Reviewing a plan draft (R-O1): move and pin visits, re-solve around the pins, approve the adjusted plan."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from pangting.core.system import system_actor
from pangting.lib import planner
from pangting.observation.models import Mode, TeamMember, Visit
from pangting.orgs import services as org_services
from pangting.planning import services
from pangting.planning.instance import build_instance, team_id
from pangting.planning.models import PlanRun
from pangting.planning.tests.builders import add_college

MONTHS = {1: (3, 4, 5, 6, 7), 2: (9, 10, 11, 12)}
KEYS = {1: "spring", 2: "autumn"}


@pytest.fixture
def college(world):
    """The personas' world plus a third unit C and a second leader, so that a plan exists (R-O13)."""
    return add_college(world)


def client(user):
    c = Client()
    c.force_login(user)
    return c


def run_for(w):
    run = services.create_run(actor=w.supervisor, supervisor_org=w.root, year=2027, time_limit=2)
    run = services.execute_run(run)
    assert run.has_plan, run.explanation
    return run


def visit_of(run, unit):
    return next(v for v in run.draft["visits"] if v["unit_id"] == str(unit.pk))


def other_month(item):
    return next(m for m in MONTHS[item["semester"]] if m != item["month"])


def plan_of(run):
    return planner.Plan(
        tuple(planner.Visit(v["unit_id"], v["team_id"], KEYS[v["semester"]], v["month"]) for v in run.draft["visits"]),
        {
            key: tuple(
                planner.CrossPair(c["host_id"], c["visitor_id"]) for c in run.draft["cross"] if c["semester"] == n
            )
            for n, key in KEYS.items()
        },
    )


def test_it_moves_a_visit_to_another_month_and_team_and_pins_it(college):
    w = college
    run = run_for(w)
    item = visit_of(run, w.unit_a)
    month = other_month(item)
    other_team = team_id(w.leader_b_person.pk) if item["team_id"] == team_id(w.leader_person.pk) else None
    other_team = other_team or team_id(w.leader_person.pk)
    services.adjust_draft(
        run, actor=w.supervisor, unit_id=str(w.unit_a.pk), semester=item["semester"], month=month, team_id=other_team
    )
    services.adjust_draft(run, actor=w.supervisor, unit_id=str(w.unit_a.pk), semester=item["semester"], pinned=True)
    run.refresh_from_db()
    moved = visit_of(run, w.unit_a)
    assert (moved["month"], moved["team_id"], moved["pinned"]) == (month, other_team, True)
    assert moved["leader_name"] in ("王校领导", "钱校领导") and moved["leader_name"] != item["leader_name"]
    first, second = run.draft["adjustments"]
    assert first["by"] == w.supervisor.pk and first["changes"]["month"] == [item["month"], month]
    assert first["changes"]["team"] == [item["leader_name"], moved["leader_name"]]
    assert second["changes"] == {"pinned": [False, True]}
    assert services.draft_pins(run) == [
        {"unit_id": str(w.unit_a.pk), "team_id": other_team, "semester": item["semester"], "month": month}
    ]
    # Unpinning is recorded too.
    services.adjust_draft(run, actor=w.supervisor, unit_id=str(w.unit_a.pk), semester=item["semester"], pinned=False)
    run.refresh_from_db()
    assert not visit_of(run, w.unit_a)["pinned"] and len(run.draft["adjustments"]) == 3


def test_bad_adjustments_are_refused_in_chinese_and_change_nothing(college):
    w = college
    run = run_for(w)
    item = visit_of(run, w.unit_b)
    before = copy.deepcopy(run.draft)
    unit_b, semester = str(w.unit_b.pk), item["semester"]
    wrong_month = MONTHS[3 - semester][0]
    with pytest.raises(ValidationError, match=f"{wrong_month}月不在"):
        services.adjust_draft(run, actor=w.supervisor, unit_id=unit_b, semester=semester, month=wrong_month)
    other = w.leader_person if item["team_id"] == team_id(w.leader_b_person.pk) else w.leader_b_person
    org_services.record_conflict(other, w.unit_b, actor=system_actor(), reason="曾任乙学院院长")
    with pytest.raises(ValidationError, match="须回避乙学院党委（曾任乙学院院长）"):
        services.adjust_draft(run, actor=w.supervisor, unit_id=unit_b, semester=semester, team_id=team_id(other.pk))
    with pytest.raises(ValidationError, match="不是2027年度的旁听工作组"):
        services.adjust_draft(run, actor=w.supervisor, unit_id=unit_b, semester=semester, team_id="L999999")
    with pytest.raises(ValidationError, match="没有该单位本学期"):
        services.adjust_draft(run, actor=w.supervisor, unit_id="999999", semester=semester, month=item["month"])
    with pytest.raises(ValidationError, match="无权调整"):
        services.adjust_draft(run, actor=w.secretary_a, unit_id=unit_b, semester=semester, pinned=True)
    run.refresh_from_db()
    assert run.draft == before
    services.approve_run(run, actor=w.supervisor)
    with pytest.raises(ValidationError, match="已审定导入，不能再调整"):
        services.adjust_draft(run, actor=w.supervisor, unit_id=unit_b, semester=semester, pinned=True)
    with pytest.raises(ValidationError, match="已审定导入"):
        services.resolve_run(run, actor=w.supervisor)
    run.refresh_from_db()
    assert run.draft == before and PlanRun.objects.count() == 1


def test_a_queued_run_cannot_be_adjusted(college):
    run = services.create_run(actor=college.supervisor, supervisor_org=college.root, year=2027, time_limit=2)
    with pytest.raises(ValidationError, match="尚未完成"):
        services.adjust_draft(run, actor=college.supervisor, unit_id=str(college.unit_a.pk), semester=1, pinned=True)


def test_resolving_keeps_the_pinned_visits_exactly(college):
    w = college
    run = run_for(w)
    item = visit_of(run, w.unit_c)
    month = other_month(item)
    services.adjust_draft(
        run, actor=w.supervisor, unit_id=str(w.unit_c.pk), semester=item["semester"], month=month, pinned=True
    )
    run.refresh_from_db()
    new = services.resolve_run(run, actor=w.supervisor)
    assert new.status == PlanRun.Status.QUEUED and new.parameters["resolved_from"] == run.pk
    assert new.parameters["pins"] == services.draft_pins(run)
    assert new.parameters["time_limit"] == run.parameters["time_limit"]
    call_command("generate_plan", "--run", str(new.pk))
    new.refresh_from_db()
    assert new.has_plan, new.explanation
    kept = visit_of(new, w.unit_c)
    assert (kept["team_id"], kept["semester"], kept["month"], kept["pinned"], kept["existing"]) == (
        item["team_id"],
        item["semester"],
        month,
        True,
        False,
    )
    built = build_instance(w.root, 2027, new.parameters)
    assert built.instance.pins == (
        planner.Pin(
            str(w.unit_c.pk), item["team_id"], KEYS[item["semester"]], month, reason=built.instance.pins[0].reason
        ),
    )
    assert planner.check_plan(built.instance, plan_of(new)) == []  # every hard rule, the pin included


def test_approving_an_adjusted_draft_creates_the_adjusted_visits(college):
    w = college
    run = run_for(w)
    item = visit_of(run, w.unit_a)
    month = other_month(item)
    services.adjust_draft(
        run, actor=w.supervisor, unit_id=str(w.unit_a.pk), semester=item["semester"], month=month, pinned=True
    )
    new = services.resolve_run(run, actor=w.supervisor)
    services.execute_run(new)
    created = services.approve_run(new, actor=w.supervisor)
    new.refresh_from_db()
    assert len(created) == len(new.draft["visits"])  # the pinned draft visit is created too
    visit = Visit.objects.get(unit=w.unit_a, year=2027, semester=item["semester"])
    assert visit.mode == Mode.PLANNED and visit.target_month == month
    leader = visit.team_members.get(role=TeamMember.Role.LEADER).person
    assert team_id(leader.pk) == item["team_id"]
    with pytest.raises(ValidationError, match="已导入过一份计划草案"):
        services.approve_run(run, actor=w.supervisor)


def test_the_review_page_moves_pins_and_resolves(college):
    w = college
    run = run_for(w)
    c = client(w.supervisor)
    page = c.get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert 'name="month"' in page and "保留固定安排，重新生成" in page and "style=" not in page
    item = visit_of(run, w.unit_b)
    month = other_month(item)
    data = {"unit_id": str(w.unit_b.pk), "semester": item["semester"], "month": month, "team_id": item["team_id"]}
    response = c.post(reverse("planning:run_adjust", args=[run.pk]), {**data, "pinned": "1"}, follow=True)
    assert "已调整计划草案" in response.content.decode() and "调整记录" in response.content.decode()
    run.refresh_from_db()
    assert (visit_of(run, w.unit_b)["month"], visit_of(run, w.unit_b)["pinned"]) == (month, True)
    response = c.post(reverse("planning:run_adjust", args=[run.pk]), {**data, "month": "8"}, follow=True)
    assert "8月不在" in response.content.decode()
    response = c.post(reverse("planning:run_resolve", args=[run.pk]))
    new = PlanRun.objects.exclude(pk=run.pk).get()
    assert response.status_code == 302 and response.url == reverse("planning:run_detail", args=[new.pk])
    call_command("generate_plan", "--run", str(new.pk))
    page = c.get(reverse("planning:run_detail", args=[new.pk])).content.decode()
    assert reverse("planning:run_detail", args=[run.pk]) in page and "重新生成自" in page and "已固定" in page


def test_the_review_page_is_one_compact_table_in_plain_words_without_internal_ids(college):
    """Issue 16: one row per visit with its moves in the row, the solver status in words, no "#id"."""
    w = college
    run = run_for(w)
    c = client(w.supervisor)
    page = c.get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    visits = run.draft["visits"]
    assert page.count('data-testid="draft-visit"') == len(visits)
    assert page.count('data-testid="adjust-visit"') == len(visits)  # one small form per row
    assert page.count('data-testid="draft-table"') == len({v["semester"] for v in visits})
    status = {"OPTIMAL": "已找到最优方案", "FEASIBLE": "已找到可行方案（未证明最优）"}[run.result["status"]]
    assert f'data-testid="solver-status">{status}<' in page
    assert f"#{run.pk}" not in page and "OPTIMAL" not in page.split("求解细节")[0]
    assert 'data-confirm="审定后方案中的巡听旁听将导入本年度计划，不能撤回' in page  # asked before approving
    listing = c.get(reverse("planning:run_list")).content.decode()
    assert status in listing and f"#{run.pk}" not in listing and "2027年计划草案（" in listing
    # The row's checkbox posts after its hidden "0": checked, the row is pinned.
    item = visit_of(run, w.unit_b)
    data = {"unit_id": str(w.unit_b.pk), "semester": item["semester"], "month": item["month"]}
    c.post(reverse("planning:run_adjust", args=[run.pk]), {**data, "team_id": item["team_id"], "pinned": ["0", "1"]})
    run.refresh_from_db()
    assert visit_of(run, w.unit_b)["pinned"] is True


def test_a_run_that_found_no_plan_says_so_in_words():
    assert PlanRun(result={"status": "INFEASIBLE"}).status_words == "约束无法同时满足"
    assert PlanRun(result={"status": "UNKNOWN"}).status_words.startswith("在时限内未找到方案")
