"""Attendance (R-S3): the expected list, hand marking, make-up study, closing, and the QR check-in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from pangting.core import clock
from pangting.core.transitions import run_step
from pangting.orgs.models import Person, StudyGroupMember

from ..models import Attendance, StudySession
from ..parameters import StudyParameters, get_parameters
from ._common import _check_seen, _copy_back, _fmt, _local_day, _locked, _save

CHECKIN_SALT = "pangting.study.checkin"
TICKET_SALT = "pangting.study.checkin-ticket"


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
        if not person.organization.path.startswith(session.organization.path) and not _is_cadre_of(
            person, session.organization, _local_day(session.starts_at)
        ):
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
def mark_all_present(session: StudySession, *, actor: Any) -> int:
    """ "全部出席": everyone not yet marked (or marked absent) is present, in one action (R-S3).

    Those on leave keep their leave and reason; a QR check-in keeps its time. One update with
    its history rows; the number of people marked present is returned.
    """
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError(_("学习会已取消，不能登记出勤。"))
    if clock.now() < session.starts_at - dt.timedelta(minutes=get_parameters().checkin_opens_minutes_before):
        raise ValidationError(_("学习会尚未开始，不能登记全部出席。"))
    rows = list(session.attendances.filter(status__in=[Attendance.Status.PENDING, Attendance.Status.ABSENT]))
    for row in rows:
        row.status = Attendance.Status.PRESENT
        row.method = Attendance.Method.MANUAL
        row.checked_in_at = None
    bulk_update_with_history(
        rows,
        Attendance,
        ["status", "method", "checked_in_at"],
        default_user=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return len(rows)


@transaction.atomic
def add_attendee(session: StudySession, person: Person, *, actor: Any) -> Attendance:
    """Add someone to the expected list (a member who joined after the session was planned)."""
    if session.attendances.filter(person=person).exists():
        raise ValidationError(_("{person}已在应到人员名单中。").format(person=person.name))
    return _attendance_for(session, person, actor)


def _is_cadre_of(person: Person, branch: Any, on: dt.date) -> bool:
    """R-B7 双重组织生活: a leading cadre takes part in the meetings of the branch he belongs to."""
    from .personal import cadre_branch_on

    found = cadre_branch_on(person, on)
    return found is not None and found.branch_id == branch.pk


@transaction.atomic
def add_observer(session: StudySession, person: Person, *, actor: Any) -> Attendance:
    """R-S20: widen the circle: someone outside the group attends as 列席; recorded, not counted in the rate."""
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError(_("学习会已取消，不能登记出勤。"))
    if session.attendances.filter(person=person).exists():
        raise ValidationError(_("{person}已在参会人员名单中。").format(person=person.name))
    row = Attendance(session=session, person=person, post=person.post, role=Attendance.Role.OBSERVER)
    _save(row, actor)
    return row


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


# --- QR check-in (R-S3): a code that changes on the room's screen, and a short ticket -------------
#
# The screen shows a code for the current time step (`checkin_step_seconds`, 30 s by default):
# an HMAC of the session, its nonce (renewed on reschedule) and the step. A scan is accepted in
# the code's own step and the next one (the time it takes to scan), so a photo forwarded to an
# absent member is refused a minute later. A valid scan leaves a signed ticket in the browser's
# session, bound to the study session, that lets the member log in first and still finish
# within `checkin_ticket_minutes`.


def checkin_step(moment: dt.datetime, params: StudyParameters | None = None) -> int:
    """The number of the time step `moment` falls in."""
    seconds = (params or get_parameters()).checkin_step_seconds
    return int(moment.timestamp()) // seconds


def _step_start(step: int, params: StudyParameters) -> dt.datetime:
    return dt.datetime.fromtimestamp(step * params.checkin_step_seconds, tz=dt.UTC)


def _fmt_seconds(moment: dt.datetime) -> str:
    """Beijing time to the second: a code lives for tens of seconds."""
    local = timezone.localtime(moment)
    return f"{formats.date_format(local.date(), 'DATE_FORMAT')} {local:%H:%M:%S}"


def _code_mac(session: StudySession, step: int) -> str:
    value = f"{session.pk}:{session.checkin_nonce}:{step}"
    return salted_hmac(CHECKIN_SALT, value, algorithm="sha256").hexdigest()[:20]


def checkin_code(session: StudySession, *, at: dt.datetime | None = None, params: StudyParameters | None = None) -> str:
    """The code the room's screen shows at `at` (now by default): `<step>-<mac>`."""
    step = checkin_step(at or clock.now(), params)
    return f"{step}-{_code_mac(session, step)}"


