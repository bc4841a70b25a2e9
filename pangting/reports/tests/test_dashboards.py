"""Dashboards and the unit page (issue 6): exact figures on builder data, scoping, empty and bad years,
fixed query counts, and findings leading to the records behind them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from pangting.compliance.models import ComplianceRun, Finding
from pangting.compliance.tests.builders import stored_finding
from pangting.core.system import system_actor
from pangting.observation.models import Rectification
from pangting.observation.services import cross as cross_services
from pangting.observation.tests.scenes import session_on, travel, walk
from pangting.orgs import services as org_services
from pangting.orgs.models import StudyGroupMember
from pangting.reports import metrics, study_figures
from pangting.reports.evidence import resolve
from pangting.study import services as study_services
from pangting.study.models import AgendaItem, Attendance
from pangting.study.tests.builders import add_members, at, make_session
from pangting.tests.builders import make_person

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)
CHART_IDS = [
    "coverage", "timeliness", "participation", "first_item", "secretary_led", "postponements", "scores_unit",
    "scores_time", "team_severity", "cross_1", "cross_2", "rect_status", "rect_ageing", "frequency",
]  # fmt: skip


# --- builders ------------------------------------------------------------------------


def make_finding(
    unit: Any, rule_id: str = "R-S4", *, severity: str = "red", year: int = 2026, **fields: Any
) -> Finding:
    """An open finding of a fresh run (the unit page reads findings; the checks write them)."""
    run = ComplianceRun.objects.create(year=year, finished_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    fields.setdefault("period", f"{year}-11")
    fields.setdefault("key", f"k{Finding.objects.count()}")
    fields.setdefault("message", "学习会未安排“第一议题”")
    return stored_finding(
        rule_id=rule_id, unit=unit, year=year, severity=severity, first_seen=run, last_seen=run, **fields
    )


def held_session(w: Any, unit: Any, day: int, *, present: int, absent: int = 0, **fields: Any) -> Any:
    """A center-group session of unit A or B on 2026-11-`day`, attendance marked and closed."""
    session = make_session(unit, starts_at=at(2026, 11, day), **fields)
    rows = list(session.attendances.select_related("person"))
    assert len(rows) == present + absent, "the group decides who is expected"
    for index, row in enumerate(rows):
        status = Attendance.Status.PRESENT if index < present else Attendance.Status.ABSENT
        study_services.record_attendance(session, row.person, actor=system_actor(), status=status)
    study_services.close_attendance(session, actor=system_actor(), at=session.ends_at)
    return session


def group_leader(w: Any) -> Any:
    """Unit A's group leader (党委书记), for R-S12."""
    person = make_person("吴书记", w.unit_a, post="党委书记")
    org_services.add_member(w.group_a, person, actor=system_actor(), role=StudyGroupMember.Role.LEADER)
    return person


# --- the figures, exactly --------------------------------------------------------------


def test_it_counts_coverage_over_the_two_year_round_r_o11(world):
    walk(world, "observed")  # a 2026 visit: the 2025–2026 round (rounds counted from 2025)
    result = metrics.coverage([world.unit_a, world.unit_b], 2025)
    assert result.round == (2025, 2026)
    assert [(r.unit, r.first, r.second, r.covered) for r in result.rows] == [
        (world.unit_a, 0, 1, True),
        (world.unit_b, 0, 0, False),
    ]
    assert (result.covered, result.total, result.uncovered_units) == (1, 2, [world.unit_b])
    assert metrics.coverage([world.unit_a], 2027).covered == 0  # a fixed round: 2027–2028 starts afresh


