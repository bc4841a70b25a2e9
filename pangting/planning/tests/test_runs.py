"""Plan-generation runs (R-O1): the instance builder, the run, the command, the pages, approval."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from pangting.core.models import Job
from pangting.core.system import system_actor
from pangting.core.tests.worker import run_worker
from pangting.lib import planner
from pangting.observation import services as observation_services
from pangting.observation.models import CrossObservation, Mode, ObservationPlan, State, TeamMember, Visit
from pangting.orgs import services as org_services
from pangting.planning import services
from pangting.planning.instance import build_instance, team_id
from pangting.planning.models import PlanRun
from pangting.planning.tests.builders import add_college
from pangting.tests.builders import make_group, make_org
from pangting.tests.test_i18n import english_catalog  # noqa: F401  (fixture)


@pytest.fixture
def college(world):
    """The personas' world plus a third unit C, so that cross-observation has a valid cycle (R-O13)."""
    return add_college(world)


def client(user):
    c = Client()
    c.force_login(user)
    return c


def run_for(w, **parameters):
    parameters.setdefault("time_limit", 2)
    run = services.create_run(actor=w.supervisor, supervisor_org=w.root, year=2027, **parameters)
    return services.execute_run(run)


# --- the instance builder ---------------------------------------------------------------------


def test_it_builds_the_instance_from_the_database(college):
    w = college
    a, b, c = (str(u.pk) for u in (w.unit_a, w.unit_b, w.unit_c))
    org_services.record_conflict(w.leader_b_person, w.unit_c, actor=system_actor(), reason="曾任丙学院院长")
    observation_services.create_visit(actor=system_actor(), unit=w.unit_b, year=2026, semester=2)  # R-O11: last year
    observation_services.invite_cross_observation(w.unit_a, w.unit_b, actor=system_actor())  # dated today: autumn 2026
    CrossObservation.objects.update(year=2026, semester=2)
    pinned = observation_services.create_visit(
        actor=system_actor(), unit=w.unit_a, year=2027, semester=1, target_month=4
    )
    observation_services.create_visit(actor=system_actor(), unit=w.unit_b, year=2027, semester=1)  # no month: not a pin
    # Units without a center group (the branch) are not planned.
    built = build_instance(w.root, 2027, {"time_limit": 2, "lanzhou_rule": True, "seed": 7})
    instance = built.instance
    la, lb = team_id(w.leader_person.pk), team_id(w.leader_b_person.pk)
    assert [u.id for u in instance.units] == sorted([a, b, c])
    assert {t.id: t.leader_id for t in instance.teams} == {la: str(w.leader_person.pk), lb: str(w.leader_b_person.pk)}
    assert set(instance.links) == {planner.Link(la, a), planner.Link(lb, b), planner.Link(lb, c)}
    assert instance.conflicts == (planner.Conflict(c, leader_id=str(w.leader_b_person.pk), reason="曾任丙学院院长"),)
    assert instance.observed_last_year == frozenset({b})
    assert instance.previous_cross_pairs == (planner.CrossPair(a, b),)
    pinned_leader = pinned.team_members.get(role=TeamMember.Role.LEADER).person
    assert instance.pins == (planner.Pin(a, team_id(pinned_leader.pk), "spring", 4, reason=instance.pins[0].reason),)
    assert any("未定月份" in note for note in built.notes)
    assert instance.options.lanzhou_rule and instance.options.random_seed == 7
    planner.validate_instance(instance)


def test_it_refuses_a_year_without_teams_and_saves_nothing(world):
    other = make_org("中共另一大学委员会", code="OTHER")
    make_group(make_org("丁学院党委", other, code="UD"))
    with pytest.raises(ValidationError, match="没有联系领导"):
        services.create_run(actor=system_actor(), supervisor_org=other, year=2027)
    assert not PlanRun.objects.exists()


# --- the run, the command and approval ------------------------------------------------------------


def test_it_generates_a_draft_that_keeps_every_hard_rule(college):
    run = run_for(college)
    assert run.status == PlanRun.Status.DONE and run.progress == 100, run.explanation
    assert run.result["status"] in ("OPTIMAL", "FEASIBLE") and "gap" in run.result
    units = {v["unit_id"] for v in run.draft["visits"]}
    assert units == {str(u.pk) for u in (college.unit_a, college.unit_b, college.unit_c)}  # R-O11
    assert len(run.draft["cross"]) == 6  # R-O13: each unit invites one other, in each of two semesters
    built = build_instance(college.root, 2027, run.parameters)
    plan = planner.Plan(
        tuple(
            planner.Visit(v["unit_id"], v["team_id"], "spring" if v["semester"] == 1 else "autumn", v["month"])
            for v in run.draft["visits"]
        ),
        {
            key: tuple(
                planner.CrossPair(c["host_id"], c["visitor_id"]) for c in run.draft["cross"] if c["semester"] == n
            )
            for n, key in ((1, "spring"), (2, "autumn"))
        },
    )
    assert planner.check_plan(built.instance, plan) == []


def test_it_explains_in_chinese_when_no_plan_exists(world):
    """Two units cannot cross-observe without a reciprocal pair (R-O13): no plan, a reason, nothing to approve."""
    run = run_for(world)
    assert run.status == PlanRun.Status.DONE and not run.has_plan
    assert run.explanation and any("\u4e00" <= ch <= "\u9fff" for ch in run.explanation)
    with pytest.raises(ValidationError, match="没有可审定"):
        services.approve_run(run, actor=world.supervisor)
    assert not Visit.objects.exists()


