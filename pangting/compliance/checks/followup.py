"""Checks of the rules that ask for people's records around the study, not the session's own.

- R-S7 per member (self-study before, summary after) and R-B4's members' reflections:
  `member_records` and `branch_reflections`, called by the R-S7 and R-B4 checks.
- R-S13 each leading cadre's personal self-study plan and its annual tasks.
- R-S18 / R-B6 training of study secretaries and branch secretaries, at least once a year.
- R-S19 study outcomes recorded and their conversion followed.
- R-S21 research (调查研究) before the session, named in the session plan.
- R-B7 双重组织生活: leading cadres attend their own branch's meetings.
- R-B8 主题党日 with its frequency (the R-B8 `MeetingFrequencyRule` rows, default monthly).

"Leading cadres" are the members of the unit's center group (组长, 副组长, 成员; the study
secretary keeps the records and is not one of them). Every finding names the rule, the
record (session, outcome, person) and what is missing; each check reads in bulk, with the
same number of queries whatever the data size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from pangting.core import clock
from pangting.lib.messages import LIST_SEPARATOR

from ..messages import choice, finding_message
from ..registry import CheckContext, Evidence, FindingData, Param, rule
from ._common import (
    ORGANIZATION,
    cached,
    center_group_sessions,
    local_day,
    month_period,
    scope_branches,
    session_evidence,
    year_sessions,
)
from .branches import _branches, _frequency

OUTCOME = "study.studyoutcome"
SELF_STUDY_PLAN = "study.selfstudyplan"
NAMES_SHOWN = 5
# i18n: not interface (the word secretaries write in a session's participants note)
OBSERVER_WORDS = ["列席"]


class Member(NamedTuple):
    """A person named in a finding, read as a tuple: sorted by name, then id."""

    name: str
    pk: int


def _names(people: Sequence[Any]) -> Any:
    """At most five names, then 等N人 (the measured values keep every id)."""
    names = LIST_SEPARATOR.join(p.name for p in people[:NAMES_SHOWN])
    if len(people) > NAMES_SHOWN:
        return finding_message(gettext_noop("{names}等{count}人"), names=names, count=len(people))
    return names


def _year_over(ctx: CheckContext) -> bool:
    return ctx.today > dt.date(ctx.year, 12, 31)


def _cadre_memberships(ctx: CheckContext) -> Any:
    """The center-group memberships (leader, deputy, member) of the units in scope during the
    year, as a queryset: the checks select the cadres' rows by it as a subquery, never by a list
    of their ids (a province has tens of thousands of cadres)."""
    from pangting.orgs.models import StudyGroupMember

    start, end = dt.date(ctx.year, 1, 1), dt.date(ctx.year, 12, 31)
    return (
        StudyGroupMember.objects.filter(group__organization_id__in=ctx.unit_ids)
        .exclude(role=StudyGroupMember.Role.SECRETARY)
        .filter(Q(joined_on__isnull=True) | Q(joined_on__lte=end))
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=start))
    )


def _cadres(ctx: CheckContext) -> list[Any]:
    """The memberships of `_cadre_memberships`, with their people and groups."""

    def load() -> list[Any]:
        return list(
            _cadre_memberships(ctx)
            .select_related("person", "group")
            .order_by("group__organization_id", "person__name", "pk")
        )

    return cached(ctx, "cadres", load)


def _group_units(ctx: CheckContext) -> set[int]:
    """The units in scope that have a center group (one query)."""

    def load() -> set[int]:
        from pangting.orgs.models import StudyGroup

        return set(
            StudyGroup.objects.filter(organization_id__in=ctx.unit_ids).values_list("organization_id", flat=True)
        )

    return cached(ctx, "group_units", load)


def _member_on(membership: Any, day: dt.date) -> bool:
    return (membership.joined_on is None or membership.joined_on <= day) and (
        membership.left_on is None or membership.left_on >= day
    )


# --- R-S7 per member ------------------------------------------------------------------------


def member_records(ctx: CheckContext, summary_days: int) -> Iterator[FindingData]:
    """R-S7 per member: each member present at a held session studied for it before (a
    `SelfStudyRecord` linked to the session, dated on or before its day) and wrote a summary or
    reflection after it (a `Reflection` linked to it), `summary_days` calendar days after the
    session. One amber finding per session and missing record, naming the members."""
    from pangting.orgs.models import Person
    from pangting.study.models import Attendance, Reflection, SelfStudyRecord

    rows = [
        r
        for r in center_group_sessions(ctx)
        if r.session.status == "held" and r.day + dt.timedelta(days=summary_days) < ctx.today
    ]
    if not rows:
        return
    year = year_sessions(ctx).values("pk")  # a subquery: the rows above are some of these sessions
    days = {r.session.pk: r.day for r in rows}
    studied = SelfStudyRecord.objects.filter(session_id__in=year).values_list("session_id", "person_id", "studied_on")
    before = {(s, p) for s, p, day in studied if s in days and day <= days[s]}
    after = set(Reflection.objects.filter(session_id__in=year).values_list("session_id", "person_id"))
    present_ids = {
        r.session.pk: [
            a.person_id for a in r.attendances if a.status == Attendance.Status.PRESENT and a.counts_for_rate
        ]
        for r in rows
    }
    # The people present by a subquery (a superset, looked up by id), not by a list of their ids.
    present_anywhere = Attendance.objects.filter(session_id__in=year, status=Attendance.Status.PRESENT)
    names = (
        dict(Person.objects.filter(pk__in=present_anywhere.values("person_id")).values_list("pk", "name"))
        if any(present_ids.values())
        else {}
    )
    for row in rows:
        session_id = row.session.pk
        present = sorted(Member(names[pk], pk) for pk in present_ids[session_id])  # by name, then id
        for key, done, text in (
            ("selfstudy", before, gettext_noop("{day}学习会{count}名成员会前无个人自学记录：{names}")),
            ("summary", after, gettext_noop("{day}学习会{count}名成员会后未提交学习小结或体会：{names}")),
        ):
            missing = [p for p in present if (session_id, p.pk) not in done]
            if missing:
                yield FindingData(
                    row.session.organization_id, month_period(row.day), f"{key}:{row.session.pk}", "amber",
                    finding_message(text, day=row.day, count=len(missing), names=_names(missing)),
                    (session_evidence(row.session),), {"people": [p.pk for p in missing]},
                )  # fmt: skip


# --- R-B4 members' reflections ----------------------------------------------------------------


def branch_reflections(ctx: CheckContext, reflection_days: int) -> Iterator[FindingData]:
    """R-B4: after a branch's thematic discussion (a held 支部集体学习 with a 交流研讨 item), every
    member present writes a reflection (`Reflection` linked to the session) within
    `reflection_days` calendar days. Amber per session, naming who has not."""
    from pangting.study.models import AgendaItem, Attendance, Reflection, SessionKind, StudySession

    data = _branches(ctx)
    branches = {b.pk: b for b in data["branches"] if b.pk in data["recorded"]}
    if not branches:
        return
    start, end = clock.year_bounds(ctx.year)
    discussions = AgendaItem.objects.filter(
        session_id=OuterRef("pk"), kind=AgendaItem.Kind.DISCUSSION, deleted_at__isnull=True
    )
    # The branches by a subquery, not by their ids: a branch holding such a session in the year
    # has recorded its meetings (`branches._branches`), so the sessions are the recorded branches'.
    held = StudySession.objects.filter(
        Exists(discussions),
        organization__in=scope_branches(ctx),
        kind=SessionKind.BRANCH_STUDY,
        status=StudySession.Status.HELD,
        starts_at__gte=start,
        starts_at__lt=end,
    )
    sessions = [
        s
        for s in held.order_by("starts_at", "pk")
        if s.organization_id in branches and local_day(s.starts_at) + dt.timedelta(days=reflection_days) < ctx.today
    ]
    if not sessions:
        return
    # The sessions' rows by a subquery, not one parameter per session (`_common.year_sessions`).
    selected = held.values("pk")
    written = set(Reflection.objects.filter(session_id__in=selected).values_list("session_id", "person_id"))
    present: dict[int, list[Any]] = defaultdict(list)
    for attendance in Attendance.objects.filter(
        session_id__in=selected, status=Attendance.Status.PRESENT
    ).select_related("person"):
        present[attendance.session_id].append(attendance.person)
    for session in sessions:
        day = local_day(session.starts_at)
        missing = [
            person
            for person in sorted(present[session.pk], key=lambda p: p.name)
            if (session.pk, person.pk) not in written
        ]
        if not missing:
            continue
        branch = branches[session.organization_id]
        yield FindingData(
            data["unit_of"][branch.pk].pk, month_period(day), f"reflections:{session.pk}", "amber",
            finding_message(
                gettext_noop("{branch}{day}专题研讨后{count}名党员未撰写学习体会：{names}"),
                branch=branch.display_name, day=day, count=len(missing), names=_names(missing),
            ),
            (session_evidence(session),), {"people": [p.pk for p in missing]},
        )  # fmt: skip


# --- R-S13 ------------------------------------------------------------------------------------


@rule(
    "R-S13",
    _("领导干部制定个人自学计划并完成年度学习任务"),
    params=[
        Param("plan_due_month", 3, _("个人自学计划截止月"), "month"),
        Param("plan_due_day", 31, _("个人自学计划截止日"), "day"),
    ],
)
def personal_plans(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S13: each leading cadre (center-group leader, deputy, member on the due date) has a
    personal self-study plan for the year (`SelfStudyPlan`) once the due date has passed: red
    when missing. Once the year has ended, the plan's annual tasks are marked completed
    (`completed_on`): amber when not."""
    from pangting.study.models import SelfStudyPlan

    try:
        due = dt.date(ctx.year, int(ctx.params["plan_due_month"]), int(ctx.params["plan_due_day"]))
    except ValueError:  # 2月30日: the month's last day
        due = dt.date(ctx.year, int(ctx.params["plan_due_month"]) % 12 + 1, 1) - dt.timedelta(days=1)
    if ctx.today <= due:
        return
    cadres = [m for m in _cadres(ctx) if _member_on(m, due)]
    plans = (
        {
            p.person_id: p
            for p in SelfStudyPlan.objects.filter(
                person_id__in=_cadre_memberships(ctx).values("person_id"), year=ctx.year
            )  # a subquery: `cadres` are some of these people
        }
        if cadres
        else {}
    )
    seen: set[tuple[int, int]] = set()
    for membership in cadres:
        person, unit_id = membership.person, membership.group.organization_id
        if (unit_id, person.pk) in seen:
            continue
        seen.add((unit_id, person.pk))
        plan = plans.get(person.pk)
        if plan is None:
            yield FindingData(
                unit_id, str(ctx.year), f"plan:{person.pk}", "red",
                finding_message(
                    gettext_noop("{person}（{post}）未制定{year}年个人自学计划（截止{due}）"),
                    person=person.name, post=choice(membership, "role"), year=ctx.year, due=due,
                ),
                (), {"person": person.pk, "due": due.isoformat()},
            )  # fmt: skip
        elif _year_over(ctx) and plan.completed_on is None:
            yield FindingData(
                unit_id, str(ctx.year), f"tasks:{person.pk}", "amber",
                finding_message(
                    gettext_noop("{person}（{post}）{year}年个人自学计划的年度学习任务未标记完成"),
                    person=person.name, post=choice(membership, "role"), year=ctx.year,
                ),
                (Evidence(SELF_STUDY_PLAN, plan.pk, str(plan)),), {"person": person.pk},
            )  # fmt: skip