def test_it_reads_every_stored_deadline_against_its_submission(world):
    visit = walk(world, "closed")
    with travel("2026-11-20"):
        late = session_on(world, "2026-11-12")
        study_services.send_arrangement(late, actor=system_actor())
        study_services.forward_arrangement(late, actor=system_actor())  # after its due date
    rows = {r.kind: r for r in metrics.timeliness([world.unit_a, world.unit_b], 2026, TODAY)}
    outcome = {k: (r.on_time, r.late, r.overdue, r.pending) for k, r in rows.items()}
    # Two sessions: neither form arrived in time (R-S10); the visit met R-O4, R-O8 and R-O9.
    assert outcome["arrangement"] == (0, 1, 1, 0)
    assert outcome["report"] == (0, 0, 2, 0)
    assert outcome["reply"] == (1, 0, 0, 0)
    assert outcome["record"] == (1, 0, 0, 0)
    assert outcome["feedback"] == (1, 0, 0, 0)
    assert outcome["rectification"] == (1, 0, 0, 0)
    assert outcome["cross_report"] == (0, 0, 0, 0)
    assert visit.reply_received_on <= visit.reply_due
    assert metrics.timeliness([world.unit_b], 2026, TODAY)[2].total == 0  # unit B had no visit


def test_it_counts_a_report_due_later_as_pending_and_a_missed_one_as_overdue():
    due = dt.date(2026, 10, 3)
    assert metrics.classify(None, due, dt.date(2026, 10, 3)) == metrics.PENDING
    assert metrics.classify(None, due, dt.date(2026, 10, 4)) == metrics.OVERDUE
    assert metrics.classify(dt.date(2026, 10, 3), due, dt.date(2026, 12, 1)) == metrics.ON_TIME
    assert metrics.classify(dt.date(2026, 10, 4), due, dt.date(2026, 12, 1)) == metrics.LATE
    assert metrics.classify(None, None, dt.date(2026, 12, 1)) is None


def test_it_computes_participation_exactly_r_s3(world):
    add_members(world.group_a, 1, world.unit_a)  # unit A now expects two members
    held_session(world, world.unit_a, 3, present=2)
    held_session(world, world.unit_a, 10, present=1, absent=1)
    make_session(world.unit_a, starts_at=at(2026, 11, 17))  # not held: not counted
    result = metrics.participation([world.unit_a, world.unit_b], 2026)
    a, b = result.rows
    assert (a.sessions, a.expected, a.present, a.meeting_threshold) == (2, 4, 3, 1)
    assert a.rate == Fraction(3, 4)
    assert (b.sessions, b.rate) == (0, None)
    assert result.rate == Fraction(3, 4) and result.has_data


def test_it_counts_first_agenda_items_secretary_led_study_and_postponements(world):
    leader = group_leader(world)
    held_session(world, world.unit_a, 3, present=2, led_by=leader)
    no_first = [{"kind": AgendaItem.Kind.THEORY, "title": "学习有关篇目"}]
    held_session(world, world.unit_a, 10, present=2, agenda=no_first, led_by=world.member_person)
    twice = make_session(world.unit_a, starts_at=at(2026, 11, 20))
    once = make_session(world.unit_a, starts_at=at(2026, 11, 21))
    for day in (24, 26):
        study_services.reschedule_session(
            twice,
            actor=system_actor(),
            starts_at=at(2026, 11, day),
            ends_at=at(2026, 11, day, 16),
            reason="与上级会议冲突",
        )
    study_services.reschedule_session(
        once, actor=system_actor(), starts_at=at(2026, 11, 28), ends_at=at(2026, 11, 28, 16), reason="书记出差"
    )
    result = metrics.sessions([world.unit_a, world.unit_b], 2026)
    a, b = result.rows
    assert (a.held, a.first_item, a.secretary_led) == (2, 1, 1)  # R-S4, R-S12
    assert (a.scheduled, a.rescheduled_once, a.rescheduled_twice_or_more) == (4, 1, 1)  # R-S11
    assert [(p.pk, p.reschedules) for p in a.postponed] == [(twice.pk, 2), (once.pk, 1)]
    assert result.first_item_rate == Fraction(1, 2) == result.secretary_led_rate
    assert (b.held, b.scheduled, b.first_item_rate) == (0, 0, None)


def test_it_averages_composite_scores_by_unit_month_and_semester_r_o18(world):
    walk(world, "recorded")  # the scenes' scores average 82.5, for a session in September
    result = metrics.scores([world.unit_a, world.unit_b], 2026)
    assert [(u, p.count, p.average) for u, p in result.by_unit] == [
        (world.unit_a, 1, Decimal("82.5")),
        (world.unit_b, 0, None),
    ]
    assert [(p.label, p.average) for p in result.by_month if p.count] == [("9月", Decimal("82.5"))]
    assert [(p.label, p.count) for p in result.by_semester if p.count] == [("2026年秋季学期", 1)]
    assert not metrics.scores([world.unit_a], 2029).has_data


