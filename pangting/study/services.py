"""Writes to study records, and the facts later apps read from a session.

Every write is a `verb_noun(..., *, actor)` function that runs in a transaction, validates
everything before saving anything (bad input leaves nothing half-saved), records the actor
in history and raises `ValidationError` with a Chinese message the pages and the API show.
Rule IDs (domain.md) mark where each rule is enforced.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import PurePath
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from pangting.accounts import policy
from pangting.orgs.models import Organization, OrganizationKind, Person, StudyGroup, StudyGroupMember

from . import rules
from .models import (
    BRANCH_KINDS,
    AgendaItem,
    Attachment,
    Attendance,
    MeetingFrequencyRule,
    PlanKind,
    PlanTheme,
    Reflection,
    Reschedule,
    SecretaryTraining,
    SelfStudyPlan,
    SelfStudyRecord,
    SessionKind,
    Speech,
    StudyPlan,
    StudySession,
)
from .parameters import StudyParameters, get_parameters

A = policy.Action
CHECKIN_SALT = "pangting.study.checkin"


def _save(obj: Any, actor: Any, *, clean: bool = True, **kwargs: Any) -> None:
    """Save with the actor in history. `clean=False` only where the code, not a user, set the
    fields that changed (a status, a timestamp): it skips one query per foreign key."""
    obj._history_user = actor if getattr(actor, "is_authenticated", False) else None
    if clean:
        # Related objects come from scoped querysets or validated serializers, and the
        # database enforces foreign keys: skipping their re-validation saves a query each.
        obj.full_clean(exclude=[f.name for f in obj._meta.fields if f.is_relation])
    obj.save(**kwargs)


def _locked(session: StudySession) -> StudySession:
    """The session row locked for this transaction (two secretaries or check-ins at once)."""
    return StudySession.objects.select_for_update().get(pk=session.pk)


def _copy_back(target: StudySession, source: StudySession) -> StudySession:
    """Let the caller's instance see what the locked copy saved."""
    if target is not source:
        target.__dict__.update({k: v for k, v in source.__dict__.items() if not k.startswith("_")})
    return target


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def _fmt(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日{local:%H:%M}"


# --- sessions ------------------------------------------------------------------------------

SESSION_FIELDS = frozenset(
    {
        "title", "content", "place", "host", "host_post", "led_by", "participants_note", "contact_name",
        "contact_phone", "plan_theme", "lecturer_name", "lecturer_post", "lecturer_person", "summary",
    }
)  # fmt: skip


def _validate_times(starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> None:
    if starts_at is None or ends_at is None:
        raise ValidationError({"starts_at": "请填写开始时间和结束时间。"})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "结束时间不能早于或等于开始时间。"})
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise ValidationError({"ends_at": "一次学习会不能超过24小时，请检查结束时间。"})


def _validate_kind(organization: Organization, kind: str) -> StudyGroup | None:
    """The center group meets at an organization with a 中心组; 三会一课 happen in branches."""
    if kind == SessionKind.CENTER_GROUP:
        group = StudyGroup.objects.filter(organization=organization).first()
        if group is None:
            raise ValidationError({"kind": f"“{organization.name}”尚未建立理论学习中心组，不能安排中心组学习会。"})
        return group
    if kind not in BRANCH_KINDS:
        raise ValidationError({"kind": f"未知的会议类型“{kind}”。"})
    allowed = {OrganizationKind.BRANCH, OrganizationKind.PARTY_GROUP}
    if organization.kind not in allowed:
        raise ValidationError({"kind": f"“三会一课”应由党支部或党小组召开，“{organization.name}”不是党支部。"})
    is_branch = organization.kind == OrganizationKind.BRANCH
    if kind == SessionKind.PARTY_GROUP_MEETING and is_branch and not organization.has_party_groups:
        raise ValidationError({"kind": f"“{organization.name}”未设党小组，不能召开党小组会。"})
    return None


def _validate_people(session: StudySession) -> None:
    if session.plan_theme_id and session.plan_theme.plan.organization_id != session.organization_id:
        raise ValidationError({"plan_theme": "所选专题不属于本组织的学习计划。"})


