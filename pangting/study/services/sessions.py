"""Sessions: schedule, change, reschedule (R-S11), cancel, vet the lecturer (R-S9), and the
arrangement form and report due dates (R-S10; the sends are `deliveries`)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from pangting.accounts import policy
from pangting.core import clock, inputs, registry
from pangting.core.system import is_system
from pangting.core.transitions import run_step
from pangting.orgs.models import Organization, OrganizationKind, Person, StudyGroup
from pangting.workdays.services import UnknownCalendarYear

from .. import rules
from ..models import BRANCH_KINDS, AgendaItem, Attendance, CadreBranch, Reschedule, SessionKind, Speech, StudySession
from ..parameters import StudyParameters, get_parameters
from ._common import A, _check_seen, _copy_back, _local_day, _locked, _save
from .approval import session_plan_snapshot, void_if_changed
from .uploads import check_upload

SESSION_FIELDS = frozenset(
    {
        "title", "content", "place", "host", "host_post", "led_by", "participants_note", "contact_name",
        "contact_phone", "plan_theme", "lecturer_name", "lecturer_post", "lecturer_person", "summary",
    }
)  # fmt: skip


def _validate_times(starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> None:
    if starts_at is None or ends_at is None:
        raise ValidationError({"starts_at": _("请填写开始时间和结束时间。")})
    # Issue 14: a session in year 9999 or 0001 overflowed the deadline arithmetic (a 500).
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        try:
            inputs.sane_date(value)
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from error
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("结束时间不能早于或等于开始时间。")})
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise ValidationError({"ends_at": _("一次学习会不能超过24小时，请检查结束时间。")})


def _validate_kind(organization: Organization, kind: str) -> StudyGroup | None:
    """The center group meets at an organization with a 中心组; 三会一课 happen in branches."""
    if kind == SessionKind.CENTER_GROUP:
        group = StudyGroup.objects.filter(organization=organization).first()
        if group is None:
            raise ValidationError(
                {
                    "kind": _("“{organization}”尚未建立理论学习中心组，不能安排中心组学习会。").format(
                        organization=organization.name
                    )
                }
            )
        return group
    if kind not in BRANCH_KINDS:
        raise ValidationError({"kind": _("未知的会议类型“{kind}”。").format(kind=kind)})
    allowed = {OrganizationKind.BRANCH, OrganizationKind.PARTY_GROUP}
    if organization.kind not in allowed:
        raise ValidationError(
            {
                "kind": _("“三会一课”应由党支部或党小组召开，“{organization}”不是党支部。").format(
                    organization=organization.name
                )
            }
        )
    is_branch = organization.kind == OrganizationKind.BRANCH
    if kind == SessionKind.PARTY_GROUP_MEETING and is_branch and not organization.has_party_groups:
        raise ValidationError(
            {"kind": _("“{organization}”未设党小组，不能召开党小组会。").format(organization=organization.name)}
        )
    return None


def _validate_people(session: StudySession) -> None:
    if session.plan_theme is not None and session.plan_theme.plan.organization_id != session.organization_id:
        raise ValidationError({"plan_theme": _("所选专题不属于本组织的学习计划。")})


def _sync_agenda(session: StudySession, items: Sequence[dict[str, Any]], actor: Any) -> None:
    for old in session.agenda_items.all():
        old.soft_delete(actor=actor)
    valid_kinds = set(AgendaItem.Kind.values)
    for order, item in enumerate(items, start=1):
        title = (item.get("title") or "").strip()
        if not title:
            continue
        if item.get("kind") not in valid_kinds:
            raise ValidationError(
                {"agenda": _("第{order}项议程的类型“{kind}”无效。").format(order=order, kind=item.get("kind"))}
            )
        _save(
            AgendaItem(
                session=session,
                order=order,
                kind=item["kind"],
                title=title,
                presenter=item.get("presenter", ""),
                source=(item.get("source") or "").strip(),
                source_date=_agenda_date(item.get("source_date"), order),
            ),
            actor,
        )


def _agenda_date(value: Any, order: int) -> dt.date | None:
    """R-S4: the date of the studied speech or instruction, as a date or an ISO text."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        day = dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            {"agenda": _("第{order}项议程的讲话/指示日期“{value}”无效。").format(order=order, value=value)}
        ) from None
    try:
        inputs.sane_date(day)
    except ValidationError as error:
        raise ValidationError({"agenda": error.messages}) from error
    return day


