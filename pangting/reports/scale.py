"""A province-shaped dataset for measuring the system at scale (issue 15 item 1).

`generate(units=N, seed=S, year=Y)` builds, through the models, a tree of a province (the top
supervising organization) → cities (each with its own supervising department, R-O23) → units
(center groups with members, a linked leader and a liaison) → one 党支部 per unit, and for the
year: each unit's acknowledged study plan with monthly themes, about 15 center-group sessions
with agenda, speeches and attendance, the branches' 三会一课 meetings and plans, the
supervisors' approved observation plans, visits to about a quarter of the units with their
letters, replies, records, feedback and rectification items, and the compliance findings,
computed by the engine's own `compliance.services.run_checks`, one run per city subtree.

Everything is deterministic from the seed: the same seed gives the same rows (`dataset_digest`
compares them by their natural keys, since primary keys depend on the database's sequences).

Where a workflow step is bypassed for speed (rows are written with `bulk_create`), the row
holds the state and the values the step would have produced: numbered letters without gaps
(and the counters that continue them), deadlines computed by the services' own rules, filed
records, issued feedback and its rectification items. Generated rows have no history rows and
no transition log: they were never edited. Everything generated carries the code prefix
`SCALE-` (organizations, staff numbers) or the username prefix `scale_`, which is how the
command tells a generated database from one holding real data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import services as account_services
from pangting.accounts.models import Role
from pangting.compliance.models import Finding
from pangting.compliance.services import run_checks
from pangting.core import clock
from pangting.core.demo import refresh_statistics
from pangting.core.semesters import semester_of
from pangting.core.system import SYSTEM_USERNAME, system_actor
from pangting.observation.models import (
    CHECKLIST_POINTS,
    Feedback,
    LetterCounter,
    Mode,
    ObservationPlan,
    ObservationRecord,
    Rectification,
    State,
    TeamMember,
    Visit,
)
from pangting.observation.rectification import default_deadline
from pangting.observation.services.deadlines import _deadline, feedback_rule, record_rule, reply_rule
from pangting.observation.services.records import active_rubric
from pangting.observation.services.visits import format_number
from pangting.orgs.changes import UnitChangeRecord, record_paths, touch
from pangting.orgs.models import (
    PATH_STEP,
    LeaderLink,
    LiaisonAssignment,
    Organization,
    OrganizationKind,
    Person,
    StudyGroup,
    StudyGroupMember,
)
from pangting.study.models import AgendaItem, Attendance, PlanKind, PlanTheme, SessionKind, Speech, StudyPlan
from pangting.study.models import StudySession as Session
from pangting.study.parameters import get_parameters
from pangting.study.services.sessions import _set_deadlines

from . import study_figures

CODE_PREFIX = "SCALE-"
USER_PREFIX = "scale_"
PASSWORD = "Scale-pass-2026"  # noqa: S105 - generated benchmark accounts, printed by the command  # nosec B105
BATCH = 1000
GROUP_MEMBERS = 11  # ordinary members; with leader, deputy and study secretary a group has 14 people
SESSIONS_PER_YEAR = 15  # center-group sessions per unit and year, on average
VISIT_SHARE = 0.25  # share of units visited in the year
SECRETARY_ACCOUNTS = 3  # unit secretaries given an account (the first units in tree order)
K = OrganizationKind

# i18n: not interface (generated data: names, titles and texts of a Chinese province, stored as records)
WORDS: dict[str, Any] = {
    "province": "中共某省委员会",
    "province_short": "省委",
    "province_office": "中共某省委员会宣传部",
    "province_abbr": "省委宣函",
    "cities": "东安 西宁 南川 北山 江城 河阳 云岭 海州 青原 松江 临川 平湖 石门 长丰 泉州 永安 清河 白沙 金华 玉溪",
    "city_suffix": "市委",
    "city_office": "市委宣传部",
    "city_abbr": "宣函",
    "depts": "教育局 卫健委 交通局 财政局 公安局 自然资源局 生态环境局 住建局 农业农村局 商务局 文旅局 "
    "应急局 审计局 统计局 医保局 市场监管局 人社局 民政局 司法局 水利局 科技局 工信局 发改委 税务局",
    "unit_suffix": "党委",
    "branch_suffix": "机关第一党支部",
    "surnames": "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余",
    "given": "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏宇浩凯晨阳斌颖慧琳雪梅兰",
    "posts": ("党委书记", "党委副书记", "党委委员", "学习秘书", "联络员", "市委常委"),
    "themes": (
        "深入学习贯彻党的二十大精神",
        "学习习近平新时代中国特色社会主义思想",
        "党纪学习教育",
        "全面从严治党",
        "铸牢中华民族共同体意识",
        "推进中国式现代化",
        "发展新质生产力",
        "意识形态工作责任制",
        "优化营商环境",
        "安全生产与应急管理",
        "乡村全面振兴",
        "生态文明建设",
    ),
    "first_item": "第一议题：学习习近平总书记重要讲话精神",
    "first_source": "习近平总书记重要讲话",
    "theory": "集中学习：{title}",
    "discussion": "中心组成员交流研讨",
    "content": "围绕“{title}”开展集中学习和交流研讨",
    "place": "机关三楼会议室",
    "participants": "中心组全体成员",
    "outline": "结合分管工作谈学习体会",
    "written": "{name}的书面发言：结合{title}，对照分管工作查找差距，提出下一步工作措施。" * 9,
    "plan_title": "{org}{year}年理论学习中心组学习计划",
    "branch_plan_title": "{org}{year}年“三会一课”计划",
    "branch_committee": "支部委员会会议",
    "member_meeting": "支部党员大会",
    "obs_plan_title": "{year}年度巡听旁听计划",
    "committee_meeting": "党委常委会会议",
    "leave_reason": "公务外出",
    "makeup": "自学会议材料并提交学习体会",
    "focus": "第一议题学习和交流研讨情况",
    "reply_notes": "同意按计划安排旁听",
    "finding": "学习准备较充分，研讨发言联系实际",
    "problem": "个别发言联系实际不够紧密",
    "suggestion": "加强发言材料准备，突出问题导向",
    "summary": "学习会组织规范，学习效果较好",
    "item": "{label}：{problem}",
    "measure": "制定整改措施并组织专题学习",
    "report": "已完成整改",
    "user_leader": "领导",
}


class GenerationRefused(Exception):
    """The database holds data the generator must not mix with, or the settings are production's."""


