"""Frequency compliance (R-S2, R-B1 … R-B6): the 三会一课 and center-group frequency report,
and the unit's branch summary."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from pangting.core import clock
from pangting.orgs.models import PATH_STEP, Organization, OrganizationKind, StudyGroup, StudyGroupMember
from pangting.orgs.paths import under_any

from .. import rules
from ..models import (
    AgendaItem,
    MeetingFrequencyRule,
    PlanKind,
    SecretaryTraining,
    SessionKind,
    Speech,
    StudyPlan,
    StudySession,
)
from ._common import _local_day


@dataclass(frozen=True)
class PeriodResult:
    label: str
    count: int
    required: int
    due: bool  # the period has ended (or is the current one being reported)

    @property
    def ok(self) -> bool | None:
        if self.count >= self.required:
            return True
        return False if self.due else None


@dataclass(frozen=True)
class RuleResult:
    rule: MeetingFrequencyRule
    organization: Organization
    periods: tuple[PeriodResult, ...]

    @property
    def missed(self) -> int:
        return sum(1 for p in self.periods if p.ok is False)


def _rule_applies(rule: MeetingFrequencyRule, org: Organization) -> bool:
    if rule.applies_to == MeetingFrequencyRule.AppliesTo.CENTER_GROUP:
        return True  # organizations without a center group are skipped by the caller
    if org.kind != OrganizationKind.BRANCH:
        return False
    if rule.applies_to == MeetingFrequencyRule.AppliesTo.WITH_PARTY_GROUPS:
        return org.has_party_groups
    if rule.applies_to == MeetingFrequencyRule.AppliesTo.WITHOUT_PARTY_GROUPS:
        return not org.has_party_groups
    return True


def frequency_report(
    organizations: Sequence[Organization],
    year: int,
    *,
    today: dt.date | None = None,
    within: Sequence[Organization] | None = None,
) -> list[RuleResult]:
    """How each organization met the active frequency rules in `year` (held sessions only).

    This is the one home of R-S2's count: a center-group session counts only when it had
    collective discussion (speeches or a discussion item); the study pages and the R-S2 check
    both read it.

    Issue 15: three queries whatever the number of organizations (the rules, the organizations
    with a center group, and the held sessions counted in SQL per organization, kind, local day
    and the agenda facts the rules ask about); the Python that follows is linear in the counted
    rows.

    `within`, when given, are organizations whose subtrees hold every one of `organizations` (a
    rule check's units in scope): the sessions and groups are then selected by those subtrees'
    path prefixes, not by the organizations (a province's 30,000 branches, one parameter each).
    The rows read are a superset, looked up by organization as before.
    """
    today = today or clock.today()
    rules_ = list(MeetingFrequencyRule.objects.filter(active=True))
    if not organizations or not rules_:
        return []
    agenda_kinds = sorted({r.requires_agenda_kind for r in rules_ if r.requires_agenda_kind})
    counted = _held_counts(organizations, year, agenda_kinds, within)
    among = _among(organizations) if within is None else under_any(within, "organization__path")
    # A reverse one-to-one access (`org.study_group`) finds a soft-deleted group too: so does this.
    with_group = set(StudyGroup._base_manager.filter(among).values_list("organization_id", flat=True))
    own: dict[tuple[int, str], list[_Counted]] = defaultdict(list)
    in_subtree: dict[tuple[int, str], list[_Counted]] = defaultdict(list)
    by_path = {o.path: o.pk for o in organizations}
    for row in counted:
        own[(row.organization_id, row.kind)].append(row)
        if row.kind == SessionKind.PARTY_GROUP_MEETING:
            # 党小组会 count for every requested organization above the group's branch too.
            for end in range(PATH_STEP, len(row.path) + 1, PATH_STEP):
                if (pk := by_path.get(row.path[:end])) is not None:
                    in_subtree[(pk, row.kind)].append(row)
    # The periods of each kind the rules use, made once (a province's report has 40,000 results).
    periods_of = {kind: rules.periods_of_year(year, kind) for kind in {r.period for r in rules_}}
    starts_of = {kind: [p.start for p in periods] for kind, periods in periods_of.items()}
    results = []
    for org in organizations:
        for rule in rules_:
            if not _rule_applies(rule, org):
                continue
            if rule.session_kind == SessionKind.CENTER_GROUP:
                if org.pk not in with_group:
                    continue
                # R-S2 (corrected): a session counts only when it had collective discussion.
                mine = [r for r in own[(org.pk, rule.session_kind)] if r.discussed]
            elif rule.session_kind == SessionKind.PARTY_GROUP_MEETING:
                mine = in_subtree[(org.pk, rule.session_kind)]
            else:
                mine = own[(org.pk, rule.session_kind)]
            if rule.requires_agenda_kind:
                mine = [r for r in mine if rule.requires_agenda_kind in r.agenda_kinds]
            periods = periods_of[rule.period]
            counts = [0] * len(periods)
            for r in mine:  # each day falls in at most one period: the last that starts on or before it
                index = bisect.bisect_right(starts_of[rule.period], r.day) - 1
                if index >= 0 and r.day <= periods[index].end:
                    counts[index] += r.count
            results.append(
                RuleResult(
                    rule,
                    org,
                    tuple(
                        PeriodResult(period.label, count, rule.min_count, due=period.end < today)
                        for period, count in zip(periods, counts, strict=True)
                    ),
                )
            )
    return results


@dataclass(frozen=True)
class _Counted:
    """Held sessions of one organization and kind on one local day, with the same agenda facts."""

    organization_id: int
    path: str
    kind: str
    day: dt.date
    discussed: bool  # R-S2: speeches or a discussion item
    agenda_kinds: frozenset[str]  # which of the rules' required agenda kinds the sessions had
    count: int


def _held_counts(
    organizations: Sequence[Organization],
    year: int,
    agenda_kinds: list[str],
    within: Sequence[Organization] | None = None,
) -> list[_Counted]:
    """Held sessions in the organizations' subtrees (or in `within`'s, a superset) from 1 January
    of `year` to 31 January after (the autumn semester ends then), counted per organization, kind,
    local day and agenda facts."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 2, 1))
    items = AgendaItem.objects.filter(session=OuterRef("pk"))
    # One test per agenda kind asked about: the discussion item (R-S2) is often a rule's too.
    kinds = sorted({rules.DISCUSSION, *agenda_kinds})
    facts = {
        "spoken": Exists(Speech.objects.filter(session=OuterRef("pk"))),
        **{f"agenda_{i}": Exists(items.filter(kind=kind)) for i, kind in enumerate(kinds)},
    }
    # Each organization's own sessions, and the 党小组会 under a listed branch (the only rule that
    # counts a subtree applies to branches): a page of organizations that starts at the province
    # reads that page's sessions, not the province's.
    if within is not None:
        wanted = under_any(within, "organization__path")
    else:
        branches = [o for o in organizations if o.kind == OrganizationKind.BRANCH]
        wanted = _among(organizations) & ~Q(kind=SessionKind.PARTY_GROUP_MEETING)
        if branches:
            wanted |= Q(kind=SessionKind.PARTY_GROUP_MEETING) & under_any(branches, "organization__path")
    rows = (
        StudySession.objects.filter(wanted, status=StudySession.Status.HELD, starts_at__gte=start, starts_at__lt=end)
        .annotate(day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone()), **facts)
        .values_list("organization_id", "organization__path", "kind", "day", *facts)
        .annotate(count=Count("pk"))
        .order_by()
    )
    counted = []
    required = set(agenda_kinds)
    for org_id, path, kind, day, spoken, *has, count in rows:
        had = {kind_ for kind_, yes in zip(kinds, has, strict=True) if yes}
        discussed = rules.has_discussion([rules.DISCUSSION] if rules.DISCUSSION in had else [], int(spoken))
        counted.append(_Counted(org_id, path, kind, day, discussed, frozenset(had & required), count))
    return counted


