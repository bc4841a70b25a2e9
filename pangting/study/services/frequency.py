"""Frequency compliance (R-S2, R-B1 … R-B6): the 三会一课 and center-group frequency report,
and the unit's branch summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from pangting.core import clock
from pangting.orgs.models import Organization, OrganizationKind, Person, StudyGroupMember

from .. import rules
from ..models import MeetingFrequencyRule, PlanKind, SecretaryTraining, SessionKind, StudyPlan, StudySession
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
    organizations: Sequence[Organization], year: int, *, today: dt.date | None = None
) -> list[RuleResult]:
    """How each organization met the active frequency rules in `year` (held sessions only).

    This is the one home of R-S2's count: a center-group session counts only when it had
    collective discussion (speeches or a discussion item); the study pages and the R-S2 check
    both read it.
    """
    today = today or clock.today()
    rules_ = list(MeetingFrequencyRule.objects.filter(active=True))
    if not organizations or not rules_:
        return []
    prefixes = Q()
    for org in organizations:
        prefixes |= Q(organization__path__startswith=org.path)
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 2, 1))
    sessions = list(
        StudySession.objects.filter(prefixes, status=StudySession.Status.HELD, starts_at__gte=start, starts_at__lt=end)
        .select_related("organization")
        .prefetch_related("agenda_items", "speeches")
    )
    results = []
    for org in organizations:
        for rule in rules_:
            if not _rule_applies(rule, org):
                continue
            if rule.session_kind == SessionKind.CENTER_GROUP:
                if not hasattr(org, "study_group"):
                    continue
                # R-S2 (corrected): a session counts only when it had collective discussion.
                mine = [
                    s
                    for s in sessions
                    if s.organization_id == org.pk and s.kind == rule.session_kind and _had_discussion(s)
                ]
            elif rule.session_kind == SessionKind.PARTY_GROUP_MEETING:
                mine = [s for s in sessions if s.kind == rule.session_kind and s.organization.path.startswith(org.path)]
            else:
                mine = [s for s in sessions if s.organization_id == org.pk and s.kind == rule.session_kind]
            if rule.requires_agenda_kind:
                mine = [s for s in mine if any(i.kind == rule.requires_agenda_kind for i in s.agenda_items.all())]
            periods = []
            for period in rules.periods_of_year(year, rule.period):
                count = sum(1 for s in mine if period.start <= _local_day(s.starts_at) <= period.end)
                periods.append(PeriodResult(period.label, count, rule.min_count, due=period.end < today))
            results.append(RuleResult(rule, org, tuple(periods)))
    return results


def _had_discussion(session: StudySession) -> bool:
    """R-S2: speeches or a discussion agenda item (prefetched)."""
    return rules.has_discussion([i.kind for i in session.agenda_items.all()], len(session.speeches.all()))


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
    today = today or clock.today()
    leader_ids = set(
        StudyGroupMember.objects.current()
        .filter(group__organization=unit, role=StudyGroupMember.Role.LEADER)
        .values_list("person_id", flat=True)
    )
    lectures = list(
        StudySession.objects.filter(
            organization__path__startswith=unit.path,
            kind=SessionKind.PARTY_LECTURE,
            status=StudySession.Status.HELD,
            lecturer_person_id__in=leader_ids,
        ).values_list("starts_at", flat=True)
    )
    periods = []
    for period in rules.periods_of_year(year, "semester"):
        count = sum(1 for at in lectures if period.start <= _local_day(at) <= period.end)
        periods.append(PeriodResult(period.label, count, 1, due=period.end < today))
    branches = Organization.objects.filter(path__startswith=unit.path, kind=OrganizationKind.BRANCH).exclude(pk=unit.pk)
    plans = StudyPlan.objects.filter(
        organization__in=branches,
        year=year,
        kind=PlanKind.BRANCH,
        status__in=[StudyPlan.Status.SUBMITTED, StudyPlan.Status.ACKNOWLEDGED],
    ).count()
    trainings = SecretaryTraining.objects.filter(organization=unit, held_on__year=year)
    trained = Person.objects.filter(secretary_trainings__in=trainings).distinct().count()
    return UnitBranchSummary(unit, tuple(periods), branches.count(), plans, trainings.count(), trained)