def test_it_builds_the_cross_observation_matrix_per_semester_r_o13(world):
    unit_c = org_services.create_organization(
        actor=system_actor(), parent=world.root, name="丙学院党委", code="UC", kind="party_committee"
    )
    org_services.ensure_study_group(unit_c, actor=system_actor())
    with travel("2026-10-09"):
        host_session = session_on(world, "2026-10-09", unit=world.unit_b)
    with travel("2026-10-10"):
        done = cross_services.invite_cross_observation(
            world.unit_b, world.unit_a, actor=system_actor(), session=host_session
        )
        cross_services.report_cross_observation(done, actor=system_actor(), report="列席情况良好。")
        cross_services.invite_cross_observation(world.unit_a, unit_c, actor=system_actor())  # only invited: not counted
    spring, autumn = metrics.cross_matrices([world.unit_a, world.unit_b], 2026)
    assert (spring.total, autumn.total) == (0, 1)
    assert autumn.cells == {(world.unit_b.pk, world.unit_a.pk): 1}
    assert autumn.hosts == [world.unit_a, world.unit_b]
    # Unit A's own page lists its partner too.
    assert metrics.cross_matrices([world.unit_a], 2026)[1].hosts == [world.unit_a, world.unit_b]
    rows = {r.kind: r for r in metrics.timeliness([world.unit_a], 2026, TODAY)}
    assert rows["cross_report"].on_time == 1  # reported the day after the session (R-O13)


def test_it_ages_open_rectifications_and_counts_them_by_status_r_o10(world):
    walk(world, "rectifying")  # one open item, raised on 2026-10-14
    result = metrics.rectifications([world.unit_a, world.unit_b], 2026, TODAY)
    assert {s: n for s, _, n in result.by_status} == {"open": 1, "reported": 0, "accepted": 0, "sent_back": 0}
    assert result.ageing == [("0–30天", 0), ("31–60天", 1), ("61–90天", 0), ("90天以上", 0)]
    assert result.overdue == 1  # R-O10: the default deadline, 20 working days after the feedback (2026-11-09)
    Rectification.objects.update(deadline=dt.date(2026, 12, 31))
    assert metrics.rectifications([world.unit_a], 2026, TODAY).overdue == 0


def test_it_compares_observation_frequency_with_the_minimum_r_o17(world):
    walk(world, "observed")
    with time_machine.travel(dt.datetime(2026, 10, 1, tzinfo=dt.UTC), tick=False):
        from pangting.observation import services as obs

        extra = obs.create_visit(actor=world.supervisor, unit=world.unit_a, year=2026, semester=2, mode="random")
        # Set-up shortcut past the workflow (a save cannot write a state; only steps move it).
        type(extra).objects.filter(pk=extra.pk).update(state="closed")
    a, b = metrics.frequency([world.unit_a, world.unit_b], 2026)
    assert (a.by_semester, a.by_mode, a.beyond_minimum, a.below_minimum) == (
        (0, 2),
        {"planned": 1, "random": 1, "invited": 0},
        1,
        1,
    )
    assert (b.total, b.below_minimum) == (0, 2)
    assert metrics.frequency([world.unit_a], 2026, minimum=2)[0].beyond_minimum == 0


# --- evidence links --------------------------------------------------------------------


def test_it_links_evidence_to_the_record_or_its_parent_page(world):
    visit = walk(world, "recorded")
    session = visit.session
    agenda = session.agenda_items.first()
    links = resolve(
        [
            [{"model": "study.studysession", "pk": session.pk, "label": "学习会"}],
            [
                {"model": "study.agendaitem", "pk": agenda.pk, "label": "议程"},
                {"model": "observation.observationrecord", "pk": visit.record.pk, "label": "记录"},
                {"model": "orgs.organization", "pk": world.unit_a.pk, "label": "单位"},
                {"model": "study.agendaitem", "pk": 999999, "label": "已不存在"},
                {"model": "nonsense", "pk": "x"},
            ],
        ]
    )
    assert [link.url for link in links[0]] == [reverse("study:session_detail", args=[session.pk])]
    assert [link.url for link in links[1]] == [
        reverse("study:session_detail", args=[session.pk]),
        reverse("observation:visit_detail", args=[visit.pk]),
        reverse("orgs:organization_detail", args=[world.unit_a.pk]),
        None,
        None,
    ]
    assert links[1][4].label == "nonsense #None"