def _sync_agenda(session: StudySession, items: Sequence[dict[str, Any]], actor: Any) -> None:
    for old in session.agenda_items.all():
        old.soft_delete(actor=actor)
    valid_kinds = set(AgendaItem.Kind.values)
    for order, item in enumerate(items, start=1):
        title = (item.get("title") or "").strip()
        if not title:
            continue
        if item.get("kind") not in valid_kinds:
            raise ValidationError({"agenda": f"第{order}项议程的类型“{item.get('kind')}”无效。"})
        _save(
            AgendaItem(
                session=session, order=order, kind=item["kind"], title=title, presenter=item.get("presenter", "")
            ),
            actor,
        )


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
            _check_upload(item["file"], get_parameters())
            speech.file = item["file"]
        _save(speech, actor)
        kept.add(speech.pk)
    for pk, speech in existing.items():
        if pk not in kept:
            speech.soft_delete(actor=actor)


def _expected_people(session: StudySession) -> list[tuple[Person, str]]:
    """R-S3: the expected participants: the group's leader, deputies and members (the study
    secretary keeps the record), or for a branch meeting the people of the branch."""
    if session.group_id:
        on = _local_day(session.starts_at)
        members = session.group.current_members(on).order_by("person__name")
        seen: dict[int, tuple[Person, str]] = {}
        for m in members:
            if m.counts_for_attendance and m.person_id not in seen:
                seen[m.person_id] = (m.person, m.post or m.person.post)
        return list(seen.values())
    people = Person.objects.filter(organization__path__startswith=session.organization.path).order_by("name")
    return [(p, p.post) for p in people]


def _set_deadlines(session: StudySession, params: StudyParameters) -> None:
    """R-S10: the arrangement form 2 days before, the report within 2 days after (center group)."""
    if not session.is_center_group:
        session.arrangement_due = session.report_due = None
        session.arrangement_due_basis = session.report_due_basis = {}
        return
    before = rules.DayRule(params.arrangement_days_before, params.arrangement_unit, before=True)
    after = rules.DayRule(params.report_days_after, params.report_unit, before=False)
    session.arrangement_due, session.arrangement_due_basis = rules.due_date(_local_day(session.starts_at), before)
    session.report_due, session.report_due_basis = rules.due_date(_local_day(session.ends_at), after)


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
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")
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
    _sync_agenda(session, agenda, actor)
    _sync_speakers(session, speakers, actor)
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
        raise ValidationError("学习会已取消，不能修改。")
    for name in ("starts_at", "ends_at"):
        if name in fields and fields[name] != getattr(session, name):
            raise ValidationError({name: "修改时间请使用“改期”并填写原因（R-S11）。"})
        fields.pop(name, None)
    unknown = set(fields) - SESSION_FIELDS
    if unknown:
        raise ValidationError(f"未知字段：{', '.join(sorted(unknown))}")
    lecturer_before = (session.lecturer_name, session.lecturer_post, session.lecturer_person_id)
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
    if agenda is not None:
        _sync_agenda(session, agenda, actor)
    if speakers is not None:
        _sync_speakers(session, speakers, actor)
    return session


@transaction.atomic
def reschedule_session(
    session: StudySession, *, actor: Any, starts_at: dt.datetime, ends_at: dt.datetime, reason: str
) -> Reschedule:
    """Move a session, keeping the old time and the reason (R-S11); old check-in codes stop working."""
    caller, session = session, _locked(session)
    if session.status != StudySession.Status.PLANNED:
        raise ValidationError(f"学习会{session.get_status_display()}，不能改期。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写改期原因（R-S11）。"})
    _validate_times(starts_at, ends_at)
    if starts_at == session.starts_at and ends_at == session.ends_at:
        raise ValidationError({"starts_at": "新的时间与原时间相同。"})
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
def cancel_session(session: StudySession, *, actor: Any, reason: str) -> StudySession:
    if session.status != StudySession.Status.PLANNED:
        raise ValidationError(f"学习会{session.get_status_display()}，不能取消。")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写取消原因。"})
    session.status = StudySession.Status.CANCELLED
    session.cancel_reason = reason.strip()
    _save(session, actor)
    return session


@transaction.atomic
def vet_lecturer(session: StudySession, *, actor: Any, approved: bool, note: str = "") -> StudySession:
    """R-S9: record the political vetting of an invited lecturer and their content."""
    if not session.lecturer_name:
        raise ValidationError("本次学习会没有授课人，无需审核。")
    if not approved and not note.strip():
        raise ValidationError({"vetting_note": "审核未通过时请填写意见。"})
    session.lecturer_vetting = StudySession.Vetting.APPROVED if approved else StudySession.Vetting.REJECTED
    session.vetting_note = note.strip()
    session.vetted_at = timezone.now()
    _save(session, actor)
    return session