def _sync_speakers(session: StudySession, items: Sequence[dict[str, Any]], actor: Any) -> None:
    """Replace the speakers; a row with an `id` keeps its uploaded file (R-S6)."""
    existing = {s.pk: s for s in session.speeches.all()}
    kept: set[int] = set()
    for order, item in enumerate(items, start=1):
        person = item.get("person")
        name = (item.get("speaker_name") or (person.name if person else "")).strip()
        if not name:
            continue
        speech = existing.get(item.get("id") or 0) or Speech(session=session)
        speech.order = order
        speech.person = person
        speech.speaker_name = name
        speech.post = (item.get("post") or (person.post if person else "")).strip()
        speech.outline = (item.get("outline") or "").strip()
        speech.written_text = (item.get("written_text") or "").strip()
        if item.get("file"):
            check_upload(item["file"], get_parameters())
            speech.file = item["file"]
        _save(speech, actor)
        kept.add(speech.pk)
        registry.text_saved("speech", speech)  # the near-duplicate check (issue 13)
    for pk, speech in existing.items():
        if pk not in kept:
            speech.soft_delete(actor=actor)
            registry.text_saved("speech", speech)


def _expected_people(session: StudySession) -> list[tuple[Person, str]]:
    """R-S3: the expected participants: the group's leader, deputies and members (the study
    secretary keeps the record), or for a branch meeting the people of the branch."""
    if (group := session.group) is not None:
        on = _local_day(session.starts_at)
        members = group.current_members(on).order_by("person__name")
        seen: dict[int, tuple[Person, str]] = {}
        for m in members:
            if m.counts_for_attendance and m.person_id not in seen:
                seen[m.person_id] = (m.person, m.post or m.person.post)
        return list(seen.values())
    people = list(Person.objects.filter(organization__path__startswith=session.organization.path).order_by("name"))
    # R-B7 双重组织生活: the leading cadres who belong to this branch attend its meetings too.
    on = _local_day(session.starts_at)
    known = {p.pk for p in people}
    cadres = (
        CadreBranch.objects.filter(branch=session.organization, since__lte=on)
        .filter(Q(until__isnull=True) | Q(until__gte=on))
        .select_related("person")
        .order_by("person__name")
    )
    people += [c.person for c in cadres if c.person_id not in known]
    return [(p, p.post) for p in people]


def _set_deadlines(session: StudySession, params: StudyParameters) -> None:
    """R-S10: the arrangement form 2 days before, the report within 2 days after (center group)."""
    if not session.is_center_group:
        session.arrangement_due = session.report_due = None
        session.arrangement_due_basis = session.report_due_basis = {}
        return
    before, after = _rules(params)
    session.arrangement_due, session.arrangement_due_basis = _due_or_refusal(_local_day(session.starts_at), before)
    session.report_due, session.report_due_basis = _due_or_refusal(_local_day(session.ends_at), after)


def _rules(params: StudyParameters) -> tuple[rules.DayRule, rules.DayRule]:
    before = rules.DayRule(params.arrangement_days_before, params.arrangement_unit, before=True)
    after = rules.DayRule(params.report_days_after, params.report_unit, before=False)
    return before, after


def _due_or_refusal(day: dt.date, rule: rules.DayRule) -> tuple[dt.date | None, dict[str, Any]]:
    """A working-day deadline reaching a year not in the calendar is refused, not guessed: no due
    date, and the refusal as the basis note; entering that year recomputes it (`recompute_refused`)."""
    try:
        return rules.due_date(day, rule)
    except UnknownCalendarYear as refusal:
        return None, {"refused_year": refusal.year, "text": str(refusal)}