# Up to this many organizations are named in an IN list; more are read by their subtrees' path
# prefixes (a province has tens of thousands of branches; SQLite caps a statement's parameters).
IN_LIST_LIMIT = 500


def _among(organizations: Sequence[Organization], field: str = "organization") -> Q:
    """The records of these organizations: by their ids for a page of them, for a whole tree by
    the subtrees' path prefixes (a superset the callers look up by organization)."""
    if len(organizations) <= IN_LIST_LIMIT:
        return Q(**{f"{field}_id__in": [o.pk for o in organizations]})
    return under_any(organizations, f"{field}__path")


@dataclass(frozen=True)
class UnitBranchSummary:
    """R-B3, R-B5, R-B6 for one unit: secretary lectures per semester, branch plans, training."""

    unit: Organization
    secretary_lectures: tuple[PeriodResult, ...]
    branches: int
    branch_plans_filed: int
    trainings: int
    trained_people: int


def unit_branch_summary(unit: Organization, year: int, *, today: dt.date | None = None) -> UnitBranchSummary:
    return unit_branch_summaries([unit], year, today=today)[0]


def unit_branch_summaries(
    units: Sequence[Organization], year: int, *, today: dt.date | None = None
) -> list[UnitBranchSummary]:
    """R-B3, R-B5 and R-B6 for each unit, in the order given: at most five queries however many units."""
    today = today or clock.today()
    if not units:
        return []
    by_path = {u.path: u.pk for u in units}
    subtrees = under_any(units, "organization__path")

    def above(path: str, *, itself: bool) -> list[int]:
        """The listed units whose subtree holds `path` (the organization itself only if `itself`)."""
        last = len(path) + 1 if itself else len(path)
        return [pk for end in range(PATH_STEP, last, PATH_STEP) if (pk := by_path.get(path[:end])) is not None]

    leaders: dict[int, set[int]] = defaultdict(set)
    for unit_id, person_id in (
        StudyGroupMember.objects.current()
        .filter(group__organization__in=[u.pk for u in units], role=StudyGroupMember.Role.LEADER)
        .values_list("group__organization_id", "person_id")
    ):
        leaders[unit_id].add(person_id)
    semesters = rules.periods_of_year(year, "semester")
    lectures: dict[int, list[dt.date]] = defaultdict(list)
    for path, lecturer, at in StudySession.objects.filter(
        subtrees,
        kind=SessionKind.PARTY_LECTURE,
        status=StudySession.Status.HELD,
        lecturer_person_id__in={p for people in leaders.values() for p in people},
        starts_at__gte=timezone.make_aware(dt.datetime.combine(semesters[0].start, dt.time.min)),
        starts_at__lt=timezone.make_aware(dt.datetime.combine(semesters[-1].end + dt.timedelta(days=1), dt.time.min)),
    ).values_list("organization__path", "lecturer_person_id", "starts_at"):
        for unit_id in above(path, itself=True):
            if lecturer in leaders[unit_id]:  # R-B3: the unit's own secretary (the group leader)
                lectures[unit_id].append(_local_day(at))
    branches: dict[int, int] = defaultdict(int)
    branch_paths = Organization.objects.filter(under_any(units), kind=OrganizationKind.BRANCH)
    for path in branch_paths.values_list("path", flat=True):
        for unit_id in above(path, itself=False):
            branches[unit_id] += 1
    plans: dict[int, int] = defaultdict(int)
    for path in StudyPlan.objects.filter(
        subtrees,
        organization__kind=OrganizationKind.BRANCH,
        organization__deleted_at__isnull=True,
        year=year,
        kind=PlanKind.BRANCH,
        status__in=[StudyPlan.Status.SUBMITTED, StudyPlan.Status.ACKNOWLEDGED],
    ).values_list("organization__path", flat=True):
        for unit_id in above(path, itself=False):
            plans[unit_id] += 1
    trainings: dict[int, set[int]] = defaultdict(set)
    trained: dict[int, set[int]] = defaultdict(set)
    for unit_id, training_id, person_id, person_deleted in SecretaryTraining.objects.filter(
        organization__in=[u.pk for u in units], held_on__year=year
    ).values_list("organization_id", "pk", "trainees", "trainees__deleted_at"):
        trainings[unit_id].add(training_id)
        if person_id is not None and person_deleted is None:
            trained[unit_id].add(person_id)
    summaries = []
    for unit in units:
        periods = []
        for period in semesters:
            count = sum(1 for day in lectures[unit.pk] if period.start <= day <= period.end)
            periods.append(PeriodResult(period.label, count, 1, due=period.end < today))
        summaries.append(
            UnitBranchSummary(
                unit,
                tuple(periods),
                branches[unit.pk],
                plans[unit.pk],
                len(trainings[unit.pk]),
                len(trained[unit.pk]),
            )
        )
    return summaries
