"""Demo data around the sessions: the members' own records and the unit's follow-up.

Runs after the study and observation demos (which make the sessions) and plants one or a
few cases for each rule, recording each in `context["planted"]` where it decides it:

- R-S7: members present at a held center-group session studied before it and wrote a summary
  after it; a few members did not.
- R-S13: every leading cadre has a personal self-study plan with its tasks completed; one has
  no plan this year, one left last year's tasks open.
- R-S18 / R-B6: the propaganda department trains the study secretaries, each unit its branch
  secretaries, every year; one unit's secretary missed it, one unit trained none.
- R-S19: each unit records a study outcome a year and converts it; one recorded none, one
  left its conversion overdue.
- R-S20: the branch secretaries the participants note names attend as 列席, outside the
  participation rate; a few sessions do not record them.
- R-S21: each session plan names who researched what; a few do not.
- R-B7: the cadres of the units that keep 三会一课 here belong to a branch and attend it; one
  skipped a quarter.
- R-B4: members write reflections after the quarterly thematic discussion; one did not.

Bulk inserts with their history rows (`bulk_create_with_history`): the demo replays years of
sessions, and the pages read the same fields the services write.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from pangting.core.demo import report_progress
from pangting.core.system import system_actor
from pangting.orgs.models import Organization, OrganizationKind, Person, StudyGroupMember

from . import services
from .models import (
    AgendaItem,
    Attendance,
    CadreBranch,
    Reflection,
    SecretaryTraining,
    SelfStudyPlan,
    SelfStudyRecord,
    SessionKind,
    SessionResearch,
    StudyOutcome,
    StudySession,
)
from .rules import periods_of_year

# The default numbers of the checks (compliance registers them; the demo plants against them).
SUMMARY_DAYS = 7  # R-S7
REFLECTION_DAYS = 14  # R-B4
PLAN_DUE = (3, 31)  # R-S13
CADRE_KINDS = (
    SessionKind.MEMBER_MEETING,
    SessionKind.PARTY_GROUP_MEETING,
    SessionKind.BRANCH_STUDY,
    SessionKind.PARTY_LECTURE,
    SessionKind.THEME_DAY,
)


class FollowupDemo:
    def __init__(self, context: dict[str, Any]) -> None:
        self.context = context
        self.planted: list[tuple[str, str, str, str]] = context.setdefault("planted", [])
        self.root: Organization = context["root"]
        # The university's units and the center groups the city level supervises (R-O23).
        self.units: list[Organization] = [*context["units"], *context.get("city_units", [])]
        self.dates = context["dates"]
        self.today: dt.date = self.dates.today
        self.actor = system_actor()

    def plant(self, rule: str, unit: Any, period: str, key: str) -> None:
        self.planted.append((rule, unit.code if hasattr(unit, "code") else unit, period, key))

    def year_over(self, year: int) -> bool:
        return self.today > dt.date(year, 12, 31)

    def save(self, objects: list[Any], model: Any) -> None:
        if objects:
            bulk_create_with_history(objects, model, default_user=self.actor, batch_size=500)

    @transaction.atomic
    def build(self) -> None:
        report_progress(self.context, "  正在生成自学、调研、成果与培训记录")
        self.codes = {u.pk: u.code for u in Organization.objects.all()}
        self.cadres = list(
            StudyGroupMember.objects.filter(group__organization__in=self.units)
            .exclude(role=StudyGroupMember.Role.SECRETARY)
            .select_related("person", "group__organization")
            .order_by("group__organization__sort_order", "person__name", "pk")
        )
        self.center_group()
        self.personal_plans()
        self.trainings()
        self.outcomes()
        self.cadre_branches()
        self.branch_reflections()

    # -- R-S7, R-S20, R-S21 -------------------------------------------------------------------

    def center_group(self) -> None:
        sessions = list(
            StudySession.objects.filter(kind=SessionKind.CENTER_GROUP, organization__in=self.units)
            .exclude(status=StudySession.Status.CANCELLED)
            .prefetch_related("attendances__person", "research_items")
            .select_related("organization")
            .order_by("starts_at", "pk")
        )
        secretaries, people = defaultdict(list), defaultdict(list)
        for person in Person.objects.select_related("organization").order_by("name", "pk"):
            for unit in self.units:
                if person.organization.path.startswith(unit.path):
                    people[unit.pk].append(person)
                    if person.post == "党支部书记" and person.organization_id != unit.pk:
                        secretaries[unit.pk].append(person)
        studied = {
            (sid, pid)
            for sid, pid, on, starts in SelfStudyRecord.objects.filter(session__isnull=False).values_list(
                "session_id", "person_id", "studied_on", "session__starts_at"
            )
            if on <= timezone.localdate(starts)
        }
        summarized = set(Reflection.objects.filter(session__isnull=False).values_list("session_id", "person_id"))
        records, reflections, research, observers = [], [], [], []
        for number, session in enumerate(sessions):
            day = timezone.localdate(session.starts_at)
            taken_place = session.status == StudySession.Status.HELD or day < self.today
            period = f"{day.year}-{day.month:02d}"
            # R-S21: who researched what before the session; every 37th plan names nobody.
            if number % 37 == 5 and taken_place:
                self.plant("R-S21", session.organization, period, f"research:{session.pk}")
            elif not session.research_items.all():
                member = next(iter(session.attendances.all()), None)
                research.append(
                    SessionResearch(
                        session=session, person=member.person if member else None,
                        researcher_name=member.person.name if member else "学习秘书",
                        topic=f"围绕“{session.title[:60]}”赴基层调研",
                        done_on=day - dt.timedelta(days=6) if day - dt.timedelta(days=6) <= self.today else None,
                        findings="走访师生、召开座谈会，梳理问题清单。",
                    )
                )  # fmt: skip
            if session.status != StudySession.Status.HELD:
                continue
            # R-S20: the note says branch secretaries sit in: their attendance is recorded as 列席.
            if "列席" in session.participants_note:
                attending = {a.person_id for a in session.attendances.all()}
                candidates = [p for p in secretaries[session.organization_id] if p.pk not in attending] or [
                    p for p in people[session.organization_id] if p.pk not in attending
                ]
                if number % 41 == 11 or not candidates:
                    self.plant("R-S20", session.organization, period, f"observers:{session.pk}")
                else:
                    observer = candidates[number % len(candidates)]
                    observers.append(
                        Attendance(
                            session=session, person=observer, post=observer.post, role=Attendance.Role.OBSERVER,
                            status=Attendance.Status.PRESENT, method=Attendance.Method.MANUAL,
                        )
                    )  # fmt: skip
            # R-S7: each member present studied before and summarized after.
            judged = day + dt.timedelta(days=SUMMARY_DAYS) < self.today
            present = [
                a.person
                for a in sorted(session.attendances.all(), key=lambda a: a.person.name)
                if a.status == Attendance.Status.PRESENT and a.role == Attendance.Role.MEMBER
            ]
            for index, person in enumerate(present):
                # A member's own records entered earlier in the demo count too (no plant then).
                skip_study = number % 23 == 3 and index == 0 and (session.pk, person.pk) not in studied
                skip_summary = (
                    number % 29 == 7 and index == len(present) - 1 and (session.pk, person.pk) not in summarized
                )
                if skip_study and judged:
                    self.plant("R-S7", session.organization, period, f"selfstudy:{session.pk}")
                elif not skip_study:
                    records.append(
                        SelfStudyRecord(
                            person=person, organization=person.organization, session=session,
                            studied_on=day - dt.timedelta(days=2), material=f"会前自学：{session.title[:80]}",
                            hours=2, notes=f"{person.name}围绕本次专题研读原文并做摘录。",
                        )
                    )  # fmt: skip
                if skip_summary and judged:
                    self.plant("R-S7", session.organization, period, f"summary:{session.pk}")
                elif not skip_summary:
                    reflections.append(
                        Reflection(
                            person=person, organization=person.organization, session=session,
                            kind=Reflection.Kind.SUMMARY, title=f"学习“{session.title[:80]}”小结",
                            text=f"{person.name}：结合分管工作，谈{session.title[:60]}的学习收获和下一步打算。",
                            written_on=min(day + dt.timedelta(days=2), self.today),
                        )
                    )  # fmt: skip
        self.save(research, SessionResearch)
        self.save(observers, Attendance)
        self.save(records, SelfStudyRecord)
        self.save(reflections, Reflection)

    # -- R-S13 ---------------------------------------------------------------------------------

    def personal_plans(self) -> None:
        existing = {(p.person_id, p.year): p for p in SelfStudyPlan.objects.all()}
        new: list[SelfStudyPlan] = []
        planted_missing = planted_open = False
        for year in self.dates.years:
            due = dt.date(year, *PLAN_DUE)
            seen: set[tuple[int, int]] = set()
            for membership in self.cadres:
                if (membership.joined_on and membership.joined_on > due) or (
                    membership.left_on and membership.left_on < due
                ):
                    continue
                person, unit = membership.person, membership.group.organization
                if (unit.pk, person.pk) in seen:
                    continue
                seen.add((unit.pk, person.pk))
                plan = existing.get((person.pk, year))
                if (
                    plan is None
                    and year == self.dates.year
                    and self.today > due
                    and not planted_missing
                    and membership.role == StudyGroupMember.Role.MEMBER
                    and unit.sort_order >= 3
                ):
                    planted_missing = True
                    self.plant("R-S13", unit, str(year), f"plan:{person.pk}")
                    continue
                completed = dt.date(year, 12, 20) if dt.date(year, 12, 20) <= self.today else None
                if (
                    year == self.dates.previous
                    and not planted_open
                    and unit.sort_order >= 5
                    and membership.role == StudyGroupMember.Role.DEPUTY
                ):
                    planted_open, completed = True, None
                    self.plant("R-S13", unit, str(year), f"tasks:{person.pk}")
                if plan is not None:
                    if plan.completed_on != completed and year == self.dates.previous:
                        SelfStudyPlan.objects.filter(pk=plan.pk).update(completed_on=completed)
                    continue
                new.append(
                    SelfStudyPlan(
                        person=person, organization=person.organization, year=year,
                        goals="研读《习近平谈治国理政》第五卷和本年度学习计划所列篇目。",
                        tasks="每月自学不少于8学时；撰写学习体会4篇；在中心组学习会上交流发言2次。",
                        completed_on=completed,
                    )
                )  # fmt: skip
                existing[(person.pk, year)] = new[-1]
        self.save(new, SelfStudyPlan)

    # -- R-S18, R-B6 ---------------------------------------------------------------------------

    def trainings(self) -> None:
        study_secretaries = {
            m.group.organization_id: m.person
            for m in StudyGroupMember.objects.filter(
                group__organization__in=self.units, role=StudyGroupMember.Role.SECRETARY
            ).select_related("person__organization", "group")
        }
        branch_units = {
            u.pk
            for u in self.units
            if Organization.objects.filter(path__startswith=u.path, kind=OrganizationKind.BRANCH)
            .exclude(pk=u.pk)
            .exists()
        }
        held = set(
            SecretaryTraining.objects.filter(audience=SecretaryTraining.Audience.BRANCH_SECRETARIES).values_list(
                "organization_id", "held_on__year"
            )
        )
        for year in self.dates.years:
            day = dt.date(year, 5, 20)
            if day > self.today:
                continue
            missing = self.units[7] if year == self.dates.previous and len(self.units) > 7 else None
            trainees = [p for unit_id, p in study_secretaries.items() if missing is None or unit_id != missing.pk]
            # Each level trains the secretaries in its own part of the tree: the city the schools' (R-O23).
            city = self.context.get("city")
            outside = [p for p in trainees if not p.organization.path.startswith(self.root.path)]
            if city is not None and outside:
                services.record_training(
                    city, actor=self.actor, held_on=day, title=f"{year}年市属学校中心组学习秘书培训班",
                    content="中心组学习制度、学习档案管理、学习会组织规范", trainees=outside,
                    audience=SecretaryTraining.Audience.STUDY_SECRETARIES,
                )  # fmt: skip
            services.record_training(
                self.root, actor=self.actor, held_on=day, title=f"{year}年理论学习中心组学习秘书培训班",
                content="中心组学习制度、学习档案管理、学习会组织规范",
                trainees=[p for p in trainees if p not in outside],
                audience=SecretaryTraining.Audience.STUDY_SECRETARIES,
            )  # fmt: skip
            if self.year_over(year):
                for unit in self.units:
                    if hasattr(unit, "study_group") and (unit.pk not in study_secretaries or unit == missing):
                        self.plant("R-S18", unit, str(year), "training")
            for index, unit in enumerate(self.units):
                if unit.pk not in branch_units or (unit.pk, year) in held or unit.pk == self.root.pk:
                    # the university's branches are its units' (the root trains none of its own)
                    continue
                if year == self.dates.previous and index == 4:
                    self.plant("R-B6", unit, str(year), "training")  # trained no branch secretary that year
                    continue
                branch_secretaries = list(
                    Person.objects.filter(organization__path__startswith=unit.path, post="党支部书记").exclude(
                        organization=unit
                    )
                )
                services.record_training(
                    unit, actor=self.actor, held_on=dt.date(year, 4, 18), title=f"{year}年党支部书记培训班",
                    content="支部工作条例、“三会一课”规范、党员教育管理", trainees=branch_secretaries,
                )  # fmt: skip
        # A unit that has not held this year's training yet is judged only when the year is over.

    # -- R-S19 ---------------------------------------------------------------------------------

    def outcomes(self) -> None:
        for year in self.dates.years:
            recorded = dt.date(year, 6, 15)
            if recorded > self.today:
                continue
            for index, unit in enumerate(self.units):
                if not hasattr(unit, "study_group"):
                    continue
                if year == self.dates.previous and index == 10:
                    if self.year_over(year):
                        self.plant("R-S19", unit, str(year), "outcomes")  # recorded none that year
                    continue
                session = (
                    StudySession.objects.filter(
                        organization=unit, kind=SessionKind.CENTER_GROUP, status=StudySession.Status.HELD,
                        starts_at__year=year, starts_at__lt=timezone.make_aware(dt.datetime.combine(recorded, dt.time())),  # noqa: E501
                    )
                    .order_by("-starts_at")
                    .first()
                )  # fmt: skip
                outcome = services.record_outcome(
                    unit, actor=self.actor, recorded_on=recorded, session=session,
                    kind=StudyOutcome.Kind.RESEARCH_REPORT if index % 2 else StudyOutcome.Kind.MEASURE,
                    title=f"{year}年学习研讨成果：推进产教融合的{index % 3 + 2}项举措",
                    description="由中心组学习研讨和会前调研形成，经党委会研究通过。",
                    responsible="学院党委副书记", conversion_due=dt.date(year, 10, 31),
                )  # fmt: skip
                overdue = year == self.dates.previous and index == 12
                converted = dt.date(year, 9, 30)
                if overdue:
                    self.plant("R-S19", unit, str(year), f"outcome:{outcome.pk}")
                elif converted <= self.today:
                    services.record_conversion(
                        outcome, actor=self.actor, converted_on=converted, note="已形成制度文件并在全院推行。"
                    )

    # -- R-B7 ----------------------------------------------------------------------------------

    def cadre_branches(self) -> None:
        """The cadres of units whose branches record their meetings belong to one of them and attend."""
        recording = list(
            Organization.objects.filter(
                kind=OrganizationKind.BRANCH,
                study_sessions__kind__in=[k.value for k in CADRE_KINDS],
                study_sessions__deleted_at__isnull=True,
            ).distinct()
        )
        since = min(dt.date(y, 1, 1) for y in self.dates.years) - dt.timedelta(days=120)
        links, rows = [], []
        planted = False
        by_unit: dict[int, list[Organization]] = defaultdict(list)
        for branch in sorted(recording, key=lambda b: b.path):
            for unit in self.units:
                if branch.path.startswith(unit.path) and branch.pk != unit.pk:
                    by_unit[unit.pk].append(branch)
        seen: set[int] = set()
        for membership in self.cadres:
            unit, person = membership.group.organization, membership.person
            branches = by_unit.get(unit.pk)
            if not branches or person.pk in seen:
                continue
            seen.add(person.pk)
            branch = branches[len(seen) % len(branches)]
            links.append(CadreBranch(person=person, branch=branch, since=since))
            sessions = list(
                StudySession.objects.filter(
                    organization__path__startswith=branch.path,
                    kind__in=[SessionKind.BRANCH_STUDY, SessionKind.THEME_DAY],
                    status=StudySession.Status.HELD,
                ).values_list("pk", "starts_at")
            )
            skip_quarter = None
            if not planted and unit.pk != self.root.pk and self.year_over(self.dates.previous):
                planted, skip_quarter = True, (self.dates.previous, 2)
            attended: dict[tuple[int, int], int] = defaultdict(int)
            for pk, starts_at in sessions:
                day = timezone.localdate(starts_at)
                quarter = (day.year, (day.month - 1) // 3 + 1)
                if quarter == skip_quarter:
                    continue
                attended[quarter] += 1
                rows.append(
                    Attendance(
                        session_id=pk, person=person, post=membership.post or person.post,
                        status=Attendance.Status.PRESENT, method=Attendance.Method.MANUAL,
                    )
                )  # fmt: skip
            for year in self.dates.years:
                for number, period in enumerate(periods_of_year(year, "quarter"), start=1):
                    on = period.end
                    member = (membership.joined_on is None or membership.joined_on <= on) and (
                        membership.left_on is None or membership.left_on >= on
                    )
                    if period.end < self.today and member and not attended[(year, number)]:
                        self.plant("R-B7", unit, f"{year}-Q{number}", f"cadre:{person.pk}")
        self.save(links, CadreBranch)
        self.save(rows, Attendance)

    # -- R-B4 ----------------------------------------------------------------------------------

    def branch_reflections(self) -> None:
        sessions = list(
            StudySession.objects.filter(
                kind=SessionKind.BRANCH_STUDY,
                status=StudySession.Status.HELD,
                agenda_items__kind=AgendaItem.Kind.DISCUSSION,
                agenda_items__deleted_at__isnull=True,
            )
            .distinct()
            .select_related("organization")
            .prefetch_related("attendances__person")
            .order_by("starts_at", "pk")
        )
        units = sorted(self.units, key=lambda u: len(u.path), reverse=True)
        written = set(Reflection.objects.filter(session__isnull=False).values_list("session_id", "person_id"))
        new: list[Reflection] = []
        planted = False
        for session in sessions:
            day = timezone.localdate(session.starts_at)
            judged = day + dt.timedelta(days=REFLECTION_DAYS) < self.today
            present = sorted(
                (a.person for a in session.attendances.all() if a.status == Attendance.Status.PRESENT),
                key=lambda p: p.name,
            )
            for index, person in enumerate(present):
                if (session.pk, person.pk) in written:
                    continue
                if not planted and judged and index == 0 and day.year == self.dates.previous:
                    planted = True
                    unit = next(u for u in units if session.organization.path.startswith(u.path))
                    self.plant("R-B4", unit, f"{day.year}-{day.month:02d}", f"reflections:{session.pk}")
                    continue
                new.append(
                    Reflection(
                        person=person, organization=person.organization, session=session,
                        kind=Reflection.Kind.REFLECTION, title=f"{session.title}学习体会",
                        text=f"{person.name}：参加支部专题研讨，结合本职工作谈认识和改进措施。",
                        written_on=min(day + dt.timedelta(days=3), self.today),
                    )
                )  # fmt: skip
        self.save(new, Reflection)


def extend_demo(context: dict[str, Any]) -> None:
    FollowupDemo(context).build()