# --- pages -------------------------------------------------------------------------------


def test_it_shows_every_chart_to_the_supervisor(world, client_for):
    walk(world, "rectifying")
    response = client_for(world.supervisor).get(reverse("reports:dashboard"), {"year": "2026"})
    assert response.status_code == 200
    html = response.content.decode()
    ids = [c.id for c in response.context["charts"]]
    assert ids == CHART_IDS
    options = json.loads(html.split('id="chart-options" type="application/json">')[1].split("</script>")[0])
    assert {"coverage", "timeliness", "scores_unit", "rect_status", "frequency"} <= set(options)
    assert "甲学院党委" in html and "乙学院党委" in html
    assert "<details" in html and "R-O11" in html


def test_it_shows_the_leadership_viewer_the_dashboard_and_the_member_nothing(world, client_for):
    assert client_for(world.viewer).get(reverse("reports:dashboard")).status_code == 200
    for persona in (world.member, world.secretary_a, world.leader, world.sysadmin, world.outsider):
        assert client_for(persona).get(reverse("reports:dashboard")).status_code == 404


def test_it_shows_empty_states_for_a_year_without_data(world, client_for):
    response = client_for(world.supervisor).get(reverse("reports:dashboard"), {"year": "2031"})
    assert response.status_code == 200
    charts = response.context["charts"]
    assert all(c.empty for c in charts if c.id not in ("coverage", "frequency"))  # units exist, with zeros
    assert "本期间暂无数据。" in response.content.decode()
    page = client_for(world.supervisor).get(reverse("reports:unit", args=[world.unit_a.pk]), {"year": "2031"})
    assert page.status_code == 200 and "本年度尚未运行规则检查" in page.content.decode()


@pytest.mark.parametrize("year", ["abc", "20266", "0", "１２３", "-1", "9999"])
def test_it_answers_a_bad_year_with_a_chinese_message(world, client_for, year):
    client = client_for(world.supervisor)
    for url in (reverse("reports:dashboard"), reverse("reports:unit", args=[world.unit_a.pk])):
        response = client.get(url, {"year": year})
        assert response.status_code == 200
        assert "无效，请填写2000—2100之间的四位年份" in response.content.decode()


def test_it_keeps_unit_pages_within_the_policy(world, client_for):
    url_a = reverse("reports:unit", args=[world.unit_a.pk])
    url_b = reverse("reports:unit", args=[world.unit_b.pk])
    assert client_for(world.secretary_b).get(url_a).status_code == 404
    assert client_for(world.secretary_b).get(url_b).status_code == 200
    assert client_for(world.secretary_a).get(url_a).status_code == 200
    assert client_for(world.member).get(url_a).status_code == 404
    assert client_for(world.viewer).get(url_b).status_code == 200
    # A branch has no center group: it has no unit page.
    assert client_for(world.supervisor).get(reverse("reports:unit", args=[world.branch_a.pk])).status_code == 404