def checkin_token(session: StudySession, *, at: dt.datetime | None = None) -> str:
    """The code to put in the QR image now (kept under its old name for the API and the tests)."""
    return checkin_code(session, at=at)


def code_seconds_left(now: dt.datetime | None = None, params: StudyParameters | None = None) -> int:
    """Seconds until the screen's code changes (the countdown on the display page)."""
    params = params or get_parameters()
    now = now or clock.now()
    step = checkin_step(now, params)
    return max(1, int((_step_start(step + 1, params) - now).total_seconds() + 0.999))


def checkin_window(session: StudySession, params: StudyParameters | None = None) -> tuple[dt.datetime, dt.datetime]:
    params = params or get_parameters()
    opens = session.starts_at - dt.timedelta(minutes=params.checkin_opens_minutes_before)
    closes = session.ends_at + dt.timedelta(minutes=params.checkin_grace_minutes_after)
    return opens, closes


def _check_open(session: StudySession, now: dt.datetime, params: StudyParameters) -> None:
    """Raise ValidationError unless check-in is open for `session` at `now`."""
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError(_("学习会已取消，无需签到。"))
    if session.attendance_closed:
        raise ValidationError(_("考勤已确认，签到已结束。如需更正请联系学习秘书。"))
    opens, closes = checkin_window(session, params)
    if now < opens:
        raise ValidationError(_("签到尚未开始，将于{time}开放。").format(time=_fmt(opens)))
    if now > closes:
        raise ValidationError(_("学习会已结束，签到码已过期。如需更正请联系学习秘书。"))


def verify_checkin(session: StudySession, token: str, *, now: dt.datetime | None = None) -> int:
    """The step of `token` if it is this session's code, shown now or one step ago, and check-in is open.

    Otherwise a ValidationError in Chinese: an old code says when it was shown and that it expired."""
    params = get_parameters()
    now = now or clock.now()
    step_text, _sep, mac = (token or "").partition("-")
    if not step_text.isdigit() or not mac:
        raise ValidationError(_("签到码无效，请扫描会场屏幕上的二维码。"))
    step = int(step_text)
    if not constant_time_compare(mac, _code_mac(session, step)):
        raise ValidationError(_("签到码无效或不属于本次学习会，请扫描本次学习会会场屏幕上的二维码。"))
    current = checkin_step(now, params)
    if step > current:
        raise ValidationError(_("签到码无效，请扫描会场屏幕上的二维码。"))
    if step < current - 1:
        expired = _step_start(step + 2, params)
        raise ValidationError(
            _(
                "该签到码于{shown}在会场屏幕上显示，已于{expired}过期（签到码每{seconds}秒更换一次，"
                "转发的照片或截图不能签到）。请扫描会场屏幕上当前的二维码。"
            ).format(
                shown=_fmt_seconds(_step_start(step, params)),
                expired=_fmt_seconds(expired),
                seconds=params.checkin_step_seconds,
            )
        )
    _check_open(session, now, params)
    return step


def issue_checkin_ticket(session: StudySession, token: str, *, now: dt.datetime | None = None) -> str:
    """A valid scan's ticket: signed, naming the session, its nonce and the scan time."""
    now = now or clock.now()
    verify_checkin(session, token, now=now)
    return signing.dumps({"s": session.pk, "n": session.checkin_nonce, "t": int(now.timestamp())}, salt=TICKET_SALT)


