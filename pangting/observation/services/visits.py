"""Plans, visits and teams (R-O3), letters and replies (R-O4), invited visits (R-O2),
their deadlines, and cancelling a visit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.models import StaleRecord
from pangting.orgs.models import LeaderLink, LiaisonAssignment, Organization, Person
from pangting.orgs.services import has_conflict
from pangting.orgs.units import supervisor_org_for

from ..models import InvitationRequest, LetterCounter, Mode, ObservationPlan, State, TeamMember, Visit
from ._common import A, _save, _session_day, _user, check_upload
from .deadlines import _deadline, feedback_rule, record_rule, reply_rule, semester_of
from .grouping import proposed_standing_team, team_of_visit
from .workflow import run_step


@transaction.atomic
def ensure_plan(supervisor_org: Organization, year: int, *, actor: Any) -> ObservationPlan:
    plan = ObservationPlan.objects.filter(organization=supervisor_org, year=year).first()
    if plan is None:
        # i18n: not interface (stored as the record's title, as the official plan names it)
        plan = ObservationPlan(
            organization=supervisor_org, year=year, title=f"{year}年度理论学习中心组学习巡听旁听计划"
        )
        _save(plan, actor)
    return plan


@transaction.atomic
def record_committee_decision(
    plan: ObservationPlan, *, actor: Any, meeting: str, day: dt.date, document: Any = None
) -> ObservationPlan:
    """R-O20: the party committee's meeting that decided the plan, its date and the decision document."""
    # The plan is the supervising organization's own record: asked by its seat (R-O23), since
    # with a level above, the organization itself is that level's unit, not its own.
    if not policy.can_supervise(actor, policy.Action.OBSERVATION_MANAGE, plan.organization):
        raise ValidationError(_("只有督导部门可以登记党委审定情况。"))
    if plan.status == ObservationPlan.Status.APPROVED:
        raise ValidationError(_("计划已审定，不能再修改党委审定情况。"))
    meeting = meeting.strip()
    if not meeting:
        raise ValidationError({"committee_meeting": _("请填写审定计划的党委会议。")})
    if day > clock.today():
        raise ValidationError({"committee_date": _("会议日期不能晚于今天。")})
    if document is None and not plan.committee_document:
        raise ValidationError({"committee_document": _("请上传党委会议决定文件。")})
    if document is not None:
        check_upload(document)
        plan.committee_document = document
    plan.committee_meeting, plan.committee_date = meeting[:120], day
    _save(plan, actor)
    return plan


@transaction.atomic
def approve_plan(plan: ObservationPlan, *, actor: Any, expected_version: int | None = None) -> ObservationPlan:
    """The approve step (workflow `PLAN`): refused until the committee's decision is recorded (R-O20)."""

    def approve(claimed: ObservationPlan) -> None:
        claimed.approved_at = clock.now()
        claimed.approved_by = _user(actor)
        _save(claimed, actor)

    return run_step(plan, "approve", actor=actor, expected_version=expected_version, effect=approve)


def propose_team(
    unit: Organization, on: dt.date | None = None, *, year: int | None = None, semester: int | None = None
) -> list[tuple[Person, str]]:
    """R-O3: by default, the leader linked to the unit (unless in conflict) and the unit's liaison.

    R-O24: where the grouping table has a standing team covering the unit in `year` (and
    `semester`), its leader and members are proposed instead of the linked leader.
    """
    on = on or clock.today()
    team: list[tuple[Person, str]] = []
    if year is not None:
        _standing, team = proposed_standing_team(unit, year, semester)
    if any(role == TeamMember.Role.LEADER for _person, role in team):
        liaison = LiaisonAssignment.objects.current(on).filter(unit=unit).select_related("liaison").first()
        if liaison and liaison.liaison_id not in {p.pk for p, _role in team}:
            team.append((liaison.liaison, TeamMember.Role.LIAISON))
        return team
    team = []
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
        problems.append(_("旁听组须有一名组长（原则上为联系该单位的领导，R-O3）。"))
    if roles.count(TeamMember.Role.LEADER) > 1:
        problems.append(_("旁听组只能有一名组长。"))
    for person, role in team:
        # The liaison is the unit's own party-administration secretary (R-O3); nobody else on
        # the team may belong to the unit being observed.
        own_unit = person.organization_id == unit.pk or person.organization.path.startswith(unit.path)
        if own_unit and role != TeamMember.Role.LIAISON:
            problems.append(_("{person}属于被旁听单位，不能旁听本单位的学习。").format(person=person.name))
        if has_conflict(person, unit):
            problems.append(
                _("{person}与{unit}存在回避关系，不能参加此次巡听旁听。").format(person=person.name, unit=unit.name)
            )
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
        raise ValidationError(_("巡听旁听对象应为二级党组织或以下组织。"))
    if target_month is not None and not 1 <= target_month <= 12:
        raise ValidationError({"target_month": _("月份应在1到12之间。")})
    if not policy.can(actor, A.OBSERVATION_MANAGE, unit):
        raise ValidationError(_("您无权为该单位安排巡听旁听。"))
    team = team if team is not None else propose_team(unit, year=year, semester=semester)
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
    visit.standing_team = team_of_visit(visit, team)  # R-O24
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
    """The next number of a per-year series, without gaps: one counter row per organization, year and kind.

    The increment is one conditional UPDATE, which serializes concurrent callers on the row
    (SQLite and PostgreSQL alike). Callers allocate only after their step's claim succeeded,
    inside its transaction, so a refused or rolled-back step never burns a number (R-O4).
    """
    counters = LetterCounter.objects.filter(organization=organization, year=year, kind=kind)
    if not counters.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                LetterCounter.objects.create(organization=organization, year=year, kind=kind, last=0)
        except IntegrityError:
            pass  # another transaction created it first; its row is now ours to increment
        counters.update(last=F("last") + 1)
    return counters.values_list("last", flat=True).get()