def test_it_colours_each_rule_and_leads_from_a_finding_to_its_record(world, client_for):
    session = make_session(world.unit_a, starts_at=at(2026, 11, 3), agenda=[])
    evidence = [{"model": "study.studysession", "pk": session.pk, "label": "11月3日学习会"}]
    make_finding(world.unit_a, "R-S4", severity="red", evidence=evidence)
    make_finding(world.unit_a, "R-S11", severity="amber", message="改期1次")
    make_finding(world.unit_b, "R-S2", severity="red", message="乙学院的问题")
    resolved = make_finding(world.unit_a, "R-S3", severity="red", message="已消除")
    Finding.objects.filter(pk=resolved.pk).update(resolved_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC))
    response = client_for(world.secretary_a).get(reverse("reports:unit", args=[world.unit_a.pk]), {"year": "2026"})
    html = response.content.decode()
    rules = {r["id"]: r for r in response.context["rules"]}
    assert rules["R-S4"]["colour"] == "red" and rules["R-S11"]["colour"] == "amber"
    assert "R-S2" not in rules or rules["R-S2"]["colour"] == "green"  # unit B's finding stays on unit B
    assert "R-S3" not in rules or rules["R-S3"]["colour"] == "green"  # resolved findings are not colours
    [item] = rules["R-S4"]["findings"]
    assert item["evidence"][0].url == reverse("study:session_detail", args=[session.pk])
    assert f'href="{reverse("study:session_detail", args=[session.pk])}"' in html
    assert "乙学院的问题" not in html and "已消除" not in html
    assert "检查结果计算于" in html
    # The evidence leads to a record the secretary may open.
    assert client_for(world.secretary_a).get(item["evidence"][0].url).status_code == 200


def test_it_counts_each_units_colours_on_the_dashboard(world, client_for):
    make_finding(world.unit_a, "R-S4", severity="red")
    make_finding(world.unit_a, "R-S4", severity="amber")
    make_finding(world.unit_a, "R-S11", severity="amber")
    response = client_for(world.supervisor).get(reverse("reports:dashboard"), {"year": "2026"})
    rows = {r["unit"]: r for r in response.context["unit_rows"]}
    assert (rows[world.unit_a]["red"], rows[world.unit_a]["amber"]) == (1, 1)
    assert (rows[world.unit_b]["red"], rows[world.unit_b]["amber"]) == (0, 0)
    assert reverse("reports:unit", args=[world.unit_a.pk]) in response.content.decode()


# --- fixed query counts ------------------------------------------------------------------


def grow(w: Any, size: int) -> None:
    """`size` sessions, visits, records, rectifications, cross-observations and findings per side."""
    for number in range(size):
        day = 2 + number
        held_session(w, w.unit_a, day, present=1)
        moved = make_session(w.unit_b, starts_at=at(2026, 11, day))
        study_services.reschedule_session(
            moved,
            actor=system_actor(),
            starts_at=at(2026, 11, day + 1),
            ends_at=at(2026, 11, day + 1, 16),
            reason="冲突",
        )
        evidence = [
            {"model": "study.studysession", "pk": moved.pk, "label": "学习会"},
            {"model": "study.reschedule", "pk": moved.reschedules.first().pk, "label": "改期"},
        ]
        make_finding(w.unit_a, "R-S11", severity="amber", evidence=evidence, key=f"s{number}")
        make_finding(w.unit_a, "R-S4", severity="red", evidence=evidence, key=f"f{number}")
        cross_services.invite_cross_observation(w.unit_a, w.unit_b, actor=system_actor())
    for _ in range(size):
        walk(w, "rectifying")
    ComplianceRun.objects.create(year=2026, finished_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))  # not stale


@pytest.mark.parametrize("size", [1, 3])
def test_it_runs_a_fixed_number_of_queries_whatever_the_data_size(world, client_for, django_assert_num_queries, size):
    grow(world, size)
    client = client_for(world.supervisor)
    client.get(reverse("reports:dashboard"), {"year": "2026"})  # warm the session and caches
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get(reverse("reports:dashboard"), {"year": "2026"}).status_code == 200
    with django_assert_num_queries(UNIT_QUERIES):
        assert client.get(reverse("reports:unit", args=[world.unit_a.pk]), {"year": "2026"}).status_code == 200
    study_figures.refresh(2026)  # every unit's figures stored: read, not counted
    with django_assert_num_queries(DASHBOARD_QUERIES - 2):
        assert client.get(reverse("reports:dashboard"), {"year": "2026"}).status_code == 200


# Each with 4 for the R-O18 calibration: scored visits, their leaders, observer scores, the band;
# the unit page with 1 more for its near-duplicate pairs (issue 13), and 2 for its staleness
# check: the latest runs and the unit's row of last changes (issue 15; one per table before).
# Each with 4 for the center-group figures: the parameters, the stored rows and, as none is
# stored here, the two queries of the live count (`study_figures.figures`).
DASHBOARD_QUERIES = 26
UNIT_QUERIES = 30