# --- submissions (R-S10) -----------------------------------------------------------------


@transaction.atomic
def submit_arrangement(session: StudySession, *, actor: Any, at: dt.datetime | None = None) -> StudySession:
    """The liaison sends the arrangement form to the linked leader (R-S10); once only."""
    caller, session = session, _locked(session)
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError("学习会已取消，无需报送安排表。")
    if session.arrangement_submitted_at:
        raise ValidationError(f"学习安排报送表已于{_fmt(session.arrangement_submitted_at)}报送，不能重复报送。")
    session.arrangement_submitted_at = at or timezone.now()
    session.arrangement_submitted_by = actor if getattr(actor, "is_authenticated", False) else None
    _save(session, actor, clean=False)
    return _copy_back(caller, session)


@transaction.atomic
def submit_report(session: StudySession, *, actor: Any, at: dt.datetime | None = None) -> StudySession:
    """After the session, its form and record reach the supervisor (R-S10); once only."""
    caller, session = session, _locked(session)
    at = at or timezone.now()
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError("学习会已取消，无需会后报送。")
    if session.report_submitted_at:
        raise ValidationError(f"会后材料已于{_fmt(session.report_submitted_at)}报送宣传部，不能重复报送。")
    if at < session.starts_at:
        raise ValidationError("学习会尚未召开，会后材料应在会后报送。")
    session.report_submitted_at = at
    session.report_submitted_by = actor if getattr(actor, "is_authenticated", False) else None
    _save(session, actor, clean=False)
    return _copy_back(caller, session)


# --- attendance and check-in (R-S3) -------------------------------------------------------


def _attendance_for(session: StudySession, person: Person, actor: Any) -> Attendance:
    """The person's attendance row, or a new one if they belong to the meeting's people."""
    row = session.attendances.filter(person=person).first()
    if row is not None:
        return row
    if session.group_id:
        belongs = (
            session.group.memberships.current(_local_day(session.starts_at))
            .filter(person=person)
            .exclude(role=StudyGroupMember.Role.SECRETARY)
            .first()
        )
        if belongs is None:
            raise ValidationError(f"{person.name}不是{session.group.name}成员，不能登记本次学习会的出勤。")
        post = belongs.post or person.post
    else:
        if not person.organization.path.startswith(session.organization.path):
            raise ValidationError(f"{person.name}不属于{session.organization.name}，不能登记本次会议的出勤。")
        post = person.post
    row = Attendance(session=session, person=person, post=post)
    _save(row, actor)
    return row


@transaction.atomic
def record_attendance(
    session: StudySession, person: Person, *, actor: Any, status: str, leave_reason: str = ""
) -> Attendance:
    """The secretary marks attendance by hand; allowed after closing too (history keeps the change)."""
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError("学习会已取消，不能登记出勤。")
    if status not in Attendance.Status.values:
        raise ValidationError({"status": f"出勤状态“{status}”无效。"})
    leave_reason = (leave_reason or "").strip()
    if status == Attendance.Status.LEAVE and not leave_reason:
        raise ValidationError({"leave_reason": f"请填写{person.name}的请假事由（R-S3）。"})
    if status == Attendance.Status.PENDING and session.attendance_closed:
        raise ValidationError("考勤已确认，不能改回“未签到”。")
    row = _attendance_for(session, person, actor)
    if not (status == Attendance.Status.PRESENT and row.status == Attendance.Status.PRESENT):
        # A hand correction; a QR check-in that stays "present" keeps its time and method.
        row.method = Attendance.Method.MANUAL
        row.checked_in_at = None
    row.status = status
    row.leave_reason = leave_reason if status == Attendance.Status.LEAVE else ""
    _save(row, actor, clean=False)
    return row


@transaction.atomic
def record_attendance_sheet(
    session: StudySession, entries: Sequence[tuple[Person, str, str]], *, actor: Any
) -> list[Attendance]:
    """Save a whole attendance sheet (person, status, leave reason) at once: all rows or none."""
    errors: list[str] = []
    saved = []
    for person, status, reason in entries:
        try:
            saved.append(record_attendance(session, person, actor=actor, status=status, leave_reason=reason))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return saved