@dataclass
class Progress:
    """Counts and timings of one run, reported as it goes."""

    report: Callable[[str], None]
    started: float = field(default_factory=time.perf_counter)
    cpu_started: float = field(default_factory=time.process_time)
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, model: type[models.Model], count: int) -> None:
        self.rows[model._meta.label] += count

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def say(self, step: str) -> None:
        # Wall time and this process's CPU time: on a shared machine the second is the fairer measure
        # (the database server's own CPU time is not in it).
        elapsed = time.perf_counter() - self.started
        cpu = time.process_time() - self.cpu_started
        rate = self.total / elapsed if elapsed else 0.0
        self.report(f"[{elapsed:8.1f} s, cpu {cpu:7.1f} s] {step}: {self.total:,} rows, {rate:,.0f} rows/s")


@dataclass
class Result:
    units: int
    seconds: float
    rows: dict[str, int]
    usernames: list[str]
    password: str = PASSWORD


def refusal(force: bool) -> str | None:
    """Why the generator must not run here (None: it may). `force` skips the checks it can."""
    exists_generated = Organization.all_objects.filter(code__startswith=CODE_PREFIX).exists()
    if exists_generated:
        # Not even with --force: the generated codes would collide.
        return _("数据库中已有生成的数据；请在空数据库中重新生成。")
    if force:
        return None
    if not settings.DEBUG:
        return _("当前为生产设置（DEBUG=False），拒绝生成测试数据；确需生成请加 --force。")
    user_model = get_user_model()
    others = user_model.objects.exclude(username=SYSTEM_USERNAME).exclude(username__startswith=USER_PREFIX)
    if Organization.all_objects.exists() or others.exists():
        return _("数据库中已有非生成的数据（组织或用户），拒绝生成；确需生成请加 --force。")
    return None


def generate(
    *,
    units: int,
    seed: int = 2026,
    year: int | None = None,
    force: bool = False,
    checks: bool = True,
    report: Callable[[str], None] = print,
) -> Result:
    """Build the dataset (see the module docstring); `GenerationRefused` when `refusal` says why not."""
    if units < 3:
        raise GenerationRefused(_("单位数至少为3。"))
    reason = refusal(force)
    if reason:
        raise GenerationRefused(reason)
    builder = _Builder(units=units, seed=seed, year=year or clock.today().year, progress=Progress(report))
    builder.run(checks=checks)
    progress = builder.progress
    return Result(
        units=units,
        seconds=time.perf_counter() - progress.started,
        rows=dict(progress.rows),
        usernames=builder.usernames,
    )


@dataclass
class _Unit:
    org: Organization
    city: Organization | None  # None: the unit is a city, supervised by the province
    branch: Organization | None = None
    visited: bool = False
    group_id: int | None = None
    people: list[Person] = field(default_factory=list)  # leader, deputy, members…, secretary
    visit_session: Session | None = None
    visit_facts: dict[str, Any] = field(default_factory=dict)


