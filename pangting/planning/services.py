"""Random draws (R-O2 random mode, 双随机一公开): every write goes through one of these functions.

The derivation itself lives in the Django-free `pangting.lib.draw` (and is repeated in the
stand-alone `tools/verify_draw.py`); this module snapshots the candidates from the database,
keeps the seed secret until the draw, stores the record append-only, and turns the picks
into random-mode visits through the observation services.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.lib import draw as drawlib
from pangting.observation import services as observation_services
from pangting.observation.models import Mode, Semester, State, TeamMember, Visit
from pangting.orgs.models import ConflictOfInterest, LeaderLink, Organization
from pangting.orgs.units import units_supervised_by

from .models import Draw, PlanRun

A = policy.Action


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _save(obj: Any, actor: Any, **kwargs: Any) -> None:
    obj._history_user = _user(actor)
    obj.save(**kwargs)


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
    if actor is not None and not policy.can(actor, A.OBSERVATION_MANAGE, supervisor_org):
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
    now = timezone.now()
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
        raise ValidationError(str(error)) from None
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
def perform_draw(draw: Draw, public_value: str, *, actor: Any) -> Draw:
    """Mix in the public value announced in advance, derive the picks, reveal the seed (R-O2)."""
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if actor is not None and not policy.can(actor, A.OBSERVATION_MANAGE, draw.supervisor_org):
        raise ValidationError(_("您无权进行此次抽取。"))
    if draw.is_drawn:
        raise ValidationError(_("本次抽取已经完成，结果不能更改；如需重新抽取，请发起重抽并说明原因。"))
    public_value = public_value.strip()
    if not public_value:
        raise ValidationError(
            _("请填写公开随机值（{public_value_source}）。").format(public_value_source=draw.public_value_source)
        )
    try:
        result = drawlib.perform_draw(draw.to_record(), bytes.fromhex(draw.seed_hex), public_value)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    draw.public_value = public_value[:200]
    draw.picks = list(result.picks)
    draw.result_digest = result.result_digest or ""
    draw.status = Draw.Status.DRAWN
    draw.drawn_at = timezone.now()
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
        reasons.append(f"{link.leader.name}（{reason}）")
    return [
        _("{unit}：联系该单位的领导均须回避——{items}，无法自动组成旁听组，请调整后再安排。").format(
            unit=unit.name, items="、".join(reasons)
        )
    ]


@transaction.atomic
def create_visits_from_draw(draw: Draw, *, actor: Any, semester: int) -> list[Visit]:
    """Random-mode visits for the picked units, teams proposed from the links (R-O2, R-O3).

    All or nothing: if any picked unit cannot have a team, nothing is created and every such
    unit is explained.
    """
    draw = Draw.objects.select_for_update().select_related("supervisor_org").get(pk=draw.pk)
    if actor is not None and not policy.can(actor, A.OBSERVATION_MANAGE, draw.supervisor_org):
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
        raise ValidationError([_("抽取记录验证未通过，不能据此安排："), *check.errors])
    units = Organization.objects.in_bulk([int(pick) for pick in draw.picks])
    today = timezone.localdate()
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


# --- Plan generation runs (R-O1; R-O3, R-O11, R-O12, R-O13, R-O17 are the planner's rules) ------


@transaction.atomic
def create_run(
    *,
    actor: Any,
    supervisor_org: Organization,
    year: int,
    time_limit: int = 10,
    lanzhou_rule: bool = False,
    cross_observation: bool = True,
    seed: int = 0,
) -> PlanRun:
    """Queue a plan-generation run; refused (nothing saved) when there is nothing to plan with."""
    from .instance import build_instance

    if actor is not None and not policy.can(actor, A.OBSERVATION_MANAGE, supervisor_org):
        raise ValidationError(_("您无权为该组织生成巡听旁听计划。"))
    if not 2000 <= year <= 2100:
        raise ValidationError(_("年度应在2000至2100之间。"))
    if not 1 <= time_limit <= 600:
        raise ValidationError(_("求解时限应在1至600秒之间。"))
    parameters = {
        "time_limit": time_limit, "lanzhou_rule": lanzhou_rule, "cross_observation": cross_observation,
        "seed": seed, "workers": 2,
    }  # fmt: skip
    built = build_instance(supervisor_org, year, parameters)
    if not built.instance.units:
        raise ValidationError(_("下属单位中没有设立理论学习中心组的单位，无需生成计划。"))
    if not built.instance.teams:
        raise ValidationError(
            _("{year}年度没有联系领导（旁听工作组），无法生成计划；请先在“领导联系单位”中指定（R-O3）。").format(
                year=year
            )
        )
    run = PlanRun(supervisor_org=supervisor_org, year=year, parameters=parameters, created_by=_user(actor))
    _save(run, actor)
    return run


def start_run_process(run: PlanRun) -> None:
    """Run the generator in a detached process, never inside the request (`manage.py generate_plan`).

    With `PANGTING_DETACHED_COMMANDS` off (the test suite), nothing is started: the caller
    runs `generate_plan` itself.
    """
    if not settings.PANGTING_DETACHED_COMMANDS:
        return
    # A fixed argument list, no shell; the new session detaches it from the web worker.
    subprocess.Popen(
        [sys.executable, "manage.py", "generate_plan", "--run", str(run.pk)],
        cwd=str(settings.BASE_DIR),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _set(run: PlanRun, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=[*fields, "updated_at"])


def execute_run(run: PlanRun, *, echo: Callable[[PlanRun], None] | None = None, poll: float = 0.5) -> PlanRun:
    """Build the instance, solve with the time limit, store the draft or the explanation.

    The solver works in a thread with no database access; this thread records the progress
    (by elapsed time against the limit) so that the page and the command can show it.
    """
    from pangting.lib import planner

    from .instance import SEMESTER_NUMBERS, build_instance

    echo = echo or (lambda _run: None)
    _set(run, status=PlanRun.Status.RUNNING, progress=5, started_at=timezone.now())
    echo(run)
    try:
        built = build_instance(run.supervisor_org, run.year, run.parameters)
        _set(run, progress=10, notes=built.notes)
        echo(run)
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["result"] = planner.solve_plan(built.instance)
            except Exception as error:  # reported on the run, not lost in the thread
                outcome["error"] = error

        worker = threading.Thread(target=work, daemon=True)
        limit = max(1.0, float(run.parameters.get("time_limit", 10)))
        started = time.monotonic()
        worker.start()
        while worker.is_alive():
            worker.join(poll)
            progress = min(95, 10 + int(85 * (time.monotonic() - started) / limit))
            if progress != run.progress:
                _set(run, progress=progress)
                echo(run)
        if "error" in outcome:
            raise outcome["error"]
        result: planner.PlanResult = outcome["result"]
    except Exception as error:  # a failed run says why, on the page and in the command
        _set(
            run, status=PlanRun.Status.FAILED, progress=100, finished_at=timezone.now(),
            explanation=f"生成失败：{error}", result={"traceback": traceback.format_exc()[-4000:]},
        )  # fmt: skip
        echo(run)
        return run
    names = {u.id: u.name for u in built.instance.units}
    existing = {(p.unit_id, p.team_id, p.semester, p.month) for p in built.existing_pins}
    summary = {
        "status": str(result.status),
        "objective": result.objective,
        "bound": result.best_bound,
        "gap": result.gap,
        "wall_time": round(result.wall_time, 2),
    }
    draft: dict[str, Any] = {"visits": [], "cross": []}
    if result.plan is not None:
        for visit in result.plan.visits:
            leader = built.leaders[visit.team_id]
            draft["visits"].append(
                {
                    "unit_id": visit.unit_id,
                    "unit_name": names[visit.unit_id],
                    "team_id": visit.team_id,
                    "leader_id": leader.pk,
                    "leader_name": leader.name,
                    "semester": SEMESTER_NUMBERS[visit.semester],
                    "month": visit.month,
                    # `pinned`: kept exactly by the solver; `existing`: a visit that is already
                    # arranged (left alone at approval), the others were pinned in a draft.
                    "pinned": visit.pinned,
                    "existing": visit.pinned
                    and (visit.unit_id, visit.team_id, visit.semester, visit.month) in existing,
                }
            )
        for key, pairs in sorted(result.plan.cross_pairs.items()):
            for pair in pairs:
                draft["cross"].append(
                    {
                        "semester": SEMESTER_NUMBERS[key],
                        "host_id": pair.host_id,
                        "host_name": names[pair.host_id],
                        "visitor_id": pair.visitor_id,
                        "visitor_name": names[pair.visitor_id],
                    }
                )
    _set(
        run, status=PlanRun.Status.DONE, progress=100, finished_at=timezone.now(), result=summary, draft=draft,
        explanation="\n".join(result.explanations) if result.plan is None else "",
    )  # fmt: skip
    echo(run)
    return run


@transaction.atomic
def approve_run(run: PlanRun, *, actor: Any) -> list[Visit]:
    """Turn the draft into the year's planned visits and cross-observation invitations (R-O1, R-O13).

    Visits that already exist (pinned by the builder) are left alone; visits the supervisor
    moved or pinned in the draft are created as adjusted. All or nothing.
    """
    from pangting.observation.models import ObservationPlan
    from pangting.orgs.models import LiaisonAssignment, Person

    run = PlanRun.objects.select_for_update().select_related("supervisor_org").get(pk=run.pk)
    if actor is not None and not policy.can(actor, A.OBSERVATION_MANAGE, run.supervisor_org):
        raise ValidationError(_("您无权审定该计划。"))
    if run.approved_at is not None:
        raise ValidationError(_("该计划草案已审定，不能重复审定。"))
    if not run.has_plan:
        raise ValidationError(_("该次生成没有可审定的计划草案。"))
    plan = observation_services.ensure_plan(run.supervisor_org, run.year, actor=actor)
    if plan.status == ObservationPlan.Status.APPROVED:
        raise ValidationError(_("{year}年度巡听旁听计划已审定，不能再导入草案。").format(year=run.year))
    if PlanRun.objects.filter(supervisor_org=run.supervisor_org, year=run.year, approved_at__isnull=False).exists():
        raise ValidationError(
            _("{year}年度已导入过一份计划草案；如需调整，请在巡听旁听计划中逐项修改。").format(year=run.year)
        )
    units = Organization.objects.in_bulk([int(v["unit_id"]) for v in run.draft["visits"]])
    people = Person.objects.in_bulk([int(v["leader_id"]) for v in run.draft["visits"]])
    today = timezone.localdate()
    created: list[Visit] = []
    for item in run.draft["visits"]:
        if is_existing(item):
            continue
        unit = units[int(item["unit_id"])]
        team: list[tuple[Any, str]] = [(people[int(item["leader_id"])], TeamMember.Role.LEADER)]
        liaison = LiaisonAssignment.objects.current(today).filter(unit=unit).select_related("liaison").first()
        if liaison is not None:
            team.append((liaison.liaison, TeamMember.Role.LIAISON))
        created.append(
            observation_services.create_visit(
                actor=actor,
                unit=unit,
                year=run.year,
                semester=item["semester"],
                mode=Mode.PLANNED,
                plan=plan,
                target_month=item["month"],
                team=team,
            )
        )
    cross_units = Organization.objects.in_bulk(
        [int(c[k]) for c in run.draft.get("cross", []) for k in ("host_id", "visitor_id")]
    )
    for item in run.draft.get("cross", []):
        cross = observation_services.invite_cross_observation(
            cross_units[int(item["host_id"])], cross_units[int(item["visitor_id"])], actor=actor
        )
        # The service dates an invitation without a session by today; a plan is for its own year.
        cross.year, cross.semester = run.year, item["semester"]
        _save(cross, actor, update_fields=["year", "semester", "updated_at"])
    run.approved_at = timezone.now()
    run.approved_by = _user(actor)
    _save(run, actor, update_fields=["approved_at", "approved_by", "updated_at"])
    return created


# --- Reviewing the draft: move, pin, re-solve around the pins (R-O1) -------------------------------


def is_existing(item: dict[str, Any]) -> bool:
    """A draft visit that is an already arranged visit (drafts before `existing` was kept: `pinned`)."""
    return bool(item.get("existing", item.get("pinned")))


def _editable(run: PlanRun, actor: Any) -> None:
    if actor is not None and not policy.can(actor, A.OBSERVATION_MANAGE, run.supervisor_org):
        raise ValidationError(_("您无权调整该计划草案。"))
    if run.approved_at is not None:
        raise ValidationError(_("该计划草案已审定导入，不能再调整；如需调整，请在巡听旁听计划中逐项修改。"))
    if not run.has_plan:
        raise ValidationError(_("该次生成尚未完成或没有计划草案，不能调整。"))


def allowed_teams(run: PlanRun) -> dict[str, list[dict[str, str]]]:
    """For each unit of the draft, the teams that may visit it: the year's teams not in conflict (R-O3)."""
    from .instance import build_instance

    built = build_instance(run.supervisor_org, run.year, run.parameters)
    teams = sorted(built.leaders.items(), key=lambda item: (item[1].name, item[0]))
    blocked = _conflicted(built.instance)
    return {
        unit_id: [{"id": tid, "name": person.name} for tid, person in teams if tid not in blocked.get(unit_id, set())]
        for unit_id in built.units
    }


