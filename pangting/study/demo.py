"""Demo data for study: the years of `core.demo.DemoDates` for every demo unit, with real imperfections.

Called by `seed_demo` through its registered demo hook with {"root", "units", "users"}.
Deterministic (seeded). Everything goes through the services, with past timestamps passed
explicitly, so the demo shows what the rules compute: some late forms (R-S10), some sessions
below 90 % (R-S3), some without a first agenda item (R-S4), a few postponed twice (R-S11), a
couple that were really work meetings (R-S8), plans filed late or not at all (R-S1), and
branches that miss months of 三会一课 and 主题党日 (R-B1 … R-B4, R-B8). `demo_followup` adds the
members' records around the sessions (R-S7, R-S13, R-S18, R-S19, R-S21, R-B4, R-B6, R-B7).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from pangting.accounts.models import User
from pangting.core import clock, parameters
from pangting.core.demo import DemoDates, report_progress
from pangting.core.system import system_actor
from pangting.orgs.models import Organization, OrganizationKind, Person, StudyGroupMember

from . import services
from .models import AgendaItem, Attendance, PlanKind, SessionKind, StudyPlan, StudySession
from .parameters import get_parameters


def archive_values() -> dict[str, Any]:
    """R-S14's parameters (the archive items and the filing time), as the check reads them."""
    return parameters.values("R-S14")


K = AgendaItem.Kind

THEMES_PREVIOUS = [
    "学习贯彻习近平新时代中国特色社会主义思想",
    "深入学习贯彻全国两会精神",
    "深入贯彻中央八项规定精神学习教育",
    "学习习近平总书记关于教育的重要论述",
    "纪念中国人民抗日战争胜利80周年",
    "学习《习近平谈治国理政》第五卷",
    "学习习近平文化思想",
    "学习贯彻党的二十届四中全会精神",
    "学习习近平总书记关于职业教育的重要指示",
    "加强意识形态工作责任制",
    "推进教育强国建设",
    "学习习近平经济思想",
]
THEMES_MAIN = [
    "学习贯彻党的二十届四中全会精神",
    "学习领会“十五五”规划建议",
    "深入学习贯彻全国两会精神",
    "学习习近平总书记关于教育的重要论述",
    "树立和践行正确政绩观",
    "学习习近平法治思想",
    "纪念中国共产党成立105周年",
    "学习习近平生态文明思想",
    "推进产教融合、科教融汇",
    "学习习近平强军思想和国家安全观",
    "全面从严治党与作风建设",
    "年度学习总结与交流",
]
FIRST_ITEMS = [
    "学习习近平总书记最新重要讲话精神",
    "学习习近平总书记给职业院校学生的回信精神",
    "学习习近平总书记在中央政治局集体学习时的重要讲话",
    "学习习近平总书记关于教育工作的重要指示批示",
]
# R-S4: what each 第一议题 studies (the speech or instruction; its date is set per session).
FIRST_SOURCES = [
    "习近平总书记在中央政治局集体学习时的重要讲话",
    "习近平总书记给职业院校学生的回信",
    "习近平总书记在全国教育大会上的重要讲话",
    "习近平总书记关于教育工作的重要指示",
]
# R-S16: the topic tags of each month's theme; together they cover the required topics.
TOPICS_BY_MONTH = {
    1: ["理论武装"],
    4: ["意识形态"],
    6: ["党内法规"],
    9: ["安全生产"],
    10: ["意识形态"],
    11: ["作风建设"],
}
# R-S6: sentences a written speech is made of (each speech takes several, so no two read alike).
SPEECH_SENTENCES = [
    "通过本次集中学习，我对会议精神的核心要义有了更加系统的理解，深刻认识到理论学习必须常学常新、学深悟透。",
    "对照分管工作，我查找了在推进专业建设、课程改革中存在的思路不宽、举措不实等差距，将逐项制定整改措施。",
    "要把学习成果转化为推动学院高质量发展的实际成效，聚焦立德树人根本任务，把思想政治工作贯穿教育教学全过程。",
    "在意识形态工作方面，要严格落实课堂、讲座、论坛、网络阵地管理责任，守牢意识形态阵地，做到守土有责、守土尽责。",
    "结合产教融合实践，我们将深化与地方龙头企业的合作，共建产业学院和实训基地，提升服务区域经济社会发展的能力。",
    "在作风建设方面，要坚持以上率下，深入教学一线和学生中间开展调查研究，切实解决师生急难愁盼问题。",
    "下一步，我将带头落实“第一议题”制度，坚持个人自学与集体研讨相结合，撰写学习体会，推动学习往深里走、往实里走。",
    "要坚持问题导向，围绕学生就业、实习安全、实验室安全等重点领域，完善制度，压实责任，防范化解风险隐患。",
    "在党内法规学习方面，要把党章党规作为必修课，增强纪律规矩意识，自觉在思想上政治上行动上同党中央保持高度一致。",
]
BUSINESS = ["部署本学期教学检查工作", "研究年度招生计划", "通报近期安全稳定工作", "传达学校工作会议精神"]
LEAVE_REASONS = ("因公出差", "参加上级培训", "病假", "外出招生宣传")
ARCHIVE_GAP_UNIT = 2  # R-S14: the unit whose archive lacks a session's confirmed attendance
PLACES = ["学院行政楼301会议室", "学院党员活动室", "图书馆报告厅", "学院二楼会议室"]
OUTLINES = [
    "结合分管工作谈学习体会，提出推进专业建设的三点举措",
    "联系思想实际谈认识，查找工作中的差距和不足",
    "围绕立德树人根本任务，谈如何把学习成果转化为育人实效",
    "结合学生工作实际，谈加强意识形态阵地管理的思考",
    "结合产教融合实践，谈服务地方经济发展的体会",
]


