"""Facts about a session (`SessionFacts`) that observation and compliance pages read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from pangting.core import clock
from pangting.orgs.models import StudyGroupMember

from .. import rules
from ..models import Attendance, StudySession
from ..parameters import StudyParameters, get_parameters
from ._common import _local_day


@dataclass(frozen=True)
class SessionFacts:
    """What the data says about one session; the observation record is pre-filled from it."""

    participation_rate: Fraction | None  # R-S3, exact
    expected_count: int
    present_count: int
    leave_count: int
    has_first_agenda_item: bool  # R-S4: the first item of the agenda is the 第一议题
    is_thematic: bool  # R-S5: linked to a theme of the plan
    written_speech_count: int  # R-S6: a file, or a text of the configured minimum length
    speech_count: int
    led_by_secretary: bool  # R-S12: the group leader (书记) led the study
    arrangement_submitted_late: bool  # R-S10
    report_submitted_late: bool  # R-S10
    reschedule_count: int  # R-S11
    meets_participation: bool | None = None
    absent_count: int = 0
    makeup_pending_count: int = 0
    lecturer_vetting_pending: bool = False  # R-S9
    problems: tuple[str, ...] = field(default=())


class AttendanceRow(NamedTuple):
    """An attendance row read as a tuple (the bulk readers of the year's sessions)."""

    session_id: int
    person_id: int
    status: str
    role: str
    makeup_done_on: dt.date | None

    @property
    def counts_for_rate(self) -> bool:
        """R-S20, as `Attendance.counts_for_rate`."""
        return rules.counts_for_rate(self.role)

    @property
    def needs_makeup(self) -> bool:
        """R-S3, as `Attendance.needs_makeup`."""
        return rules.needs_makeup(self.status, self.makeup_done_on, self.role)


class SpeechRow(NamedTuple):
    """A speech read as a tuple: what R-S6 judges (its text and whether a file was uploaded)."""

    session_id: int
    pk: int
    speaker_name: str
    written_text: str
    file: str


def session_facts(
    session: StudySession, *, params: StudyParameters | None = None, today: dt.date | None = None
) -> SessionFacts:
    """Compute a session's facts; uses prefetched relations when the caller prefetched them."""
    prefetched: dict[str, Any] = getattr(session, "_prefetched_objects_cache", {})
    reschedules = len(prefetched["reschedules"]) if "reschedules" in prefetched else session.reschedules.count()
    return facts_of(
        session,
        attendances=list(session.attendances.all()),
        agenda_kinds=[item.kind for item in session.agenda_items.all()],
        speeches=[(s.written_text, bool(s.file)) for s in session.speeches.all()],
        reschedules=reschedules,
        params=params,
        today=today,
    )


def facts_of(
    session: StudySession,
    *,
    attendances: Sequence[Any],
    agenda_kinds: Sequence[str],
    speeches: Sequence[tuple[str, bool]],
    reschedules: int,
    params: StudyParameters | None = None,
    today: dt.date | None = None,
) -> SessionFacts:
    """A session's facts from its rows, given as instances or tuples (`AttendanceRow`): the one home
    of the facts, which `session_facts` and the bulk readers (the rule checks) share.

    `attendances` have `status`, `counts_for_rate` and `needs_makeup`; `agenda_kinds` are the
    agenda's kinds in order; `speeches` are (written text, has a file) pairs."""
    params = params or get_parameters()
    today = today or clock.today()
    # R-S20: 列席 people are recorded, but the rate counts the group's own people only.
    counted = [a for a in attendances if a.counts_for_rate]
    expected = len(counted)
    present = sum(1 for a in counted if a.status == Attendance.Status.PRESENT)
    leave = sum(1 for a in counted if a.status == Attendance.Status.LEAVE)
    absent = sum(1 for a in counted if a.status == Attendance.Status.ABSENT)
    rate = rules.participation_rate(present, expected)
    meets = rules.meets_participation(rate, params.participation_threshold)
    kinds = list(agenda_kinds)
    # R-S4: the FIRST agenda item is the 第一议题 (the agenda is ordered by `order`).
    has_first = bool(kinds) and kinds[0] == rules.FIRST_ITEM
    written = sum(1 for text, has_file in speeches if rules.is_written(text, has_file, params.min_written_chars))
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
    makeup_pending = sum(1 for a in counted if a.needs_makeup)
    vetting_pending = session.lecturer_vetting in (StudySession.Vetting.PENDING, StudySession.Vetting.REJECTED)
    problems: list[str] = []
    held = session.status == StudySession.Status.HELD
    if held and meets is False:
        problems.append(
            _("参学率{rate}，低于{threshold}（R-S3）").format(
                rate=rules.format_rate(rate), threshold=params.threshold_percent()
            )
        )
    if not has_first and session.is_center_group:
        if rules.FIRST_ITEM in kinds:
            problems.append(_("“第一议题”未排在议程第一项（R-S4）"))
        else:
            problems.append(_("未安排“第一议题”（R-S4）"))
    if session.is_center_group and not session.plan_theme_id:
        problems.append(_("未对应年度学习计划专题（R-S5）"))
    if session.is_center_group and not speeches:
        problems.append(_("没有交流发言人（R-S6）"))
    if speeches and written < len(speeches):
        problems.append(_("{count}名发言人无书面发言材料（R-S6）").format(count=len(speeches) - written))
    if vetting_pending:
        problems.append(_("外请授课人尚未通过审核（R-S9）"))
    if arrangement_late:
        problems.append(_("学习安排报送表未按时报送（R-S10）"))
    if report_late:
        problems.append(_("会后材料未按时报送宣传部（R-S10）"))
    if reschedules >= 2:
        problems.append(_("已改期{count}次（R-S11）").format(count=reschedules))
    if makeup_pending:
        problems.append(_("{count}名请假人员尚未补学（R-S3）").format(count=makeup_pending))
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
            StudyGroupMember.objects.filter(group_id=session.group_id)
            .current(_local_day(session.starts_at))
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