def _conflicted(instance: Any) -> dict[str, set[str]]:
    """unit id → the team ids that must not visit it (回避)."""
    leader_of = {t.id: t.leader_id for t in instance.teams}
    blocked: dict[str, set[str]] = {}
    for conflict in instance.conflicts:
        for tid, leader in leader_of.items():
            if conflict.team_id == tid or (conflict.leader_id is not None and conflict.leader_id == leader):
                blocked.setdefault(conflict.unit_id, set()).add(tid)
    return blocked


@transaction.atomic
def adjust_draft(
    run: PlanRun,
    *,
    actor: Any,
    unit_id: str,
    semester: int,
    month: int | None = None,
    team_id: str | None = None,
    pinned: bool | None = None,
) -> dict[str, Any]:
    """Move one draft visit (month within its semester, team among the unit's allowed teams) and/or
    pin or unpin it. Recorded in the draft's `adjustments` (who, when, what). Nothing changes on error."""
    from pangting.lib import planner

    from .instance import SEMESTER_KEYS, build_instance

    run = PlanRun.objects.select_for_update().select_related("supervisor_org").get(pk=run.pk)
    _editable(run, actor)
    unit_id = str(unit_id)
    try:
        semester = int(semester)
    except (TypeError, ValueError):
        raise ValidationError(_("请选择学期。")) from None
    if semester not in SEMESTER_KEYS:
        raise ValidationError(_("请选择学期。"))
    draft = run.draft
    matches = [v for v in draft["visits"] if str(v["unit_id"]) == unit_id and v["semester"] == semester]
    if not matches:
        raise ValidationError(_("草案中没有该单位本学期的巡听旁听安排。"))
    if len(matches) > 1:
        raise ValidationError(_("该单位本学期在草案中有多次安排，请在审定后于巡听旁听计划中逐项调整。"))
    item = matches[0]
    arrangement = _("{unit}{semester}的安排").format(unit=item["unit_name"], semester=Semester(semester).label)
    if is_existing(item):
        raise ValidationError(
            _("{arrangement}是已有的巡听旁听，不能在草案中调整；请在巡听旁听中修改。").format(arrangement=arrangement)
        )
    changes: dict[str, Any] = {}
    if month is not None:
        months = {s.key: s.months for s in planner.DEFAULT_SEMESTERS}[SEMESTER_KEYS[semester]]
        try:
            month = int(month)
        except (TypeError, ValueError):
            raise ValidationError(_("请选择月份。")) from None
        if month not in months:
            allowed = "、".join(_("{month}月").format(month=m) for m in months)
            raise ValidationError(
                _("{month}月不在{semester}内，只能安排在{allowed}。").format(
                    month=month, semester=Semester(semester).label, allowed=allowed
                )
            )
        if month != item["month"]:
            changes["month"] = [item["month"], month]
    leader = None
    if team_id:
        built = build_instance(run.supervisor_org, run.year, run.parameters)
        if team_id not in built.leaders:
            raise ValidationError(
                _("所选工作组不是{year}年度的旁听工作组（须为当前联系领导，R-O3）。").format(year=run.year)
            )
        if team_id in _conflicted(built.instance).get(unit_id, set()):
            reason = next(
                (
                    c.reason
                    for c in built.instance.conflicts
                    if c.unit_id == unit_id and (c.team_id == team_id or c.leader_id == str(built.leaders[team_id].pk))
                ),
                "",
            )
            who = built.leaders[team_id].name
            raise ValidationError(
                _("{who}须回避{unit_name}（{reason}），不能带队旁听（R-O3）。").format(
                    who=who, unit_name=item["unit_name"], reason=reason or _("回避关系")
                )
            )
        if team_id != item["team_id"]:
            leader = built.leaders[team_id]
            changes["team"] = [item["leader_name"], leader.name]
    if pinned is not None and bool(pinned) != bool(item["pinned"]):
        changes["pinned"] = [bool(item["pinned"]), bool(pinned)]
    if not changes:
        return item
    if "month" in changes or "team" in changes:
        # Hard constraint of the plan: nobody goes in a month the leader or liaison is away.
        new_month = month if "month" in changes else item["month"]
        new_leader = leader.pk if leader is not None else item["leader_id"]
        away = away_lookup(run.supervisor_org, run.year)(unit_id, new_leader, new_month)
        if away:
            raise ValidationError(
                _("{new_month}月不能安排{unit_name}的巡听旁听：{away}已登记为不可安排。").format(
                    new_month=new_month, unit_name=item["unit_name"], away=away
                )
            )
    if "month" in changes:
        item["month"] = month
    if leader is not None:
        item.update(team_id=team_id, leader_id=leader.pk, leader_name=leader.name)
    if "pinned" in changes:
        item["pinned"] = bool(pinned)
    user = _user(actor)
    draft.setdefault("adjustments", []).append(
        {
            "at": timezone.localtime().isoformat(timespec="seconds"),
            "by": user.pk if user else None,
            "by_name": user.get_username() if user else "",
            "unit_id": unit_id,
            "unit_name": item["unit_name"],
            "semester": semester,
            "changes": changes,
        }
    )
    run.draft = draft
    _save(run, actor, update_fields=["draft", "updated_at"])
    return item