def _at(day: dt.date, hour: int = 14, minute: int = 30) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _month_after(year: int, month: int) -> dt.date:
    """The first day of the month after (`year`, `month`): the day that month counts as ended."""
    return dt.date(year + (month == 12), month % 12 + 1, 1)


def written_speech(title: str, speaker: str, outline: str, seed: int) -> str:
    """A written speech of more than 300 characters (R-S6), from the session's theme and the speaker's outline."""
    picks = [SPEECH_SENTENCES[(seed + step * 4) % len(SPEECH_SENTENCES)] for step in range(5)]
    return f"围绕“{title}”的发言（{speaker}）\n{outline}。\n" + "\n".join(dict.fromkeys(picks))


class StudyDemo:
    def __init__(self, context: dict[str, Any], seed: int = 2026) -> None:
        self.random = random.Random(seed)  # noqa: S311 - demo data, seeded on purpose  # nosec B311
        self.context = context
        self.root: Organization = context["root"]
        self.units: list[Organization] = context["units"]
        # What the demo plants, as (rule, unit code, period, key) where it decides it: the
        # compliance checks must find exactly these (pangting/compliance/tests/test_demo_match.py).
        self.planted: list[tuple[str, str, str, str]] = context.setdefault("planted", [])
        # R-S12 (the share of sessions led by the secretary) depends on every session that took
        # place, including those the observation demo adds: counted here, judged at the end.
        self.led: dict[tuple[str, int], list[int]] = context.setdefault("led_by_secretary", {})
        self.dates: DemoDates = context["dates"]
        self.now = clock.now()
        self.changed_after_sending = False  # R-S15: one session plan changed after it was sent
        self.left_unsigned = False  # one receipt left unsigned past its signing period (planted)
        self.today = self.dates.today
        self.year, self.previous = self.dates.year, self.dates.previous
        self.supervisor = User.objects.filter(role_assignments__role="supervisor", is_active=True).first()
        self.unvetted: set[tuple[str, int]] = set()  # (unit code, year) of the lecturer not vetted (R-S9)
        self.secretary_users = {
            u.person.organization_id: u
            for u in User.objects.filter(role_assignments__role="study_secretary", person__isnull=False).select_related(
                "person"
            )
        }

    def plant(self, rule: str, unit: Organization, period: str, key: str) -> None:
        self.planted.append((rule, unit.code, period, key))

    def plant_if_due(self, rule: str, unit: Organization, year: int, key: str, due: dt.date) -> None:
        """A plan not filed is a finding only once its due date has passed (R-S1, R-B5)."""
        if self.today > due:
            self.plant(rule, unit, str(year), key)

    def plant_unfiled_plan(self, unit: Organization, year: int, due: dt.date) -> None:
        """A plan not filed once due: R-S1, and the year's archive lacks it (R-S14)."""
        self.plant_if_due("R-S1", unit, year, "plan", due)
        self.plant_if_due("R-S14", unit, year, "archive", due)

    @staticmethod
    def plan_due(year: int) -> dt.date:
        settings = get_parameters()
        return dt.date(year, settings.plan_due_month, settings.plan_due_day)

    def actor(self, unit: Organization) -> Any:
        return self.secretary_users.get(unit.pk)

    @transaction.atomic
    def build(self) -> None:
        self.upper = {year: self.upper_plan(year) for year in self.dates.years}
        for index, unit in enumerate(self.units):
            report_progress(self.context, f"  正在生成学习会 {index + 1}/{len(self.units)}：{unit.name}")
            group = getattr(unit, "study_group", None)
            if group is None:
                continue
            plans = {year: self.plan(unit, year, index) for year in self.dates.years}
            self.center_group_sessions(unit, group, plans, index)
            self.branches(unit, index)
        self.city_units()
        self.self_study()

    def city_units(self) -> None:
        """The center groups the city level supervises (R-O23): the university's own and two schools'.

        Numbered after the university's units, so none of the planted imperfections chosen by
        index falls on them; the university's annual themes are its own center-group plan, filed
        with the city on time, and its branches are its units' (none is its own).
        """
        city_units: list[Organization] = self.context.get("city_units", [])
        for number, unit in enumerate(city_units, start=len(self.units)):
            report_progress(self.context, f"  正在生成学习会（市委教育工委督导）：{unit.name}")
            group = getattr(unit, "study_group", None)
            if group is None:
                continue
            if unit.pk == self.root.pk:
                plans = {year: self.file_upper_plan(year) for year in self.dates.years}
            else:
                plans = {year: self.plan(unit, year, number, upper=False) for year in self.dates.years}
            self.center_group_sessions(unit, group, plans, number)
            if unit.pk != self.root.pk:
                self.branches(unit, number)

    def vetter(self, session: StudySession) -> Any:
        """R-S9: the propaganda department above the unit vets its lecturers: the city's office
        for the center groups the city supervises, the university's for its own units."""
        city_ids = {unit.pk for unit in self.context.get("city_units", [])}
        if session.organization_id in city_ids:
            return self.context["users"].get("shijiaogong")
        return self.supervisor

    def file_upper_plan(self, year: int) -> StudyPlan | None:
        """The university's plan of annual themes is its own center group's plan: filed with the city."""
        plan = StudyPlan.objects.filter(organization=self.root, year=year, kind=PlanKind.CENTER_GROUP).first()
        if plan is None:
            return None
        submitted = _at(dt.date(year, 1, 9), 10)
        if submitted > self.now:
            self.plant_unfiled_plan(self.root, year, plan.due_on)
            return plan
        self.approve(plan, submitted)
        StudyPlan.objects.filter(pk=plan.pk).update(
            status=StudyPlan.Status.ACKNOWLEDGED,
            submitted_at=submitted,
            acknowledged_at=submitted + dt.timedelta(days=3),
        )
        plan.refresh_from_db()
        return plan

    # -- plans (R-S1, R-S16, R-S17) ---------------------------------------------------------

    def upper_plan(self, year: int) -> dict[int, int]:
        """The university's annual themes (R-S17): month → theme id, offered when units plan."""
        themes = THEMES_PREVIOUS if year == self.previous else THEMES_MAIN
        plan = services.create_plan(
            self.root,
            actor=system_actor(),
            year=year,
            themes=[
                # R-S16: the university's own center group studies the required topics too (R-O23).
                {"period_kind": "month", "period": m, "theme": t, "topics": TOPICS_BY_MONTH.get(m, [])}
                for m, t in enumerate(themes, start=1)
            ],
        )
        return {t.period: t.pk for t in plan.themes.all()}

    def plan(self, unit: Organization, year: int, index: int, *, upper: bool = True) -> StudyPlan | None:
        main = year == self.year
        if main and index in (6, 13):
            self.plant_unfiled_plan(unit, year, self.plan_due(year))
            return None  # two units never filed this year's plan
        themes = THEMES_PREVIOUS if year == self.previous else THEMES_MAIN
        no_safety = main and index == 5  # R-S16: this year's plan leaves out 安全生产
        half_upper = main and index == 7  # R-S17: follows the university's themes for half the year only
        upper_themes = self.upper.get(year, {}) if upper else {}  # the city level files no themes
        plan = services.create_plan(
            unit,
            actor=self.actor(unit),
            year=year,
            themes=[
                {
                    "period_kind": "month",
                    "period": m,
                    "theme": t,
                    "materials": "《习近平谈治国理政》相关篇目；学习强国专题",
                    "topics": [] if no_safety and m == 9 else TOPICS_BY_MONTH.get(m, []),
                    "upper_theme": None if half_upper and m > 6 else upper_themes.get(m),
                }
                for m, t in enumerate(themes, start=1)
            ],
        )
        if main and index == 9:
            self.plant_unfiled_plan(unit, year, plan.due_on)
            return plan  # still a draft
        submitted = _at(dt.date(year, 1, self.random.randint(8, 28)), 10)
        late = index in (3, 11) or (main and index == 16)
        if late:
            submitted = _at(dt.date(year, 2, self.random.randint(10, 27)), 10)  # late (R-S1)
        if submitted > self.now:
            self.plant_unfiled_plan(unit, year, plan.due_on)
            return plan  # not filed yet: the year has just begun
        if late:
            self.plant("R-S1", unit, str(year), "plan")
        if no_safety:
            self.plant("R-S16", unit, str(year), "topics")
        if half_upper:
            self.plant("R-S17", unit, str(year), "upper_themes")
        if main and index == 2:
            self.approve_on_paper(plan, unit, submitted)  # R-S15: the other way, so users see both kinds
        else:
            self.approve(plan, submitted)  # R-S15: approved by the group leader before it was filed
        StudyPlan.objects.filter(pk=plan.pk).update(
            status=StudyPlan.Status.ACKNOWLEDGED if year == self.previous or index % 4 else StudyPlan.Status.SUBMITTED,
            submitted_at=submitted,
            acknowledged_at=submitted + dt.timedelta(days=3),
        )
        plan.refresh_from_db()
        return plan

    # -- center-group sessions (R-S2 … R-S12) -------------------------------------------------

    def center_group_sessions(
        self, unit: Organization, group: Any, plans: dict[int, StudyPlan | None], index: int
    ) -> None:
        members = list(group.current_members().select_related("person"))
        leader = next((m.person for m in members if m.role == StudyGroupMember.Role.LEADER), None)
        deputy = next((m.person for m in members if m.role == StudyGroupMember.Role.DEPUTY), None)
        ordinary = [m.person for m in members if m.role == StudyGroupMember.Role.MEMBER]
        secretary = next((m.person for m in members if m.role == StudyGroupMember.Role.SECRETARY), None)
        actor = self.actor(unit)
        held: set[tuple[int, int]] = set()  # (year, month) with a held session: R-S2 is judged on these
        for year in self.dates.years:
            plan = plans[year]
            themes = list(plan.themes.all()) if plan else []
            for month in range(1, 13):
                if month in (2, 8) and self.random.random() < 0.7:
                    continue  # winter and summer holidays: often no session
                day = dt.date(year, month, self.random.choice((9, 12, 16, 19, 23, 26)))
                while day.weekday() >= 5:
                    day += dt.timedelta(days=1)
                starts = _at(day, self.random.choice((9, 14, 15)), self.random.choice((0, 30)))
                roll = self.random.random()
                work_meeting = roll < 0.025
                no_first = not work_meeting and roll < 0.09
                # One session a year of some units, each with one content shortfall (R-S2, R-S4, R-S6).
                studied = not work_meeting and not no_first
                old_speech = studied and index == 12 and month == 5
                first_late = studied and index == 14 and month == 6
                short_text = studied and index == 10 and month == 4
                no_discussion = studied and index == 8 and month == 3
                theme = themes[month - 1] if themes and self.random.random() > 0.06 else None
                title = theme.theme if theme else (BUSINESS[month % 4] if work_meeting else THEMES_MAIN[month - 1])
                if work_meeting:
                    agenda = [{"kind": K.BUSINESS, "title": t} for t in self.random.sample(BUSINESS, 3)]
                    agenda.append({"kind": K.THEORY, "title": "传达上级文件"})
                else:
                    first = {"kind": K.FIRST_ITEM, "title": self.random.choice(FIRST_ITEMS)}
                    first["presenter"] = leader.name if leader else ""
                    # R-S4: the speech studied and its date, a few weeks before the session.
                    first["source"] = FIRST_SOURCES[(index + month) % len(FIRST_SOURCES)]
                    first["source_date"] = day - dt.timedelta(days=10 + day.day % 20)
                    if old_speech:
                        first["source_date"] = day - dt.timedelta(days=200)  # not the latest (R-S4)
                    agenda = [] if no_first else [first]
                    agenda += [
                        {"kind": K.THEORY, "title": f"集中学习：{title}"},
                        {"kind": K.DISCUSSION, "title": "中心组成员交流研讨"},
                    ]
                    if first_late:
                        agenda = [agenda[1], agenda[0], *agenda[2:]]  # 第一议题 not first (R-S4)
                    if no_discussion:
                        agenda = agenda[:2]  # studied, but nobody discussed (R-S2, R-S6)
                speakers = []
                for person in self.random.sample(ordinary, min(len(ordinary), self.random.randint(2, 4))):
                    written = self.random.random() > 0.15
                    outline = self.random.choice(OUTLINES)
                    text = written_speech(title, person.name, outline, index * 31 + month * 7 + len(speakers))
                    if short_text and not speakers:
                        text = "（发言材料略）"  # too short to count as written material (R-S6)
                    speakers.append({"person": person, "outline": outline, "written_text": text if written else ""})
                if no_discussion:
                    speakers = []
                invited = self.random.random() < 0.08
                led_by = leader if self.random.random() < 0.78 else deputy
                session = services.create_session(
                    actor=actor,
                    organization=unit,
                    kind=SessionKind.CENTER_GROUP,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(hours=2),
                    title=title,
                    content=f"围绕“{title}”开展集中学习和交流研讨",
                    plan_theme=theme,
                    place=self.random.choice(PLACES),
                    host=leader,
                    host_post=leader.post if leader else "",
                    led_by=led_by,
                    participants_note="中心组全体成员；各党支部书记列席",
                    contact_name=secretary.name if secretary else "",
                    contact_phone=secretary.phone if secretary else "",
                    lecturer_name="省委党校教授" if invited else "",
                    lecturer_post="中共浙江省委党校" if invited else "",
                    agenda=agenda,
                    speakers=speakers,
                )
                postponed_twice = self.random.random() < 0.035
                # R-S14: one unit's archive lacks a session's confirmed attendance (last year, May).
                unconfirmed = index == ARCHIVE_GAP_UNIT and year == self.previous and month == 5
                self.life_of(session, actor, postponed_twice=postponed_twice, unconfirmed=unconfirmed)
                session.refresh_from_db()
                day = timezone.localdate(session.starts_at)
                if session.status == StudySession.Status.HELD and not no_discussion:
                    held.add((day.year, day.month))  # R-S2 counts sessions with discussion only
                if day < self.today or session.status == StudySession.Status.HELD:  # taken place
                    # The month it took place in: a December session postponed into January counts there.
                    period, key = f"{day.year}-{day.month:02d}", f"session:{session.pk}"
                    led = self.led.setdefault((unit.code, day.year), [0, 0])  # the year it took place in
                    led[0] += led_by == leader
                    led[1] += 1
                    for rule, planted in (
                        # A work meeting has no 第一议题 either.
                        ("R-S4", no_first or work_meeting or old_speech or first_late),
                        # Off the plan, or on last year's plan after a postponement into January.
                        ("R-S5", theme is None or theme.plan.year != day.year),
                        ("R-S6", no_discussion),  # no speakers at all
                        ("R-S8", work_meeting),
                    ):
                        if planted:
                            self.plant(rule, unit, period, key)
                    # R-S14: a session without speakers leaves its archive without speeches, once filed late.
                    grace = dt.timedelta(days=int(archive_values()["grace_days"]))
                    if no_discussion and "speeches" in archive_values()["items"] and day + grace < self.today:
                        self.plant("R-S14", unit, str(day.year), "archive")
                    # R-S6: each speaker without written material of the minimum length.
                    minimum = get_parameters().min_written_chars
                    for speech in session.speeches.all():
                        if len("".join(speech.written_text.split())) < minimum and not speech.file:
                            self.plant("R-S6", unit, period, f"speech:{speech.pk}")
                if postponed_twice:  # counted in the month it finally falls in
                    self.plant("R-S11", unit, f"{day.year}-{day.month:02d}", f"session:{session.pk}")
        # R-S2: a month that has ended without a held session (a holiday month skipped, a session
        # postponed into the next month, or one not yet closed).
        for year in self.dates.years:
            for month in range(1, 13):
                if (year, month) not in held and _month_after(year, month) <= self.today:
                    self.plant("R-S2", unit, f"{year}-{month:02d}", "sessions")

    def plant_session(self, rule: str, session: StudySession, what: str) -> None:
        day = timezone.localdate(session.starts_at)
        self.plant(rule, session.organization, f"{day.year}-{day.month:02d}", f"{what}:{session.pk}")

    @staticmethod
    def approve(record: StudyPlan | StudySession, before: dt.datetime) -> None:
        """R-S15: the group leader approves in the system; the demo replays the past, so the
        approval is dated two days before the plan was filed or the form sent."""
        services.approve(record, actor=system_actor())
        type(record).objects.filter(pk=record.pk).update(approved_at=before - dt.timedelta(days=2))
        record.refresh_from_db()

    def approve_on_paper(self, plan: StudyPlan, unit: Organization, before: dt.datetime) -> None:
        """R-S15 on paper: the group leader signed the printed plan two days before it was filed,
        and the study secretary records that approval with its date and a scan of the signed page.
        The plan was drafted at the start of the year; the clock is moved to the day it was recorded."""
        import time_machine
        from django.core.files.base import ContentFile

        day = timezone.localdate(before) - dt.timedelta(days=2)
        StudyPlan.objects.filter(pk=plan.pk).update(created_at=_at(dt.date(day.year, 1, 4), 9, 0))
        plan.refresh_from_db()
        scan = ContentFile(b"%PDF-1.4 demo", name=f"{day.year}-study-plan-approval.pdf")
        with time_machine.travel(_at(day, 17, 0), tick=False):
            services.record_paper_approval(
                plan, actor=self.actor(unit) or system_actor(), approved_on=day, scan=scan,
                note="党委书记在年度学习计划纸质稿上签批同意",
            )  # fmt: skip
        plan.refresh_from_db()

    def deliver_arrangement(self, session: StudySession, actor: Any, sent: dt.datetime) -> None:
        """R-S10 as deliveries: the secretary sends the form to the liaison, who passes it on to
        the linked leader at `sent` (what R-S10 measures); most copies are signed for, some not yet.
        The session plan was approved by the group leader first (R-S15)."""
        self.approve(session, sent)
        services.send_arrangement(session, actor=actor, at=sent - dt.timedelta(hours=self.random.randint(2, 20)))
        forwarded = services.forward_arrangement(session, actor=system_actor(), at=sent)
        self.sign_some(forwarded)

    def change_after_sending(self, session: StudySession, actor: Any) -> None:
        """R-S15: once, a unit changes the place of a session plan after its arrangement form was
        sent; the change voids the leader's approval and nobody asks him again."""
        if self.changed_after_sending or session.organization_id != self.units[1].pk:
            return
        self.changed_after_sending = True
        services.update_session(session, actor=actor or system_actor(), place="党委会议室（临时调整）")
        session.refresh_from_db()
        self.plant_session("R-S15", session, "approval")

    def sign_some(self, delivery: Any) -> None:
        """Most addressees sign within a day; about one in ten has not signed yet (an open to-do).

        Past the rule's signing period (`core.deliveries.receipt_overdue`) only one receipt of the
        whole demo stays unsigned, planted: the R-S10 check names who has not signed; the others
        were signed late rather than never."""
        from pangting.core.deliveries import receipt_overdue
        from pangting.workdays.services import get_calendar

        for receipt in delivery.receipts.all():
            signed = delivery.sent_at + dt.timedelta(hours=self.random.randint(1, 30))
            if signed > self.now or self.random.random() < 0.9:
                if signed <= self.now:
                    services.sign_receipt(receipt, actor=system_actor(), at=signed)
                continue
            if receipt_overdue(receipt, self.today, get_calendar()) is None:
                continue  # still within its signing period: an open to-do
            if not self.left_unsigned:
                self.left_unsigned = True
                sent = timezone.localdate(delivery.sent_at)
                self.plant(
                    delivery.rule, delivery.organization, f"{sent.year}-{sent.month:02d}", f"receipt:{receipt.pk}"
                )
                continue
            services.sign_receipt(receipt, actor=system_actor(), at=min(self.now, signed + dt.timedelta(days=5)))

    def life_of(self, session: StudySession, actor: Any, *, postponed_twice: bool, unconfirmed: bool = False) -> None:
        """Reschedules, vetting, the arrangement form, attendance, the report — as it happened.

        `unconfirmed`: the secretary never recorded nor confirmed the attendance (an R-S14
        archive gap); the random draws are made all the same, so the rest of the demo is unchanged.
        """
        if postponed_twice:  # R-S11
            for reason in ("与学校专项工作会议时间冲突", "党委书记外出参加上级会议"):
                new_start = session.starts_at + dt.timedelta(days=self.random.choice((5, 7, 8)))
                services.reschedule_session(
                    session, actor=actor, starts_at=new_start, ends_at=new_start + dt.timedelta(hours=2), reason=reason
                )
                session.refresh_from_db()
        if session.lecturer_name and (session.starts_at < self.now or self.random.random() < 0.5):
            day = timezone.localdate(session.starts_at)
            unvetted = (session.organization.code, day.year)
            if session.organization_id == self.units[4].pk and day < self.today and unvetted not in self.unvetted:
                # R-S9: the unit held it without the lecturer's vetting from outside.
                self.unvetted.add(unvetted)
                self.plant_session("R-S9", session, "session")
            else:
                # R-S9: approved by the propaganda department, outside the unit, before the session.
                services.vet_lecturer(
                    session,
                    actor=self.vetter(session) or system_actor(),
                    approved=True,
                    note="授课提纲和课件已经党委宣传部审核",
                    at=min(self.now, session.starts_at - dt.timedelta(days=3)),
                )
        if session.arrangement_due and session.arrangement_due <= self.today + dt.timedelta(days=5):
            roll = self.random.random()
            if roll < 0.8:
                offset = -self.random.randint(0, 4)
            elif roll < 0.94:
                offset = self.random.randint(1, 2)  # late (R-S10)
            else:
                offset = None  # never sent
            sent = _at(session.arrangement_due + dt.timedelta(days=offset), 16) if offset is not None else None
            if sent is not None and sent <= self.now:
                self.deliver_arrangement(session, actor, sent)
                self.change_after_sending(session, actor)
                if offset > 0:
                    self.plant_session("R-S10", session, "arrangement")
            elif session.arrangement_due < self.today:
                self.plant_session("R-S10", session, "arrangement")
        if session.ends_at > self.now:
            return
        # Attendance: most units reach 90 %, some sessions fall below (R-S3). Marked in bulk
        # (the demo replays hundreds of sessions; the history rows of the expected list exist,
        # and the pages read the same fields the QR check-in and the sheet write).
        low = self.random.random() < 0.12
        present, leave = [], []
        for row_id in session.attendances.values_list("pk", flat=True):
            roll = self.random.random()
            if roll < (0.2 if low else 0.012):
                leave.append(row_id)
            elif roll >= (0.28 if low else 0.016):
                present.append(row_id)
        if unconfirmed:  # R-S14: nothing recorded, nothing confirmed; the same draws as below
            day = timezone.localdate(session.starts_at)
            self.plant("R-S14", session.organization, str(day.year), "archive")
            self.random.randint(1, 20)
            for _row in leave:
                self.random.choice(LEAVE_REASONS)
            for _row in leave:
                if self.random.random() < 0.75:
                    self.random.randint(2, 12)
        else:
            self.attendance_of(session, actor, present, leave)
        roll = self.random.random()
        sent = None
        if session.report_due and roll < 0.9:
            late = roll > 0.78
            sent = _at(session.report_due + dt.timedelta(days=self.random.randint(1, 5) if late else -1), 11)
            if sent <= self.now:
                report = services.send_report(session, actor=actor, at=max(sent, session.starts_at))
                self.sign_some(report)
                if late:
                    self.plant_session("R-S10", session, "report")
            else:
                sent = None
        if session.report_due and sent is None and session.report_due < self.today:
            self.plant_session("R-S10", session, "report")
        StudySession.objects.filter(pk=session.pk).update(
            summary="学习会围绕主题开展集中学习和交流研讨，形成会议纪要。"
        )

    def attendance_of(self, session: StudySession, actor: Any, present: list[int], leave: list[int]) -> None:
        """Mark and confirm the attendance the rolls decided; make-up study for those on leave (R-S3)."""
        Attendance.objects.filter(pk__in=present).update(
            status=Attendance.Status.PRESENT,
            method=Attendance.Method.QR,
            checked_in_at=session.starts_at - dt.timedelta(minutes=self.random.randint(1, 20)),
        )
        for row_id in leave:
            Attendance.objects.filter(pk=row_id).update(
                status=Attendance.Status.LEAVE,
                method=Attendance.Method.MANUAL,
                leave_reason=self.random.choice(LEAVE_REASONS),
            )
        services.close_attendance(session, actor=actor, at=session.ends_at + dt.timedelta(minutes=10))
        expected = session.attendances.count()
        if expected and len(present) < 0.9 * expected:  # R-S3: the rolls left it below 90 %
            self.plant_session("R-S3", session, "session")
        makeup_pending = False
        for row in session.attendances.filter(status=Attendance.Status.LEAVE):
            done = None
            if self.random.random() < 0.75:
                done = timezone.localdate(session.starts_at) + dt.timedelta(days=self.random.randint(2, 12))
                if done <= self.today:
                    services.record_makeup(row, actor=actor, done_on=done, note="自学会议材料并提交学习体会")
            makeup_pending = makeup_pending or done is None or done > self.today
        if makeup_pending and timezone.localdate(session.starts_at) + dt.timedelta(days=14) < self.today:
            self.plant_session("R-S3", session, "makeup")

    # -- branches' 三会一课 (R-B1 … R-B6) -----------------------------------------------------

    def branches(self, unit: Organization, index: int) -> None:
        if index > 1:
            # The first two units keep their 三会一课 in the system; the rest still use paper:
            # their branches (or the unit itself, a 直属党支部) have neither plan nor records (R-B5).
            paper = Organization.objects.filter(path__startswith=unit.path, kind=OrganizationKind.BRANCH)
            for branch in paper.order_by("path"):
                for year in self.dates.years:
                    self.plant_if_due("R-B5", unit, year, f"{branch.code}:plan", self.plan_due(year))
                    self.plant_if_due("R-B5", unit, year, f"{branch.code}:records", dt.date(year, 3, 31))
            return
        actor = self.actor(unit)
        branches = list(Organization.objects.filter(parent=unit, kind=OrganizationKind.BRANCH))
        leader = (
            StudyGroupMember.objects.current()
            .filter(group__organization=unit, role=StudyGroupMember.Role.LEADER)
            .select_related("person")
            .first()
        )
        for number, branch in enumerate(branches):
            for year in self.dates.years:
                plan = services.create_plan(branch, actor=actor, year=year, kind=PlanKind.BRANCH)
                submitted = _at(dt.date(year, 1, 20), 9)
                if self.random.random() < 0.8 and submitted <= self.now:
                    StudyPlan.objects.filter(pk=plan.pk).update(
                        status=StudyPlan.Status.SUBMITTED, submitted_at=submitted
                    )
                else:
                    self.plant_if_due("R-B5", unit, year, f"{branch.code}:plan", plan.due_on)
            for year in self.dates.years:
                for month in range(1, 13):
                    first = dt.date(year, month, 1)
                    if first > self.today:
                        break
                    # R-B8 主题党日 monthly; R-B2 党员大会 once a quarter (2018 regulations).
                    kinds = [SessionKind.BRANCH_COMMITTEE, SessionKind.BRANCH_STUDY, SessionKind.THEME_DAY]
                    if branch.has_party_groups:
                        kinds.append(SessionKind.PARTY_GROUP_MEETING)
                    if month % 3 == 0:
                        kinds.append(SessionKind.MEMBER_MEETING)
                    if month % 3 == 2:
                        kinds.append(SessionKind.PARTY_LECTURE)
                    for kind in kinds:
                        if self.random.random() < 0.08 + 0.05 * number:
                            self.plant_missed(unit, branch, kind, year, month, secretary=bool(leader) and number == 0)
                            continue  # a missed month (R-B1 … R-B4 show it)
                        day = first + dt.timedelta(days=self.random.randint(3, 25))
                        starts = _at(day, 16, 0)
                        if starts > self.now:
                            continue
                        org = branch
                        if kind == SessionKind.PARTY_GROUP_MEETING:
                            org = Organization.objects.filter(parent=branch).first() or branch
                            if org == branch:
                                continue
                        lecturer = None
                        if kind == SessionKind.PARTY_LECTURE and leader and month in (5, 11) and number == 0:
                            lecturer = leader.person  # R-B3: the unit secretary lectures each semester
                        agenda = [{"kind": K.THEORY, "title": "学习党章党规和习近平总书记重要讲话"}]
                        if kind == SessionKind.BRANCH_STUDY and month % 3 == 0:
                            agenda.append({"kind": K.DISCUSSION, "title": "专题研讨"})
                        if kind == SessionKind.BRANCH_COMMITTEE:
                            agenda = [{"kind": K.BUSINESS, "title": "研究支部月度工作"}, *agenda]
                        session = services.create_session(
                            actor=actor,
                            organization=org,
                            kind=kind,
                            starts_at=starts,
                            ends_at=starts + dt.timedelta(hours=1, minutes=30),
                            title=f"{StudySession(kind=kind).get_kind_display()}（{month}月）",
                            place="党员活动室",
                            lecturer_name=lecturer.name if lecturer else "",
                            lecturer_person=lecturer,
                            agenda=agenda,
                        )
                        session.attendances.update(status=Attendance.Status.PRESENT, method=Attendance.Method.MANUAL)
                        services.close_attendance(session, actor=actor, at=session.ends_at)
        secretaries = list(Person.objects.filter(organization__in=branches, post="党支部书记"))
        for year in self.dates.years:
            if (year == self.year and index in (2, 4)) or dt.date(year, 4, 18) > self.today:
                continue  # not yet trained this year (R-B6)
            services.record_training(
                unit,
                actor=actor,
                held_on=dt.date(year, 4, 18),
                title=f"{year}年党支部书记培训班",
                content="支部工作条例、“三会一课”规范、党员教育管理",
                trainees=secretaries,
            )

    def plant_missed(
        self, unit: Organization, branch: Organization, kind: str, year: int, month: int, *, secretary: bool
    ) -> None:
        """Record the periods a skipped branch meeting leaves short (the default frequency rules)."""
        quarter = (month - 1) // 3 + 1
        month_over = dt.date(year + (month == 12), month % 12 + 1, 1) <= self.today
        quarter_over = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) <= self.today
        by_month, by_quarter = f"{year}-{month:02d}", f"{year}-Q{quarter}"
        code = branch.code
        if kind == SessionKind.BRANCH_COMMITTEE and month_over:
            self.plant("R-B1", unit, by_month, f"{code}:branch_committee:month")
        elif kind == SessionKind.PARTY_GROUP_MEETING and month_over:
            self.plant("R-B2", unit, by_month, f"{code}:party_group_meeting:month")
        elif kind == SessionKind.MEMBER_MEETING and quarter_over:
            self.plant("R-B2", unit, by_quarter, f"{code}:member_meeting:quarter")
        elif kind == SessionKind.THEME_DAY and month_over:
            self.plant("R-B8", unit, by_month, f"{code}:theme_day:month")
        elif kind == SessionKind.PARTY_LECTURE and quarter_over:
            self.plant("R-B3", unit, by_quarter, f"{code}:party_lecture:quarter")
            semester_over = dt.date(year, 9, 1) <= self.today if month <= 8 else dt.date(year + 1, 2, 1) <= self.today
            if secretary and month in (5, 11) and semester_over:  # the unit secretary's lecture of the semester
                self.plant("R-B3", unit, f"{year}-H{1 if month <= 8 else 2}", "secretary_lecture")
        elif kind == SessionKind.BRANCH_STUDY and month_over:
            self.plant("R-B4", unit, by_month, f"{code}:branch_study:month")
            if month % 3 == 0 and quarter_over:
                self.plant("R-B4", unit, by_quarter, f"{code}:branch_study:quarter:discussion")

    # -- self-study (R-S7, R-S13) ----------------------------------------------------------

    def self_study(self) -> None:
        for user in User.objects.filter(role_assignments__role="member", person__isnull=False).select_related(
            "person__organization"
        ):
            person = user.person
            for year in self.dates.years:
                services.save_self_study_plan(
                    person,
                    actor=user,
                    year=year,
                    goals="研读《习近平谈治国理政》第五卷、《习近平关于教育的重要论述》；每月自学不少于8学时。",
                    tasks="撰写学习体会4篇；在中心组学习会上作交流发言2次。",
                    completed_on=dt.date(year, 12, 20) if dt.date(year, 12, 20) <= self.today else None,
                )
            for attendance in Attendance.objects.filter(person=person, session__ends_at__lt=self.now)[:8]:
                session = attendance.session
                services.add_self_study_record(
                    person,
                    actor=user,
                    studied_on=timezone.localdate(session.starts_at) - dt.timedelta(days=3),
                    material=f"会前自学：{session.title}",
                    hours=2,
                    session=session,
                )
                services.add_reflection(
                    person,
                    actor=user,
                    title=f"学习“{session.title}”的体会",
                    text="通过学习，进一步加深了理解，要把学习成果转化为推动工作的实际成效。",
                    session=session,
                    written_on=timezone.localdate(session.starts_at) + dt.timedelta(days=2),
                )


def plant_led_shares(context: dict[str, Any], min_share: float = 0.6) -> None:
    """R-S12: units whose sessions were led by the secretary less than the default 60 % of the time."""
    for (code, year), (led, total) in sorted(context.get("led_by_secretary", {}).items()):
        if total and led < min_share * total:
            context.setdefault("planted", []).append(("R-S12", code, str(year), "share"))


def extend_demo(context: dict[str, Any]) -> None:
    StudyDemo(context).build()