def recompute_refused(year: int, actor: Any) -> int:
    """Registered with the workdays recompute registry: the sessions whose arrangement or report
    deadline was refused get it now that `year` is entered; the count of sessions that did."""
    refused = StudySession.objects.filter(
        Q(arrangement_due__isnull=True, arrangement_due_basis__has_key="refused_year")
        | Q(report_due__isnull=True, report_due_basis__has_key="refused_year")
    ).exclude(status=StudySession.Status.CANCELLED)
    before, after = _rules(get_parameters())
    count = 0
    for session in refused.select_for_update().order_by("pk"):
        filled = False
        # Only what was refused: a deadline already issued never moves (see workdays.services).
        if session.arrangement_due is None and "refused_year" in session.arrangement_due_basis:
            session.arrangement_due, session.arrangement_due_basis = _due_or_refusal(
                _local_day(session.starts_at), before
            )
            filled |= session.arrangement_due is not None
        if session.report_due is None and "refused_year" in session.report_due_basis:
            session.report_due, session.report_due_basis = _due_or_refusal(_local_day(session.ends_at), after)
            filled |= session.report_due is not None
        if filled:
            _save(session, actor, clean=False)
            count += 1
    return count


def _next_sequence(organization: Organization, kind: str, year: int) -> int:
    return (
        StudySession.objects.filter(organization=organization, kind=kind, starts_at__year=year)
        .exclude(status=StudySession.Status.CANCELLED)
        .count()
        + 1
    )