def draft_pins(run: PlanRun) -> list[dict[str, Any]]:
    """The visits the supervisor pinned in `run`'s draft (existing visits are pinned anyway)."""
    return [
        {"unit_id": str(v["unit_id"]), "team_id": v["team_id"], "semester": v["semester"], "month": v["month"]}
        for v in run.draft.get("visits", [])
        if v.get("pinned") and not is_existing(v)
    ]


@transaction.atomic
def resolve_run(run: PlanRun, *, actor: Any) -> PlanRun:
    """Queue a new run for the same year and parameters that keeps `run`'s pinned draft visits exactly."""
    run = PlanRun.objects.select_for_update().select_related("supervisor_org").get(pk=run.pk)
    _editable(run, actor)
    parameters = {k: v for k, v in run.parameters.items() if k not in ("pins", "resolved_from")}
    new = create_run(
        actor=actor,
        supervisor_org=run.supervisor_org,
        year=run.year,
        time_limit=int(parameters.get("time_limit", 10)),
        lanzhou_rule=bool(parameters.get("lanzhou_rule", False)),
        cross_observation=bool(parameters.get("cross_observation", True)),
        seed=int(parameters.get("seed", 0)),
    )
    new.parameters = {**new.parameters, "pins": draft_pins(run), "resolved_from": run.pk}
    _save(new, actor, update_fields=["parameters", "updated_at"])
    return new


