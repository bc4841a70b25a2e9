"""Attendance (R-S3): the expected list, hand marking, make-up study, closing, and the QR check-in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from pangting.core import clock
from pangting.core.transitions import run_step
from pangting.orgs.models import Person, StudyGroupMember

from ..models import Attendance, StudySession
from ..parameters import StudyParameters, get_parameters
from ._common import _check_seen, _copy_back, _fmt, _local_day, _locked, _save

CHECKIN_SALT = "pangting.study.checkin"


def _attendance_for(session: StudySession, person: Person, actor: Any) -> Attendance:
    """The person's attendance row, or a new one if they belong to the meeting's people."""
    row = session.attendances.filter(person=person).first()
    if row is not None:
        return row
    if (group := session.group) is not None:
        belongs = (
            StudyGroupMember.objects.filter(group=group)
            .current(_local_day(session.starts_at))
            .filter(person=person)
            .exclude(role=StudyGroupMember.Role.SECRETARY)
            .first()
        )
        if belongs is None:
            raise ValidationError(
                _("{person}不是{group}成员，不能登记本次学习会的出勤。").format(person=person.name, group=group.name)
            )
        post = belongs.post or person.post
    else:
        if not person.organization.path.startswith(session.organization.path):
            raise ValidationError(
                _("{person}不属于{organization}，不能登记本次会议的出勤。").format(
                    person=person.name, organization=session.organization.name
                )
            )
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
        raise ValidationError(_("学习会已取消，不能登记出勤。"))
    if status not in Attendance.Status.values:
        raise ValidationError({"status": _("出勤状态“{status}”无效。").format(status=status)})
    leave_reason = (leave_reason or "").strip()
    if status == Attendance.Status.LEAVE and not leave_reason:
        raise ValidationError({"leave_reason": _("请填写{person}的请假事由（R-S3）。").format(person=person.name)})
    if status == Attendance.Status.PENDING and session.attendance_closed:
        raise ValidationError(_("考勤已确认，不能改回“未签到”。"))
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
        raise ValidationError(_("{person}已在应到人员名单中。").format(person=person.name))
    return _attendance_for(session, person, actor)


@transaction.atomic
def record_makeup(attendance: Attendance, *, actor: Any, done_on: dt.date, note: str) -> Attendance:
    """R-S3: make-up study (补学) for someone who was on leave."""
    if attendance.status != Attendance.Status.LEAVE:
        raise ValidationError(_("只有请假人员需要登记补学。"))
    if done_on < _local_day(attendance.session.starts_at):
        raise ValidationError({"makeup_done_on": _("补学日期不能早于学习会日期。")})
    if not (note or "").strip():
        raise ValidationError({"makeup_note": _("请填写补学内容或方式。")})
    attendance.makeup_done_on = done_on
    attendance.makeup_note = note.strip()
    _save(attendance, actor)
    return attendance


@transaction.atomic
def close_attendance(
    session: StudySession, *, actor: Any, at: dt.datetime | None = None, expected_version: int | None = None
) -> StudySession:
    """Confirm attendance: whoever has not checked in is absent, and the session counts as held.

    `expected_version` is the version the page showed; a stale page changes nothing."""
    caller, session = session, _locked(session)
    _check_seen(session, expected_version)
    at = at or clock.now()
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError(_("学习会已取消，不能确认考勤。"))
    if session.attendance_closed:
        raise ValidationError(_("考勤已于{time}确认，不能重复确认。").format(time=_fmt(session.attendance_closed_at)))
    if at < session.starts_at:
        raise ValidationError(_("学习会尚未开始，不能确认考勤。"))
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

    def close(claimed: StudySession) -> None:
        claimed.attendance_closed_at = at
        _save(claimed, actor, clean=False)

    # The session now counts as held; `session` is the locked row, checked against the page above.
    run_step(session, "close_attendance", actor=actor, expected_version=session.version, effect=close)
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
        raise ValidationError(_("签到码无效，请重新扫描现场二维码。")) from None
    if not isinstance(payload, dict) or payload.get("s") != session.pk:
        raise ValidationError(_("该签到码不属于本次学习会，请扫描本次学习会现场的二维码。"))
    if payload.get("n") != session.checkin_nonce:
        raise ValidationError(_("学习会已改期，该签到码已失效，请扫描新的二维码。"))
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError(_("学习会已取消，无需签到。"))
    if session.attendance_closed:
        raise ValidationError(_("考勤已确认，签到已结束。如需更正请联系学习秘书。"))
    now = now or clock.now()
    opens, closes = checkin_window(session)
    if now < opens:
        raise ValidationError(_("签到尚未开始，将于{time}开放。").format(time=_fmt(opens)))
    if now > closes:
        raise ValidationError(_("学习会已结束，签到码已过期。如需更正请联系学习秘书。"))


@transaction.atomic
def check_in(session: StudySession, token: str, *, user: Any, now: dt.datetime | None = None) -> Attendance:
    """A member checks in with the session's QR code while logged in."""
    session = _locked(session)
    verify_checkin(session, token, now=now)
    person = getattr(user, "person", None)
    if person is None:
        raise ValidationError(_("您的账号未关联人员信息，无法签到，请联系管理员。"))
    row = session.attendances.filter(person=person).first()
    if row is None:
        raise ValidationError(_("您不在本次学习会的应到人员名单中，如有疑问请联系学习秘书。"))
    if row.status == Attendance.Status.PRESENT:
        raise ValidationError(
            _("您已于{time}签到，无需重复签到。").format(time=_fmt(row.checked_in_at or row.updated_at))
        )
    row.status = Attendance.Status.PRESENT
    row.method = Attendance.Method.QR
    row.checked_in_at = now or clock.now()
    row.leave_reason = ""
    _save(row, user, clean=False)
    return row
