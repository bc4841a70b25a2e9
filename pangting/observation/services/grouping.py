"""The standing grouping table (分组表, R-O24): standing observation teams per supervising
organization and year (or semester), their leader, members and covered units, with history.

Every change is a history row (the teams, their members and units are records with history;
a removed member or unit is soft-deleted, so the table of any past day can be read back). A new
visit takes its team from the table by default (`standing_team_for`, used by `create_visit`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.lib.xlsx import CellValue, Sheet, write_workbook
from pangting.orgs.models import Organization, Person
from pangting.orgs.services import has_conflict
from pangting.orgs.units import supervisor_org_for

from ..models import Semester, StandingTeam, StandingTeamMember, StandingTeamUnit, TeamMember, Visit
from ._common import A, _save, _user


def standing_team_for(unit: Organization, year: int, semester: int | None) -> StandingTeam | None:
    """The standing team that covers `unit` in that year and semester (R-O24), or None.

    A team of the semester wins over a team of the whole year.
    """
    links = StandingTeamUnit.objects.filter(
        unit=unit,
        team__deleted_at__isnull=True,
        team__year=year,
        team__supervisor_org=supervisor_org_for(unit),
    ).filter(Q(team__semester=semester) | Q(team__semester__isnull=True))
    link = links.select_related("team__leader").order_by(F("team__semester").asc(nulls_last=True)).first()
    return link.team if link else None


def standing_team_members(team: StandingTeam) -> list[Person]:
    return [m.person for m in team.members.filter(deleted_at__isnull=True).select_related("person")]


def proposed_standing_team(
    unit: Organization, year: int, semester: int | None
) -> tuple[StandingTeam | None, list[tuple[Person, str]]]:
    """The team the grouping table gives for a visit of `unit`: its leader and members, leaving
    out anyone of the unit itself or in conflict with it (R-O3). Empty when no team covers it."""
    team = standing_team_for(unit, year, semester)
    if team is None:
        return None, []
    people: list[tuple[Person, str]] = []
    for person, role in [(team.leader, TeamMember.Role.LEADER)] + [
        (p, TeamMember.Role.MEMBER) for p in standing_team_members(team)
    ]:
        if _belongs_to(person, unit) or has_conflict(person, unit):
            continue
        people.append((person, role))
    return team, people


def team_of_visit(visit: Visit, team: Sequence[tuple[Person, str]]) -> StandingTeam | None:
    """The standing team a new visit belongs to: the covering team, if the visit's leader is its
    leader or one of its members (a visit made by other people is not that group's visit)."""
    standing = standing_team_for(visit.unit, visit.year, visit.semester)
    if standing is None:
        return None
    leaders = [p.pk for p, role in team if role == TeamMember.Role.LEADER]
    group = {standing.leader_id, *(p.pk for p in standing_team_members(standing))}
    return standing if leaders and leaders[0] in group else None


def _belongs_to(person: Person, unit: Organization) -> bool:
    return person.organization_id == unit.pk or person.organization.path.startswith(unit.path)


def _problems(
    *,
    supervisor_org: Organization,
    year: int,
    semester: int | None,
    leader: Person,
    members: Sequence[Person],
    units: Sequence[Organization],
    exclude: StandingTeam | None,
) -> list[str]:
    problems: list[str] = []
    if semester is not None and semester not in Semester.values:
        problems.append(_("学期应为上半年或下半年，或不填表示全年。"))
    if leader.pk in {m.pk for m in members}:
        problems.append(_("组长不必再列为成员。"))
    others = StandingTeamUnit.objects.filter(
        team__supervisor_org=supervisor_org, team__year=year, team__deleted_at__isnull=True
    ).select_related("team", "unit")
    # One team per unit and period; a team of one semester may override the whole year's team
    # for that semester (standing_team_for prefers it).
    others = (
        others.filter(team__semester=semester) if semester is not None else others.filter(team__semester__isnull=True)
    )
    if exclude is not None:
        others = others.exclude(team=exclude)
    taken = {link.unit_id: link.team.name for link in others}
    for unit in units:
        if not unit.is_unit or supervisor_org_for(unit).pk != supervisor_org.pk:
            problems.append(_("{unit}不在本督导组织的旁听范围内。").format(unit=unit.name))
        if unit.pk in taken:
            problems.append(
                _("{unit}已由{team}联系，同一时期一个单位只能由一个小组联系。").format(
                    unit=unit.name, team=taken[unit.pk]
                )
            )
        for person in [leader, *members]:
            if _belongs_to(person, unit):
                problems.append(
                    _("{person}属于{unit}，不能联系本单位（R-O3）。").format(person=person.name, unit=unit.name)
                )
            elif has_conflict(person, unit):
                problems.append(_("{person}与{unit}存在回避关系（R-O3）。").format(person=person.name, unit=unit.name))
    return problems


def _sync(existing: QuerySet[Any], field: str, wanted: Iterable[Any], make: Any, actor: Any) -> None:
    """Soft-delete the rows no longer wanted, add the new ones (history shows both)."""
    wanted_ids = {obj.pk: obj for obj in wanted}
    for row in existing.filter(deleted_at__isnull=True):
        if getattr(row, f"{field}_id") in wanted_ids:
            wanted_ids.pop(getattr(row, f"{field}_id"))
        else:
            row.soft_delete(actor=_user(actor))
    for obj in wanted_ids.values():
        _save(make(obj), actor)


@transaction.atomic
def save_standing_team(
    *,
    actor: Any,
    supervisor_org: Organization,
    year: int,
    semester: int | None,
    name: str,
    leader: Person,
    members: Sequence[Person] = (),
    units: Sequence[Organization] = (),
    notes: str = "",
    team: StandingTeam | None = None,
) -> StandingTeam:
    """Create a standing team, or change one (`team`), with its members and covered units (R-O24)."""
    if not policy.can_supervise(actor, A.OBSERVATION_MANAGE, supervisor_org):  # its seat (R-O23)
        raise ValidationError(_("您无权调整该督导组织的分组表。"))
    name = name.strip()
    if not name:
        raise ValidationError(_("请填写小组名称。"))
    problems = _problems(
        supervisor_org=supervisor_org, year=year, semester=semester, leader=leader, members=members,
        units=units, exclude=team,
    )  # fmt: skip
    duplicate = StandingTeam.objects.filter(supervisor_org=supervisor_org, year=year, semester=semester, name=name)
    if team is not None:
        duplicate = duplicate.exclude(pk=team.pk)
    if duplicate.exists():
        problems.append(_("同一时期已有名为“{name}”的小组。").format(name=name))
    if problems:
        raise ValidationError(problems)
    if team is None:
        team = StandingTeam(supervisor_org=supervisor_org)
    team.year, team.semester, team.name, team.leader, team.notes = year, semester, name, leader, notes.strip()
    _save(team, actor)
    _sync(team.members.all(), "person", members, lambda p: StandingTeamMember(team=team, person=p), actor)
    _sync(team.covered.all(), "unit", units, lambda u: StandingTeamUnit(team=team, unit=u), actor)
    return team


@transaction.atomic
def delete_standing_team(team: StandingTeam, *, actor: Any) -> None:
    """Soft-delete a team (its visits keep pointing at it; the history keeps the table)."""
    if not policy.can_supervise(actor, A.OBSERVATION_MANAGE, team.supervisor_org):
        raise ValidationError(_("您无权调整该督导组织的分组表。"))
    team.soft_delete(actor=_user(actor))


def grouping_rows(teams: Iterable[StandingTeam]) -> list[dict[str, Any]]:
    """The table as rows: team, period, leader, members, covered units (one query per relation)."""
    teams = list(teams)
    members: dict[int, list[str]] = {}
    for m in StandingTeamMember.objects.filter(team__in=teams).select_related("person").order_by("person__name"):
        members.setdefault(m.team_id, []).append(m.person.name)
    covered: dict[int, list[Organization]] = {}
    for link in StandingTeamUnit.objects.filter(team__in=teams).select_related("unit").order_by("unit__path"):
        covered.setdefault(link.team_id, []).append(link.unit)
    return [
        {
            "team": team,
            "period": _("{year}年{semester}").format(
                year=team.year, semester=team.get_semester_display() if team.semester else _("全年")
            ),
            "members": members.get(team.pk, []),
            "units": covered.get(team.pk, []),
            "members_text": _("、").join(members.get(team.pk, [])),
            "units_text": _("、").join(u.display_name for u in covered.get(team.pk, [])),
        }
        for team in teams
    ]


def grouping_workbook(teams: Iterable[StandingTeam], title: str) -> bytes:
    """The grouping table as an Excel ledger (R-O24), like the other ledgers (lib.xlsx)."""
    rows: list[list[CellValue]] = [
        [
            row["team"].name,
            row["period"],
            row["team"].leader.name,
            row["members_text"],
            row["units_text"],
            len(row["units"]),
            row["team"].notes,
        ]
        for row in grouping_rows(teams)
    ]
    headers = [_("小组名称"), _("时期"), _("组长"), _("成员"), _("联系单位"), _("单位数"), _("备注")]
    return write_workbook([Sheet(title, headers, rows, [18, 14, 10, 30, 50, 8, 24])])