# --- Unavailability of leaders and liaisons (R-O1 hard constraint: no visit in such a month) ------


def planning_people(supervisor_org: Organization, on: Any = None) -> list[Any]:
    """The people whose unavailability shapes the plan: current linked leaders and liaisons (R-O3)."""
    from pangting.orgs.models import LiaisonAssignment, Person

    on = on or timezone.localdate()
    units = [u.pk for u in draw_units(supervisor_org)]
    leaders = LeaderLink.objects.current(on).filter(unit_id__in=units).values_list("leader_id", flat=True)
    liaisons = LiaisonAssignment.objects.current(on).filter(unit_id__in=units).values_list("liaison_id", flat=True)
    return list(Person.objects.filter(pk__in=[*leaders, *liaisons]).order_by("name", "pk"))


@transaction.atomic
def create_unavailability(
    *,
    actor: Any,
    supervisor_org: Organization,
    person: Any,
    year: int,
    first_month: int,
    last_month: int,
    reason: str,
) -> Any:
    """Record months in which a leader or liaison cannot visit; the next plan run keeps out of them."""
    from .models import Unavailability

    if actor is not None and not policy.can(actor, A.OBSERVATION_MANAGE, supervisor_org):
        raise ValidationError(_("您无权登记该组织的不可安排时间。"))
    if not 2000 <= year <= 2100:
        raise ValidationError(_("年度应在2000至2100之间。"))
    if not (1 <= first_month <= 12 and 1 <= last_month <= 12):
        raise ValidationError(_("月份应在1至12之间。"))
    if first_month > last_month:
        raise ValidationError(_("截止月份不能早于起始月份；跨年度的请分两条登记。"))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请填写不可安排的原因（如：外出学习、出国访问）。"))
    if person.pk not in {p.pk for p in planning_people(supervisor_org)}:
        raise ValidationError(_("{person}不是本组织当前的联系领导或联络员，无需登记。").format(person=person.name))
    row = Unavailability(
        supervisor_org=supervisor_org,
        person=person,
        year=year,
        first_month=first_month,
        last_month=last_month,
        reason=reason[:200],
        created_by=_user(actor),
    )
    _save(row, actor)
    return row