def format_number(organization: Organization, year: int, seq: int) -> str:
    from pangting.lib.gbt9704 import format_doc_number

    abbr = organization.doc_abbr or "宣函"  # i18n: not interface (the Chinese letter number series)
    return format_doc_number(abbr, year, seq)


@transaction.atomic
def issue_letter(visit: Visit, *, actor: Any, expected_version: int | None = None) -> Visit:
    """Number the notice letter (X宣函〔2026〕N号, per year without gaps) and move to notified (R-O4).

    The number is allocated only once the step has claimed the visit, so concurrent clicks
    give one letter and one number.
    """

    def number_the_letter(claimed: Visit) -> str:
        year = clock.today().year
        claimed.letter_seq = next_number(claimed.supervisor_org, year, "letter")
        claimed.letter_number = format_number(claimed.supervisor_org, year, claimed.letter_seq)
        claimed.letter_issued_at = clock.now()
        _save(claimed, actor, update_fields=["letter_seq", "letter_number", "letter_issued_at", "updated_at"])
        # i18n: not interface (a step reason, stored in the log as written)
        return f"印发{claimed.letter_number}"

    return run_step(visit, "issue_letter", actor=actor, expected_version=expected_version, effect=number_the_letter)


@transaction.atomic
def record_delivery(visit: Visit, delivered_on: dt.date, *, actor: Any, expected_version: int | None = None) -> Visit:
    """The letter reached the unit: the reply is due 7 working days later (R-O4).

    `expected_version` is the version of the visit the page showed: a stale page changes nothing."""
    if expected_version is not None and expected_version != visit.version:
        raise StaleRecord
    if visit.state not in (State.NOTIFIED, State.SCHEDULED):
        raise ValidationError(_("只有已发函的巡听旁听可以登记送达。"))
    if visit.letter_issued_at and delivered_on < timezone.localdate(visit.letter_issued_at):
        raise ValidationError(_("送达日期不能早于发函日期。"))
    visit.letter_delivered_on = delivered_on
    visit.reply_due, visit.reply_due_basis, warning = _deadline(delivered_on, reply_rule())
    visit.deadline_warning = warning
    _save(visit, actor)
    return visit


def _link_session(visit: Visit, session: Any) -> None:
    if session.organization_id != visit.unit_id:
        raise ValidationError(_("所选学习会不属于被旁听单位。"))
    clash = Visit.objects.filter(session=session).exclude(pk=visit.pk).exclude(state=State.CANCELLED)
    if clash.exists():
        raise ValidationError(_("该学习会已有进行中的巡听旁听安排，不能重复安排。"))
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
        raise ValidationError(_("您无权为该单位发出邀请。"))
    if session.starts_at <= clock.now():
        raise ValidationError(_("只能邀请旁听尚未召开的学习会。"))
    if InvitationRequest.objects.filter(session=session, status=InvitationRequest.Status.PENDING).exists():
        raise ValidationError(_("该学习会的邀请正在处理中，请勿重复提交。"))
    if Visit.objects.filter(session=session).exclude(state=State.CANCELLED).exists():
        raise ValidationError(_("该学习会已有巡听旁听安排。"))
    invitation = InvitationRequest(unit=unit, session=session, message=message, requested_by=actor)
    _save(invitation, actor)
    return invitation


@transaction.atomic
def decide_invitation(
    invitation: InvitationRequest,
    *,
    accept: bool,
    actor: Any,
    reason: str = "",
    expected_version: int | None = None,
) -> InvitationRequest:
    """The supervisor accepts (an invited visit is created, linked to the session) or declines with a reason.

    The invitation is claimed first, so two concurrent acceptances create one visit.
    """

    def decide(claimed: InvitationRequest) -> None:
        claimed.decided_by = _user(actor)
        claimed.decided_at = clock.now()
        claimed.decision_reason = reason.strip()[:300]
        if accept:
            claimed.visit = _invited_visit(claimed, actor)
        _save(claimed, actor)

    step = "accept" if accept else "decline"
    return run_step(invitation, step, actor=actor, reason=reason, expected_version=expected_version, effect=decide)


def _invited_visit(invitation: InvitationRequest, actor: Any) -> Visit:
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
    # i18n: not interface (a step reason, stored in the log as written)
    return run_step(visit, "schedule", actor=actor, reason="接受单位邀请")


@transaction.atomic
def schedule_invited_visit(visit: Visit, session: Any, *, actor: Any, expected_version: int | None = None) -> Visit:
    """R-O2: an invited visit created directly by the supervising office (no letter) names the
    unit's session here: link it, set the record and feedback deadlines, move to scheduled."""
    if visit.mode != Mode.INVITED or visit.state != State.PLANNED:
        raise ValidationError(_("只有“已计划”的应邀式巡听旁听可以直接确定学习会。"))
    if not policy.can(actor, A.OBSERVATION_MANAGE, visit.unit):
        raise ValidationError(_("您无权进行此操作。"))
    if expected_version is not None and expected_version != visit.version:
        raise StaleRecord
    _link_session(visit, session)
    _set_session_deadlines(visit)
    _save(visit, actor)
    # i18n: not interface (a step reason, stored in the log as written)
    return run_step(visit, "schedule", actor=actor, reason="确定应邀旁听的学习会")


@transaction.atomic
def cancel_visit(visit: Visit, *, actor: Any, reason: str, expected_version: int | None = None) -> Visit:
    return run_step(visit, "cancel", actor=actor, reason=reason, expected_version=expected_version)