@transaction.atomic
def add_attendee(session: StudySession, person: Person, *, actor: Any) -> Attendance:
    """Add someone to the expected list (a member who joined after the session was planned)."""
    if session.attendances.filter(person=person).exists():
        raise ValidationError(f"{person.name}已在应到人员名单中。")
    return _attendance_for(session, person, actor)


@transaction.atomic
def record_makeup(attendance: Attendance, *, actor: Any, done_on: dt.date, note: str) -> Attendance:
    """R-S3: make-up study (补学) for someone who was on leave."""
    if attendance.status != Attendance.Status.LEAVE:
        raise ValidationError("只有请假人员需要登记补学。")
    if done_on < _local_day(attendance.session.starts_at):
        raise ValidationError({"makeup_done_on": "补学日期不能早于学习会日期。"})
    if not (note or "").strip():
        raise ValidationError({"makeup_note": "请填写补学内容或方式。"})
    attendance.makeup_done_on = done_on
    attendance.makeup_note = note.strip()
    _save(attendance, actor)
    return attendance


@transaction.atomic
def close_attendance(session: StudySession, *, actor: Any, at: dt.datetime | None = None) -> StudySession:
    """Confirm attendance: whoever has not checked in is absent, and the session counts as held."""
    caller, session = session, _locked(session)
    at = at or timezone.now()
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError("学习会已取消，不能确认考勤。")
    if session.attendance_closed:
        raise ValidationError(f"考勤已于{_fmt(session.attendance_closed_at)}确认，不能重复确认。")
    if at < session.starts_at:
        raise ValidationError("学习会尚未开始，不能确认考勤。")
    pending = list(session.attendances.filter(status=Attendance.Status.PENDING))
    for row in pending:
        row.status = Attendance.Status.ABSENT
        row.method = Attendance.Method.MANUAL
    bulk_update_with_history(
        pending,
        Attendance,
        ["status", "method"],
        default_user=actor if getattr(actor, "is_authenticated", False) else None,
    )
    session.attendance_closed_at = at
    session.status = StudySession.Status.HELD
    _save(session, actor, clean=False)
    return _copy_back(caller, session)


def checkin_token(session: StudySession) -> str:
    """A signed code naming this session and its current nonce (renewed on reschedule)."""
    return signing.dumps({"s": session.pk, "n": session.checkin_nonce}, salt=CHECKIN_SALT)


def checkin_window(session: StudySession, params: StudyParameters | None = None) -> tuple[dt.datetime, dt.datetime]:
    params = params or get_parameters()
    opens = session.starts_at - dt.timedelta(minutes=params.checkin_opens_minutes_before)
    closes = session.ends_at + dt.timedelta(minutes=params.checkin_grace_minutes_after)
    return opens, closes


def verify_checkin(session: StudySession, token: str, *, now: dt.datetime | None = None) -> None:
    """Raise ValidationError unless `token` is this session's current code and check-in is open."""
    try:
        payload = signing.loads(token, salt=CHECKIN_SALT)
    except signing.BadSignature:
        raise ValidationError("签到码无效，请重新扫描现场二维码。") from None
    if not isinstance(payload, dict) or payload.get("s") != session.pk:
        raise ValidationError("该签到码不属于本次学习会，请扫描本次学习会现场的二维码。")
    if payload.get("n") != session.checkin_nonce:
        raise ValidationError("学习会已改期，该签到码已失效，请扫描新的二维码。")
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError("学习会已取消，无需签到。")
    if session.attendance_closed:
        raise ValidationError("考勤已确认，签到已结束。如需更正请联系学习秘书。")
    now = now or timezone.now()
    opens, closes = checkin_window(session)
    if now < opens:
        raise ValidationError(f"签到尚未开始，将于{_fmt(opens)}开放。")
    if now > closes:
        raise ValidationError("学习会已结束，签到码已过期。如需更正请联系学习秘书。")


@transaction.atomic
def check_in(session: StudySession, token: str, *, user: Any, now: dt.datetime | None = None) -> Attendance:
    """A member checks in with the session's QR code while logged in."""
    session = _locked(session)
    verify_checkin(session, token, now=now)
    person = getattr(user, "person", None)
    if person is None:
        raise ValidationError("您的账号未关联人员信息，无法签到，请联系管理员。")
    row = session.attendances.filter(person=person).first()
    if row is None:
        raise ValidationError("您不在本次学习会的应到人员名单中，如有疑问请联系学习秘书。")
    if row.status == Attendance.Status.PRESENT:
        raise ValidationError(f"您已于{_fmt(row.checked_in_at or row.updated_at)}签到，无需重复签到。")
    row.status = Attendance.Status.PRESENT
    row.method = Attendance.Method.QR
    row.checked_in_at = now or timezone.now()
    row.leave_reason = ""
    _save(row, user, clean=False)
    return row