class _Builder:
    def __init__(self, *, units: int, seed: int, year: int, progress: Progress) -> None:
        self.n = units
        self.rng = random.Random(seed)  # noqa: S311 - generated data, seeded on purpose  # nosec B311
        self.year = year
        self.progress = progress
        self.now = clock.now()
        self.today = clock.today()
        self.actor = system_actor()
        self.usernames: list[str] = []
        self.city_leader: dict[int, Person] = {}
        self.person_seq = 0
        self.study_params = get_parameters()
        self.due_cache: dict[tuple[dt.date, dt.date], tuple[Any, Any, Any, Any]] = {}
        self.visit_due_cache: dict[tuple[str, dt.date], tuple[Any, dict[str, Any], str]] = {}
        self.surnames = WORDS["surnames"]
        self.given = WORDS["given"]

    # -- helpers -------------------------------------------------------------------------------

    def bulk(self, model: type[models.Model], rows: Sequence[Any]) -> list[Any]:
        created = model.objects.bulk_create(rows, batch_size=BATCH)  # type: ignore[attr-defined]
        if issubclass(model, UnitChangeRecord):  # bulk_create skips the save that marks the units
            touch(record_paths(created))
        self.progress.add(model, len(created))
        return created

    def name(self) -> str:
        return self.rng.choice(self.surnames) + "".join(self.rng.choices(self.given, k=self.rng.randint(1, 2)))

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    def tree(self, rows: list[Organization], parents: dict[int, Organization]) -> list[Organization]:
        """Insert organizations, then give them the materialized path their parent implies."""
        created = self.bulk(Organization, rows)
        for org in created:
            parent = parents.get(id(org))
            parent_path = parent.path if parent is not None else ""
            org.path = parent_path + f"{org.pk:0{PATH_STEP}d}"
            org.depth = len(org.path) // PATH_STEP - 1
        Organization.objects.bulk_update(created, ["path", "depth"], batch_size=BATCH)
        return created

    # -- the run -------------------------------------------------------------------------------

    def run(self, *, checks: bool = True) -> None:
        self.organizations()
        self.progress.say("organizations")
        chunk = 200
        for start in range(0, len(self.units), chunk):
            with transaction.atomic():
                part = self.units[start : start + chunk]
                self.people(part)
                self.study(part)
            self.progress.say(f"units {min(start + chunk, len(self.units)):,}/{len(self.units):,}")
        with transaction.atomic():
            self.observation()
        self.progress.say("visits")
        with transaction.atomic():
            self.accounts()
        refresh_statistics()  # the checks' queries are planned for the rows just written
        if checks:
            self.compliance()
        study_figures.refresh(self.year)  # what the timer keeps: the dashboard's figures of every unit
        self.progress.say("figures")

    def organizations(self) -> None:
        cities_n = max(2, min(self.n // 3, round(self.n / 714)))
        root = Organization(
            name=WORDS["province"],
            short_name=WORDS["province_short"],
            code=f"{CODE_PREFIX}P",
            kind=K.PARTY_COMMITTEE,
            office_name=WORDS["province_office"],
            doc_abbr=WORDS["province_abbr"],
        )
        (self.root,) = self.tree([root], {})
        self.person_seq += 1
        (self.province_leader,) = self.bulk(
            Person,
            [
                Person(
                    name=self.name(),
                    staff_no=f"{CODE_PREFIX}{self.person_seq:07d}",
                    organization=self.root,
                    post=WORDS["posts"][5],
                    is_school_leader=True,
                )
            ],
        )
        city_names = WORDS["cities"].split()
        cities = []
        for i in range(cities_n):
            base = city_names[i % len(city_names)] + (str(i // len(city_names) + 1) if i >= len(city_names) else "")
            cities.append(
                Organization(
                    name=base + WORDS["city_suffix"],
                    short_name=base,
                    code=f"{CODE_PREFIX}C{i + 1:03d}",
                    kind=K.PARTY_COMMITTEE,
                    parent=self.root,
                    sort_order=i + 1,
                    has_supervisor=True,
                    office_name=base + WORDS["city_office"],
                    doc_abbr=base[0] + WORDS["city_abbr"],
                )
            )
        self.cities = self.tree(cities, {id(c): self.root for c in cities})
        depts = WORDS["depts"].split()
        unit_rows: list[Organization] = []
        parents: dict[int, Organization] = {}
        for i in range(self.n - cities_n):
            city = self.cities[i % cities_n]
            dept = depts[(i // cities_n) % len(depts)]
            round_no = i // (cities_n * len(depts))
            name = f"{city.short_name}{dept}{round_no + 1 if round_no else ''}{WORDS['unit_suffix']}"
            org = Organization(
                name=name,
                short_name=f"{city.short_name}{dept}{round_no + 1 if round_no else ''}",
                code=f"{CODE_PREFIX}U{i + 1:05d}",
                kind=K.PARTY_COMMITTEE,
                parent=city,
                sort_order=i + 1,
            )
            unit_rows.append(org)
            parents[id(org)] = city
        created = self.tree(unit_rows, parents)
        ordinary = [_Unit(org=org, city=parents[id(org)]) for org in created]
        self.units = [_Unit(org=c, city=None) for c in self.cities] + ordinary
        branch_rows = []
        branch_parents: dict[int, Organization] = {}
        for unit in self.units:
            branch = Organization(
                name=unit.org.display_name + WORDS["branch_suffix"],
                code=unit.org.code + "-B1",
                kind=K.BRANCH,
                parent=unit.org,
                has_party_groups=False,
            )
            branch_rows.append(branch)
            branch_parents[id(branch)] = unit.org
        for unit, branch in zip(self.units, self.tree(branch_rows, branch_parents), strict=True):
            unit.branch = branch
            unit.visited = self.rng.random() < VISIT_SHARE
        self.units.sort(key=lambda u: u.org.path)

    def people(self, part: list[_Unit]) -> None:
        posts = WORDS["posts"]
        rows: list[Person] = []
        for unit in part:
            roles = [posts[0], posts[1]] + [posts[2]] * GROUP_MEMBERS + [posts[3]]
            for post in roles:
                self.person_seq += 1
                rows.append(
                    Person(
                        name=self.name(),
                        staff_no=f"{CODE_PREFIX}{self.person_seq:07d}",
                        organization=unit.org,
                        post=post,
                        phone=f"139{self.person_seq:08d}",
                    )
                )
            if unit.city is None:  # a city's leaders are linked to the units it supervises
                self.person_seq += 1
                rows.append(
                    Person(
                        name=self.name(),
                        staff_no=f"{CODE_PREFIX}{self.person_seq:07d}",
                        organization=unit.org,
                        post=posts[5],
                        is_school_leader=True,
                    )
                )
        created = iter(self.bulk(Person, rows))
        for unit in part:
            unit.people = [next(created) for _ in range(GROUP_MEMBERS + 3)]
            if unit.city is None:
                self.city_leader[unit.org.pk] = next(created)
        groups = self.bulk(StudyGroup, [StudyGroup(organization=u.org, name=u.org.name) for u in part])
        since = dt.date(self.year - 1, 1, 1)
        members: list[StudyGroupMember] = []
        links: list[LeaderLink] = []
        liaisons: list[LiaisonAssignment] = []
        R = StudyGroupMember.Role
        for unit, group in zip(part, groups, strict=True):
            unit.group_id = group.pk
            people = unit.people
            roles = [R.LEADER, R.DEPUTY] + [R.MEMBER] * GROUP_MEMBERS + [R.SECRETARY]
            for person, role in zip(people, roles, strict=True):
                members.append(
                    StudyGroupMember(group=group, person=person, role=role, post=person.post, joined_on=since)
                )
            supervisor = unit.city or self.root
            leader = self.city_leader.get(supervisor.pk) or self.province_leader
            links.append(LeaderLink(unit=unit.org, leader=leader, valid_from=since))
            liaisons.append(LiaisonAssignment(unit=unit.org, liaison=people[-1], valid_from=since))
        self.bulk(StudyGroupMember, members)
        self.bulk(LeaderLink, links)
        self.bulk(LiaisonAssignment, liaisons)

    # -- study ---------------------------------------------------------------------------------

    def deadlines(self, starts: dt.datetime, ends: dt.datetime) -> tuple[Any, Any, Any, Any]:
        key = (timezone.localdate(starts), timezone.localdate(ends))
        if key not in self.due_cache:
            probe = Session(kind=SessionKind.CENTER_GROUP, starts_at=starts, ends_at=ends)
            _set_deadlines(probe, self.study_params)  # R-S10, as the scheduling service computes them
            self.due_cache[key] = (
                probe.arrangement_due,
                probe.arrangement_due_basis,
                probe.report_due,
                probe.report_due_basis,
            )
        return self.due_cache[key]

    def study(self, part: list[_Unit]) -> None:
        year = self.year
        plan_due = dt.date(year, 1, 31)
        submitted = self.at(dt.date(year, 1, 20), 10)
        plans = self.bulk(
            StudyPlan,
            [
                StudyPlan(
                    organization=u.org,
                    year=year,
                    kind=PlanKind.CENTER_GROUP,
                    status=StudyPlan.Status.ACKNOWLEDGED,
                    title=WORDS["plan_title"].format(org=u.org.name, year=year),
                    due_on=plan_due,
                    submitted_at=submitted,
                    acknowledged_at=submitted + dt.timedelta(days=3),
                )
                for u in part
            ]
            + [
                StudyPlan(
                    organization=u.branch,
                    year=year,
                    kind=PlanKind.BRANCH,
                    status=StudyPlan.Status.ACKNOWLEDGED,
                    title=WORDS["branch_plan_title"].format(org=u.branch.name, year=year),
                    due_on=plan_due,
                    submitted_at=submitted,
                    acknowledged_at=submitted + dt.timedelta(days=3),
                )
                for u in part
                if u.branch is not None
            ],
        )
        themes_by_unit: dict[int, list[PlanTheme]] = {}
        theme_rows: list[PlanTheme] = []
        titles = WORDS["themes"]
        for unit, plan in zip(part, plans, strict=False):
            rows = [
                PlanTheme(plan=plan, period_kind=PlanTheme.PeriodKind.MONTH, period=m, theme=titles[m - 1])
                for m in range(1, 13)
            ]
            themes_by_unit[unit.org.pk] = rows
            theme_rows += rows
        self.bulk(PlanTheme, theme_rows)

        sessions: list[Session] = []
        for unit in part:
            sessions += self.center_group_sessions(unit, themes_by_unit[unit.org.pk])
            sessions += self.branch_sessions(unit)
        created = self.bulk(Session, sessions)
        agenda: list[AgendaItem] = []
        speeches: list[Speech] = []
        attendance: list[Attendance] = []
        people_of = {u.org.pk: u for u in part}
        visit_candidates: dict[int, list[tuple[Session, dict[str, Any]]]] = defaultdict(list)
        for session in created:
            if session.kind != SessionKind.CENTER_GROUP:
                continue  # branches have no people of their own here, so no expected participants
            unit = people_of[session.organization_id]
            facts = self.session_rows(session, unit, agenda, speeches, attendance)
            if unit.visited and session.starts_at.month not in (1, 2, 8):
                visit_candidates[unit.org.pk].append((session, facts))
        self.bulk(AgendaItem, agenda)
        self.bulk(Speech, speeches)
        self.bulk(Attendance, attendance)
        for unit in part:
            if unit.visited and visit_candidates[unit.org.pk]:
                unit.visit_session, unit.visit_facts = self.rng.choice(visit_candidates[unit.org.pk])

    def center_group_sessions(self, unit: _Unit, themes: list[PlanTheme]) -> list[Session]:
        people = unit.people
        leader, deputy, secretary = people[0], people[1], people[-1]
        months = list(range(1, 13))
        # About 15 a year: monthly, fewer in the holiday months, a second one in some months.
        extra = self.rng.sample(months, SESSIONS_PER_YEAR - 12 + 2)
        plan: list[int] = []
        for month in months:
            if month in (2, 8) and self.rng.random() < 0.7:
                continue
            plan += [month] * (1 + (month in extra))
        out: list[Session] = []
        for sequence, month in enumerate(plan, start=1):
            day = dt.date(self.year, month, self.rng.choice((6, 9, 12, 16, 19, 23, 26)))
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            starts = self.at(day, self.rng.choice((9, 14, 15)), self.rng.choice((0, 30)))
            ends = starts + dt.timedelta(hours=2)
            held = ends < self.now
            theme = themes[month - 1]
            arrangement_due, arrangement_basis, report_due, report_basis = self.deadlines(starts, ends)
            reported = ends + dt.timedelta(days=1)
            out.append(
                Session(
                    organization=unit.org,
                    group_id=unit.group_id,
                    kind=SessionKind.CENTER_GROUP,
                    status=Session.Status.HELD if held else Session.Status.PLANNED,
                    sequence=sequence,
                    title=theme.theme,
                    content=WORDS["content"].format(title=theme.theme),
                    plan_theme=theme,
                    starts_at=starts,
                    ends_at=ends,
                    place=WORDS["place"],
                    host=leader,
                    host_post=leader.post,
                    led_by=leader if self.rng.random() < 0.8 else deputy,
                    participants_note=WORDS["participants"],
                    contact_name=secretary.name,
                    contact_phone=secretary.phone,
                    arrangement_due=arrangement_due,
                    arrangement_due_basis=arrangement_basis,
                    arrangement_submitted_at=min(starts - dt.timedelta(days=3), self.now),
                    report_due=report_due,
                    report_due_basis=report_basis,
                    report_submitted_at=reported if held and reported < self.now else None,
                    attendance_closed_at=ends + dt.timedelta(minutes=10) if held else None,
                    checkin_nonce=f"{self.rng.getrandbits(64):016x}",
                )
            )
        return out

    def branch_sessions(self, unit: _Unit) -> list[Session]:
        """The branch's 支部委员会 monthly and 党员大会 quarterly (R-B1, R-B2)."""
        out: list[Session] = []
        counts: dict[str, int] = defaultdict(int)
        for month in range(1, 13):
            kinds = [(SessionKind.BRANCH_COMMITTEE, WORDS["branch_committee"])]
            if month % 3 == 0:
                kinds.append((SessionKind.MEMBER_MEETING, WORDS["member_meeting"]))
            for kind, title in kinds:
                day = dt.date(self.year, month, self.rng.randint(3, 25))
                starts = self.at(day, 16)
                counts[kind] += 1
                out.append(
                    Session(
                        organization=unit.branch,
                        kind=kind,
                        sequence=counts[kind],
                        title=title,
                        status=Session.Status.HELD
                        if starts + dt.timedelta(hours=1) < self.now
                        else Session.Status.PLANNED,
                        starts_at=starts,
                        ends_at=starts + dt.timedelta(hours=1),
                        place=WORDS["place"],
                        checkin_nonce=f"{self.rng.getrandbits(64):016x}",
                    )
                )
        return out

    def session_rows(
        self,
        session: Session,
        unit: _Unit,
        agenda: list[AgendaItem],
        speeches: list[Speech],
        attendance: list[Attendance],
    ) -> dict[str, Any]:
        """Agenda, speeches and attendance of one center-group session; its facts for a record."""
        leader = unit.people[0]
        title = session.title
        day = timezone.localdate(session.starts_at)
        first = AgendaItem.Kind.FIRST_ITEM
        items = [
            (first, WORDS["first_item"]),
            (AgendaItem.Kind.THEORY, WORDS["theory"].format(title=title)),
            (AgendaItem.Kind.DISCUSSION, WORDS["discussion"]),
        ]
        for order, (kind, text) in enumerate(items, start=1):
            agenda.append(
                AgendaItem(
                    session=session,
                    order=order,
                    kind=kind,
                    title=text,
                    presenter=leader.name if kind == first else "",
                    source=WORDS["first_source"] if kind == first else "",
                    source_date=day - dt.timedelta(days=10 + day.day % 20) if kind == first else None,
                )
            )
        ordinary = unit.people[2:-1]
        speakers = self.rng.sample(ordinary, 3)
        written = 0
        for order, person in enumerate(speakers, start=1):
            text = WORDS["written"].format(name=person.name, title=title) if self.rng.random() > 0.1 else ""
            written += bool(text)
            speeches.append(
                Speech(
                    session=session,
                    order=order,
                    person=person,
                    speaker_name=person.name,
                    post=person.post,
                    outline=WORDS["outline"],
                    written_text=text,
                )
            )
        held = session.status == Session.Status.HELD
        present = leave = 0
        S = Attendance.Status
        for person in unit.people[:-1]:  # the study secretary keeps the record (R-S3)
            status = S.PENDING
            if held:
                roll = self.rng.random()
                status = S.PRESENT if roll < 0.9 else (S.LEAVE if roll < 0.97 else S.ABSENT)
            present += status == S.PRESENT
            leave += status == S.LEAVE
            makeup = day + dt.timedelta(days=7) if status == S.LEAVE and self.rng.random() < 0.8 else None
            attendance.append(
                Attendance(
                    session=session,
                    person=person,
                    post=person.post,
                    status=status,
                    method=Attendance.Method.MANUAL if held else "",
                    checked_in_at=session.starts_at if status == S.PRESENT else None,
                    leave_reason=WORDS["leave_reason"] if status == S.LEAVE else "",
                    makeup_done_on=makeup if makeup and makeup <= self.today else None,
                    makeup_note=WORDS["makeup"] if makeup and makeup <= self.today else "",
                )
            )
        expected = len(unit.people) - 1
        rate = present / expected if held else None
        return {
            "participation_rate": rate,
            "participation_text": "—" if rate is None else f"{rate * 100:.1f}%",
            "expected_count": expected,
            "present_count": present,
            "leave_count": leave,
            "has_first_agenda_item": True,
            "written_speech_count": written,
            "speech_count": len(speakers),
            "led_by_secretary": session.led_by_id == leader.pk,
            "reschedule_count": 0,
        }

    # -- observation ---------------------------------------------------------------------------

    def visit_due(self, kind: str, start: dt.date) -> tuple[Any, dict[str, Any], str]:
        key = (kind, start)
        if key not in self.visit_due_cache:
            rule = {"reply": reply_rule, "record": record_rule, "feedback": feedback_rule}[kind]()
            self.visit_due_cache[key] = _deadline(start, rule)
        return self.visit_due_cache[key]

    def observation(self) -> None:
        year = self.year
        rubric = active_rubric()
        supervisors = [self.root, *self.cities]
        plans: dict[int, ObservationPlan] = {}
        for org in supervisors:
            plan = ObservationPlan(
                organization=org,
                year=year,
                title=WORDS["obs_plan_title"].format(year=year),
                status=ObservationPlan.Status.APPROVED,
                approved_at=self.at(dt.date(year, 1, 10), 10),
                committee_meeting=WORDS["committee_meeting"],
                committee_date=dt.date(year, 1, 8),
            )
            # R-O20: the decision document is on file before the plan is approved.
            plan.committee_document.save(f"decision-{org.code}.txt", ContentFile(b"decision"), save=False)
            plans[org.pk] = plan
        self.bulk(ObservationPlan, list(plans.values()))
        letters: dict[int, list[tuple[dt.datetime, Any]]] = defaultdict(list)  # supervisor -> numbered things
        visits: list[Visit] = []
        to_visit = [u for u in self.units if u.visit_session is not None]
        for unit in to_visit:
            session = unit.visit_session
            if session is None:  # filtered above; says so to the type checker
                continue
            supervisor = unit.city or self.root
            day = timezone.localdate(session.starts_at)
            semester_year, semester = semester_of(day)
            visit = Visit(
                plan=plans[supervisor.pk],
                supervisor_org=supervisor,
                unit=unit.org,
                mode=Mode.PLANNED,
                year=semester_year,
                semester=semester,
                target_month=day.month,
                focus=WORDS["focus"],
            )
            issued = self.at(day - dt.timedelta(days=20), 10)
            if issued < self.now:  # R-O4: the letter, its delivery and the unit's reply naming the session
                letters[supervisor.pk].append((issued, visit))
                visit.letter_issued_at = issued
                visit.letter_delivered_on = issued.date() + dt.timedelta(days=1)
                visit.reply_due, visit.reply_due_basis, _warn = self.visit_due("reply", visit.letter_delivered_on)
                replied = visit.letter_delivered_on + dt.timedelta(days=2)
                if replied <= self.today:
                    visit.session = session
                    visit.reply_received_on = replied
                    visit.reply_notes = WORDS["reply_notes"]
                    visit.record_due, visit.record_due_basis, _w1 = self.visit_due("record", day)
                    visit.feedback_due, visit.feedback_due_basis, _w2 = self.visit_due("feedback", day)
                    visit.deadline_warning = _w1 or _w2
                    visit.state = State.SCHEDULED
                else:
                    visit.state = State.NOTIFIED
            if visit.session is not None and session.ends_at < self.now:
                visit.state = State.OBSERVED
                if session.ends_at + dt.timedelta(days=2) < self.now:
                    visit.state = State.RECORDED
                if session.ends_at + dt.timedelta(days=8) < self.now:
                    feedback_at = session.ends_at + dt.timedelta(days=8)
                    letters[supervisor.pk].append((feedback_at, ("feedback", visit)))
                    visit.state = State.FEEDBACK_ISSUED
            visits.append(visit)
        visits = self.bulk(Visit, visits)
        # Letters and feedback share the supervisor's yearly series, numbered without gaps (R-O4).
        feedback_numbers: dict[int, tuple[int, str, dt.datetime]] = {}
        counters: list[LetterCounter] = []
        for supervisor in supervisors:
            seqs: dict[int, int] = defaultdict(int)
            for when, thing in sorted(letters[supervisor.pk], key=lambda pair: pair[0]):
                number_year = timezone.localdate(when).year
                seqs[number_year] += 1
                seq = seqs[number_year]
                if isinstance(thing, tuple):
                    feedback_numbers[id(thing[1])] = (seq, format_number(supervisor, number_year, seq), when)
                else:
                    thing.letter_seq = seq
                    thing.letter_number = format_number(supervisor, number_year, seq)
            counters += [
                LetterCounter(organization=supervisor, year=y, kind="letter", last=last) for y, last in seqs.items()
            ]
        self.bulk(LetterCounter, counters)
        Visit.objects.bulk_update(visits, ["letter_seq", "letter_number"], batch_size=BATCH)

        team: list[TeamMember] = []
        records: list[ObservationRecord] = []
        feedbacks: list[Feedback] = []
        items: list[Rectification] = []
        observed = set(State) - {State.PLANNED, State.NOTIFIED, State.SCHEDULED, State.CANCELLED}
        for unit, visit in zip(to_visit, visits, strict=True):
            leader = self.city_leader.get((unit.city or self.root).pk) or self.province_leader
            went = visit.state in observed
            team.append(
                TeamMember(visit=visit, person=leader, role=TeamMember.Role.LEADER, attended=True if went else None)
            )
            team.append(
                TeamMember(
                    visit=visit, person=unit.people[-1], role=TeamMember.Role.LIAISON, attended=True if went else None
                )
            )
            if visit.state in (State.RECORDED, State.FEEDBACK_ISSUED):
                filed = unit.visit_session.ends_at + dt.timedelta(days=2)  # type: ignore[union-attr]
                scores = {item["key"]: self.rng.randint(70, 98) for item in rubric.items}
                records.append(
                    ObservationRecord(
                        visit=visit,
                        rubric=rubric,
                        facts=unit.visit_facts,
                        organization_findings=WORDS["finding"],
                        content_findings=WORDS["finding"],
                        method_findings=WORDS["finding"],
                        effect_findings=WORDS["finding"],
                        problems=WORDS["problem"],
                        suggestions=WORDS["suggestion"],
                        scores=scores,
                        filed_at=filed,
                        signed_off_at=filed,
                    )
                )
            if visit.state == State.FEEDBACK_ISSUED:
                seq, number, issued = feedback_numbers[id(visit)]
                problems = self.rng.sample([key for key, _label in CHECKLIST_POINTS], self.rng.randint(0, 2))
                checklist = {
                    key: {"problem": key in problems, "evidence": WORDS["problem"] if key in problems else ""}
                    for key, _label in CHECKLIST_POINTS
                }
                acknowledged = issued + dt.timedelta(days=3)
                feedbacks.append(
                    Feedback(
                        visit=visit,
                        checklist=checklist,
                        summary=WORDS["summary"],
                        suggestions=WORDS["suggestion"],
                        seq=seq,
                        number=number,
                        issued_at=issued,
                        acknowledged_at=acknowledged if acknowledged < self.now else None,
                    )
                )
                due, basis = default_deadline(timezone.localdate(issued))
                labels = dict(CHECKLIST_POINTS)
                for key in problems:
                    accepted = due < self.today
                    items.append(
                        Rectification(
                            unit=unit.org,
                            visit=visit,
                            checklist_point=key,
                            created_at=issued,
                            problem=WORDS["item"].format(label=labels[key], problem=WORDS["problem"]),
                            deadline=due,
                            deadline_basis=basis,
                            measure=WORDS["measure"],
                            status=Rectification.Status.ACCEPTED if accepted else Rectification.Status.OPEN,
                            unit_report=WORDS["report"] if accepted else "",
                            reported_at=self.at(due, 10) if accepted else None,
                            verified_at=self.at(due, 16) if accepted else None,
                        )
                    )
                if acknowledged < self.now:  # signed: rectifying, or closed when nothing is left to do
                    open_items = problems and not (due < self.today)
                    visit.state = State.RECTIFYING if open_items else State.CLOSED
        self.bulk(TeamMember, team)
        self.bulk(ObservationRecord, records)
        self.bulk(Feedback, feedbacks)
        self.bulk(Rectification, items)
        Visit.objects.bulk_update(visits, ["state"], batch_size=BATCH)

    # -- accounts and compliance -----------------------------------------------------------------

    def accounts(self) -> None:
        """The supervisor, each city's supervisor and a few unit secretaries, through the account services."""
        seats: list[tuple[str, str, Organization, Person | None]] = [
            (f"{USER_PREFIX}supervisor", Role.SUPERVISOR, self.root, None)
        ]
        for i, city in enumerate(self.cities, start=1):
            seats.append((f"{USER_PREFIX}city{i:02d}", Role.SUPERVISOR, city, None))
        ordinary = [u for u in self.units if u.city is not None]
        for i, unit in enumerate(ordinary[:SECRETARY_ACCOUNTS], start=1):
            seats.append((f"{USER_PREFIX}secretary{i}", Role.STUDY_SECRETARY, unit.org, unit.people[-1]))
        for username, role, org, person in seats:
            user = account_services.create_user(
                username, actor=self.actor, password=PASSWORD, person=person, validate_password=False
            )
            account_services.assign_role(user, role, org, actor=self.actor, valid_from=dt.date(self.year - 1, 1, 1))
            self.usernames.append(username)
        self.progress.add(get_user_model(), len(seats))

    def compliance(self) -> None:
        """The engine's own checks (`run_checks`), one run per city: the city and the units below it.

        A run over a whole subtree finds exactly what one run over every unit finds (the branch
        rules attribute a branch to its nearest unit inside the run's scope), in a fraction of
        the memory; runs over arbitrary slices of the tree would not.
        """
        done = 0
        for city in self.cities:
            scope = [u.org for u in self.units if u.org.path.startswith(city.path)]
            run_checks(self.year, actor=self.actor, units=scope)
            done += len(scope)
            self.progress.rows[Finding._meta.label] = Finding.objects.filter(unit__code__startswith=CODE_PREFIX).count()
            self.progress.say(f"compliance {done:,}/{len(self.units):,}")


def dataset_digest() -> str:
    """A SHA-256 over the generated rows by their natural keys (codes, staff numbers, times)."""
    digest = hashlib.sha256()
    generated = {"organization__code__startswith": CODE_PREFIX}
    session_key = ("organization__code", "kind", "starts_at", "sequence")
    of_session = tuple(f"session__{k}" for k in session_key)
    under_session = {"session__organization__code__startswith": CODE_PREFIX}
    under_unit = {"unit__code__startswith": CODE_PREFIX}
    queries: list[tuple[models.QuerySet[Any], tuple[str, ...], tuple[str, ...]]] = [
        (
            Organization.all_objects.filter(code__startswith=CODE_PREFIX),
            ("code",),
            ("name", "kind", "parent__code", "depth", "has_supervisor"),
        ),
        (Person.objects.filter(**generated), ("staff_no",), ("name", "post", "organization__code")),
        (
            Session.objects.filter(**generated),
            session_key,
            ("title", "status", "led_by__staff_no", "arrangement_due", "report_due"),
        ),
        (Attendance.objects.filter(**under_session), (*of_session, "person__staff_no"), ("status",)),
        (Speech.objects.filter(**under_session), (*of_session, "order"), ("person__staff_no", "written_text")),
        (
            Visit.objects.filter(**under_unit),
            ("unit__code",),
            ("state", "letter_number", "reply_due", "session__starts_at"),
        ),
        (Rectification.objects.filter(**under_unit), ("unit__code", "checklist_point"), ("status", "deadline")),
    ]
    for queryset, key, values in queries:
        for row in queryset.order_by(*key).values_list(*key, *values):
            digest.update(repr(row).encode())
    # A finding's key names records by primary key ("session:123"), which depends on the database's
    # sequences: compare the rest, with the message, which names them by date and person.
    findings = Finding.objects.filter(**under_unit).values_list("unit__code", "rule_id", "period", "key", "message")
    for code, rule_id, period, key, message in sorted(
        (code, rule_id, period, re.sub(r"\d+", "#", key), message) for code, rule_id, period, key, message in findings
    ):
        digest.update(repr((code, rule_id, period, key, message)).encode())
    return digest.hexdigest()
