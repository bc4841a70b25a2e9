"""The observation workflow: every write goes through one of these functions.

The visit's states and who may move it between them are data (`TRANSITIONS`); the one
`transition()` function checks the table, the policy and the preconditions, and writes
the `VisitTransition` row. Deadlines are computed by the calendar service and stored
with their basis; a deadline that falls into a year the calendar does not know is not
guessed: the visit carries a visible warning until an administrator enters that year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pangting.accounts import policy
from pangting.orgs.models import LeaderLink, LiaisonAssignment, Organization, Person
from pangting.orgs.services import has_conflict
from pangting.workdays.services import DayUnit, UnknownCalendarYear, compute_deadline

from .models import (
    CHECKLIST_POINTS,
    DEFAULT_RUBRIC_ITEMS,
    CrossObservation,
    DocumentReview,
    Evidence,
    Feedback,
    InvitationRequest,
    LetterCounter,
    Mode,
    ObservationPlan,
    ObservationRecord,
    Practice,
    Rectification,
    Replication,
    Rubric,
    Semester,
    State,
    Talk,
    TeamMember,
    Visit,
    VisitTransition,
)

A = policy.Action


# --- Parameters (domain.md: numbers are per-deployment defaults) ------------------------


@dataclass(frozen=True)
class DeadlineRule:
    amount: int
    unit: DayUnit


def _rule(name: str, amount: int, unit: DayUnit) -> DeadlineRule:
    configured = getattr(settings, "PANGTING_OBSERVATION_DEADLINES", {}).get(name)
    if configured:
        return DeadlineRule(int(configured[0]), DayUnit(configured[1]))
    return DeadlineRule(amount, unit)


def reply_rule() -> DeadlineRule:
    """R-O4: the unit replies within 7 working days of receiving the letter."""
    return _rule("reply", 7, DayUnit.WORKING)


def record_rule() -> DeadlineRule:
    """R-O8: the liaison files the record within 3 days of the session."""
    return _rule("record", 3, DayUnit.CALENDAR)


def feedback_rule() -> DeadlineRule:
    """R-O9: written feedback within 10 working days of the session."""
    return _rule("feedback", 10, DayUnit.WORKING)


def cross_report_rule() -> DeadlineRule:
    """R-O13: a unit that sat in reports in writing within 3 days."""
    return _rule("cross_report", 3, DayUnit.CALENDAR)


def semester_of(day: dt.date) -> tuple[int, int]:
    """(academic year label, semester): Feb–Aug is spring (1), Sep–Jan autumn (2) of the calendar year."""
    if day.month == 1:
        return day.year - 1, Semester.AUTUMN
    if 2 <= day.month <= 8:
        return day.year, Semester.SPRING
    return day.year, Semester.AUTUMN


# --- Workflow table -------------------------------------------------------------------

# (from, to) → the action a user needs at the visit's unit. Read this to know who does what.
TRANSITIONS: dict[tuple[str, str], A] = {
    (State.PLANNED, State.NOTIFIED): A.OBSERVATION_MANAGE,  # letter issued (R-O4)
    (State.PLANNED, State.SCHEDULED): A.OBSERVATION_MANAGE,  # invited visits: the unit named the session
    (State.NOTIFIED, State.SCHEDULED): A.OBSERVATION_REPLY,  # the unit's reply links its session
    (State.SCHEDULED, State.OBSERVED): A.OBSERVATION_RECORD,  # the team attended (R-O5)
    (State.OBSERVED, State.RECORDED): A.OBSERVATION_RECORD,  # record filed (R-O8)
    (State.RECORDED, State.FEEDBACK_ISSUED): A.OBSERVATION_MANAGE,  # feedback issued (R-O9)
    (State.FEEDBACK_ISSUED, State.RECTIFYING): A.OBSERVATION_REPLY,  # receipt acknowledged, problems to fix
    (State.FEEDBACK_ISSUED, State.CLOSED): A.OBSERVATION_REPLY,  # receipt acknowledged, nothing to fix
    (State.RECTIFYING, State.CLOSED): A.OBSERVATION_MANAGE,  # every item verified (R-O10)
}
for _state in State:
    if _state not in (State.CLOSED, State.CANCELLED):
        TRANSITIONS[(_state, State.CANCELLED)] = A.OBSERVATION_MANAGE

STATE_ORDER = [
    State.PLANNED, State.NOTIFIED, State.SCHEDULED, State.OBSERVED, State.RECORDED,
    State.FEEDBACK_ISSUED, State.RECTIFYING, State.CLOSED,
]  # fmt: skip


def allowed_transitions(visit: Visit, user: Any) -> list[str]:
    """The states `user` may move `visit` to now (for buttons on the page)."""
    return [
        to
        for (frm, to), action in TRANSITIONS.items()
        if frm == visit.state and policy.can(user, action, visit.unit) and not _precondition_error(visit, to)
    ]


def _precondition_error(visit: Visit, to_state: str) -> str | None:
    now = timezone.now()
    if to_state == State.SCHEDULED and visit.session_id is None:
        return "尚未关联学习会，请先由单位回复并确定学习会。"
    if to_state == State.SCHEDULED and visit.state == State.PLANNED and visit.mode != Mode.INVITED:
        return "固定式、随机式巡听旁听须先发函告知（R-O4）。"
    if to_state == State.OBSERVED and (visit.session is None or visit.session.starts_at > now):
        return "学习会尚未开始，不能标记为已旁听。"
    if (
        to_state == State.RECORDED
        and not ObservationRecord.objects.filter(visit=visit, filed_at__isnull=False).exists()
    ):
        return "请先填报列席旁听记录。"
    if to_state == State.FEEDBACK_ISSUED and not Feedback.objects.filter(visit=visit, issued_at__isnull=False).exists():
        return "请先印发反馈意见。"
    if to_state == State.CLOSED:
        items = visit.rectifications.filter(deleted_at__isnull=True)
        if visit.state == State.RECTIFYING and items.exclude(status=Rectification.Status.ACCEPTED).exists():
            return "还有整改事项未验收，不能办结。"
        if visit.state == State.FEEDBACK_ISSUED and items.exists():
            return "反馈意见中有问题需要整改，请进入整改。"
    return None


@transaction.atomic
def transition(visit: Visit, to_state: str, *, actor: Any, reason: str = "") -> Visit:
    """Move `visit` to `to_state`: checks the table, the policy, the preconditions; records the change."""
    caller_visit = visit
    visit = Visit.objects.select_for_update().select_related("session", "unit").get(pk=visit.pk)
    to_state = State(to_state)
    action = TRANSITIONS.get((visit.state, to_state))
    if action is None:
        raise ValidationError(f"不能从“{State(visit.state).label}”直接变为“{to_state.label}”。")
    if actor is not None and not policy.can(actor, action, visit.unit):
        raise ValidationError("您无权进行此操作。")
    if to_state == State.CANCELLED and not reason.strip():
        raise ValidationError("取消巡听旁听须说明原因。")
    problem = _precondition_error(visit, to_state)
    if problem:
        raise ValidationError(problem)
    VisitTransition.objects.create(
        visit=visit, from_state=visit.state, to_state=to_state, actor=_user(actor), reason=reason.strip()[:300]
    )
    visit.state = to_state
    _save(visit, actor, update_fields=["state", "updated_at"])
    # Keep the caller's instance in step, so a chain of services sees the new state.
    caller_visit.state = visit.state
    caller_visit.updated_at = visit.updated_at
    return caller_visit


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _save(obj: Any, actor: Any, **kwargs: Any) -> None:
    obj._history_user = _user(actor)
    obj.save(**kwargs)


# --- Plans, visits and teams ------------------------------------------------------------


def supervisor_org_for(unit: Organization) -> Organization:
    """The organization that owns the supervision of `unit`: the root of its tree."""
    ancestors = unit.ancestors()
    return ancestors[0] if ancestors else unit


@transaction.atomic
def ensure_plan(supervisor_org: Organization, year: int, *, actor: Any) -> ObservationPlan:
    plan = ObservationPlan.objects.filter(organization=supervisor_org, year=year).first()
    if plan is None:
        plan = ObservationPlan(
            organization=supervisor_org, year=year, title=f"{year}年度理论学习中心组学习巡听旁听计划"
        )
        _save(plan, actor)
    return plan


@transaction.atomic
def approve_plan(plan: ObservationPlan, *, actor: Any) -> ObservationPlan:
    if not plan.visits.filter(deleted_at__isnull=True).exists():
        raise ValidationError("计划中还没有巡听旁听安排，不能审定。")
    plan.status = ObservationPlan.Status.APPROVED
    plan.approved_at = timezone.now()
    plan.approved_by = _user(actor)
    _save(plan, actor)
    return plan


def propose_team(unit: Organization, on: dt.date | None = None) -> list[tuple[Person, str]]:
    """R-O3: by default, the leader linked to the unit (unless in conflict) and the unit's liaison."""
    on = on or timezone.localdate()
    team: list[tuple[Person, str]] = []
    for link in LeaderLink.objects.current(on).filter(unit=unit).select_related("leader"):
        if not has_conflict(link.leader, unit):
            team.append((link.leader, TeamMember.Role.LEADER))
            break
    liaison = LiaisonAssignment.objects.current(on).filter(unit=unit).select_related("liaison").first()
    if liaison:
        team.append((liaison.liaison, TeamMember.Role.LIAISON))
    return team