@transaction.atomic
def create_session(
    *,
    actor: Any,
    organization: Organization,
    kind: str = SessionKind.CENTER_GROUP,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    agenda: Sequence[dict[str, Any]] = (),
    speakers: Sequence[dict[str, Any]] = (),
    **fields: Any,
) -> StudySession:
    """Schedule a session: validate, number it (年第N次), compute its deadlines, list who is expected."""
    unknown = set(fields) - SESSION_FIELDS
    if unknown:
        raise ValidationError(_("未知字段：{items}").format(items=", ".join(sorted(unknown))))
    _validate_times(starts_at, ends_at)
    group = _validate_kind(organization, kind)
    session = StudySession(
        organization=organization,
        group=group,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )
    session.sequence = _next_sequence(organization, kind, timezone.localtime(starts_at).year)
    # R-S9: an invited lecturer (not one of our own people) is vetted before the session.
    if session.lecturer_name and not session.lecturer_person_id:
        session.lecturer_vetting = StudySession.Vetting.PENDING
    _validate_people(session)
    _set_deadlines(session, get_parameters())
    _save(session, actor)
    registry.text_saved("session_theme", session)  # the theme hints' words (R-S6)
    _sync_agenda(session, agenda, actor)
    _sync_speakers(session, speakers, actor)
    if session.summary:
        registry.text_saved("minutes", session)
    # One insert for the whole list (with its history rows): a group has up to ~30 members.
    bulk_create_with_history(
        [Attendance(session=session, person=person, post=post) for person, post in _expected_people(session)],
        Attendance,
        default_user=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return session


@transaction.atomic
def update_session(
    session: StudySession,
    *,
    actor: Any,
    agenda: Sequence[dict[str, Any]] | None = None,
    speakers: Sequence[dict[str, Any]] | None = None,
    **fields: Any,
) -> StudySession:
    """Change what a session is about; its time changes only through `reschedule_session` (R-S11)."""
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError(_("学习会已取消，不能修改。"))
    for name in ("starts_at", "ends_at"):
        if name in fields and fields[name] != getattr(session, name):
            raise ValidationError({name: _("修改时间请使用“改期”并填写原因（R-S11）。")})
        fields.pop(name, None)
    unknown = set(fields) - SESSION_FIELDS
    if unknown:
        raise ValidationError(_("未知字段：{items}").format(items=", ".join(sorted(unknown))))
    lecturer_before = (session.lecturer_name, session.lecturer_post, session.lecturer_person_id)
    approved = session.is_approved and session.status == StudySession.Status.PLANNED
    before = session_plan_snapshot(session) if approved else None
    for name, value in fields.items():
        setattr(session, name, value)
    if (session.lecturer_name, session.lecturer_post, session.lecturer_person_id) != lecturer_before:
        # A new or changed lecturer needs a new vetting (R-S9).
        invited = bool(session.lecturer_name) and not session.lecturer_person_id
        session.lecturer_vetting = StudySession.Vetting.PENDING if invited else StudySession.Vetting.NOT_REQUIRED
        session.vetted_at = None
        session.vetting_note = ""
    _validate_people(session)
    _save(session, actor)
    if "title" in fields or "content" in fields:
        registry.text_saved("session_theme", session)  # the theme hints' words (R-S6)
    if agenda is not None:
        _sync_agenda(session, agenda, actor)
    if speakers is not None:
        _sync_speakers(session, speakers, actor)
    if "summary" in fields:
        registry.text_saved("minutes", session)  # the near-duplicate check (issue 13)
    if before is not None:  # R-S15: a changed session plan must be approved again
        void_if_changed(session, actor=actor, changed=session_plan_snapshot(session) != before)
    return session


@transaction.atomic
def reschedule_session(
    session: StudySession, *, actor: Any, starts_at: dt.datetime, ends_at: dt.datetime, reason: str
) -> Reschedule:
    """Move a session, keeping the old time and the reason (R-S11); old check-in codes stop working."""
    caller, session = session, _locked(session)
    if session.status != StudySession.Status.PLANNED:
        raise ValidationError(_("学习会{status}，不能改期。").format(status=session.get_status_display()))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写改期原因（R-S11）。")})
    _validate_times(starts_at, ends_at)
    if starts_at == session.starts_at and ends_at == session.ends_at:
        raise ValidationError({"starts_at": _("新的时间与原时间相同。")})
    change = Reschedule(
        session=session,
        from_starts_at=session.starts_at,
        from_ends_at=session.ends_at,
        to_starts_at=starts_at,
        to_ends_at=ends_at,
        reason=reason,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _save(change, actor)
    session.starts_at, session.ends_at = starts_at, ends_at
    session.checkin_nonce = secrets.token_hex(8)
    _set_deadlines(session, get_parameters())
    _save(session, actor, clean=False)
    _copy_back(caller, session)
    return change


@transaction.atomic
def cancel_session(
    session: StudySession, *, actor: Any, reason: str, expected_version: int | None = None
) -> StudySession:
    """A planned session is called off with a reason: the `cancel` step of `study/workflows.SESSION`.

    `expected_version` is the version the page showed; a stale page changes nothing."""
    _check_seen(session, expected_version)
    if session.status != StudySession.Status.PLANNED:
        raise ValidationError(_("学习会{status}，不能取消。").format(status=session.get_status_display()))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写取消原因。")})

    def keep_reason(claimed: StudySession) -> None:
        claimed.cancel_reason = reason.strip()
        _save(claimed, actor)

    return run_step(
        session, "cancel", actor=actor, reason=reason, expected_version=expected_version, effect=keep_reason
    )


def may_vet(actor: Any, session: StudySession, params: StudyParameters | None = None) -> bool:
    """R-S9: the lecturer is approved by someone outside the unit: a role of `approver_roles`
    (default the supervisor) held at an organization that is not the unit or below it, by a
    user who reaches the unit. The unit's own secretary never vets his own lecturer."""
    if is_system(actor):
        return True  # commands and the demo act for the administration
    roles = set((params or get_parameters()).approver_roles)
    unit = session.organization
    outside = [
        a for a in policy.assignments(actor) if a.role in roles and not a.organization.path.startswith(unit.path)
    ]
    return bool(outside) and policy.can(actor, A.STUDY_VIEW, unit)


@transaction.atomic
def vet_lecturer(
    session: StudySession, *, actor: Any, approved: bool, note: str = "", at: dt.datetime | None = None
) -> StudySession:
    """R-S9: record the political vetting of an invited lecturer and their content: who
    (someone outside the unit, `may_vet`), when, and the note saying what was vetted."""
    if not session.lecturer_name:
        raise ValidationError(_("本次学习会没有授课人，无需审核。"))
    if session.lecturer_person_id:
        raise ValidationError(_("授课人为本校人员，无需审核。"))
    if not may_vet(actor, session):
        raise ValidationError(_("授课人审核应由本单位以外的宣传部或指定审核人办理（R-S9），本单位不能自行审核。"))
    if not note.strip():
        raise ValidationError({"vetting_note": _("请填写审核意见（审核了哪些授课内容）。")})
    session.lecturer_vetting = StudySession.Vetting.APPROVED if approved else StudySession.Vetting.REJECTED
    session.vetting_note = note.strip()[:300]
    session.vetted_at = at or clock.now()
    session.vetted_by = actor if getattr(actor, "is_authenticated", False) else None
    _save(session, actor)
    return session
