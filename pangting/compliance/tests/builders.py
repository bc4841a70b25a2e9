"""Builders for compliance tests: compliant records by default, one imperfection at a time.

`good_session` makes a center-group session of unit A that meets every study rule; a test
changes one thing and checks that exactly that rule fires. `findings` runs the checks with
the clock at a given day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.utils import timezone

from pangting.compliance import counts, services
from pangting.compliance.models import Finding
from pangting.core.system import system_actor
from pangting.orgs import services as org_services
from pangting.orgs.models import OrganizationKind, StudyGroupMember
from pangting.study import services as study
from pangting.study.models import Attendance, PlanKind, StudyPlan, StudySession
from pangting.study.tests.builders import at, make_session
from pangting.tests.builders import make_group, make_org, make_person

# R-S6: written speech material long enough for the default minimum (300 characters).
WRITTEN_SPEECH = "结合分管工作谈学习体会，" * 30
# R-S16: the default required topics, carried by the first themes of a filed plan.
REQUIRED_TOPICS = ["意识形态", "安全生产", "党内法规"]


def travel(day: dt.date, hour: int = 10) -> Any:
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0))), tick=False)


def findings(rule: str, *, today: dt.date, year: int = 2026, unit: Any = None) -> list[Any]:
    """The rule's findings for `year` as computed on `today`, for one unit if given."""
    with travel(today, 12):
        found = [f for _r, f in services.compute(year, rules=[rule])]
    return [f for f in found if unit is None or f.unit_id == unit.pk]


def stored_finding(**fields: Any) -> Finding:
    """A finding written directly, and its unit's counts stored as a run's reconciliation does
    (`counts.store`): the findings lists take their number from the counts."""
    finding = Finding.objects.create(**fields)
    counts.store(finding.year, [finding.unit_id])
    return finding


def filed_plan(w: Any, org: Any = None, *, year: int = 2026, kind: str = PlanKind.CENTER_GROUP) -> StudyPlan:
    """A plan filed on 10 January with a theme for every month (R-S1, R-S5, R-B5)."""
    org = org or w.unit_a
    themes = [] if kind == PlanKind.BRANCH else [
        {"period_kind": "month", "period": m, "theme": f"{m}月专题", "topics": REQUIRED_TOPICS[m - 1 : m]}
        for m in range(1, 13)
    ]  # fmt: skip
    with travel(dt.date(year, 1, 5)):
        plan = study.create_plan(org, actor=system_actor(), year=year, kind=kind, themes=themes)
        if kind == PlanKind.CENTER_GROUP:  # R-S15: the leader approved it before it was filed
            study.approve(plan, actor=system_actor())
    StudyPlan.objects.filter(pk=plan.pk).update(
        status=StudyPlan.Status.SUBMITTED, submitted_at=timezone.make_aware(dt.datetime(year, 1, 10, 9))
    )
    plan.refresh_from_db()
    return plan


def group_leader(w: Any) -> Any:
    """Unit A's group leader (书记), added once."""
    member = w.group_a.memberships.filter(role=StudyGroupMember.Role.LEADER).first()
    if member:
        return member.person
    person = make_person("刘书记", w.unit_a, post="党委书记")
    org_services.add_member(w.group_a, person, actor=system_actor(), role=StudyGroupMember.Role.LEADER)
    return person


def signed(delivery: Any) -> Any:
    """Every addressee signs for `delivery` at once (a receipt never signed is a finding of its rule)."""
    from pangting.core import deliveries

    for receipt in delivery.receipts.filter(signed_at__isnull=True):
        deliveries.sign(receipt, actor=system_actor())
    return delivery


def good_session(
    w: Any,
    day: dt.date = dt.date(2026, 10, 15),
    *,
    present: bool = True,
    close: bool = True,
    report: bool = True,
    summary: str = "形成学习小结。",
    member_records: bool = True,
    **fields: Any,
) -> StudySession:
    """A compliant, held center-group session of unit A on `day` (R-S3 … R-S12 all met)."""
    plan = StudyPlan.objects.filter(organization=w.unit_a, year=day.year).first() or filed_plan(w, year=day.year)
    leader = group_leader(w)
    fields.setdefault("plan_theme", plan.themes.filter(period=day.month).first())
    fields.setdefault("led_by", leader)
    fields.setdefault(
        "speakers", [{"person": w.member_person, "outline": "结合分管工作谈体会", "written_text": WRITTEN_SPEECH}]
    )
    with travel(day - dt.timedelta(days=10)):
        session = make_session(w.unit_a, starts_at=at(day.year, day.month, day.day), actor=w.secretary_a, **fields)
    with travel(day - dt.timedelta(days=3)):  # R-S10: through the liaison to the leader, in time
        study.send_arrangement(session, actor=w.secretary_a)
        signed(study.forward_arrangement(session, actor=w.liaison))  # the leader signs for it
    if not close:
        return StudySession.objects.get(pk=session.pk)
    if present:
        session.attendances.update(status=Attendance.Status.PRESENT, method=Attendance.Method.MANUAL)
    with travel(day, 18):
        study.close_attendance(session, actor=w.secretary_a)
        if report:
            signed(study.send_report(session, actor=w.secretary_a))  # the supervisor signs for it
        if member_records:  # R-S7 per member, R-S21: the members' own records around the session
            study.add_research(session, actor=w.secretary_a, researcher_name="调研组", topic="基层调研")
            for row in session.attendances.filter(status=Attendance.Status.PRESENT):
                study.add_self_study_record(
                    row.person,
                    actor=w.secretary_a,
                    studied_on=day - dt.timedelta(days=1),
                    material="原文",
                    session=session,
                )
                study.add_reflection(
                    row.person, actor=w.secretary_a, title="小结", text="学习小结", kind="summary", session=session
                )
    StudySession.objects.filter(pk=session.pk).update(summary=summary)
    return StudySession.objects.get(pk=session.pk)


def more_units(w: Any, first: int, count: int) -> None:
    """Units numbered `first`… with a center group, a filed plan, a held session with a speech,
    and a branch with a held committee meeting: the same records again, for tests that a page or
    a check reads no more queries with more units (issue 15)."""
    for i in range(first, first + count):
        unit = make_org(f"第{i}学院党委", w.root, code=f"U{i}")
        member = make_person(f"成员{i}", unit, post="副院长")
        make_group(unit, (member, StudyGroupMember.Role.MEMBER))
        filed_plan(w, unit)
        branch = make_org(f"第{i}学院第一党支部", unit, kind=OrganizationKind.BRANCH, code=f"U{i}B")
        for org, kind in ((unit, "center_group"), (branch, "branch_committee")):
            with travel(dt.date(2026, 10, 1)):
                session = make_session(org, kind=kind, starts_at=at(2026, 10, 15), speakers=[{"person": member}])
            with travel(dt.date(2026, 10, 15), 18):
                study.close_attendance(session, actor=system_actor())