def team_problems(unit: Organization, team: Iterable[tuple[Person, str]]) -> list[str]:
    """What is wrong with a proposed team: conflicts, own unit, missing leader (R-O3)."""
    problems = []
    roles = [role for _person, role in team]
    if TeamMember.Role.LEADER not in roles:
        problems.append("旁听组须有一名组长（原则上为联系该单位的领导，R-O3）。")
    if roles.count(TeamMember.Role.LEADER) > 1:
        problems.append("旁听组只能有一名组长。")
    for person, role in team:
        # The liaison is the unit's own party-administration secretary (R-O3); nobody else on
        # the team may belong to the unit being observed.
        own_unit = person.organization_id == unit.pk or person.organization.path.startswith(unit.path)
        if own_unit and role != TeamMember.Role.LIAISON:
            problems.append(f"{person.name}属于被旁听单位，不能旁听本单位的学习。")
        if has_conflict(person, unit):
            problems.append(f"{person.name}与{unit.name}存在回避关系，不能参加此次巡听旁听。")
    return problems


@transaction.atomic
def create_visit(
    *,
    actor: Any,
    unit: Organization,
    year: int,
    semester: int,
    mode: str = Mode.PLANNED,
    plan: ObservationPlan | None = None,
    target_month: int | None = None,
    team: list[tuple[Person, str]] | None = None,
    focus: str = "",
    draw_ref: str = "",
) -> Visit:
    """Create a visit (planned, random or invited) with its team, proposed from the links by default."""
    if not unit.is_unit:
        raise ValidationError("巡听旁听对象应为二级党组织或以下组织。")
    if target_month is not None and not 1 <= target_month <= 12:
        raise ValidationError({"target_month": "月份应在1到12之间。"})
    if actor is not None and not policy.can(actor, A.OBSERVATION_MANAGE, unit):
        raise ValidationError("您无权为该单位安排巡听旁听。")
    team = team if team is not None else propose_team(unit)
    problems = team_problems(unit, team)
    if problems:
        raise ValidationError(problems)
    supervisor = supervisor_org_for(unit)
    if plan is None and mode == Mode.PLANNED:
        plan = ensure_plan(supervisor, year, actor=actor)
    visit = Visit(
        plan=plan, supervisor_org=supervisor, unit=unit, mode=mode, year=year, semester=semester,
        target_month=target_month, focus=focus, draw_ref=draw_ref,
    )  # fmt: skip
    _save(visit, actor)
    for person, role in team:
        _save(TeamMember(visit=visit, person=person, role=role), actor)
    return visit