# --- uploads -------------------------------------------------------------------------------

_MAGIC = {
    "pdf": (b"%PDF",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "ofd": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "ppt": (b"\xd0\xcf\x11\xe0",),
    "wps": (b"\xd0\xcf\x11\xe0", b"PK\x03\x04"),
    "png": (b"\x89PNG",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


def _check_upload(upload: UploadedFile, params: StudyParameters) -> str:
    """Size, extension and content checked before anything is stored; returns the extension."""
    name = PurePath(upload.name or "").name
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not upload.size:
        raise ValidationError({"file": f"文件“{name}”是空文件。"})
    limit = params.max_upload_mb * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            {"file": f"文件“{name}”大小为{upload.size / 1024 / 1024:.1f} MB，超过上限{params.max_upload_mb} MB。"}
        )
    if ext not in params.upload_extensions:
        allowed = "、".join(params.upload_extensions)
        raise ValidationError({"file": f"不支持的文件类型“{ext or '无扩展名'}”。允许的类型：{allowed}。"})
    magic = _MAGIC.get(ext)
    if magic:
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(m) for m in magic):
            raise ValidationError({"file": f"文件“{name}”的内容与扩展名“.{ext}”不符，请上传原始文件。"})
    return ext


@transaction.atomic
def add_attachment(session: StudySession, upload: UploadedFile, *, actor: Any, kind: str) -> Attachment:
    """Archive minutes or materials (R-S14). The upload page says: no classified material."""
    if kind not in Attachment.Kind.values:
        raise ValidationError({"kind": f"附件类型“{kind}”无效。"})
    _check_upload(upload, get_parameters())
    name = PurePath(upload.name).name
    attachment = Attachment(
        session=session,
        kind=kind,
        file=upload,
        original_name=name[:200],
        size=upload.size,
        content_type=(getattr(upload, "content_type", "") or "")[:100],
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _save(attachment, actor)
    return attachment


@transaction.atomic
def delete_attachment(attachment: Attachment, *, actor: Any) -> None:
    attachment.soft_delete(actor=actor)


# --- annual plans (R-S1, R-B5) ------------------------------------------------------------


def plan_due_on(year: int, params: StudyParameters | None = None) -> dt.date:
    params = params or get_parameters()
    day = params.plan_due_day
    while True:
        try:
            return dt.date(year, params.plan_due_month, day)
        except ValueError:
            day -= 1


def _sync_themes(plan: StudyPlan, themes: Sequence[dict[str, Any]], actor: Any) -> None:
    for old in plan.themes.all():
        if old.sessions.exists():
            continue  # a theme a session refers to stays (R-S5 evidence)
        old.soft_delete(actor=actor)
    for number, item in enumerate(themes, start=1):
        theme = (item.get("theme") or "").strip()
        if not theme:
            continue
        try:
            period = int(item.get("period") or 0)
        except (TypeError, ValueError):
            raise ValidationError({"themes": f"第{number}个专题的月份/季度无效。"}) from None
        row = PlanTheme(
            plan=plan,
            period_kind=item.get("period_kind") or PlanTheme.PeriodKind.MONTH,
            period=period,
            theme=theme,
            materials=(item.get("materials") or "").strip(),
        )
        try:
            _save(row, actor)
        except ValidationError as error:
            raise ValidationError({"themes": f"第{number}个专题：{'；'.join(error.messages)}"}) from error


@transaction.atomic
def create_plan(
    organization: Organization,
    *,
    actor: Any,
    year: int,
    kind: str = PlanKind.CENTER_GROUP,
    title: str = "",
    note: str = "",
    themes: Sequence[dict[str, Any]] = (),
) -> StudyPlan:
    if StudyPlan.objects.filter(organization=organization, year=year, kind=kind).exists():
        raise ValidationError(f"{organization.name}已有{year}年度的{PlanKind(kind).label}，请直接修改。")
    if kind == PlanKind.BRANCH and organization.kind != OrganizationKind.BRANCH:
        raise ValidationError({"kind": "“三会一课”年度计划由党支部制定（R-B5）。"})
    plan = StudyPlan(
        organization=organization,
        year=year,
        kind=kind,
        title=title.strip() or f"{organization.name}{year}年度{PlanKind(kind).label.removesuffix('计划')}计划",
        note=note,
        due_on=plan_due_on(year),
    )
    _save(plan, actor)
    _sync_themes(plan, themes, actor)
    return plan


@transaction.atomic
def update_plan(
    plan: StudyPlan, *, actor: Any, title: str, note: str = "", themes: Sequence[dict[str, Any]] | None = None
) -> StudyPlan:
    if plan.status not in (StudyPlan.Status.DRAFT, StudyPlan.Status.RETURNED):
        raise ValidationError(f"计划{plan.get_status_display()}，不能修改；如需调整请联系宣传部退回。")
    plan.title, plan.note = title.strip() or plan.title, note
    _save(plan, actor)
    if themes is not None:
        _sync_themes(plan, themes, actor)
    return plan


# Status workflow of a plan as data: (from, to) → the action the actor needs at the plan's
# organization (house style §4).
PLAN_TRANSITIONS: dict[tuple[str, str], A] = {
    (StudyPlan.Status.DRAFT, StudyPlan.Status.SUBMITTED): A.STUDY_CHANGE,
    (StudyPlan.Status.RETURNED, StudyPlan.Status.SUBMITTED): A.STUDY_CHANGE,
    (StudyPlan.Status.SUBMITTED, StudyPlan.Status.ACKNOWLEDGED): A.STUDY_SUPERVISE,
    (StudyPlan.Status.SUBMITTED, StudyPlan.Status.RETURNED): A.STUDY_SUPERVISE,
}


@transaction.atomic
def transition_plan(plan: StudyPlan, to: str, *, actor: Any, reason: str = "") -> StudyPlan:
    """Submit (secretary), acknowledge or return (supervisor) a plan (R-S1)."""
    plan = StudyPlan.objects.select_for_update().get(pk=plan.pk)
    action = PLAN_TRANSITIONS.get((plan.status, to))
    if action is None:
        if to == StudyPlan.Status.SUBMITTED and plan.status in (
            StudyPlan.Status.SUBMITTED,
            StudyPlan.Status.ACKNOWLEDGED,
        ):
            raise ValidationError(f"计划已于{_fmt(plan.submitted_at)}报送，不能重复报送。")
        raise ValidationError(f"计划{plan.get_status_display()}，不能改为“{StudyPlan.Status(to).label}”。")
    if actor is not None and not policy.can(actor, action, plan.organization):
        raise ValidationError("您没有权限进行此操作。")
    now = timezone.now()
    if to == StudyPlan.Status.SUBMITTED:
        if plan.kind == PlanKind.CENTER_GROUP and not plan.themes.exists():
            raise ValidationError("请至少填写一个学习专题后再报送（R-S5）。")
        plan.submitted_at, plan.submitted_by = now, actor if getattr(actor, "is_authenticated", False) else None
        plan.return_reason = ""
    elif to == StudyPlan.Status.ACKNOWLEDGED:
        plan.acknowledged_at, plan.acknowledged_by = now, actor if getattr(actor, "is_authenticated", False) else None
    elif to == StudyPlan.Status.RETURNED:
        if not reason.strip():
            raise ValidationError({"reason": "请填写退回原因。"})
        plan.return_reason = reason.strip()
    plan.status = to
    _save(plan, actor)
    return plan


# --- self-study, reflections, training (R-S7, R-S13, R-B4, R-B6) --------------------------


@transaction.atomic
def save_self_study_plan(
    person: Person, *, actor: Any, year: int, goals: str, tasks: str = "", completed_on: dt.date | None = None
) -> SelfStudyPlan:
    """R-S13: a leading cadre's personal plan; one per year, edited in place."""
    if not goals.strip():
        raise ValidationError({"goals": "请填写学习目标与书目。"})
    plan = SelfStudyPlan.objects.filter(person=person, year=year).first() or SelfStudyPlan(
        person=person, year=year, organization=person.organization
    )
    plan.goals, plan.tasks, plan.completed_on = goals.strip(), tasks.strip(), completed_on
    _save(plan, actor)
    return plan


@transaction.atomic
def add_self_study_record(
    person: Person,
    *,
    actor: Any,
    studied_on: dt.date,
    material: str,
    hours: Any = 1,
    notes: str = "",
    session: StudySession | None = None,
) -> SelfStudyRecord:
    """R-S7: personal self-study, optionally for a coming session."""
    if studied_on > timezone.localdate():
        raise ValidationError({"studied_on": "学习日期不能晚于今天。"})
    if session is not None and not session.attendances.filter(person=person).exists():
        raise ValidationError({"session": "只能关联您参加的学习会。"})
    record = SelfStudyRecord(
        person=person,
        organization=person.organization,
        studied_on=studied_on,
        material=material.strip(),
        hours=hours,
        notes=notes.strip(),
        session=session,
    )
    _save(record, actor)
    return record


@transaction.atomic
def add_reflection(
    person: Person,
    *,
    actor: Any,
    title: str,
    text: str,
    kind: str = Reflection.Kind.REFLECTION,
    session: StudySession | None = None,
    written_on: dt.date | None = None,
) -> Reflection:
    """R-S7 / R-B4: a study reflection or summary after a session."""
    if not text.strip():
        raise ValidationError({"text": "正文不能为空。"})
    if session is not None and not session.attendances.filter(person=person).exists():
        raise ValidationError({"session": "只能关联您参加的学习会。"})
    reflection = Reflection(
        person=person,
        organization=person.organization,
        session=session,
        kind=kind,
        title=title.strip() or "学习体会",
        text=text.strip(),
        written_on=written_on or timezone.localdate(),
    )
    _save(reflection, actor)
    return reflection


@transaction.atomic
def record_training(
    organization: Organization,
    *,
    actor: Any,
    held_on: dt.date,
    title: str,
    content: str = "",
    hours: Any = 2,
    trainees: Iterable[Person] = (),
) -> SecretaryTraining:
    """R-B6: the unit trains its branch secretaries at least once a year."""
    trainees = list(trainees)
    outside = [p.name for p in trainees if not p.organization.path.startswith(organization.path)]
    if outside:
        raise ValidationError({"trainees": f"{'、'.join(outside)}不属于{organization.name}。"})
    training = SecretaryTraining(organization=organization, held_on=held_on, title=title.strip(), content=content)
    _save(training, actor)
    training.trainees.set(trainees)
    return training


# --- facts for observation and compliance --------------------------------------------------


@dataclass(frozen=True)
class SessionFacts:
    """What the data says about one session; the observation record is pre-filled from it."""

    participation_rate: Fraction | None  # R-S3, exact
    expected_count: int
    present_count: int
    leave_count: int
    has_first_agenda_item: bool  # R-S4
    is_thematic: bool  # R-S5: linked to a theme of the plan
    written_speech_count: int  # R-S6
    speech_count: int
    led_by_secretary: bool  # R-S12: the group leader (书记) led the study
    looks_like_work_meeting: bool  # R-S8
    arrangement_submitted_late: bool  # R-S10
    report_submitted_late: bool  # R-S10
    reschedule_count: int  # R-S11
    meets_participation: bool | None = None
    absent_count: int = 0
    makeup_pending_count: int = 0
    lecturer_vetting_pending: bool = False  # R-S9
    problems: tuple[str, ...] = field(default=())


def session_facts(
    session: StudySession, *, params: StudyParameters | None = None, today: dt.date | None = None
) -> SessionFacts:
    """Compute a session's facts; uses prefetched relations when the caller prefetched them."""
    params = params or get_parameters()
    today = today or timezone.localdate()
    attendances = list(session.attendances.all())
    agenda = list(session.agenda_items.all())
    speeches = list(session.speeches.all())
    expected = len(attendances)
    present = sum(1 for a in attendances if a.status == Attendance.Status.PRESENT)
    leave = sum(1 for a in attendances if a.status == Attendance.Status.LEAVE)
    absent = sum(1 for a in attendances if a.status == Attendance.Status.ABSENT)
    rate = rules.participation_rate(present, expected)
    meets = rules.meets_participation(rate, params.participation_threshold)
    kinds = [item.kind for item in agenda]
    has_first = rules.FIRST_ITEM in kinds
    work_meeting = rules.looks_like_work_meeting(kinds)
    written = sum(1 for s in speeches if s.has_written_material)
    led = _led_by_group_leader(session)
    arrangement_late = session.is_center_group and rules.is_late(
        _local_day(session.arrangement_submitted_at) if session.arrangement_submitted_at else None,
        session.arrangement_due,
        today,
    )
    report_late = (
        session.is_center_group
        and session.status != StudySession.Status.CANCELLED
        and rules.is_late(
            _local_day(session.report_submitted_at) if session.report_submitted_at else None, session.report_due, today
        )
    )
    reschedules = (
        len(session._prefetched_objects_cache["reschedules"])
        if "reschedules" in getattr(session, "_prefetched_objects_cache", {})
        else session.reschedules.count()
    )
    makeup_pending = sum(1 for a in attendances if a.needs_makeup)
    vetting_pending = session.lecturer_vetting in (StudySession.Vetting.PENDING, StudySession.Vetting.REJECTED)
    problems: list[str] = []
    held = session.status == StudySession.Status.HELD
    if held and meets is False:
        problems.append(f"参学率{rules.format_rate(rate)}，低于{params.threshold_percent()}（R-S3）")
    if not has_first and session.is_center_group:
        problems.append("未安排“第一议题”（R-S4）")
    if session.is_center_group and not session.plan_theme_id:
        problems.append("未对应年度学习计划专题（R-S5）")
    if speeches and written < len(speeches):
        problems.append(f"{len(speeches) - written}名发言人无书面发言材料（R-S6）")
    if work_meeting:
        problems.append("议程以业务工作为主，疑似以工作会议代替学习（R-S8）")
    if vetting_pending:
        problems.append("外请授课人尚未通过审核（R-S9）")
    if arrangement_late:
        problems.append("学习安排报送表未按时报送（R-S10）")
    if report_late:
        problems.append("会后材料未按时报送宣传部（R-S10）")
    if reschedules >= 2:
        problems.append(f"已改期{reschedules}次（R-S11）")
    if makeup_pending:
        problems.append(f"{makeup_pending}名请假人员尚未补学（R-S3）")
    return SessionFacts(
        participation_rate=rate,
        expected_count=expected,
        present_count=present,
        leave_count=leave,
        has_first_agenda_item=has_first,
        is_thematic=session.plan_theme_id is not None,
        written_speech_count=written,
        speech_count=len(speeches),
        led_by_secretary=led,
        looks_like_work_meeting=work_meeting,
        arrangement_submitted_late=arrangement_late,
        report_submitted_late=report_late,
        reschedule_count=reschedules,
        meets_participation=meets,
        absent_count=absent,
        makeup_pending_count=makeup_pending,
        lecturer_vetting_pending=vetting_pending,
        problems=tuple(problems),
    )


def _led_by_group_leader(session: StudySession) -> bool:
    """R-S12: the person who led the study is the group's leader (书记) on that day."""
    if not session.led_by_id or not session.group_id:
        return False
    leaders = getattr(session, "_group_leader_ids", None)
    if leaders is None:
        leaders = set(
            session.group.memberships.current(_local_day(session.starts_at))
            .filter(role=StudyGroupMember.Role.LEADER)
            .values_list("person_id", flat=True)
        )
    return session.led_by_id in leaders


def annotate_leaders(sessions: Sequence[StudySession]) -> None:
    """Attach each session's group-leader ids in one query, for lists that compute facts."""
    group_ids = {s.group_id for s in sessions if s.group_id}
    rows = StudyGroupMember.objects.filter(group_id__in=group_ids, role=StudyGroupMember.Role.LEADER).values_list(
        "group_id", "person_id", "joined_on", "left_on"
    )
    by_group: dict[int, list[tuple[int, dt.date | None, dt.date | None]]] = {}
    for group_id, person_id, joined, left in rows:
        by_group.setdefault(group_id, []).append((person_id, joined, left))
    for s in sessions:
        day = _local_day(s.starts_at)
        s._group_leader_ids = {
            pid
            for pid, joined, left in by_group.get(s.group_id or 0, [])
            if (joined is None or joined <= day) and (left is None or left >= day)
        }


# --- frequency compliance (R-S2, R-B1 … R-B4) ----------------------------------------------


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
    """How each organization met the active frequency rules in `year` (held sessions only)."""
    today = today or timezone.localdate()
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
        .prefetch_related("agenda_items")
    )
    results = []
    for org in organizations:
        for rule in rules_:
            if not _rule_applies(rule, org):
                continue
            if rule.session_kind == SessionKind.CENTER_GROUP:
                if not hasattr(org, "study_group"):
                    continue
                mine = [s for s in sessions if s.organization_id == org.pk and s.kind == rule.session_kind]
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
    today = today or timezone.localdate()
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
