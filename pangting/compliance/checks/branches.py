"""Checks of the branches' 三会一课 rules (R-B1 … R-B5).

The frequencies are data (`MeetingFrequencyRule`, seeded from the branch work regulations
and edited per deployment) and are read through `frequency_report`, which counts held
meetings. Findings are attributed to the unit in scope the branch belongs to (a 直属党支部
is its own unit); the key names the branch.

A branch with no 三会一课 recorded in the system at all in the year cannot be told apart
from one that keeps them on paper: it gets one R-B5 finding ("not recorded") instead of a
missed-period finding for every month of R-B1 … R-B4.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from pangting.core import clock
from pangting.core.semesters import semester_end
from pangting.orgs.paths import holding, under_any

from ..messages import choice, finding_message
from ..messages import period as period_param
from ..registry import CheckContext, Evidence, FindingData, Param, rule
from ._common import ORGANIZATION, PLAN, cached, local_day, period_name, scope_branches, semester_period


def _branches(ctx: CheckContext) -> dict[str, Any]:
    """The branches under the units in scope, each with its unit and whether it recorded meetings,
    and the frequency report of the units (R-S2) and of the branches that recorded meetings (R-B1 … R-B4).

    Six queries: the units under the scope, the branches, the year's held branch meetings per
    branch, and the frequency report (its rules, held sessions and groups), read once for both.
    """

    def load() -> dict[str, Any]:
        from pangting.orgs.units import unit_in_scope
        from pangting.study.models import BRANCH_KINDS, StudySession
        from pangting.study.services.frequency import frequency_report

        # A branch is its nearest unit's, which may be nested under the scope without being in it.
        unit_in = unit_in_scope(ctx.units)
        unit_of: dict[int, Any] = {}
        branches: list[Any] = []
        for branch in scope_branches(ctx).order_by("path"):
            if (unit := unit_in(branch.path)) is not None:
                branches.append(branch)
                unit_of[branch.pk] = unit
        start, end = clock.year_bounds(ctx.year)
        recorded_paths = list(
            StudySession.objects.filter(
                _under(ctx.units, "organization__path"),
                kind__in=list(BRANCH_KINDS),
                starts_at__gte=start,
                starts_at__lt=end,
            )
            .values_list("organization__path", flat=True)
            .distinct()
        )
        above_recorded = holding(recorded_paths)  # a branch recorded when a meeting lies under it
        recorded = {b.pk for b in branches if b.path in above_recorded}
        # The meetings by the units' subtrees, not by the branches' ids (`frequency_report`'s `within`),
        # which hold the units' own center-group sessions too: one report for both.
        report = frequency_report(
            [*ctx.units, *(b for b in branches if b.pk in recorded)], ctx.year, today=ctx.today, within=ctx.units
        )
        return {
            "branches": branches,
            "unit_of": unit_of,
            "recorded": recorded,
            "report": [r for r in report if r.organization.pk in recorded],
            "units_report": [r for r in report if r.organization.pk not in recorded],
        }

    return cached(ctx, "branches", load)


def _under(units: Any, field: str = "path") -> Q:
    """Organizations under any of `units` (one filter: `orgs.paths.under_any`)."""
    return under_any(units, field)


def _frequency(ctx: CheckContext, code: str) -> Iterator[FindingData]:
    """Missed periods (ended, fewer held meetings than required) of the frequency rules of `code`."""
    data = _branches(ctx)
    for result in data["report"]:
        rule_ = result.rule
        if rule_.rule_code != code:
            continue
        branch = result.organization
        unit = data["unit_of"][branch.pk]
        key = f"{branch.code}:{rule_.session_kind}:{rule_.period}{':' + rule_.requires_agenda_kind if rule_.requires_agenda_kind else ''}"  # noqa: E501
        for index, period in enumerate(result.periods):
            if period.ok is not False:
                continue
            name = period_name(ctx.year, rule_.period, index)
            if rule_.requires_agenda_kind:
                message = finding_message(
                    gettext_noop("{branch}{period}{kind}（含{agenda}）{count}次，少于{required}次"),
                    branch=branch.display_name, period=period_param(name), kind=choice(rule_, "session_kind"),
                    agenda=choice(rule_, "requires_agenda_kind"), count=period.count, required=period.required,
                )  # fmt: skip
            else:
                message = finding_message(
                    gettext_noop("{branch}{period}{kind}{count}次，少于{required}次"),
                    branch=branch.display_name, period=period_param(name), kind=choice(rule_, "session_kind"),
                    count=period.count, required=period.required,
                )  # fmt: skip
            yield FindingData(
                unit.pk, name, key, "red",
                message,
                (Evidence(ORGANIZATION, branch.pk, branch.display_name),),
                {"count": period.count, "required": period.required},
            )  # fmt: skip


@rule("R-B1", _("支部委员会会议每月至少一次"))
def branch_committee(ctx: CheckContext) -> Iterator[FindingData]:
    """R-B1: held 支委会 per period, as the R-B1 frequency rules require (default monthly). Red when short."""
    yield from _frequency(ctx, "R-B1")


@rule("R-B2", _("党员大会、党小组会按期召开"))
def member_meetings(ctx: CheckContext) -> Iterator[FindingData]:
    """R-B2: 党员大会 monthly without party groups, quarterly with them, and 党小组会 monthly.

    The 党小组会 of a branch counts the meetings of its party groups. Red when short.
    """
    yield from _frequency(ctx, "R-B2")


@rule("R-B3", _("党课每季度至少一次，书记每学期讲党课"))
def party_lectures(ctx: CheckContext) -> Iterator[FindingData]:
    """R-B3: a party lecture each quarter in each branch, and the unit's secretary lectures each semester.

    The secretary is the unit's center-group leader (`StudyGroupMember` role leader), found as
    `lecturer_person` of a held 党课 in the unit's branches. Judged for units whose branches
    record their meetings, once the semester has ended. Red when short.
    """
    from pangting.orgs.models import StudyGroupMember
    from pangting.study.models import SessionKind, StudySession

    yield from _frequency(ctx, "R-B3")
    data = _branches(ctx)
    units = {data["unit_of"][b.pk].pk: data["unit_of"][b.pk] for b in data["branches"] if b.pk in data["recorded"]}
    if not units:
        return
    # The leaders and their lectures by a subquery, not by a list of people (`ctx.unit_ids` only).
    leaders = StudyGroupMember.objects.filter(
        group__organization_id__in=ctx.unit_ids, role=StudyGroupMember.Role.LEADER
    )
    leader_units: dict[int, set[int]] = {}
    for unit_id, person_id in leaders.values_list("group__organization_id", "person_id"):
        if unit_id in units:
            leader_units.setdefault(person_id, set()).add(unit_id)
    start = timezone.make_aware(dt.datetime(ctx.year, 2, 1))
    end = timezone.make_aware(dt.datetime(ctx.year + 1, 2, 1))
    lectures = (
        ()
        if not leader_units
        else StudySession.objects.filter(
            kind=SessionKind.PARTY_LECTURE,
            status=StudySession.Status.HELD,
            lecturer_person_id__in=leaders.values("person_id"),
            starts_at__gte=start,
            starts_at__lt=end,
        ).values_list("lecturer_person_id", "organization__path", "starts_at")
    )
    given: set[tuple[int, int]] = set()
    for person_id, path, starts_at in lectures:
        day = local_day(starts_at)
        semester = 1 if day.month <= 8 and day.year == ctx.year else 2
        for unit_id in leader_units.get(person_id, ()):
            if path.startswith(units[unit_id].path):
                given.add((unit_id, semester))
    for semester in (1, 2):
        if semester_end(ctx.year, semester) >= ctx.today:
            continue
        for unit_id, unit in sorted(units.items()):
            if (unit_id, semester) not in given:
                yield FindingData(
                    unit_id, semester_period(ctx.year, semester), "secretary_lecture", "red",
                    finding_message(gettext_noop("{unit}书记本学期未为党支部讲党课"), unit=unit.display_name),
                    (), {},
                )  # fmt: skip


@rule(
    "R-B4",
    _("支部每月集体学习，每季度专题研讨"),
    params=[Param("reflection_days", 14, _("专题研讨后撰写学习体会期限（自然日）"), "days")],
)
def branch_study(ctx: CheckContext) -> Iterator[FindingData]:
    """R-B4: 支部集体学习 monthly and one with a 交流研讨 item each quarter (the R-B4 frequency rules).

    Red when short. Members write study reflections after the thematic discussion: amber per
    session naming who has not, `reflection_days` after it (`followup.branch_reflections`).
    """
    from .followup import branch_reflections

    yield from _frequency(ctx, "R-B4")
    yield from branch_reflections(ctx, int(ctx.params["reflection_days"]))


@rule(
    "R-B5",
    _("支部年度“三会一课”计划报备、如实记录"),
    params=[Param("grace_days", 0, _("计划逾期宽限天数（自然日）"), "days")],
)
def branch_plan_and_records(ctx: CheckContext) -> Iterator[FindingData]:
    """R-B5: each branch files its annual 三会一课 plan and records its meetings.

    Plan: red when not filed (missing, draft or returned) once its due date (plus grace) has
    passed; amber when filed late. Records: red when the branch has no 三会一课 at all in the
    system for the year once its first quarter has ended.
    """
    from pangting.study.models import PlanKind, StudyPlan
    from pangting.study.parameters import get_parameters

    data = _branches(ctx)
    settings = get_parameters()
    grace = dt.timedelta(days=int(ctx.params["grace_days"]))
    plans = (
        {
            p.organization_id: p
            for p in StudyPlan.objects.filter(
                organization__in=scope_branches(ctx), year=ctx.year, kind=PlanKind.BRANCH
            )  # a subquery: `data["branches"]` are these
        }
        if data["branches"]
        else {}
    )
    filed = (StudyPlan.Status.SUBMITTED, StudyPlan.Status.ACKNOWLEDGED)
    for branch in data["branches"]:
        unit = data["unit_of"][branch.pk]
        plan = plans.get(branch.pk)
        due = plan.due_on if plan else dt.date(ctx.year, settings.plan_due_month, settings.plan_due_day)
        where = (Evidence(ORGANIZATION, branch.pk, branch.display_name),)
        if plan is not None and plan.status in filed and plan.submitted_at:
            submitted = local_day(plan.submitted_at)
            if submitted > due + grace:
                yield FindingData(
                    unit.pk, str(ctx.year), f"{branch.code}:plan", "amber",
                    finding_message(
                        gettext_noop("{branch}{year}年“三会一课”计划逾期报备（截止{due}）"),
                        branch=branch.display_name, year=ctx.year, due=due,
                    ),
                    (*where, Evidence(PLAN, plan.pk, plan.title)), {"due": due.isoformat()},
                )  # fmt: skip
        elif ctx.today > due + grace:
            yield FindingData(
                unit.pk, str(ctx.year), f"{branch.code}:plan", "red",
                finding_message(
                    gettext_noop("{branch}{year}年“三会一课”计划未报备（截止{due}）"),
                    branch=branch.display_name, year=ctx.year, due=due,
                ),
                (*where, *((Evidence(PLAN, plan.pk, plan.title),) if plan else ())), {"due": due.isoformat()},
            )  # fmt: skip
        if branch.pk not in data["recorded"] and ctx.today > dt.date(ctx.year, 3, 31):
            yield FindingData(
                unit.pk, str(ctx.year), f"{branch.code}:records", "red",
                finding_message(
                    gettext_noop("{branch}{year}年“三会一课”未在系统中记录"), branch=branch.display_name, year=ctx.year
                ),
                where, {},
            )  # fmt: skip
