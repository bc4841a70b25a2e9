"""Plan generation runs (R-O1): queue, solve in the background worker, review the draft, approve.

R-O3, R-O11, R-O12, R-O13 and R-O17 are the planner's rules (`pangting.lib.planner`).
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pangting.accounts import policy
from pangting.core import clock, jobs
from pangting.core.models import Job
from pangting.lib.messages import Message, message_of, to_json
from pangting.observation import services as observation_services
from pangting.observation.models import Mode, Semester, TeamMember, Visit
from pangting.orgs.models import Organization

from ..models import PlanRun
from ._common import A, _save, _user
from .unavailability import away_lookup

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
    from ..instance import build_instance

    if not policy.can_supervise(actor, A.OBSERVATION_MANAGE, supervisor_org):
        raise ValidationError(_("您无权为该组织生成巡听旁听计划。"))
    if not 2000 <= year <= 2100:
        raise ValidationError(_("年度应在2000至2100之间。"))
    if not 1 <= time_limit <= 600:
        raise ValidationError(_("求解时限应在1至600秒之间。"))
    from ..instance import planned_month_weight

    parameters = {
        "time_limit": time_limit, "lanzhou_rule": lanzhou_rule, "cross_observation": cross_observation,
        "seed": seed, "workers": 2,
        # R-O20: the weight in force when the run was asked for, kept with the run.
        "planned_month_weight": planned_month_weight(),
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


def queue_run(run: PlanRun, *, actor: Any) -> Job:
    """Hand the run to the background worker (`pangting.core.jobs`), never solving in the request.

    The run keeps its own progress for its page; the job mirrors it. A run does not fail by
    raising (`execute_run` stores the reason), so only a crash of the attempt itself is retried.
    """
    return jobs.start(
        "planning.generate_plan",
        title=_("{year}年度巡听旁听计划生成").format(year=run.year),
        actor=actor,
        params={"run_id": run.pk},
        organization=run.supervisor_org,
        action=A.OBSERVATION_MANAGE,
    )


def generate_plan_job(job: Job, *, run_id: int) -> dict[str, Any]:
    """The worker's side of `queue_run`: solve the run (again, on a retry), mirroring its progress."""
    run = PlanRun.objects.select_related("supervisor_org").get(pk=run_id)
    if run.status in (PlanRun.Status.QUEUED, PlanRun.Status.RUNNING):
        run = execute_run(run, echo=lambda current: jobs.progress(job, current.progress, 100))
    return {"url": reverse("planning:run_detail", args=[run.pk])}


def note_messages(notes: list[str]) -> list[dict[str, Any]]:
    """The msgid and parameters of each note (`core.i18n`), for showing it in other languages."""
    return [{"msgid": getattr(note, "msgid", ""), "params": getattr(note, "params", {})} for note in notes]


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

    from ..instance import SEMESTER_NUMBERS, build_instance

    echo = echo or (lambda _run: None)
    _set(run, status=PlanRun.Status.RUNNING, progress=5, started_at=clock.now())
    echo(run)
    try:
        built = build_instance(run.supervisor_org, run.year, run.parameters)
        _set(run, progress=10, notes=built.notes, note_messages=note_messages(built.notes))
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
        # Malformed input lists its problems one per line; the first line says the run failed.
        reasons = list(error.messages) if isinstance(error, planner.InvalidInstance) else [message_of(error)]
        failed = Message(gettext_noop("生成失败：{error}"), error=reasons[0] if reasons else "")
        _set(
            run, status=PlanRun.Status.FAILED, progress=100, finished_at=clock.now(),
            explanation=_("生成失败：{error}").format(error=error),
            result={"traceback": traceback.format_exc()[-4000:], "explanations": to_json([failed, *reasons[1:]])},
        )  # fmt: skip
        echo(run)
        return run
    names = {u.id: u.name for u in built.instance.units}
    plans = {u.id: sorted(u.planned_months) for u in built.instance.units}
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
                    # R-O20: the months the unit planned sessions in ([]: no plan, no preference).
                    "planned_months": plans[visit.unit_id],
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
        run, status=PlanRun.Status.DONE, progress=100, finished_at=clock.now(),
        # The explanation is stored in Chinese; its messages too, so that pages show them translated.
        result={**summary, "explanations": to_json(list(result.explanations))} if result.plan is None else summary,
        draft=draft,
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
    if not policy.can_supervise(actor, A.OBSERVATION_MANAGE, run.supervisor_org):
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
    today = clock.today()
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
    run.approved_at = clock.now()
    run.approved_by = _user(actor)
    _save(run, actor, update_fields=["approved_at", "approved_by", "updated_at"])
    return created


# --- Reviewing the draft: move, pin, re-solve around the pins (R-O1) -------------------------------


def planned_month_note(item: dict[str, Any]) -> tuple[bool | None, str]:
    """R-O20: whether a draft visit falls in a month its unit planned a session in, and why, in Chinese.

    None when the unit has no planned months (drafts before R-O20 included): no preference.
    """
    months = item.get("planned_months") or []
    if not months:
        return None, _("该单位未安排本年度中心组学习计划月份")
    listed = _("、").join(_("{month}月").format(month=m) for m in months)
    if item["month"] in months:
        return True, _("该单位计划于{month}月开展学习").format(month=item["month"])
    return False, _("该单位计划于{months}开展学习，本次安排不在其计划月份").format(months=listed)


def planned_month_summary(items: list[dict[str, Any]]) -> dict[str, int]:
    """R-O20: how many draft visits fall in a planned month, of those to units with a plan."""
    marks = [planned_month_note(item)[0] for item in items]
    return {
        "matched": sum(1 for m in marks if m is True),
        "with_plan": sum(1 for m in marks if m is not None),
        "without_plan": sum(1 for m in marks if m is None),
    }


def is_existing(item: dict[str, Any]) -> bool:
    """A draft visit that is an already arranged visit (drafts before `existing` was kept: `pinned`)."""
    return bool(item.get("existing", item.get("pinned")))


def _editable(run: PlanRun, actor: Any) -> None:
    if not policy.can_supervise(actor, A.OBSERVATION_MANAGE, run.supervisor_org):
        raise ValidationError(_("您无权调整该计划草案。"))
    if run.approved_at is not None:
        raise ValidationError(_("该计划草案已审定导入，不能再调整；如需调整，请在巡听旁听计划中逐项修改。"))
    if not run.has_plan:
        raise ValidationError(_("该次生成尚未完成或没有计划草案，不能调整。"))


def allowed_teams(run: PlanRun) -> dict[str, list[dict[str, str]]]:
    """For each unit of the draft, the teams that may visit it: the year's teams not in conflict (R-O3)."""
    from ..instance import build_instance

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

    from ..instance import SEMESTER_KEYS, build_instance

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
        months = {s.key: s.months for s in planner.DEFAULT_SEMESTERS}[SEMESTER_KEYS[Semester(semester)]]
        try:
            month = int(month)
        except (TypeError, ValueError):
            raise ValidationError(_("请选择月份。")) from None
        if month not in months:
            allowed = _("、").join(_("{month}月").format(month=m) for m in months)
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
        new_month = month if "month" in changes and month is not None else item["month"]
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
