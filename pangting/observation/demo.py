"""Demo data for observation: visits of the previous and the main year in every state, as they happened.

Called by `seed_demo` through its registered demo hook, after the study extension (it
links visits to the sessions that one created). Every step goes through the services with
the clock moved to the day it happened (time-machine, pinned in requirements.lock), so
letters, deadlines, late marks and history rows are what the rules compute.

What it shows (years from `core.demo.DemoDates`, relative to the one clock): closed visits in
the previous year and the main year's spring; in the current term one visit in each
state — planned, notified (a reply due soon and one overdue), scheduled, observed, recorded
(with a composite score), feedback issued, rectifying (one item overdue, one reported and
awaiting verification), closed, cancelled — plus invited (accepted, pending, declined) and
random visits, cross-observations in both semesters of the main year with one late report and units that
fall short (R-O13), typical practices with replications (R-O16), and one visit whose feedback
deadline falls in 2027, so it carries the "calendar not entered" warning.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone

from pangting.accounts.models import Role, User
from pangting.core import clock, deliveries
from pangting.core.demo import DemoDates
from pangting.core.system import system_actor
from pangting.orgs.models import Organization, StudyGroupMember
from pangting.study.rules import periods_of_year
from pangting.workdays.services import UnknownCalendarYear, compute_deadline, get_calendar

from . import services
from .models import CHECKLIST_POINTS, Feedback, Mode, ObservationRecord, Rectification, State, TeamMember, Visit

FINDINGS = [
    (
        "有中心组学习会方案，会前印发学习材料，成员参加率达到要求。",
        "落实“第一议题”制度，专题学习党的二十届四中全会精神，内容专题化。",
        "成员结合分管工作交流研讨，发言人均有书面材料。",
        "能够联系学院改革发展实际，但转化为具体举措还不够。",
    ),
    (
        "学习会方案报送及时，个别成员请假后补学不及时。",
        "第一议题学习到位，围绕主题开展集中学习。",
        "研讨发言紧扣主题，个别发言联系思想实际不够。",
        "学习成果在专业建设、学生工作中有所体现。",
    ),
]
PROBLEMS = {
    "conversion": "学习成果转化为推动工作的具体举措不够，未形成清单。",
    "research": "会前调研不充分，研讨中对实际问题分析不深。",
    "reflection": "个别成员发言以通报工作为主，思考不够深入。",
    "rules": "学习考勤、请假补学制度落实不够严格。",
}
PRACTICES = [
    ("“学习成果转化清单”制度", "每次中心组学习后，逐条列出转化举措、责任人和时限，下次学习会通报落实情况。"),
    (
        "“书记领学+专家辅导+成员研讨”三段式学习",
        "书记领学原文，邀请党校专家辅导，成员结合分管工作交流研讨，做到学深一层。",
    ),
    ("青年教师列席中心组学习", "每学期安排青年教师代表列席中心组学习，扩大学习覆盖面。"),
]


# Theory spot questions (理论问题抽查, R-O19): question, the gist of the answer, the result.
SPOT_QUESTIONS = [
    ("“两个确立”的决定性意义是什么？", "能结合党的十八大以来的实践作答，要点完整。", "good"),
    ("“第一议题”制度的主要要求有哪些？", "答出及时学习总书记重要讲话精神，未答出跟进落实要求。", "fair"),
    ("新时代党的组织路线包括哪些内容？", "要点遗漏较多。", "poor"),
]


class ObservationDemo:
    def __init__(self, context: dict[str, Any], seed: int = 2027) -> None:
        self.random = random.Random(seed)  # noqa: S311 - deterministic demo data, not security  # nosec B311
        self.root: Organization = context["root"]
        # The university's units, then (R-O12, R-O13 judged for every unit) the city's.
        self.units: list[Organization] = [*context["units"], *context.get("city_units", [])]
        self.supervisor: User = context["users"]["xuanchuan"]
        self.dates: DemoDates = context["dates"]
        self.today = self.dates.today
        self.year, self.previous = self.dates.year, self.dates.previous
        self.used_sessions: set[int] = set()
        # (unit, year, semester) of every visit walked to 已旁听 or beyond: R-O11 and R-O12 are judged on these.
        self.observed: set[tuple[int, int, int]] = set()
        # (unit, year, semester) of every cross-observation invitation and every visit reported (R-O13).
        self.hosted: set[tuple[int, int, int]] = set()
        self.visited: set[tuple[int, int, int]] = set()
        # What the demo plants, as (rule, unit code, period, key), where it decides it (see study/demo.py).
        self.planted: list[tuple[str, str, str, str]] = context.setdefault("planted", [])
        self.context = context

    def plant(self, rule: str, unit: Organization, period: str, key: str) -> None:
        self.planted.append((rule, unit.code, period, key))

    def plant_visit(self, rule: str, visit: Visit, what: str) -> None:
        self.plant(rule, visit.unit, f"{visit.year}-H{visit.semester}", f"{what}:{visit.pk}")

    # -- helpers --------------------------------------------------------------------------

    @contextmanager
    def on(self, day: dt.date, hour: int = 10) -> Iterator[None]:
        """Move the clock to `day` (the demo replays what happened, in order)."""
        import time_machine

        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
        with time_machine.travel(moment, tick=False):
            yield

    def user(self, unit: Organization, role: str) -> User | None:
        return (
            User.objects.filter(role_assignments__role=role, role_assignments__organization=unit, is_active=True)
            .order_by("pk")
            .first()
        )

    def leader_user(self, visit: Visit) -> User | None:
        leader = visit.team_members.filter(role=TeamMember.Role.LEADER, deleted_at__isnull=True).first()
        return User.objects.filter(person_id=leader.person_id).first() if leader else None

    @staticmethod
    def weekday(day: dt.date, step: int = 1) -> dt.date:
        while day.weekday() >= 5:
            day += dt.timedelta(days=step)
        return day

    def session(self, unit: Organization, day: dt.date) -> Any:
        """A center-group session of `unit` near `day`, not yet observed; created if the unit had none.

        It stays on the same side of today as `day`: a visit already observed needs a session
        that has taken place, a scheduled one a session still to come.
        """
        from pangting.study import services as study
        from pangting.study.models import AgendaItem, SessionKind, StudySession

        start = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=6), dt.time(0, 0)))
        end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=6), dt.time(23, 59)))
        now = clock.now()
        if day < self.today:
            end = min(end, now - dt.timedelta(hours=4))
        else:
            start = max(start, now + dt.timedelta(days=1))
        found = (
            StudySession.objects.filter(organization=unit, kind=SessionKind.CENTER_GROUP, starts_at__range=(start, end))
            .exclude(status=StudySession.Status.CANCELLED)
            .exclude(pk__in=self.used_sessions)
            .order_by("starts_at")
            .first()
        )
        if found is None:
            from pangting.study.models import PlanTheme

            starts = timezone.make_aware(dt.datetime.combine(self.weekday(day), dt.time(14, 30)))
            leader = StudyGroupMember.objects.filter(
                group__organization=unit, role=StudyGroupMember.Role.LEADER
            ).first()
            theme = PlanTheme.objects.filter(
                plan__organization=unit, plan__year=starts.year, plan__kind="center_group", period=starts.month
            ).first()
            with self.on(min(day - dt.timedelta(days=20), self.today)):
                found = study.create_session(
                    actor=self.user(unit, Role.STUDY_SECRETARY),
                    organization=unit,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=2),
                    title="深入学习贯彻党的二十届四中全会精神",
                    place="学院行政楼301会议室",
                    led_by=leader.person if leader else None,
                    plan_theme=theme,
                    agenda=[
                        {
                            "kind": AgendaItem.Kind.FIRST_ITEM,
                            "title": "学习习近平总书记最新重要讲话精神",
                            "source": "习近平总书记在中央政治局集体学习时的重要讲话",
                            "source_date": starts.date() - dt.timedelta(days=15),  # recent (R-S4)
                        },
                        {"kind": AgendaItem.Kind.DISCUSSION, "title": "中心组成员交流研讨"},
                    ],
                )
            self.plant_bare_session(found, theme_found=theme is not None)
        self.used_sessions.add(found.pk)
        return found

    def plant_bare_session(self, session: Any, *, theme_found: bool) -> None:
        """A session made only for a visit: its forms, attendance and summary are not entered.

        Planted: R-S5, R-S7, R-S10, and R-S14 (its archive lacks attendance, minutes and speeches).
        """
        day = timezone.localdate(session.starts_at)
        period, key = f"{day.year}-{day.month:02d}", f"session:{session.pk}"
        if session.arrangement_due and session.arrangement_due < self.today:  # due before the session
            self.plant("R-S10", session.organization, period, f"arrangement:{session.pk}")
        if day >= self.today:
            return
        led = self.context.setdefault("led_by_secretary", {}).setdefault((session.organization.code, day.year), [0, 0])
        led[0] += session.led_by_id is not None  # led by the group leader (R-S12)
        led[1] += 1
        if not theme_found:
            self.plant("R-S5", session.organization, period, key)
        self.plant("R-S6", session.organization, period, key)  # no speakers entered
        if day + dt.timedelta(days=7) < self.today:
            self.plant("R-S7", session.organization, period, key)
        if day + dt.timedelta(days=14) < self.today:  # R-S14: no attendance, minutes or speeches filed
            self.plant("R-S14", session.organization, str(day.year), "archive")
        if session.report_due and session.report_due < self.today:
            self.plant("R-S10", session.organization, period, f"report:{session.pk}")

    # -- one visit, walked to a state -------------------------------------------------------

    def walk(
        self,
        unit: Organization,
        to: str,
        *,
        session_day: dt.date | None = None,
        year: int | None = None,
        mode: str = Mode.PLANNED,
        problems: int = 1,
        reply_late: bool = False,
        record_late: bool = False,
        delivered_on: dt.date | None = None,
        items: str = "closed",
    ) -> Visit:
        """A visit to `unit` walked through the services, each step on its own day."""
        order = services.STATE_ORDER
        target = order.index(State(to)) if to != State.CANCELLED else 0
        secretary = self.user(unit, Role.STUDY_SECRETARY)
        session = self.session(unit, session_day) if session_day else None
        sday = timezone.localdate(session.starts_at) if session else (delivered_on or self.today)
        label, semester = services.semester_of(sday)
        year = year or label
        if to != State.CANCELLED and target >= order.index(State.OBSERVED):
            self.observed.add((unit.pk, year, semester))
        if delivered_on is None:
            delivered_on = self.weekday(sday - dt.timedelta(days=16))
        letter_day = self.weekday(delivered_on - dt.timedelta(days=1), step=-1)
        with self.on(letter_day - dt.timedelta(days=7)):
            visit = services.create_visit(
                actor=self.supervisor, unit=unit, year=year, semester=semester, mode=mode, target_month=sday.month,
                draw_ref=f"DEMO-{year}-R" if mode == Mode.RANDOM else "",
                focus="重点了解落实“第一议题”制度和学习成果转化情况。" if self.random.random() < 0.5 else "",
            )  # fmt: skip
        if to == State.CANCELLED:
            with self.on(letter_day):
                services.cancel_visit(
                    visit, actor=self.supervisor, reason="该单位学习会因上级集中培训顺延，本学期另行安排"
                )
            return visit
        if target < order.index(State.NOTIFIED):
            return visit
        with self.on(letter_day):
            visit = services.issue_letter(visit, actor=self.supervisor)
        with self.on(delivered_on, 16):
            visit = services.record_delivery(visit, delivered_on, actor=self.supervisor)
        if target < order.index(State.SCHEDULED):
            if visit.reply_due and visit.reply_due < self.today:
                self.plant_visit("R-O4", visit, "reply")  # no reply yet, overdue
            return visit
        reply_day = delivered_on + dt.timedelta(days=12 if reply_late else 3)
        reply_day = min(reply_day, sday - dt.timedelta(days=1))
        if visit.reply_due and reply_day > visit.reply_due:
            self.plant_visit("R-O4", visit, "reply")
        # R-O4: the reply is a delivery; the unit's liaison sends it for every other visit, the secretary otherwise.
        liaison = self.user(unit, Role.LIAISON)
        replier = liaison if liaison is not None and visit.pk % 2 == 0 else secretary
        with self.on(reply_day, 15):
            visit = services.record_reply(
                visit, session, actor=replier, replied_on=reply_day, notes="商定学习会时间地点，已报送学习会方案。"
            )
        self.sign_reply(visit, reply_day)
        return self.after_schedule(visit, to, session, problems=problems, record_late=record_late, items=items)

    def sign_reply(self, visit: Visit, reply_day: dt.date) -> None:
        """The supervising department and the team leader sign for the reply the next working day."""
        delivery = services.reply_delivery(visit)
        signed_on = self.weekday(reply_day + dt.timedelta(days=1))
        if delivery is None or signed_on > self.today:
            return  # a reply sent today waits for its signatures: the supervisor's to-do shows it
        leader = self.leader_user(visit)
        with self.on(signed_on, 9):
            for receipt in delivery.receipts.filter(signed_at__isnull=True):
                signer = self.supervisor if receipt.addressee_org_id else leader
                if signer is None or not deliveries.may_sign(signer, receipt):  # another level signs its own
                    if deliveries.receipt_overdue(receipt, self.today, get_calendar()) is None:
                        continue  # still an open to-do of that level
                    # Past the signing period it was signed on paper and entered afterwards: a receipt
                    # never signed is an R-O4 finding (`core.deliveries.receipt_overdue`).
                    signer = system_actor()
                services.sign_reply_receipt(receipt, actor=signer)

    def after_schedule(
        self, visit: Visit, to: str, session: Any, *, problems: int, record_late: bool, items: str
    ) -> Visit:
        order = services.STATE_ORDER
        target = order.index(State(to))
        unit = visit.unit
        secretary = self.user(unit, Role.STUDY_SECRETARY)
        liaison = self.user(unit, Role.LIAISON)
        sday = timezone.localdate(session.starts_at)
        if target < order.index(State.OBSERVED):
            return visit
        with self.on(sday, 18):
            visit = services.mark_observed(visit, actor=liaison)
        if target < order.index(State.RECORDED):
            if visit.record_due and visit.record_due < self.today:
                self.plant_visit("R-O8", visit, "record")
            return visit
        filed = sday + dt.timedelta(days=5 if record_late else self.random.choice((1, 2)))
        if visit.record_due and filed > visit.record_due:
            self.plant_visit("R-O8", visit, "record")
        findings = self.random.choice(FINDINGS)
        keys = list(PROBLEMS)[:problems]
        data = {
            "organization_findings": findings[0],
            "content_findings": findings[1],
            "method_findings": findings[2],
            "effect_findings": findings[3],
            "problems": "；".join(PROBLEMS[k] for k in keys),
            "suggestions": "建立学习成果转化清单，加强会前调研。",
        }
        areas = ("organization", "content", "method", "effect")
        scores = {k: str(self.random.choice((75, 80, 85, 88, 90, 92, 95))) for k in areas}
        with self.on(filed, 11):
            record = services.save_record(visit, actor=liaison, data=data, scores=scores)
            services.add_talk(
                visit, actor=liaison, person_name="学院党委书记", person_role="中心组组长", method="face",
                held_on=sday, notes="了解年度学习计划落实情况及学习成果转化举措。",
            )  # fmt: skip
            services.add_document_review(
                visit, actor=liaison, kind="records", period_from=dt.date(sday.year - 1, 1, 1), period_to=sday,
                notes="调阅上年度以来学习记录、考勤及请假补学情况。",
            )  # fmt: skip
            # R-O19: on some visits the team also comments on site, holds a forum, puts theory questions.
            # Drawn apart from the story's random sequence, so the rest of the demo stays as it was.
            extra = random.Random(f"activities:{visit.pk}")  # noqa: S311 - demo data, not security  # nosec B311
            if extra.random() < 0.6:
                services.add_on_site_comment(
                    visit, actor=liaison, commenter="巡听旁听组组长",
                    content="研讨紧扣主题，建议下次会前围绕学习专题开展调研，发言更多结合分管工作。",
                )  # fmt: skip
                question, answer, result = extra.choice(SPOT_QUESTIONS)
                services.add_spot_question(
                    visit, actor=liaison, question=question, answered_by="中心组成员", answer=answer, result=result
                )
            if extra.random() < 0.3:
                services.add_forum(
                    visit, actor=liaison, held_on=sday, topic="青年教师理论学习专题座谈",
                    participants="青年教师代表6人", notes="围绕学习成果进课堂交流，提出建议3条。",
                )  # fmt: skip
            record = services.save_record(visit, actor=liaison, data={}, scores=record.scores, submit=True)
        leader = self.leader_user(visit)
        if leader is not None:
            with self.on(filed + dt.timedelta(days=1), 9):
                services.sign_off_record(ObservationRecord.objects.get(pk=record.pk), actor=leader)
        visit.refresh_from_db()
        if target < order.index(State.FEEDBACK_ISSUED):
            if visit.feedback_due and visit.feedback_due < self.today:
                self.plant_visit("R-O9", visit, "feedback")
            return visit
        issue_day = self.weekday(
            max(filed + dt.timedelta(days=2), (visit.feedback_due or filed) - dt.timedelta(days=3))
        )
        if visit.feedback_due and issue_day > visit.feedback_due:
            self.plant_visit("R-O9", visit, "feedback")
        with self.on(issue_day, 10):
            feedback = services.draft_feedback(visit, actor=self.supervisor)
            checklist = {
                key: {"problem": key in keys, "evidence": PROBLEMS.get(key, "")} for key, _l in CHECKLIST_POINTS
            }
            services.save_feedback(
                feedback, actor=self.supervisor, checklist=checklist,
                summary="该单位中心组学习组织有序，落实“第一议题”制度，学习氛围较好。",
                suggestions="针对发现的问题，建立学习成果转化清单，加强会前调研和考勤管理。",
            )  # fmt: skip
            services.issue_feedback(Feedback.objects.get(pk=feedback.pk), actor=self.supervisor)
        if target < order.index(State.RECTIFYING):
            return Visit.objects.get(pk=visit.pk)
        with self.on(issue_day + dt.timedelta(days=2), 9):
            services.acknowledge_feedback(Feedback.objects.get(visit=visit), actor=secretary)
        rectifications = list(Rectification.objects.filter(visit=visit).order_by("pk"))
        owner = StudyGroupMember.objects.filter(group__organization=unit, role=StudyGroupMember.Role.DEPUTY).first()
        for number, item in enumerate(rectifications):
            overdue = items == "mixed" and number == 0
            deadline = (self.today - dt.timedelta(days=6)) if overdue else issue_day + dt.timedelta(days=30)
            with self.on(issue_day + dt.timedelta(days=4), 10):
                services.plan_rectification(
                    item, actor=secretary, measure="制定整改方案，明确责任人和时限，逐项落实。",
                    owner=owner.person if owner else None, deadline=deadline,
                )  # fmt: skip
            if overdue:
                self.plant("R-O10", unit, f"{visit.year}-H{visit.semester}", f"rectification:{item.pk}")
                continue  # R-O10: overdue, shown on everyone's to-dos
            report_day = min(deadline - dt.timedelta(days=3), self.today - dt.timedelta(days=2))
            if items != "closed" and report_day + dt.timedelta(days=15) < self.today:
                # reported, awaiting verification
                self.plant("R-O10", unit, f"{visit.year}-H{visit.semester}", f"rectification:{item.pk}")
            with self.on(report_day, 15):
                services.report_rectification(item, actor=secretary, report="已建立学习成果转化清单并在学习会上通报。")
            if items == "closed":
                with self.on(report_day + dt.timedelta(days=2), 10):
                    services.verify_rectification(item, actor=self.supervisor, accept=True, note="整改到位")
        return Visit.objects.get(pk=visit.pk)

    def approve_plan(self, year: int, day: dt.date) -> None:
        """R-O20: the party committee decides the plan (meeting, date, document), then it is approved."""
        from django.core.files.base import ContentFile

        with self.on(day):
            plan = services.ensure_plan(self.root, year, actor=self.supervisor)
            document = ContentFile(b"%PDF-1.4 demo", name=f"{year}-committee-decision.pdf")
            services.record_committee_decision(
                plan, actor=self.supervisor, meeting=f"党委常委会{year}年第2次会议",
                day=day - dt.timedelta(days=3), document=document,
            )  # fmt: skip
            services.approve_plan(plan, actor=self.supervisor)

    def plant_plans_late(self) -> None:
        """R-O1: a year whose plan was not approved by its due day (the current year's plan is
        approved 40 days back, so late unless today is early in the year; a year without one)."""
        from .models import ObservationPlan
        from .plan_due import plan_due

        for year in self.dates.years:
            due = plan_due(year)
            if self.today <= due:
                continue
            plan = ObservationPlan.objects.filter(organization=self.root, year=year).first()
            approved = timezone.localdate(plan.approved_at) if plan is not None and plan.approved_at else None
            if approved is None or approved > due:
                self.plant("R-O1", self.root, str(year), f"plan:{year}")

    def problem_lists(self, unit: Organization, today: dt.date) -> None:
        """R-O25: the unit's own problem list, without a visit: one item verified, one overdue.

        The overdue one was opened with a deadline 30 days back by the supervisor, so the R-O10
        check finds it (escalated: reminded to the linked leader, then the office) whatever today is.
        """
        from pangting.core.semesters import semester_of

        secretary = self.user(unit, Role.STUDY_SECRETARY)
        opened = today - dt.timedelta(days=50)
        with self.on(opened, 11):
            done = services.open_problem_item(
                unit, actor=secretary, problem="中心组学习档案归档不及时", measure="每次学习会后一周内归档。",
                deadline=opened + dt.timedelta(days=10),
            )  # fmt: skip
            late = services.open_problem_item(
                unit, actor=self.supervisor, problem="会前调研安排不足，研讨发言准备不充分",
                deadline=today - dt.timedelta(days=30),
            )  # fmt: skip
        with self.on(opened + dt.timedelta(days=3), 15):
            services.report_rectification(done, actor=secretary, report="已建立归档台账，逐次归档。")
        with self.on(opened + dt.timedelta(days=5), 10):
            services.verify_rectification(done, actor=self.supervisor, accept=True, note="整改到位")
        label, semester = semester_of(opened)
        self.plant("R-O10", unit, f"{label}-H{semester}", f"rectification:{late.pk}")

    def delivered_for_reply_due(self, *, overdue: bool) -> dt.date:
        """A delivery day whose reply (7 working days, R-O4) is due within 3 days, or already past."""
        for back in range(1, 40):
            day = self.today - dt.timedelta(days=back)
            if day.weekday() >= 5:
                continue
            try:
                due = compute_deadline(day, services.reply_rule().amount, services.reply_rule().unit).due
            except UnknownCalendarYear:
                continue
            if (overdue and due < self.today - dt.timedelta(days=2)) or (
                not overdue and self.today < due <= self.today + dt.timedelta(days=3)
            ):
                return day
        return self.today - dt.timedelta(days=14)

    # -- the whole picture ------------------------------------------------------------------------

    @transaction.atomic
    def build(self) -> None:
        u = self.units
        today = self.today
        year, previous = self.year, self.previous
        # The previous year: most units observed once and closed (R-O11's previous year).
        for index, unit in enumerate(u[:14]):
            day = dt.date(previous, 4 if index % 2 == 0 else 10, 12 + index % 3 * 4)
            if index == 13:
                self.walk(unit, State.CANCELLED, session_day=day)
            else:
                self.walk(unit, State.CLOSED, session_day=day, problems=index % 3, record_late=index == 5)
        # The main year's spring: closed visits, one random (R-O2).
        closed = [
            self.walk(u[0], State.CLOSED, session_day=dt.date(year, 4, 16), problems=1),
            self.walk(u[2], State.CLOSED, session_day=dt.date(year, 5, 19), problems=2, reply_late=True),
            self.walk(u[3], State.CLOSED, session_day=dt.date(year, 6, 16), problems=0),
            self.walk(u[5], State.CLOSED, session_day=dt.date(year, 5, 12), mode=Mode.RANDOM, problems=1),
        ]
        # R-O12: only these four units were observed in the main year's spring.
        # The current term: one visit in each state.
        self.walk(u[1], State.RECTIFYING, session_day=today - dt.timedelta(days=60), problems=2, items="mixed")
        self.walk(u[4], State.FEEDBACK_ISSUED, session_day=today - dt.timedelta(days=24))
        self.walk(u[6], State.RECORDED, session_day=today - dt.timedelta(days=6), problems=1)
        self.walk(u[7], State.OBSERVED, session_day=today - dt.timedelta(days=2), mode=Mode.RANDOM)
        self.walk(u[8], State.SCHEDULED, session_day=today + dt.timedelta(days=12))
        self.walk(u[9], State.NOTIFIED, delivered_on=self.delivered_for_reply_due(overdue=False))
        self.walk(u[10], State.NOTIFIED, delivered_on=self.delivered_for_reply_due(overdue=True))
        label, semester = services.semester_of(today)
        month = 12 if semester == 2 else 6
        for unit in (u[11], u[12], u[15], u[1]):
            with self.on(today - dt.timedelta(days=30)):
                services.create_visit(
                    actor=self.supervisor,
                    unit=unit,
                    year=label,
                    semester=semester,
                    target_month=month,
                )
        self.walk(u[13], State.CANCELLED, session_day=today + dt.timedelta(days=20))
        # A session late in December: its feedback deadline reaches into a year not yet entered.
        late_december = self.weekday(dt.date(today.year, 12, 22))
        if today < late_december - dt.timedelta(days=3):
            self.walk(u[16], State.SCHEDULED, session_day=late_december, delivered_on=today - dt.timedelta(days=3))
        self.invitations(today)
        self.problem_lists(u[3], today)
        self.approve_plan(today.year, today - dt.timedelta(days=40))
        self.approve_plan(previous, dt.date(previous, 1, 10))
        self.plant_plans_late()
        self.cross_observations(today)
        self.practices(closed)
        self.plant_coverage()

    def plant_coverage(self) -> None:
        """R-O12 and R-O13 for each semester that has ended, R-O11 for each two-year round that has ended."""
        for year in self.dates.years:
            for semester in (1, 2):
                if periods_of_year(year, "semester")[semester - 1].end >= self.today:
                    continue
                for unit in self.units:
                    period, key = f"{year}-H{semester}", (unit.pk, year, semester)
                    if key not in self.observed:
                        self.plant("R-O12", unit, period, "visits")
                    if key not in self.hosted:
                        self.plant("R-O13", unit, period, "hosted")
                    if key not in self.visited:
                        self.plant("R-O13", unit, period, "visited")
            # Rounds of two years from 2025, the default `round_start_year` of the R-O11 check.
            if (year - 2025) % 2 == 1 and dt.date(year, 12, 31) < self.today:
                for unit in self.units:
                    if not any((unit.pk, y, s) in self.observed for y in (year - 1, year) for s in (1, 2)):
                        self.plant("R-O11", unit, str(year), f"round:{year - 1}-{year}")

    def invitations(self, today: dt.date) -> None:
        """R-O2: one accepted (an invited visit), one pending, one declined."""
        cases = [(self.units[14], 15, True), (self.units[17], 18, None), (self.units[12], 22, False)]
        for unit, days, accept in cases:
            session = self.session(unit, today + dt.timedelta(days=days))
            secretary = self.user(unit, Role.STUDY_SECRETARY)
            with self.on(today - dt.timedelta(days=3)):
                invitation = services.request_invitation(
                    session, actor=secretary, message="本次学习会邀请省委党校专家辅导，诚邀宣传部莅临指导。"
                )
            if accept is None:
                continue
            with self.on(today - dt.timedelta(days=2)):
                services.decide_invitation(
                    invitation, accept=accept, actor=self.supervisor,
                    reason="" if accept else "本月已安排对该单位的固定式巡听旁听，请按计划做好准备。",
                )  # fmt: skip

    def cross_observations(self, today: dt.date) -> None:
        """R-O13: both semesters of the main year; a late report; units 12–17 fall short in autumn.

        What falls short is planted by `plant_coverage` from what was recorded here, once the
        semester has ended (the check judges it then).
        """
        year = self.year
        spring = [dt.date(year, 3, 19), dt.date(year, 4, 23), dt.date(year, 5, 21)]
        recent = min(max(today - dt.timedelta(days=1), dt.date(year, 9, 25)), dt.date(year + 1, 1, 20))
        autumn = [dt.date(year, 9, 17), dt.date(year, 10, 22), recent]
        plan = [(1, spring, range(14)), (2, autumn, range(12))]
        for semester, days, hosts in plan:
            for index in hosts:
                host = self.units[index]
                visitor = self.units[(index + 1) % len(self.units)]
                day = days[index % len(days)]
                if day - dt.timedelta(days=10) > today:
                    continue  # not yet invited
                session = self.session(host, day)
                sday = timezone.localdate(session.starts_at)
                deputy = StudyGroupMember.objects.filter(
                    group__organization=visitor, role=StudyGroupMember.Role.DEPUTY
                ).first()
                with self.on(min(sday - dt.timedelta(days=10), today)):
                    cross = services.invite_cross_observation(
                        host, visitor, actor=self.user(host, Role.STUDY_SECRETARY), session=session,
                        visitor_person=deputy.person if deputy else None,
                    )  # fmt: skip
                self.hosted.add((host.pk, year, semester))
                if sday >= today:
                    continue  # the report is still to come
                late = semester == 2 and index == 3
                report_day = sday + dt.timedelta(days=5 if late else self.random.choice((1, 2, 3)))
                key = f"report:{cross.pk}"
                if cross.report_due and report_day > cross.report_due and cross.report_due < today:
                    self.plant("R-O13", visitor, f"{year}-H{semester}", key)  # late, or overdue and not yet in
                if report_day > today:
                    continue
                with self.on(report_day, 16):
                    services.report_cross_observation(
                        cross, actor=self.user(visitor, Role.STUDY_SECRETARY),
                        report="列席了该单位中心组学习会，学习组织严密，研讨联系实际，其“书记领学”做法值得借鉴。",
                    )  # fmt: skip
                self.visited.add((visitor.pk, year, semester))

    def practices(self, visits: list[Visit]) -> None:
        """R-O16: collected from visits, two promoted and taken up elsewhere (as far as today allows)."""
        for number, (visit, (title, description)) in enumerate(zip(visits, PRACTICES, strict=False)):
            if dt.date(self.year, 10, 15) > self.today:
                break  # the story's practices are collected, promoted and copied by mid-October
            with self.on(dt.date(self.year, 7, 1) + dt.timedelta(days=number)):
                practice = services.collect_practice(
                    actor=self.supervisor, unit=visit.unit, title=title, description=description, visit=visit
                )
            if number == 2:
                continue
            with self.on(dt.date(self.year, 9, 10) + dt.timedelta(days=number)):
                services.promote_practice(practice, actor=self.supervisor)
            for offset, unit in enumerate(self.units[6 + number * 3 : 8 + number * 3]):
                replicated = dt.date(self.year, 10, 15) + dt.timedelta(days=offset)
                with self.on(replicated):
                    services.record_replication(
                        practice, unit, actor=self.supervisor, on=replicated,
                        notes="参照该做法建立本单位学习成果转化机制。",
                    )  # fmt: skip


def extend_demo(context: dict[str, Any]) -> None:
    from pangting.study.demo import plant_led_shares

    ObservationDemo(context).build()
    plant_led_shares(context)  # every session that took place is in now (R-S12)


class CityDemo(ObservationDemo):
    """The level above the university (R-O23): 市委教育工委's own year of supervision.

    Its 宣传处 approves its own observation plan, visits the university's center group and one
    of the two schools with its own letter numbers (东教工宣函), records, feedback and
    rectification; the university's supervision below it is untouched. The semesters these
    visits observe are not missing any more (R-O11, R-O12): the plants the university's story
    made for them are taken back.
    """

    def __init__(self, context: dict[str, Any]) -> None:
        super().__init__(context, seed=2031)
        self.root = context["city"]
        self.units = list(context["city_units"])
        self.supervisor = context["users"]["shijiaogong"]

    @transaction.atomic
    def build(self) -> None:
        university, school = self.units[0], self.units[1]
        # 24 days back, like the university's own visit in this state: the rectification is not yet due.
        self.walk(university, State.FEEDBACK_ISSUED, session_day=self.today - dt.timedelta(days=24), problems=1)
        self.walk(school, State.CLOSED, session_day=self.today - dt.timedelta(days=75), problems=2)
        # Its plan is approved early in each year its visits are in; a year without visits has
        # no plan to approve (R-O1 planted below, as for any supervising level).
        for year in sorted(set(Visit.objects.filter(supervisor_org=self.root).values_list("year", flat=True))):
            self.approve_plan(year, min(dt.date(year, 1, 10), self.today - dt.timedelta(days=1)))
        self.plant_plans_late()
        self.take_back_coverage()

    def take_back_coverage(self) -> None:
        """R-O11 and R-O12 plants of the university's story that the city's visits answer."""
        answered: set[tuple[str, str, str]] = set()
        codes = {unit.pk: unit.code for unit in self.units}
        for unit_id, year, semester in self.observed:
            answered.add(("R-O12", codes[unit_id], f"{year}-H{semester}"))
            for end in (year, year + 1):
                if (end - 2025) % 2 == 1:
                    answered.add(("R-O11", codes[unit_id], str(end)))
        self.planted[:] = [p for p in self.planted if (p[0], p[1], p[2]) not in answered]


def extend_city_demo(context: dict[str, Any]) -> None:
    if context.get("city") is not None:
        CityDemo(context).build()