# --- R-S18 / R-B6 ----------------------------------------------------------------------------


@rule("R-S18", _("学习秘书每年至少培训一次"))
def study_secretary_training(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S18: each unit with a center group has its study secretary trained in the year (a
    `SecretaryTraining` for study secretaries held by the unit, or by an organization above it
    with the unit's people among the trainees: `study.training.untrained`, the definition the
    reminders and to-dos read too). Judged once the year has ended; red when none."""
    from pangting.study import training

    if not _year_over(ctx):
        return
    for unit in training.untrained(ctx.units, ctx.year, training.Audience.STUDY_SECRETARIES):
        yield FindingData(
            unit.pk, str(ctx.year), "training", "red",
            finding_message(gettext_noop("{unit}{year}年学习秘书未参加培训"), unit=unit.display_name, year=ctx.year),
            (Evidence(ORGANIZATION, unit.pk, unit.display_name),), {},
        )  # fmt: skip


@rule("R-B6", _("党支部书记每年至少培训一次"))
def branch_secretary_training(ctx: CheckContext) -> Iterator[FindingData]:
    """R-B6: each unit with branches under it trains its branch secretaries at least once a year
    (a `SecretaryTraining` for branch secretaries, held by the unit or above it for its people:
    `study.training.untrained`). Judged once the year has ended; red when none."""
    from pangting.study import training

    if not _year_over(ctx):
        return
    for unit in training.untrained(ctx.units, ctx.year, training.Audience.BRANCH_SECRETARIES):
        yield FindingData(
            unit.pk, str(ctx.year), "training", "red",
            finding_message(gettext_noop("{unit}{year}年未组织党支部书记培训"), unit=unit.display_name, year=ctx.year),
            (Evidence(ORGANIZATION, unit.pk, unit.display_name),), {},
        )  # fmt: skip


# --- R-S19 ------------------------------------------------------------------------------------


@rule(
    "R-S19",
    _("学习成果有记录、转化有跟踪"),
    params=[Param("min_outcomes", 1, _("每年至少记录的学习成果数"), "int")],
)
def study_outcomes(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S19: each unit with a center group records at least `min_outcomes` study outcomes
    (`StudyOutcome`: research reports, measures adopted) in the year, judged once the year has
    ended (amber); and each outcome whose conversion was due in the year and has passed is
    marked converted, with its date and effect (amber per outcome, naming it)."""
    from pangting.study.models import StudyOutcome

    outcomes = list(
        StudyOutcome.objects.filter(organization_id__in=ctx.unit_ids).filter(
            Q(recorded_on__year=ctx.year) | Q(conversion_due__year=ctx.year)
        )
    )
    counts: dict[int, int] = defaultdict(int)
    for outcome in outcomes:
        if outcome.recorded_on.year == ctx.year:
            counts[outcome.organization_id] += 1
        if outcome.conversion_due and outcome.conversion_due.year == ctx.year and outcome.is_overdue(ctx.today):
            yield FindingData(
                outcome.organization_id, str(ctx.year), f"outcome:{outcome.pk}", "amber",
                finding_message(
                    gettext_noop("学习成果“{title}”逾期未转化（转化期限{due}）"),
                    title=outcome.title, due=outcome.conversion_due,
                ),
                (Evidence(OUTCOME, outcome.pk, outcome.title[:80]),), {"due": outcome.conversion_due.isoformat()},
            )  # fmt: skip
    required = int(ctx.params["min_outcomes"])
    if not _year_over(ctx) or required <= 0:
        return
    for unit in ctx.units:
        if unit.pk in _group_units(ctx) and counts[unit.pk] < required:
            yield FindingData(
                unit.pk, str(ctx.year), "outcomes", "amber",
                finding_message(
                    gettext_noop("{year}年记录学习成果{count}项，少于{required}项"),
                    year=ctx.year, count=counts[unit.pk], required=required,
                ),
                (), {"count": counts[unit.pk], "required": required},
            )  # fmt: skip


# --- R-S20 ------------------------------------------------------------------------------------


@rule(
    "R-S20",
    _("列席人员出勤单独记录，不计入参学率"),
    params=[Param("note_words", OBSERVER_WORDS, _("参加人员说明中表示列席的词语"), "list")],
)
def observers_recorded(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S20: a held session whose participants note says people sat in (列席, the words of
    `note_words`) records their attendance as 列席 rows (`Attendance.role` observer), which the
    participation rate leaves out. Amber when the note names them and no row records them."""
    from pangting.study.models import Attendance

    words = [str(w) for w in ctx.params["note_words"] if str(w).strip()]
    for row in center_group_sessions(ctx):
        session = row.session
        if session.status != "held" or not any(w in session.participants_note for w in words):
            continue
        if any(a.role == Attendance.Role.OBSERVER for a in row.attendances):
            continue
        yield FindingData(
            session.organization_id, month_period(row.day), f"observers:{session.pk}", "amber",
            finding_message(
                gettext_noop("{day}学习会参加人员说明有列席人员（“{note}”），但未登记列席人员出勤"),
                day=row.day, note=session.participants_note[:60],
            ),
            (session_evidence(session),), {},
        )  # fmt: skip


# --- R-S21 ------------------------------------------------------------------------------------


@rule(
    "R-S21",
    _("会前围绕专题开展调查研究"),
    params=[Param("min_research", 1, _("每次学习会至少的会前调研项数"), "int")],
)
def research_before(ctx: CheckContext) -> Iterator[FindingData]:
    """R-S21: a center-group session that has taken place names at least `min_research`
    research items done before it (`SessionResearch`: who researched what, dated on or before
    the session day, or undated). Amber when fewer."""
    from pangting.study.models import SessionResearch

    required = int(ctx.params["min_research"])
    rows = [r for r in center_group_sessions(ctx) if r.taken_place]
    if required <= 0 or not rows:
        return
    counts: dict[int, int] = defaultdict(int)
    days = {r.session.pk: r.day for r in rows}
    year = year_sessions(ctx).values("pk")  # a subquery: the rows above are some of these sessions
    for session_id, done_on in SessionResearch.objects.filter(session_id__in=year).values_list("session_id", "done_on"):
        if session_id in days and (done_on is None or done_on <= days[session_id]):
            counts[session_id] += 1
    for row in rows:
        if counts[row.session.pk] < required:
            yield FindingData(
                row.session.organization_id, month_period(row.day), f"research:{row.session.pk}", "amber",
                finding_message(
                    gettext_noop("{day}学习会方案未列明会前调研（{count}项，应至少{required}项）"),
                    day=row.day, count=counts[row.session.pk], required=required,
                ),
                (session_evidence(row.session),), {"count": counts[row.session.pk], "required": required},
            )  # fmt: skip


# --- R-B7 -------------------------------------------------------------------------------------

CADRE_MEETING_KINDS = ("member_meeting", "party_group_meeting", "branch_study", "party_lecture", "theme_day")


@rule(
    "R-B7",
    _("领导干部参加所在党支部组织生活"),
    params=[Param("min_per_quarter", 1, _("每季度至少参加所在支部组织生活次数"), "int")],
)
def dual_organizational_life(ctx: CheckContext) -> Iterator[FindingData]:
    """R-B7 双重组织生活: each leading cadre whose branch (`CadreBranch`) records its 三会一课 in
    the system attended (present) at least `min_per_quarter` of its held meetings (党员大会,
    党小组会, 集体学习, 党课, 主题党日) in each ended quarter of his membership. Amber per
    cadre and quarter. A cadre of a unit whose branches record their meetings, with no branch
    recorded for him, gets one amber finding for the year (his branch is unknown)."""
    from pangting.study.models import Attendance, CadreBranch, StudySession
    from pangting.study.rules import periods_of_year

    data = _branches(ctx)
    recording_units = {data["unit_of"][b.pk].pk for b in data["branches"] if b.pk in data["recorded"]}
    cadres = [m for m in _cadres(ctx) if m.group.organization_id in recording_units]
    if not cadres:
        return
    person_ids = _cadre_memberships(ctx).values("person_id")  # a subquery: `cadres` are some of these people
    links_of: dict[int, list[Any]] = defaultdict(list)  # by person: each cadre reads his own, not every link
    for link in (
        CadreBranch.objects.filter(person_id__in=person_ids, since__lte=dt.date(ctx.year, 12, 31))
        .filter(Q(until__isnull=True) | Q(until__gte=dt.date(ctx.year, 1, 1)))
        .select_related("branch")
    ):
        links_of[link.person_id].append(link)
    start, end = clock.year_bounds(ctx.year)
    attended_of: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)  # by person: path and local day
    for person_id, path, at in Attendance.objects.filter(
        person_id__in=person_ids,
        status=Attendance.Status.PRESENT,
        session__status=StudySession.Status.HELD,
        session__kind__in=CADRE_MEETING_KINDS,
        session__deleted_at__isnull=True,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
    ).values_list("person_id", "session__organization__path", "session__starts_at"):
        attended_of[person_id].append((path, local_day(at)))
    required = int(ctx.params["min_per_quarter"])
    quarters = [p for p in periods_of_year(ctx.year, "quarter") if p.end < ctx.today]
    seen: set[tuple[int, int]] = set()
    for membership in cadres:
        person, unit_id = membership.person, membership.group.organization_id
        if (unit_id, person.pk) in seen:
            continue
        seen.add((unit_id, person.pk))
        mine = links_of.get(person.pk, [])
        if not mine:
            if _year_over(ctx) or ctx.today > dt.date(ctx.year, 3, 31):
                yield FindingData(
                    unit_id, str(ctx.year), f"cadre:{person.pk}:branch", "amber",
                    finding_message(
                        gettext_noop("{person}（{post}）未登记所在党支部，无法跟踪双重组织生活"),
                        person=person.name, post=choice(membership, "role"),
                    ),
                    (), {"person": person.pk},
                )  # fmt: skip
            continue
        for index, quarter in enumerate(quarters):
            link = next(
                (
                    x
                    for x in mine
                    if x.since <= quarter.end and (x.until is None or x.until >= quarter.start)
                    and _member_on(membership, quarter.end)
                ),
                None,
            )  # fmt: skip
            if link is None or link.branch_id not in data["recorded"]:
                continue
            count = sum(
                1
                for path, day in attended_of.get(person.pk, ())
                if path.startswith(link.branch.path) and quarter.start <= day <= quarter.end
            )
            if count < required:
                name = f"{ctx.year}-Q{index + 1}"
                yield FindingData(
                    unit_id, name, f"cadre:{person.pk}", "amber",
                    finding_message(
                        gettext_noop("{person}（{post}）本季度参加所在{branch}组织生活{count}次，少于{required}次"),
                        person=person.name, post=choice(membership, "role"), branch=link.branch.display_name,
                        count=count, required=required,
                    ),
                    (Evidence(ORGANIZATION, link.branch.pk, link.branch.display_name),),
                    {"person": person.pk, "count": count, "required": required},
                )  # fmt: skip


# --- R-B8 -------------------------------------------------------------------------------------


@rule("R-B8", _("主题党日按期开展"))
def theme_days(ctx: CheckContext) -> Iterator[FindingData]:
    """R-B8: held 主题党日 per period in each branch, as the R-B8 frequency rules require
    (default: monthly, seeded by the 2018-regulations data migration). Red when short."""
    yield from _frequency(ctx, "R-B8")
