"""Random draws (R-O2 random mode, 双随机一公开).

The derivation itself lives in the Django-free `pangting.lib.draw` (and is repeated in the
stand-alone `tools/verify_draw.py`); this module snapshots the candidates from the database,
keeps the seed secret until the draw, stores the record append-only, and turns the picks
into random-mode visits through the observation services.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.i18n import render_error, render_message
from pangting.lib import draw as drawlib
from pangting.observation import services as observation_services
from pangting.observation.models import Mode, Semester, State, TeamMember, Visit
from pangting.orgs.models import ConflictOfInterest, LeaderLink, Organization
from pangting.orgs.units import units_supervised_by

from ..models import Draw
from ._common import A, _save, _user


def draw_units(supervisor_org: Organization) -> list[Organization]:
    """The units a draw may choose from: the units the supervisor supervises (`orgs.units`)."""
    return list(units_supervised_by(supervisor_org))


def suggested_exclusions(supervisor_org: Organization, year: int, semester: int) -> dict[int, str]:
    """Units that already have a visit this semester: suggested for exclusion, with the reason."""
    visited = (
        Visit.objects.filter(unit__path__startswith=supervisor_org.path, year=year, semester=semester)
        .exclude(state=State.CANCELLED)
        .values_list("unit_id", flat=True)
    )
    label = Semester(semester).label
    return dict.fromkeys(visited, _("{year}年{semester}已安排巡听旁听").format(year=year, semester=label))


@transaction.atomic
def create_draw(
    *,
    actor: Any,
    supervisor_org: Organization,
    purpose: str,
    year: int,
    candidates: Iterable[Organization],
    exclusions: Iterable[tuple[Organization, str]] = (),
    count: int,
    public_value_source: str,
    redraw_of: Draw | None = None,
    redraw_reason: str = "",
) -> Draw:
    """Snapshot the candidates, commit to a secret seed and publish the commitment (R-O2).

    Nothing is saved when the input cannot make a fair draw (empty list, bad count, no
    public value source named in advance, an exclusion without reason).
    """
    if not policy.can_supervise(actor, A.OBSERVATION_MANAGE, supervisor_org):
        raise ValidationError(_("您无权在该组织发起随机抽取。"))
    purpose = purpose.strip()
    if not purpose:
        raise ValidationError(_("请填写抽取事由。"))
    if redraw_of is not None:
        if not redraw_reason.strip():
            raise ValidationError(_("重新抽取须说明原因。"))
        if redraw_of.supervisor_org_id != supervisor_org.pk:
            raise ValidationError(_("重新抽取应在原抽取的督导组织内进行。"))
        if live_visits(redraw_of).exists():
            raise ValidationError(_("已根据原抽取结果安排了巡听旁听，请先取消这些安排再重新抽取。"))
    candidates = list(candidates)
    exclusions = [(org, reason.strip()) for org, reason in exclusions]
    for org in [*candidates, *(org for org, _reason in exclusions)]:
        if not org.path.startswith(supervisor_org.path) or org.pk == supervisor_org.pk:
            raise ValidationError(_("“{org}”不在本督导组织的下属单位中。").format(org=org.name))
    now = clock.now()
    draw_id = f"{year}-{uuid.uuid4().hex[:12]}"
    try:
        seed, record = drawlib.prepare_draw(
            draw_id=draw_id,
            purpose=purpose,
            created_at=now.isoformat(timespec="seconds"),
            candidates=[drawlib.Candidate(str(org.pk), org.name) for org in candidates],
            exclusions=[drawlib.Exclusion(str(org.pk), org.name, reason) for org, reason in exclusions],
            count=count,
            public_value_source=public_value_source.strip(),
        )
    except ValueError as error:
        raise ValidationError(render_error(error)) from None
    published = record.to_dict()
    draw = Draw(
        draw_id=draw_id,
        supervisor_org=supervisor_org,
        purpose=purpose,
        year=year,
        published_at=record.created_at,
        candidates=published["candidates"],
        exclusions=published["exclusions"],
        candidate_hash=record.candidate_hash,
        seed_commitment=record.seed_commitment,
        seed_hex=seed.hex(),
        public_value_source=record.public_value_source,
        count=count,
        redraw_of=redraw_of,
        redraw_reason=redraw_reason.strip()[:300],
        created_by=_user(actor),
        created_at=now,
    )
    _save(draw, actor)
    return draw


@transaction.atomic
def perform_draw(draw: Draw, public_value: str, *, actor: Any, published_on: dt.date | None = None) -> Draw:
    """Mix in the public value announced in advance, derive the picks, reveal the seed (R-O2).

    A value dated after today (`published_on`, or the day the source names) is refused: it
    cannot have been published yet (conventions.md "auditable draws")."""
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if not policy.can_supervise(actor, A.OBSERVATION_MANAGE, draw.supervisor_org):
        raise ValidationError(_("您无权进行此次抽取。"))
    if draw.is_drawn:
        raise ValidationError(_("本次抽取已经完成，结果不能更改；如需重新抽取，请发起重抽并说明原因。"))
    public_value = public_value.strip()
    if not public_value:
        raise ValidationError(
            _("请填写公开随机值（{public_value_source}）。").format(public_value_source=draw.public_value_source)
        )
    if (problem := drawlib.not_yet_public(draw.public_value_source, clock.today(), published_on)) is not None:
        raise ValidationError(render_message(problem))
    if published_on is not None and published_on < clock.local_day(draw.created_at):
        raise ValidationError(
            _("公开随机值的日期早于本次抽取公布种子承诺的日期，该数值在承诺前已经公开，不能用于抽取。")
        )
    try:
        result = drawlib.perform_draw(draw.to_record(), bytes.fromhex(draw.seed_hex), public_value)
    except ValueError as error:
        raise ValidationError(render_error(error)) from None
    draw.public_value = public_value[:200]
    draw.picks = list(result.picks)
    draw.result_digest = result.result_digest or ""
    draw.status = Draw.Status.DRAWN
    draw.drawn_at = clock.now()
    draw.drawn_by = _user(actor)
    _save(draw, actor)
    return draw


def verify_draw(draw: Draw) -> drawlib.VerificationResult:
    """Re-derive the draw from what is stored, as an auditor would from the published record."""
    if not draw.is_drawn:
        return drawlib.VerificationResult(ok=False, errors=[_("尚未抽取：种子将在抽取时公开，届时方可验证。")])
    return drawlib.verify(draw.to_record())


def live_visits(draw: Draw) -> Any:
    """The non-cancelled visits made from a draw (Visit.draw_ref holds the draw id)."""
    return Visit.objects.filter(draw_ref=draw.draw_id).exclude(state=State.CANCELLED)


def superseded_by(draw: Draw) -> Draw | None:
    return Draw.objects.filter(redraw_of=draw).order_by("-created_at").first()


def _team_explanation(unit: Organization, team: list[tuple[Any, str]], on: Any) -> list[str]:
    """Why no team can be proposed for `unit`, in Chinese (R-O3: the linked leader, unless in conflict)."""
    problems = observation_services.team_problems(unit, team)
    if any(role == TeamMember.Role.LEADER for _person, role in team) or not problems:
        return problems
    links = list(LeaderLink.objects.current(on).filter(unit=unit).select_related("leader"))
    if not links:
        return [
            _("{unit}：没有联系领导，无法按联系关系组成旁听组（R-O3），请先在“领导联系单位”中指定。").format(
                unit=unit.name
            )
        ]
    reasons = []
    for link in links:
        conflict = (
            ConflictOfInterest.objects.filter(
                person=link.leader, unit_id__in=[o.pk for o in unit.ancestors()] + [unit.pk]
            )
            .order_by("pk")
            .first()
        )
        reason = conflict.reason if conflict else _("回避")
        reasons.append(_("{name}（{reason}）").format(name=link.leader.name, reason=reason))
    return [
        _("{unit}：联系该单位的领导均须回避——{items}，无法自动组成旁听组，请调整后再安排。").format(
            unit=unit.name, items=_("、").join(reasons)
        )
    ]


@transaction.atomic
def create_visits_from_draw(draw: Draw, *, actor: Any, semester: int) -> list[Visit]:
    """Random-mode visits for the picked units, teams proposed from the links (R-O2, R-O3).

    All or nothing: if any picked unit cannot have a team, nothing is created and every such
    unit is explained.
    """
    draw = Draw.objects.select_for_update().select_related("supervisor_org").get(pk=draw.pk)
    if not policy.can_supervise(actor, A.OBSERVATION_MANAGE, draw.supervisor_org):
        raise ValidationError(_("您无权根据此次抽取安排巡听旁听。"))
    if semester not in Semester.values:
        raise ValidationError(_("请选择学期。"))
    if not draw.is_drawn:
        raise ValidationError(_("尚未抽取，不能安排巡听旁听。"))
    if superseded_by(draw) is not None:
        raise ValidationError(_("此次抽取已被重新抽取取代，请使用新的抽取结果。"))
    if Visit.objects.filter(draw_ref=draw.draw_id).exists():
        raise ValidationError(_("已根据此次抽取安排过巡听旁听。"))
    check = verify_draw(draw)
    if not check.ok:
        raise ValidationError([_("抽取记录验证未通过，不能据此安排："), *map(render_message, check.errors)])
    units = Organization.objects.in_bulk([int(pick) for pick in draw.picks])
    today = clock.today()
    plans: list[tuple[Organization, list[tuple[Any, str]]]] = []
    problems: list[str] = []
    for pick in draw.picks:
        unit = units.get(int(pick))
        if unit is None:
            problems.append(_("抽中的单位（编号{pick}）已不存在。").format(pick=pick))
            continue
        team = observation_services.propose_team(unit, today)
        explanation = _team_explanation(unit, team, today)
        if explanation:
            problems.extend(explanation)
        else:
            plans.append((unit, team))
    if problems:
        raise ValidationError(problems)
    return [
        observation_services.create_visit(
            actor=actor,
            unit=unit,
            year=draw.year,
            semester=semester,
            mode=Mode.RANDOM,
            team=team,
            focus=draw.purpose,
            draw_ref=draw.draw_id,
        )
        for unit, team in plans
    ]