def test_it_approves_the_draft_into_planned_visits_and_cross_invitations(college):
    w = college
    pinned = observation_services.create_visit(
        actor=system_actor(), unit=w.unit_a, year=2027, semester=1, target_month=3
    )
    run = run_for(w, cross_observation=True)
    assert run.has_plan, run.explanation
    created = services.approve_run(run, actor=w.supervisor)
    plan = ObservationPlan.objects.get(organization=w.root, year=2027)
    drafted = [v for v in run.draft["visits"] if not v["pinned"]]
    assert len(created) == len(drafted) and all(v.plan == plan and v.mode == Mode.PLANNED for v in created)
    assert {(v.unit_id, v.semester, v.target_month) for v in created} == {
        (int(v["unit_id"]), v["semester"], v["month"]) for v in drafted
    }
    assert all(
        v.state == State.PLANNED and v.team_members.filter(role=TeamMember.Role.LEADER).exists() for v in created
    )
    assert Visit.objects.filter(pk=pinned.pk, state=State.PLANNED).exists()  # kept as it was
    crosses = CrossObservation.objects.filter(year=2027)
    assert crosses.count() == len(run.draft["cross"]) == 6
    assert set(crosses.values_list("semester", flat=True)) == {1, 2}
    with pytest.raises(ValidationError, match="不能重复审定"):
        services.approve_run(run, actor=w.supervisor)


def test_it_runs_from_the_command_with_progress(college, capsys):
    call_command("generate_plan", "--year", "2027", "--time-limit", "2")
    out = capsys.readouterr().out
    assert "100%" in out and "求解状态" in out and "计划草案" in out
    assert PlanRun.objects.get().status == PlanRun.Status.DONE


def test_it_exits_1_when_the_command_finds_no_plan(world, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("generate_plan", "--year", "2027", "--time-limit", "2")
    assert exit_info.value.code == 1
    assert "未能生成计划" in capsys.readouterr().out


# --- pages ------------------------------------------------------------------------------------------


def test_it_queues_a_job_for_the_worker_from_the_page(college):
    response = client(college.supervisor).post(reverse("planning:run_create"), {"year": "2027", "time_limit": "2"})
    run = PlanRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("planning:run_detail", args=[run.pk])
    job = Job.objects.get()
    assert (job.kind, job.params, job.created_by, job.organization) == (
        "planning.generate_plan", {"run_id": run.pk}, college.supervisor, college.root,
    )  # fmt: skip
    assert job.status == Job.Status.QUEUED and run.status == PlanRun.Status.QUEUED


@pytest.mark.django_db(transaction=True)
def test_the_worker_solves_a_queued_run(college):
    """The page's run goes through the real worker (`db_worker`) and ends with a draft."""
    client(college.supervisor).post(reverse("planning:run_create"), {"year": "2027", "time_limit": "2"})
    run_worker()
    run, job = PlanRun.objects.get(), Job.objects.get()
    assert run.status == PlanRun.Status.DONE and run.has_plan and run.progress == 100
    assert job.status == Job.Status.DONE and job.result == {"url": reverse("planning:run_detail", args=[run.pk])}


def test_it_polls_progress_until_done_then_shows_the_draft(college):
    run = services.create_run(actor=college.supervisor, supervisor_org=college.root, year=2027, time_limit=2)
    c = client(college.supervisor)
    page = c.get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "<progress" in page and "style=" not in page
    call_command("generate_plan", "--run", str(run.pk))
    partial = c.get(reverse("planning:run_progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert partial["HX-Refresh"] == "true" and "hx-trigger" not in partial.content.decode()
    page = c.get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert "审定并导入计划" in page and "丙学院党委" in page
    response = c.post(reverse("planning:run_approve", args=[run.pk]))
    assert response.status_code == 302 and Visit.objects.filter(year=2027, mode=Mode.PLANNED).exists()


def test_it_shows_the_reason_for_a_year_without_teams_on_the_page(world):
    org_services.end_link(org_services.LeaderLink.objects.get(), actor=system_actor(), on=dt.date(2021, 1, 1))
    response = client(world.supervisor).post(
        reverse("planning:run_create"), {"year": "2027", "time_limit": "2"}, follow=True
    )
    assert "没有联系领导" in response.content.decode() and not PlanRun.objects.exists()


def test_the_run_page_shows_the_notes_in_the_readers_language_and_stores_them_in_chinese(college, english_catalog):  # noqa: F811
    """Issue 16: notes are stored in Chinese with their msgid; the page renders them in English on request."""
    from django.conf import settings

    w = college
    observation_services.create_visit(actor=system_actor(), unit=w.unit_b, year=2027, semester=1)  # no month
    run = run_for(w)
    run.refresh_from_db()
    [(note, message)] = [(n, m) for n, m in zip(run.notes, run.note_messages, strict=True) if "未定月份" in n]
    assert note.endswith("巡听旁听未定月份或月份不在学期安排月份内，未作为固定安排计入（仍保留，不受影响）。")
    assert message["msgid"] == "{label}未定月份或月份不在学期安排月份内，未作为固定安排计入（仍保留，不受影响）。"
    page = client(w.supervisor)
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("planning:run_detail", args=[run.pk])

    english = page.get(url).content.decode()
    assert "observation of 乙学院党委 in the Spring semester has no month or a month outside the semester" in english
    assert note not in english

    PlanRun.objects.filter(pk=run.pk).update(note_messages=[])  # a run stored before msgids
    assert note in page.get(url).content.decode()
