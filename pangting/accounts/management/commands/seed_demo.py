"""Load a realistic demo university (issue: Foundation, demo data).

校党委 with its 宣传部, 18 secondary organizations (机关党委, college party committees and
党总支, 直属党支部) with branches, 8 school leaders each linked to 2–3 units, one liaison
per unit, center groups of 7–15 members, and the demo accounts. Deterministic (seeded),
so screenshots and tests see the same names every time. Later apps extend the demo
through the demo hooks they register (`core.registry.register_demo_hook`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from pangting.accounts import services as account_services
from pangting.accounts.models import Role, User
from pangting.core import registry
from pangting.core.demo import PROGRESS_KEY, demo_dates, refresh_statistics
from pangting.core.system import system_actor
from pangting.orgs import services as org_services
from pangting.orgs.models import Organization, OrganizationKind, Person, StudyGroupMember

DEMO_PASSWORD = "pangting-demo-2026"  # noqa: S105 - published demo password, README states it  # nosec B105
K = OrganizationKind

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
    "于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏宇浩凯晨阳斌颖慧"
    "琳雪梅兰晶婷倩欣悦思远志国海波峰燕春亮飞成林琦瑶瑜曦航博"
)

# (code, name, kind, branches) — 18 secondary organizations of a vocational university.
UNITS: list[tuple[str, str, str, int]] = [
    ("JGDW", "机关党委", K.PARTY_COMMITTEE, 4),
    ("JDXY", "机电工程学院党委", K.PARTY_COMMITTEE, 4),
    ("XXXY", "信息技术学院党委", K.PARTY_COMMITTEE, 4),
    ("JZXY", "建筑工程学院党委", K.PARTY_COMMITTEE, 3),
    ("SXY", "商学院党委", K.PARTY_COMMITTEE, 4),
    ("WGYXY", "外国语学院党委", K.PARTY_COMMITTEE, 2),
    ("YSXY", "艺术设计学院党委", K.PARTY_COMMITTEE, 3),
    ("RWXY", "人文学院党委", K.PARTY_COMMITTEE, 3),
    ("YXY", "医学院党委", K.PARTY_COMMITTEE, 3),
    ("QCXY", "汽车工程学院党委", K.PARTY_COMMITTEE, 2),
    ("HGXY", "化学与材料工程学院党委", K.PARTY_COMMITTEE, 2),
    ("MKSXY", "马克思主义学院党总支", K.GENERAL_BRANCH, 2),
    ("JXXY", "继续教育学院党总支", K.GENERAL_BRANCH, 2),
    ("LTX", "离退休党总支", K.GENERAL_BRANCH, 3),
    ("TYB", "体育部直属党支部", K.BRANCH, 0),
    ("TSG", "图书馆直属党支部", K.BRANCH, 0),
    ("HQ", "后勤服务中心直属党支部", K.BRANCH, 0),
    ("CYXY", "创新创业学院直属党支部", K.BRANCH, 0),
]

LEADERS: list[tuple[str, str]] = [
    ("郑国华", "党委书记"),
    ("林志远", "党委副书记、校长"),
    ("陈建平", "党委副书记"),
    ("黄丽萍", "党委常委、副校长"),
    ("周海波", "党委常委、纪委书记"),
    ("吴晓峰", "党委常委、副校长"),
    ("孙文静", "党委常委、组织部部长"),
    ("何明辉", "副校长"),
]


class DemoBuilder:
    """Builds the demo step by step; each step uses the real services."""

    def __init__(self, seed: int = 2026) -> None:
        self.random = random.Random(seed)  # demo data, seeded on purpose  # nosec B311
        self.used_names: set[str] = set()
        self.staff_seq = 1000
        self.dates = demo_dates()
        # The links, roles and groups began the autumn before the story's first year.
        self.since = dt.date(self.dates.previous - 1, 9, 1)

    def name(self) -> str:
        while True:
            given = "".join(self.random.choice(GIVEN) for _ in range(self.random.choice((1, 2, 2))))
            candidate = self.random.choice(SURNAMES) + given
            if candidate not in self.used_names:
                self.used_names.add(candidate)
                return candidate

    def phone(self) -> str:
        return "1" + self.random.choice("3589") + "".join(self.random.choice("0123456789") for _ in range(9))

    def person(self, org: Organization, post: str, name: str | None = None, **fields: Any) -> Person:
        self.staff_seq += 1
        person = Person(
            name=name or self.name(),
            organization=org,
            post=post,
            phone=self.phone(),
            staff_no=f"DH{self.staff_seq}",
            **fields,
        )
        if name:
            self.used_names.add(name)
        return org_services.save_person(person, actor=self.system)

    @transaction.atomic
    def build(self) -> dict[str, Any]:
        self.system = system_actor()  # creates the directory: who acts is the system, named in history
        root = org_services.create_organization(
            actor=self.system,
            name="中共东海职业技术大学委员会",
            short_name="校党委",
            code="DHZD",
            kind=K.PARTY_COMMITTEE,
            office_name="中共东海职业技术大学委员会宣传部",
            doc_abbr="东职大宣函",
        )
        propaganda = [
            self.person(root, "党委宣传部部长", "钱思远"),
            self.person(root, "党委宣传部副部长", "沈雅琳"),
            self.person(root, "党委宣传部理论科科长", "顾晨阳"),
        ]
        leaders = [self.person(root, post, name, is_school_leader=True) for name, post in LEADERS]
        # The party secretary and the president lead the whole committee; teams are led by
        # the other leaders, each linked to 2–3 units (校领导联系二级学院安排表).
        units: list[Organization] = []
        unit_staff: dict[int, dict[str, Person]] = {}
        for index, (code, name, kind, branches) in enumerate(UNITS, start=1):
            unit = org_services.create_organization(
                actor=self.system,
                parent=root,
                name=name,
                code=code,
                kind=kind,
                sort_order=index,
                short_name=name.removesuffix("党委").removesuffix("党总支").removesuffix("直属党支部"),
            )
            units.append(unit)
            unit_staff[unit.pk] = self.build_unit(unit, branches)

        team_leaders = leaders[2:] + leaders[:2]
        assignment = [team_leaders[i % len(team_leaders)] for i in range(len(units))]
        for unit, leader in zip(units, assignment, strict=True):
            org_services.link_leader(leader, unit, actor=self.system, valid_from=self.since)
            org_services.assign_liaison(unit_staff[unit.pk]["liaison"], unit, actor=self.system, valid_from=self.since)
        # Teams change over time (R-O17): one earlier link that has ended stays in history.
        old = org_services.link_leader(
            leaders[7], units[0], actor=self.system, valid_from=self.since - dt.timedelta(days=366)
        )
        org_services.end_link(old, actor=self.system, on=self.since - dt.timedelta(days=1))
        org_services.record_conflict(leaders[3], units[4], actor=self.system, reason="配偶在该学院担任中层领导职务")

        jdxy = units[1]
        staff = unit_staff[jdxy.pk]
        accounts = {
            "admin": ([(Role.SYSTEM_ADMIN, root)], None),
            "anquan": ([(Role.SECURITY_ADMIN, root)], None),
            "shenji": ([(Role.AUDIT_ADMIN, root)], None),
            "xuanchuan": ([(Role.SUPERVISOR, root)], propaganda[0]),
            "lilun": ([(Role.SUPERVISOR, root)], propaganda[2]),
            "dangwei": ([(Role.LEADERSHIP_VIEWER, root)], leaders[0]),
            "lingdao": ([(Role.OBSERVATION_LEADER, root)], assignment[1]),
            "lianluo": ([(Role.LIAISON, jdxy)], staff["liaison"]),
            "mishu": ([(Role.STUDY_SECRETARY, jdxy)], staff["secretary"]),
            "chengyuan": ([(Role.MEMBER, jdxy)], staff["member"]),
        }
        users = {}
        for username, (roles, person) in accounts.items():
            user = account_services.create_user(
                username, actor=self.system, password=DEMO_PASSWORD, person=person, validate_password=False
            )
            for role, org in roles:
                account_services.assign_role(user, role, org, actor=self.system, valid_from=self.since)
            users[username] = user
        # Every other unit's secretary and liaison gets an account too, so that the demo
        # behaves like a real deployment (mishu02, lianluo02, ...).
        for number, unit in enumerate(units, start=1):
            if unit == jdxy:
                continue
            for prefix, role, key in (
                ("mishu", Role.STUDY_SECRETARY, "secretary"),
                ("lianluo", Role.LIAISON, "liaison"),
            ):
                user = account_services.create_user(
                    f"{prefix}{number:02d}",
                    actor=self.system,
                    password=DEMO_PASSWORD,
                    person=unit_staff[unit.pk][key],
                    validate_password=False,
                )
                account_services.assign_role(user, role, unit, actor=self.system, valid_from=self.since)
        for leader in leaders[2:]:
            if leader.pk == assignment[1].pk:
                continue
            user = account_services.create_user(
                f"lingdao{leader.pk}", actor=self.system, password=DEMO_PASSWORD, person=leader, validate_password=False
            )
            account_services.assign_role(user, Role.OBSERVATION_LEADER, root, actor=self.system, valid_from=self.since)
        admin = users["admin"]
        admin.is_staff = True
        admin.save(update_fields=["is_staff"])
        admin.user_permissions.set(
            Permission.objects.filter(content_type__app_label__in=["orgs", "workdays"]).exclude(
                codename__startswith="delete_"
            )
        )
        city, city_units = self.build_city(root, leaders, propaganda, users)
        for unit in units:
            unit.refresh_from_db()  # their paths now start with the city's
        return {
            "root": root,
            "units": units,
            "users": users,
            "dates": self.dates,
            "city": city,
            "city_units": city_units,
        }

    def build_city(
        self, root: Organization, leaders: list[Person], propaganda: list[Person], users: dict[str, User]
    ) -> tuple[Organization, list[Organization]]:
        """The level above the university (R-O23), as seed 003's city system has it.

        市委教育工委 and its 宣传处 supervise the center groups of the university's party
        committee and of two small institutions, with their own plan and letter numbering
        (东教工宣函); the university, moved under it through the directory service, keeps its own
        supervising department and supervises its colleges as before. Returns the city and the
        units it supervises (the university first).
        """
        city = org_services.create_organization(
            actor=self.system,
            name="中共东海市委教育工作委员会",
            short_name="市委教育工委",
            code="DHJGW",
            kind=K.PARTY_COMMITTEE,
            office_name="中共东海市委教育工作委员会宣传处",
            doc_abbr="东教工宣函",
        )
        root = org_services.move_organization(root, city, actor=self.system)  # keeps has_supervisor
        office = [self.person(city, "市委教育工委宣传处处长", "葛文涛"), self.person(city, "市委教育工委宣传处副处长")]
        city_leader = self.person(city, "市委教育工委副书记", "严立群", is_school_leader=True)
        # The university's own center group (校党委理论学习中心组): the school leaders, with the
        # party office keeping its records and a liaison for the city's visits.
        group = org_services.ensure_study_group(root, actor=self.system)
        roles = {0: StudyGroupMember.Role.LEADER, 1: StudyGroupMember.Role.DEPUTY}
        for index, leader in enumerate(leaders):
            role = roles.get(index, StudyGroupMember.Role.MEMBER)
            org_services.add_member(group, leader, actor=self.system, role=role, joined_on=self.since)
        root_secretary = self.person(root, "党委办公室副主任", "方婧怡")
        root_liaison = self.person(root, "党委办公室主任", "邵宏斌")
        org_services.add_member(
            group, root_secretary, actor=self.system, role=StudyGroupMember.Role.SECRETARY, joined_on=self.since
        )
        city_units = [root]
        staff = {root.pk: {"secretary": root_secretary, "liaison": root_liaison}}
        schools = [
            ("DHYX", "中共东海市艺术学校委员会", "东海市艺术学校党委"),
            ("DHWX", "中共东海市卫生学校委员会", "东海市卫生学校党委"),
        ]
        for index, (code, name, short) in enumerate(schools, start=1):
            school = org_services.create_organization(
                actor=self.system, parent=city, name=name, short_name=short, code=code, kind=K.PARTY_COMMITTEE,
                sort_order=index,
            )  # fmt: skip
            city_units.append(school)
            staff[school.pk] = self.build_unit(school, 0)
        for unit in city_units:
            org_services.link_leader(city_leader, unit, actor=self.system, valid_from=self.since)
            org_services.assign_liaison(staff[unit.pk]["liaison"], unit, actor=self.system, valid_from=self.since)
        accounts: dict[str, tuple[Role, Organization, Person]] = {
            "shijiaogong": (Role.SUPERVISOR, city, office[0]),
            "shilingdao": (Role.OBSERVATION_LEADER, city, city_leader),
            "xiaomishu": (Role.STUDY_SECRETARY, root, root_secretary),
            "xiaolianluo": (Role.LIAISON, root, root_liaison),
            "yixiaomishu": (Role.STUDY_SECRETARY, city_units[1], staff[city_units[1].pk]["secretary"]),
            "yixiaolianluo": (Role.LIAISON, city_units[1], staff[city_units[1].pk]["liaison"]),
            "weixiaomishu": (Role.STUDY_SECRETARY, city_units[2], staff[city_units[2].pk]["secretary"]),
            "weixiaolianluo": (Role.LIAISON, city_units[2], staff[city_units[2].pk]["liaison"]),
        }
        for username, (role, org, person) in accounts.items():
            user = account_services.create_user(
                username, actor=self.system, password=DEMO_PASSWORD, person=person, validate_password=False
            )
            account_services.assign_role(user, role, org, actor=self.system, valid_from=self.since)
            users[username] = user
        root.refresh_from_db()
        return city, city_units

    def build_unit(self, unit: Organization, branches: int) -> dict[str, Person]:
        """People and the center group of one unit; its branches with party groups."""
        is_branch = unit.kind == K.BRANCH
        secretary_post = "党支部书记" if is_branch else ("党总支书记" if unit.kind == K.GENERAL_BRANCH else "党委书记")
        head = self.person(unit, secretary_post)
        deputy = self.person(unit, "党委副书记" if not is_branch else "党支部副书记")
        dean = self.person(unit, "院长" if "学院" in unit.name else "主任")
        liaison = self.person(unit, "党政办公室主任")
        study_secretary = self.person(unit, "组织员")
        size = self.random.randint(7, 15)
        members_posts = [
            "副院长",
            "副院长",
            "纪检委员",
            "办公室主任",
            "教研室主任",
            "系主任",
            "专业带头人",
            "学工办主任",
        ]
        members = [self.person(unit, self.random.choice(members_posts)) for _ in range(size - 3)]
        group = org_services.ensure_study_group(unit, actor=self.system)
        org_services.add_member(group, head, actor=self.system, role=StudyGroupMember.Role.LEADER, joined_on=self.since)
        org_services.add_member(
            group, deputy, actor=self.system, role=StudyGroupMember.Role.DEPUTY, joined_on=self.since
        )
        org_services.add_member(group, dean, actor=self.system, role=StudyGroupMember.Role.MEMBER, joined_on=self.since)
        for person in members:
            org_services.add_member(
                group, person, actor=self.system, role=StudyGroupMember.Role.MEMBER, joined_on=self.since
            )
        org_services.add_member(
            group, study_secretary, actor=self.system, role=StudyGroupMember.Role.SECRETARY, joined_on=self.since
        )
        short = unit.short_name or unit.name
        for number in range(1, branches + 1):
            with_groups = number == 1 and branches >= 3
            branch = org_services.create_organization(
                actor=self.system,
                parent=unit,
                name=f"{short}第{'一二三四五'[number - 1]}党支部",
                code=f"{unit.code}-{number}",
                kind=K.BRANCH,
                has_party_groups=with_groups,
                sort_order=number,
            )
            self.person(branch, "党支部书记")
            if with_groups:
                for g in (1, 2):
                    org_services.create_organization(
                        actor=self.system,
                        parent=branch,
                        name=f"{branch.name}第{g}党小组",
                        code=f"{branch.code}-{g}",
                        kind=K.PARTY_GROUP,
                        sort_order=g,
                    )
        return {"liaison": liaison, "secretary": study_secretary, "member": members[0] if members else dean}


# What each app's demo hook builds, as the loading command announces it (by the hook's module).
HOOK_LABELS = {
    "pangting.study.demo": "正在生成学习计划、学习会、考勤与三会一课…",
    "pangting.observation.demo": "正在生成巡听旁听、记录、反馈与整改…",
    "pangting.study.demo_followup": "正在生成个人自学、培训、学习成果与会后跟进…",
    "pangting.planning.demo": "正在生成下一年度计划草案与随机抽取…",
    "pangting.assessment.demo": "正在生成述学与考核…",
    "pangting.analysis.demo": "正在布置按议程文字研判的学习会…",
    "pangting.analysis.demo_calibration": "正在生成旁听分组表与评分校准…",
    "pangting.compliance.demo": "正在运行规则检查…",
    "pangting.reports.demo": "正在起草通报与年度总结…",
}


class Command(BaseCommand):
    help = "Load the demo university (校党委, 18 units, leaders, liaisons, center groups, demo accounts)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if organizations already exist.")

    def handle(self, *args: Any, if_empty: bool = False, **options: Any) -> None:
        if Organization.all_objects.exists() or User.objects.exists():
            if if_empty:
                self.stdout.write("演示数据已存在，跳过加载。")
                return
            self.stderr.write("数据库中已有数据；演示数据只能加载到空数据库。")
            return
        context = build_demo(self.say)
        self.stdout.write(self.style.SUCCESS(f"演示数据已加载：{len(context['units'])}个二级党组织。"))
        if context.get("city") is not None:
            city, supervised = context["city"], len(context["city_units"])
            self.stdout.write(f"上级督导：{city.short_name}督导{supervised}个单位的中心组（含校党委）。")

    def say(self, text: str) -> None:
        """One progress line, shown at once: the first `make run` is not silent for two minutes."""
        self.stdout.write(text)
        self.stdout.flush()


def build_demo(say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The whole demo: the directory (`DemoBuilder`), then every app's demo hook in order.

    `say(line)` hears one line per step and the hooks' own progress. The planner's statistics
    are refreshed after each step, so the next step's queries are planned for the rows written.
    """
    hooks = registry.demo_hooks()
    steps = len(hooks) + 1
    if say is not None:
        say(f"[1/{steps}] 正在创建组织架构、人员与演示账号…")
    context = DemoBuilder().build()
    refresh_statistics()
    context[PROGRESS_KEY] = say
    for number, extension in enumerate(hooks, start=2):
        if say is not None:
            say(f"[{number}/{steps}] {HOOK_LABELS.get(extension.__module__, '正在加载其他演示数据…')}")
        extension(context)
        refresh_statistics()
    return context