@transaction.atomic
def set_team(visit: Visit, team: list[tuple[Person, str]], *, actor: Any) -> None:
    """Replace a visit's team; removed members are soft-deleted so the history shows the change (R-O17)."""
    problems = team_problems(visit.unit, team)
    if problems:
        raise ValidationError(problems)
    wanted = {person.pk: role for person, role in team}
    for member in visit.team_members.filter(deleted_at__isnull=True):
        if member.person_id not in wanted:
            member.soft_delete(actor=_user(actor))
        elif member.role != wanted[member.person_id]:
            member.role = wanted.pop(member.person_id)
            _save(member, actor)
        else:
            wanted.pop(member.person_id)
    people = {p.pk: p for p, _role in team}
    for person_id, role in wanted.items():
        _save(TeamMember(visit=visit, person=people[person_id], role=role), actor)


# --- Letters and replies (R-O4) ---------------------------------------------------------


def next_number(organization: Organization, year: int, kind: str) -> int:
    """The next number of a per-year series, without gaps (locked counter row)."""
    counter, _created = LetterCounter.objects.select_for_update().get_or_create(
        organization=organization, year=year, kind=kind
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def format_number(organization: Organization, year: int, seq: int) -> str:
    from pangting.lib.gbt9704 import format_doc_number

    abbr = organization.doc_abbr or "宣函"
    return format_doc_number(abbr, year, seq)


@transaction.atomic
def issue_letter(visit: Visit, *, actor: Any) -> Visit:
    """Number the notice letter (X宣函〔2026〕N号, per year without gaps) and move to notified."""
    if visit.state != State.PLANNED:
        raise ValidationError("只有“已计划”的巡听旁听可以发函。")
    if not visit.team_members.filter(deleted_at__isnull=True, role=TeamMember.Role.LEADER).exists():
        raise ValidationError("请先确定旁听组组长。")
    year = timezone.localdate().year
    visit.letter_seq = next_number(visit.supervisor_org, year, "letter")
    visit.letter_number = format_number(visit.supervisor_org, year, visit.letter_seq)
    visit.letter_issued_at = timezone.now()
    _save(visit, actor)
    return transition(visit, State.NOTIFIED, actor=actor, reason=f"印发{visit.letter_number}")


def _deadline(start: dt.date, rule: DeadlineRule) -> tuple[dt.date | None, dict[str, Any], str]:
    """(due, basis, warning): the warning says why a deadline could not be computed."""
    try:
        deadline = compute_deadline(start, rule.amount, rule.unit)
    except UnknownCalendarYear as refusal:
        return None, {}, str(refusal)
    return deadline.due, {**deadline.as_basis(), "text": deadline.describe()}, ""


@transaction.atomic
def record_delivery(visit: Visit, delivered_on: dt.date, *, actor: Any) -> Visit:
    """The letter reached the unit: the reply is due 7 working days later (R-O4)."""
    if visit.state not in (State.NOTIFIED, State.SCHEDULED):
        raise ValidationError("只有已发函的巡听旁听可以登记送达。")
    if visit.letter_issued_at and delivered_on < timezone.localdate(visit.letter_issued_at):
        raise ValidationError("送达日期不能早于发函日期。")
    visit.letter_delivered_on = delivered_on
    visit.reply_due, visit.reply_due_basis, warning = _deadline(delivered_on, reply_rule())
    visit.deadline_warning = warning
    _save(visit, actor)
    return visit


def _session_day(session: Any) -> dt.date:
    return timezone.localdate(session.starts_at)


@transaction.atomic
def record_reply(
    visit: Visit, session: Any, *, actor: Any, replied_on: dt.date | None = None, notes: str = ""
) -> Visit:
    """The unit agrees details and names its session: link it, set the record and feedback deadlines.

    A late reply is accepted and shown as late, not refused.
    """
    if visit.state != State.NOTIFIED:
        raise ValidationError("当前状态不能登记回复。")
    _link_session(visit, session)
    visit.reply_received_on = replied_on or timezone.localdate()
    visit.reply_notes = notes
    _set_session_deadlines(visit)
    _save(visit, actor)
    return transition(
        visit, State.SCHEDULED, actor=actor, reason="单位回复并确定学习会" + ("（逾期）" if visit.reply_late else "")
    )


def _link_session(visit: Visit, session: Any) -> None:
    if session.organization_id != visit.unit_id:
        raise ValidationError("所选学习会不属于被旁听单位。")
    clash = Visit.objects.filter(session=session).exclude(pk=visit.pk).exclude(state=State.CANCELLED)
    if clash.exists():
        raise ValidationError("该学习会已有进行中的巡听旁听安排，不能重复安排。")
    visit.session = session


def _set_session_deadlines(visit: Visit) -> None:
    day = _session_day(visit.session)
    warnings = []
    visit.record_due, visit.record_due_basis, warning = _deadline(day, record_rule())
    warnings.append(warning)
    visit.feedback_due, visit.feedback_due_basis, warning = _deadline(day, feedback_rule())
    warnings.append(warning)
    visit.deadline_warning = next((w for w in warnings if w), "")


@transaction.atomic
def recompute_deadlines(visit: Visit, *, actor: Any) -> Visit:
    """After an administrator entered a missing year: compute what was refused before."""
    if visit.letter_delivered_on and not visit.reply_due:
        visit.reply_due, visit.reply_due_basis, visit.deadline_warning = _deadline(
            visit.letter_delivered_on, reply_rule()
        )
    if visit.session_id and (not visit.record_due or not visit.feedback_due):
        _set_session_deadlines(visit)
    _save(visit, actor)
    return visit


# --- Invited visits (R-O2) -------------------------------------------------------------


@transaction.atomic
def request_invitation(session: Any, *, actor: Any, message: str = "") -> InvitationRequest:
    unit = session.organization
    if not policy.can(actor, A.OBSERVATION_REPLY, unit):
        raise ValidationError("您无权为该单位发出邀请。")
    if session.starts_at <= timezone.now():
        raise ValidationError("只能邀请旁听尚未召开的学习会。")
    if InvitationRequest.objects.filter(session=session, status=InvitationRequest.Status.PENDING).exists():
        raise ValidationError("该学习会的邀请正在处理中，请勿重复提交。")
    if Visit.objects.filter(session=session).exclude(state=State.CANCELLED).exists():
        raise ValidationError("该学习会已有巡听旁听安排。")
    invitation = InvitationRequest(unit=unit, session=session, message=message, requested_by=actor)
    _save(invitation, actor)
    return invitation


@transaction.atomic
def decide_invitation(
    invitation: InvitationRequest, *, accept: bool, actor: Any, reason: str = ""
) -> InvitationRequest:
    """The supervisor accepts (an invited visit is created, linked to the session) or declines with a reason."""
    if actor is not None and not policy.can(actor, A.OBSERVATION_MANAGE, invitation.unit):
        raise ValidationError("您无权处理该邀请。")
    if invitation.status != InvitationRequest.Status.PENDING:
        raise ValidationError("该邀请已处理。")
    if not accept and not reason.strip():
        raise ValidationError("婉拒邀请须说明理由。")
    invitation.decided_by = _user(actor)
    invitation.decided_at = timezone.now()
    invitation.decision_reason = reason.strip()
    if accept:
        session = invitation.session
        # The visit belongs to the calendar year of its session (the year's plan and work file,
        # R-O1, R-O15); the semester is the academic one (a January session is autumn's).
        _academic_year, semester = semester_of(_session_day(session))
        visit = create_visit(
            actor=actor, unit=invitation.unit, year=_session_day(session).year, semester=semester, mode=Mode.INVITED,
            target_month=_session_day(session).month,
        )  # fmt: skip
        _link_session(visit, session)
        _set_session_deadlines(visit)
        _save(visit, actor)
        transition(visit, State.SCHEDULED, actor=actor, reason="接受单位邀请")
        invitation.visit = visit
        invitation.status = InvitationRequest.Status.ACCEPTED
    else:
        invitation.status = InvitationRequest.Status.DECLINED
    _save(invitation, actor)
    return invitation


# --- Attendance and the record (R-O5 … R-O8, R-O18) ------------------------------------


@transaction.atomic
def mark_observed(visit: Visit, *, actor: Any) -> Visit:
    return transition(visit, State.OBSERVED, actor=actor, reason="旁听组全程参加学习会（R-O5）")


def active_rubric() -> Rubric:
    rubric = Rubric.objects.filter(is_active=True).order_by("-created_at").first()
    if rubric is None:
        rubric = Rubric.objects.create(name="默认评分细则（四项各25分）", items=DEFAULT_RUBRIC_ITEMS)
    return rubric


def validate_rubric_items(items: Any) -> list[dict[str, Any]]:
    """A rubric is a non-empty list of {key, label, weight>0}; weights sum to 100."""
    if not isinstance(items, list) or not items:
        raise ValidationError("评分细则至少需要一项。")
    keys = set()
    total = Decimal(0)
    for item in items:
        if not isinstance(item, dict) or not item.get("key") or not item.get("label"):
            raise ValidationError("每个评分项都需要 key 和名称。")
        if item["key"] in keys:
            raise ValidationError(f"评分项 {item['key']} 重复。")
        keys.add(item["key"])
        try:
            weight = Decimal(str(item.get("weight")))
        except ArithmeticError as exc:
            raise ValidationError(f"评分项“{item['label']}”的权重不是数字。") from exc
        if weight <= 0:
            raise ValidationError(f"评分项“{item['label']}”的权重须大于0。")
        total += weight
    if total != 100:
        raise ValidationError(f"各评分项权重之和应为100，现为{total}。")
    return items


def composite_score(rubric: Rubric, scores: dict[str, Any]) -> Decimal | None:
    """R-O18: each area is scored 0–100; the composite is the weighted mean, one decimal."""
    if not scores:
        return None
    total = Decimal(0)
    for item in validate_rubric_items(rubric.items):
        raw = scores.get(item["key"])
        if raw in (None, ""):
            return None
        try:
            value = Decimal(str(raw))
        except ArithmeticError as exc:
            raise ValidationError(f"“{item['label']}”的得分不是数字。") from exc
        if not 0 <= value <= 100:
            raise ValidationError(f"“{item['label']}”的得分应在0到100之间。")
        total += value * Decimal(str(item["weight"])) / 100
    return total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def session_facts_dict(session: Any) -> dict[str, Any]:
    """Facts of the session the record starts from (participation, first agenda item, speeches)."""
    from pangting.study.services import session_facts

    facts = session_facts(session)
    rate = facts.participation_rate
    return {
        "participation_rate": None if rate is None else float(rate),
        "participation_text": "—" if rate is None else f"{float(rate) * 100:.1f}%",
        "expected_count": facts.expected_count,
        "present_count": facts.present_count,
        "leave_count": facts.leave_count,
        "has_first_agenda_item": facts.has_first_agenda_item,
        "written_speech_count": facts.written_speech_count,
        "speech_count": facts.speech_count,
        "led_by_secretary": facts.led_by_secretary,
        "looks_like_work_meeting": facts.looks_like_work_meeting,
        "reschedule_count": facts.reschedule_count,
    }


RECORD_FIELDS = [
    "organization_findings", "content_findings", "method_findings", "effect_findings", "problems", "suggestions",
]  # fmt: skip


@transaction.atomic
def save_record(
    visit: Visit, *, actor: Any, data: dict[str, Any], scores: dict[str, Any], submit: bool = False
) -> ObservationRecord:
    """Save the liaison's record (draft or filed). Only for a session that has taken place."""
    if visit.session is None:
        raise ValidationError("该巡听旁听尚未关联学习会，不能填写记录。")
    if visit.session.starts_at > timezone.now():
        raise ValidationError("学习会尚未召开，不能填写旁听记录。")
    if visit.state not in (State.SCHEDULED, State.OBSERVED, State.RECORDED):
        raise ValidationError("当前状态不能修改旁听记录。")
    if actor is not None and not policy.can(actor, A.OBSERVATION_RECORD, visit.unit):
        raise ValidationError("您无权填写该记录。")
    record = ObservationRecord.objects.filter(visit=visit).first()
    if record is not None and record.signed_off_at:
        raise ValidationError("记录已经组长确认，不能再修改。")
    if record is None:
        record = ObservationRecord(visit=visit, rubric=active_rubric(), facts=session_facts_dict(visit.session))
    for name in RECORD_FIELDS:
        if name in data:
            setattr(record, name, (data[name] or "").strip())
    record.scores = {k: v for k, v in scores.items() if v not in (None, "")}
    record.composite_score = composite_score(record.rubric, record.scores)
    if submit:
        missing = [
            label
            for name, label in [("organization_findings", "组织领导"), ("content_findings", "学习内容"),
                                ("method_findings", "学习方式"), ("effect_findings", "学习效果")]
            if not getattr(record, name)
        ]  # fmt: skip
        if missing:
            raise ValidationError(f"请填写：{'、'.join(missing)}。")
        if record.composite_score is None:
            raise ValidationError("请为每个评分项打分。")
        # A correction before sign-off keeps the first filing time (R-O8 lateness) and state.
        if record.filed_at is None:
            record.filed_at = timezone.now()
            record.filed_by = _user(actor)
    _save(record, actor)
    if submit and visit.state != State.RECORDED:
        if visit.state == State.SCHEDULED:
            transition(visit, State.OBSERVED, actor=actor, reason="旁听组全程参加学习会（R-O5）")
        transition(
            visit, State.RECORDED, actor=actor, reason="联络员填报记录" + ("（逾期）" if record.filed_late else "")
        )
    return record


@transaction.atomic
def sign_off_record(record: ObservationRecord, *, actor: Any) -> ObservationRecord:
    """The team leader confirms the filed record."""
    if record.filed_at is None:
        raise ValidationError("记录尚未填报。")
    person_id = getattr(actor, "person_id", None)
    is_leader = record.visit.team_members.filter(
        deleted_at__isnull=True, role=TeamMember.Role.LEADER, person_id=person_id
    ).exists()
    if not is_leader:
        raise ValidationError("只有本次旁听组组长可以确认记录。")
    record.signed_off_by = _user(actor)
    record.signed_off_at = timezone.now()
    _save(record, actor)
    return record


@transaction.atomic
def add_talk(visit: Visit, *, actor: Any, **fields: Any) -> Talk:
    """R-O6: an individual talk after the session."""
    if visit.state in (State.PLANNED, State.NOTIFIED, State.CANCELLED):
        raise ValidationError("学习会召开后才能登记个别谈话。")
    if not (fields.get("person_name") or "").strip():
        raise ValidationError({"person_name": "请填写谈话对象。"})
    talk = Talk(visit=visit, **fields)
    talk.full_clean()
    _save(talk, actor)
    return talk


@transaction.atomic
def add_document_review(visit: Visit, *, actor: Any, **fields: Any) -> DocumentReview:
    """R-O6/R-O7: documents reviewed, reaching back to the previous year."""
    review = DocumentReview(visit=visit, **fields)
    if review.period_from and review.period_to and review.period_to < review.period_from:
        raise ValidationError("截止日期不能早于起始日期。")
    review.full_clean()
    _save(review, actor)
    return review


# --- Feedback (R-O9) and rectification (R-O10) -------------------------------------------


@transaction.atomic
def draft_feedback(visit: Visit, *, actor: Any) -> Feedback:
    """Start the written feedback from the filed record; refused before the record exists."""
    record = ObservationRecord.objects.filter(visit=visit, filed_at__isnull=False).first()
    if record is None or visit.state != State.RECORDED:
        raise ValidationError("请先完成列席旁听记录，再起草反馈意见。")
    feedback = Feedback.objects.filter(visit=visit).first()
    if feedback is None:
        feedback = Feedback(
            visit=visit,
            checklist={key: {"problem": False, "evidence": ""} for key, _label in CHECKLIST_POINTS},
            summary=_summary_from_record(record),
            suggestions=record.suggestions,
        )
        _save(feedback, actor)
    return feedback


def _summary_from_record(record: ObservationRecord) -> str:
    facts = record.facts or {}
    parts = [
        f"成员参加率{facts.get('participation_text', '—')}",
        "落实了“第一议题”" if facts.get("has_first_agenda_item") else "未落实“第一议题”",
        f"{facts.get('written_speech_count', 0)}名成员提交书面发言材料",
    ]
    return "；".join(parts) + "。"


@transaction.atomic
def save_feedback(
    feedback: Feedback, *, actor: Any, checklist: dict[str, Any], summary: str, suggestions: str
) -> Feedback:
    if feedback.issued_at:
        raise ValidationError("反馈意见已印发，不能修改。")
    cleaned: dict[str, dict[str, Any]] = {}
    errors = []
    for key, label in CHECKLIST_POINTS:
        point = checklist.get(key) or {}
        problem = bool(point.get("problem"))
        evidence = str(point.get("evidence") or "").strip()
        if problem and not evidence:
            errors.append(f"“{label}”标记为问题，请写明依据（R-O9：客观、有依据）。")
        cleaned[key] = {"problem": problem, "evidence": evidence}
    if errors:
        raise ValidationError(errors)
    feedback.checklist = cleaned
    feedback.summary = summary.strip()
    feedback.suggestions = suggestions.strip()
    _save(feedback, actor)
    return feedback


@transaction.atomic
def issue_feedback(feedback: Feedback, *, actor: Any) -> Feedback:
    """Number and issue the feedback letter; each problem becomes a rectification item (R-O10)."""
    visit = feedback.visit
    if feedback.issued_at:
        raise ValidationError("反馈意见已印发。")
    problems = feedback.problems()
    if problems and not feedback.suggestions.strip():
        raise ValidationError("存在问题时，请提出有针对性、可操作的整改建议（R-O9）。")
    year = timezone.localdate().year
    feedback.seq = next_number(visit.supervisor_org, year, "letter")
    feedback.number = format_number(visit.supervisor_org, year, feedback.seq)
    feedback.issued_at = timezone.now()
    feedback.issued_by = _user(actor)
    _save(feedback, actor)
    for key, label, evidence in problems:
        _save(Rectification(visit=visit, checklist_point=key, problem=f"{label}：{evidence}"), actor)
    late = "（逾期）" if feedback.issued_late else ""
    transition(visit, State.FEEDBACK_ISSUED, actor=actor, reason=f"印发反馈意见{feedback.number}{late}")
    return feedback


@transaction.atomic
def acknowledge_feedback(feedback: Feedback, *, actor: Any) -> Feedback:
    """The unit confirms receipt; the visit goes to rectification, or closes if nothing is to fix."""
    if feedback.acknowledged_at:
        raise ValidationError("已签收。")
    if not feedback.issued_at:
        raise ValidationError("反馈意见尚未印发。")
    feedback.acknowledged_at = timezone.now()
    feedback.acknowledged_by = _user(actor)
    _save(feedback, actor)
    has_items = feedback.visit.rectifications.filter(deleted_at__isnull=True).exists()
    transition(feedback.visit, State.RECTIFYING if has_items else State.CLOSED, actor=actor, reason="单位签收反馈意见")
    return feedback


@transaction.atomic
def plan_rectification(
    item: Rectification, *, actor: Any, measure: str, owner: Person | None, deadline: dt.date | None
) -> Rectification:
    """The unit sets the measure, the owner and the deadline of one item."""
    if item.status == Rectification.Status.ACCEPTED:
        raise ValidationError("该事项已验收。")
    if not measure.strip():
        raise ValidationError({"measure": "请填写整改措施。"})
    if deadline and deadline < timezone.localdate(item.created_at):
        raise ValidationError({"deadline": "整改期限不能早于问题提出日期。"})
    if (
        owner
        and owner.organization_id != item.visit.unit_id
        and not owner.organization.path.startswith(item.visit.unit.path)
    ):
        raise ValidationError({"owner": "责任人应为被旁听单位人员。"})
    item.measure, item.owner, item.deadline = measure.strip(), owner, deadline
    _save(item, actor)
    return item


@transaction.atomic
def report_rectification(item: Rectification, *, actor: Any, report: str) -> Rectification:
    if item.status not in (Rectification.Status.OPEN, Rectification.Status.SENT_BACK):
        raise ValidationError("该事项当前不能报送。")
    if not item.measure:
        raise ValidationError("请先填写整改措施。")
    if not report.strip():
        raise ValidationError({"unit_report": "请填写整改情况。"})
    item.unit_report = report.strip()
    item.status = Rectification.Status.REPORTED
    item.reported_at = timezone.now()
    _save(item, actor)
    return item


ALLOWED_EVIDENCE = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png", ".txt"}


@transaction.atomic
def add_evidence(item: Rectification, upload: Any, *, actor: Any) -> Evidence:
    """A file proving the rectification: size and type checked; never classified material."""
    import os

    name = os.path.basename(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED_EVIDENCE:
        raise ValidationError(f"不支持的文件类型“{ext or '无扩展名'}”，请上传 PDF、Word、Excel、图片或文本文件。")
    limit = settings.PANGTING_MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(f"文件超过{settings.PANGTING_MAX_UPLOAD_MB}MB上限。")
    evidence = Evidence(rectification=item, file=upload, original_name=name[:200], size=upload.size, uploaded_by=actor)
    _save(evidence, actor)
    return evidence


@transaction.atomic
def verify_rectification(item: Rectification, *, actor: Any, accept: bool, note: str = "") -> Rectification:
    """The supervisor accepts the item or sends it back with a reason; the last acceptance closes the visit."""
    if item.status != Rectification.Status.REPORTED:
        raise ValidationError("只有已报送的整改事项可以验收。")
    if not accept and not note.strip():
        raise ValidationError("退回须说明理由。")
    item.status = Rectification.Status.ACCEPTED if accept else Rectification.Status.SENT_BACK
    item.verified_by = _user(actor)
    item.verified_at = timezone.now()
    item.verification_note = note.strip()[:300]
    _save(item, actor)
    visit = item.visit
    remaining = visit.rectifications.filter(deleted_at__isnull=True).exclude(status=Rectification.Status.ACCEPTED)
    if accept and visit.state == State.RECTIFYING and not remaining.exists():
        transition(visit, State.CLOSED, actor=actor, reason="整改事项全部验收")
    return item


@transaction.atomic
def cancel_visit(visit: Visit, *, actor: Any, reason: str) -> Visit:
    return transition(visit, State.CANCELLED, actor=actor, reason=reason)


# --- Cross-observation (R-O13) ----------------------------------------------------------


@transaction.atomic
def invite_cross_observation(
    host: Organization,
    visitor: Organization,
    *,
    actor: Any,
    session: Any = None,
    visitor_person: Person | None = None,
) -> CrossObservation:
    """A host unit invites another unit's secretary or deputy to one of its sessions."""
    if actor is not None and not (
        policy.can(actor, A.OBSERVATION_REPLY, host) or policy.can(actor, A.OBSERVATION_MANAGE, host)
    ):
        raise ValidationError("只有邀请单位或宣传部可以登记交叉旁听。")
    if host.pk == visitor.pk:
        raise ValidationError("不能邀请本单位列席本单位的学习。")
    if not (host.is_unit and visitor.is_unit):
        raise ValidationError("交叉旁听在二级党组织之间进行。")
    if session is not None and session.organization_id != host.pk:
        raise ValidationError("所选学习会不属于邀请单位。")
    if visitor_person is not None and visitor_person.organization_id != visitor.pk:
        raise ValidationError("列席人员应为列席单位的书记或副书记。")
    day = _session_day(session) if session is not None else timezone.localdate()
    year, semester = semester_of(day)
    cross = CrossObservation(
        year=year, semester=semester, host=host, visitor=visitor, visitor_person=visitor_person, session=session
    )
    if session is not None:
        cross.report_due, cross.report_due_basis, _warning = _deadline(day, cross_report_rule())
    _save(cross, actor)
    return cross


@transaction.atomic
def report_cross_observation(cross: CrossObservation, *, actor: Any, report: str) -> CrossObservation:
    """The visiting unit's written report (within 3 days of the session, R-O13)."""
    if actor is not None and not policy.can(actor, A.OBSERVATION_REPLY, cross.visitor):
        raise ValidationError("只有列席单位可以报送列席情况。")
    if cross.session is not None and cross.session.starts_at > timezone.now():
        raise ValidationError("学习会尚未召开。")
    if not report.strip():
        raise ValidationError({"report": "请填写列席情况。"})
    cross.report = report.strip()
    cross.status = CrossObservation.Status.REPORTED
    cross.reported_at = timezone.now()
    _save(cross, actor)
    return cross


def cross_counts(year: int, semester: int, units: Iterable[Organization]) -> list[dict[str, Any]]:
    """Per unit and semester: times it invited others and times it sat in elsewhere (R-O13)."""
    from django.db.models import Count, Q

    units = list(units)
    base = CrossObservation.objects.filter(year=year, semester=semester).exclude(
        status=CrossObservation.Status.CANCELLED
    )
    hosted = dict(base.values("host").annotate(n=Count("pk")).values_list("host", "n"))
    visited = dict(
        base.filter(Q(status=CrossObservation.Status.ATTENDED) | Q(status=CrossObservation.Status.REPORTED))
        .values("visitor")
        .annotate(n=Count("pk"))
        .values_list("visitor", "n")
    )
    return [{"unit": u, "hosted": hosted.get(u.pk, 0), "visited": visited.get(u.pk, 0)} for u in units]


# --- Typical practices (R-O16) ---------------------------------------------------------


@transaction.atomic
def collect_practice(
    *, actor: Any, unit: Organization, title: str, description: str, visit: Visit | None = None
) -> Practice:
    if not title.strip() or not description.strip():
        raise ValidationError("请填写做法名称和简介。")
    practice = Practice(unit=unit, visit=visit, title=title.strip(), description=description.strip())
    _save(practice, actor)
    return practice


@transaction.atomic
def promote_practice(practice: Practice, *, actor: Any) -> Practice:
    practice.status = Practice.Status.PROMOTED
    practice.promoted_at = timezone.now()
    _save(practice, actor)
    return practice


@transaction.atomic
def record_replication(
    practice: Practice, unit: Organization, *, actor: Any, on: dt.date, notes: str = ""
) -> Replication:
    if unit.pk == practice.unit_id:
        raise ValidationError("借鉴单位应不同于来源单位。")
    replication = Replication(practice=practice, unit=unit, on=on, notes=notes)
    _save(replication, actor)
    return replication


def team_reach_paths(user: Any, extent: str) -> set[str]:
    """Policy extension: a leader or liaison on an active visit's team reaches that unit.

    The links decide the default team (R-O3), but a visit may be given to another leader
    (a conflict, an absence); he must then see the unit he is sent to.
    """
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return set()
    role = TeamMember.Role.LEADER if extent == "linked" else TeamMember.Role.LIAISON
    return set(
        TeamMember.objects.filter(person_id=person_id, role=role, deleted_at__isnull=True)
        .exclude(visit__state__in=[State.CANCELLED])
        .values_list("visit__unit__path", flat=True)
    )