@transaction.atomic
def delete_unavailability(row: Any, *, actor: Any) -> None:
    """Soft-delete one row (its history keeps who entered and who removed it)."""
    if actor is not None and not policy.can(actor, A.OBSERVATION_MANAGE, row.supervisor_org):
        raise ValidationError(_("您无权删除该不可安排时间。"))
    if row.is_deleted:
        raise ValidationError(_("该不可安排时间已删除。"))
    row.soft_delete(actor=_user(actor))


def unavailable_months(supervisor_org: Organization, year: int) -> dict[int, dict[int, str]]:
    """person pk → {month: reason} for `year` under `supervisor_org` (one query)."""
    from .models import Unavailability

    months: dict[int, dict[int, str]] = {}
    for row in Unavailability.objects.filter(supervisor_org=supervisor_org, year=year).order_by("first_month", "pk"):
        for month in row.months:
            months.setdefault(row.person_id, {}).setdefault(month, row.reason)
    return months


def away_lookup(supervisor_org: Organization, year: int, on: Any = None) -> Callable[[str, Any, int], str]:
    """A function (unit id, leader pk, month) → why that visit cannot take place then, or "" (two queries).

    The leader is away, or the unit's current liaison is (both go on the visit, R-O3).
    """
    from pangting.orgs.models import LiaisonAssignment

    from .models import Unavailability

    on = on or timezone.localdate()
    rows = Unavailability.objects.filter(supervisor_org=supervisor_org, year=year).select_related("person")
    away: dict[int, dict[int, str]] = {}
    for row in rows.order_by("first_month", "pk"):
        for month in row.months:
            away.setdefault(row.person_id, {}).setdefault(month, f"{row.person.name}（{row.reason}）")
    liaisons: dict[str, list[int]] = {}
    if away:
        assignments = LiaisonAssignment.objects.current(on).filter(liaison_id__in=list(away))
        for unit_pk, liaison_pk in assignments.values_list("unit_id", "liaison_id"):
            liaisons.setdefault(str(unit_pk), []).append(liaison_pk)

    def reason(unit_id: str, leader_pk: Any, month: int) -> str:
        people = [int(leader_pk), *liaisons.get(str(unit_id), [])] if leader_pk else liaisons.get(str(unit_id), [])
        return "、".join(away[p][month] for p in people if month in away.get(p, {}))

    return reason