def ticket_session_id(ticket: str) -> int | None:
    """The session a ticket names (for the login page's context), or None if it is not a ticket."""
    try:
        payload = signing.loads(ticket, salt=TICKET_SALT)
    except signing.BadSignature:
        return None
    return payload.get("s") if isinstance(payload, dict) and isinstance(payload.get("s"), int) else None


def verify_ticket(session: StudySession, ticket: str, *, now: dt.datetime | None = None) -> dt.datetime:
    """The scan time of a ticket for `session` still valid at `now`; else a ValidationError in Chinese."""
    params = get_parameters()
    now = now or clock.now()
    try:
        payload = signing.loads(ticket, salt=TICKET_SALT)
    except signing.BadSignature:
        raise ValidationError(_("签到凭证无效，请重新扫描会场屏幕上的二维码。")) from None
    if not isinstance(payload, dict) or payload.get("s") != session.pk or not isinstance(payload.get("t"), int):
        raise ValidationError(_("签到凭证不属于本次学习会，请扫描本次学习会会场屏幕上的二维码。"))
    if payload.get("n") != session.checkin_nonce:
        raise ValidationError(_("学习会已改期，该签到码已失效，请扫描新的二维码。"))
    scanned = dt.datetime.fromtimestamp(payload["t"], tz=dt.UTC)
    if now - scanned > dt.timedelta(minutes=params.checkin_ticket_minutes) or now < scanned:
        raise ValidationError(
            _("您于{time}扫码，签到须在扫码后{minutes}分钟内完成，已超时。请重新扫描会场屏幕上的二维码。").format(
                time=_fmt(scanned), minutes=params.checkin_ticket_minutes
            )
        )
    # The scan happened while check-in was open; cancellation or closing since then still refuses.
    _check_open(session, scanned, params)
    return scanned


def _mark_present(session: StudySession, user: Any, at: dt.datetime) -> Attendance:
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
    row.checked_in_at = at
    row.leave_reason = ""
    _save(row, user, clean=False)
    return row


@transaction.atomic
def check_in(session: StudySession, token: str, *, user: Any, now: dt.datetime | None = None) -> Attendance:
    """A logged-in member checks in with the code on the room's screen (R-S3)."""
    session = _locked(session)
    now = now or clock.now()
    verify_checkin(session, token, now=now)
    return _mark_present(session, user, now)


@transaction.atomic
def check_in_with_ticket(
    session: StudySession, ticket: str, *, user: Any, now: dt.datetime | None = None
) -> Attendance:
    """Finish a check-in from a scan's ticket (after logging in); the scan time is the check-in time."""
    session = _locked(session)
    scanned = verify_ticket(session, ticket, now=now)
    return _mark_present(session, user, scanned)


@transaction.atomic
def record_paper_sheet(
    session: StudySession, people: Sequence[Person], *, actor: Any, scan: Any = None
) -> list[Attendance]:
    """R-S3: the secretary records members who signed the paper sign-in sheet (no phone).

    Each is present by "纸质签到表"; the scanned sheet, if given, joins the session's archive (R-S14)."""
    if session.status == StudySession.Status.CANCELLED:
        raise ValidationError(_("学习会已取消，不能登记出勤。"))
    if not people:
        raise ValidationError(_("请选择在纸质签到表上签名的人员。"))
    if clock.now() < session.starts_at - dt.timedelta(minutes=get_parameters().checkin_opens_minutes_before):
        raise ValidationError(_("学习会尚未开始，不能登记纸质签到。"))
    rows = []
    for person in people:
        row = _attendance_for(session, person, actor)
        row.status = Attendance.Status.PRESENT
        row.method = Attendance.Method.PAPER
        row.checked_in_at = None
        row.leave_reason = ""
        _save(row, actor, clean=False)
        rows.append(row)
    if scan is not None:
        from .uploads import add_attachment

        add_attachment(session, scan, actor=actor, kind="signin_sheet")
    return rows
