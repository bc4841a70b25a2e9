"""Ledgers (台账, R-S14, R-O1): the tables the offices keep by hand, as Excel, for a unit and a period.

Eight kinds: plans, sessions, attendance, visits, records, feedback, rectification and
cross-observation. Each `Ledger` names the action that lets a user see its records, the
Chinese headers, how to query the period and unit, and how to turn one record into a row.

Exports are streamed: rows come from the database through `.iterator(chunk_size=...)` (a
server-side cursor on PostgreSQL), with the related rows a kind needs fetched once per chunk
(`Ledger.queries_per_chunk`), and go through `pangting.lib.xlsx.stream_workbook`, which keeps
each sheet's XML in a temporary file. So memory does not grow with the row count. The big
kinds (attendance, sessions) are read as tuples (`Ledger.fields`, `values_list`) rather than
model instances, and choice labels are looked up once per export: building instances and
translating labels per row made the export twice as slow as the writer alone. The zip (the
.xlsx) is only written when the last sheet is done, so bytes cannot reach the client while
rows are still being read; the view writes the workbook into an unnamed temporary file and
streams that (see views/ledgers.py).

Scope: a ledger covers units, so it is for those who keep or read records for a unit and
what lies below it (supervisor, leadership viewer, observation leader, liaison, study
secretary). A group member's reach of their own organization (the policy's OWN extent) lets
them see their sessions on the pages, but does not make them a ledger keeper.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.semesters import semester_bounds
from pangting.lib.xlsx import CellValue, Sheet, stream_workbook
from pangting.observation.activities import KINDS as activity_kinds
from pangting.observation.activities import SOURCES as activity_sources
from pangting.observation.activities import activity
from pangting.observation.activities import line as activity_line
from pangting.observation.models import (
    CHECKLIST_LABELS,
    CHECKLIST_POINTS,
    DEFAULT_RUBRIC_ITEMS,
    CrossObservation,
    Feedback,
    ObservationRecord,
    Rectification,
    Semester,
    TeamMember,
    Visit,
)
from pangting.orgs.models import Organization
from pangting.orgs.units import SUPERVISING, UNIT
from pangting.study import rules
from pangting.study.models import (
    AgendaItem,
    Attendance,
    PlanTheme,
    Reschedule,
    SessionKind,
    StudyPlan,
    StudySession,
)

A = policy.Action
# Rows fetched from the database per round trip; each chunk also costs the kind's prefetches.
CHUNK_SIZE = 2000
# Excel holds 1,048,576 rows per sheet: the header plus this many; longer ledgers continue
# on a second sheet "学习会台账（2）".
SHEET_MAX_ROWS = 1_048_575
YEAR_MIN, YEAR_MAX = 2000, 2100
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YES = "是"


# -- the period and the query --------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A year, optionally narrowed to a semester or to a range of months of that year.

    Semesters are those of `pangting.core.semesters` (by default spring February–August,
    autumn September to January of the next year).
    """

    year: int
    semester: int | None = None
    months: tuple[int, int] | None = None

    def bounds(self) -> tuple[dt.date, dt.date]:
        """First day and the day after the last day."""
        y = self.year
        if self.semester:
            first, last = semester_bounds(y, self.semester)
            return first, last + dt.timedelta(days=1)
        if self.months:
            first, last = self.months
            end = dt.date(y + 1, 1, 1) if last == 12 else dt.date(y, last + 1, 1)
            return dt.date(y, first, 1), end
        return dt.date(y, 1, 1), dt.date(y + 1, 1, 1)

    def moments(self) -> tuple[dt.datetime, dt.datetime]:
        """The bounds as aware datetimes at local midnight, for `starts_at` (indexed) filters."""
        start, end = self.bounds()
        zone = timezone.get_current_timezone()
        return (
            timezone.make_aware(dt.datetime.combine(start, dt.time()), zone),
            timezone.make_aware(dt.datetime.combine(end, dt.time()), zone),
        )

    @property
    def label(self) -> str:
        """2026年 / 2026年春季学期 / 2026年3—6月 / 2026年3月."""
        if self.semester:
            return f"{self.year}年{Semester(self.semester).label}"
        if self.months:
            first, last = self.months
            return f"{self.year}年{first}月" if first == last else f"{self.year}年{first}—{last}月"
        return f"{self.year}年"

    @property
    def file_part(self) -> str:
        """The period in a file name: 2026 / 2026-春季学期 / 2026-3至6月."""
        if self.semester:
            return f"{self.year}-{Semester(self.semester).label}"
        if self.months:
            first, last = self.months
            return f"{self.year}-{first}月" if first == last else f"{self.year}-{first}至{last}月"
        return str(self.year)


@dataclass(frozen=True)
class LedgerQuery:
    """What to export: the period, and optionally one unit with everything below it."""

    period: Period
    unit: Organization | None = None


@dataclass(frozen=True)
class RowContext:
    """What rows compare against (one `today` for the whole export), and the choice labels
    in the export's language."""

    today: dt.date
    language: str = field(default_factory=lambda: translation.get_language() or "")

    def label(self, model: type, field_name: str, value: Any) -> str:
        """A stored choice value's label, e.g. "leave" → "请假" (the value itself if unknown)."""
        return _labels(model, field_name, self.language).get(value, value)


# -- small value helpers -------------------------------------------------------------------


def _day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


def _yes(flag: bool) -> str:
    return YES if flag else ""


def _name(person: Any) -> str:
    return person.name if person is not None else ""


def _under(path_field: str, unit: Organization | None) -> Q:
    return Q(**{f"{path_field}__startswith": unit.path}) if unit is not None else Q()


@functools.cache
def _labels(model: type, field_name: str, language: str) -> dict[str, str]:
    """A field's choice labels as plain text in `language`, resolved once per process and
    language: `get_FOO_display()` translates lazily on every call, which was a third of a
    large export's time. The caller's language is active (the key only keeps languages apart)."""
    return {str(value): str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def _display(record: Any, field_name: str) -> str:
    value = getattr(record, field_name)
    return _labels(type(record), field_name, translation.get_language() or "").get(str(value), str(value))


def _count(model: Any, link: str, **conditions: Any) -> Coalesce:
    """How many live `model` rows point at the outer row: a correlated subquery (no GROUP BY,
    so the outer query still streams, and several counts do not multiply each other)."""
    rows = (
        model.objects.filter(**{link: OuterRef("pk")}, **conditions)
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _columns(spec: str) -> tuple[tuple[str, float], ...]:
    """Columns written compactly: "单位:28 年度:8" → (("单位", 28.0), ("年度", 8.0))."""
    return tuple((header, float(width)) for header, width in (c.rsplit(":", 1) for c in spec.split()))


# -- the ledger definition -----------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    """One kind of ledger: who sees it, its columns, its query and its row."""

    key: str
    title: str  # also the sheet's name and the start of the file name
    action: policy.Action
    columns: Sequence[tuple[str, float]]  # (header, width)
    queryset: Callable[[policy.Reach, LedgerQuery], QuerySet[Any]]
    # `row` turns one record into the row's cells: a model instance, or, when `fields` names
    # the columns to read, a tuple of those values (`values_list`: no instances, no per-row
    # related objects; the fast path for the big kinds).
    row: Callable[[Any, RowContext], list[CellValue]]
    fields: tuple[str, ...] = ()
    # Queries per chunk of rows besides the main one: one per prefetched relation.
    queries_per_chunk: int = 0
    note: str = ""  # how the period applies, shown on the page

    @property
    def headers(self) -> list[str]:
        return ["序号", *(header for header, _ in self.columns)]

    @property
    def widths(self) -> list[float]:
        return [6.0, *(width for _, width in self.columns)]


# plans (年度学习计划, R-S1) --------------------------------------------------------------------


def _plans(reach: policy.Reach, query: LedgerQuery) -> QuerySet[StudyPlan]:
    themes = PlanTheme.objects.order_by("period_kind", "period", "pk")
    return (
        StudyPlan.objects.filter(reach.q("organization"), _under("organization__path", query.unit))
        .filter(year=query.period.year)
        .select_related("organization")
        .prefetch_related(Prefetch("themes", queryset=themes, to_attr="ledger_themes"))
        .order_by("organization__path", "kind", "pk")
    )


def _plan_row(plan: StudyPlan, ctx: RowContext) -> list[CellValue]:
    themes = plan.ledger_themes  # type: ignore[attr-defined]
    submitted = _day(plan.submitted_at)
    return [
        plan.organization.name,
        plan.year,
        _display(plan, "kind"),
        plan.title,
        _display(plan, "status"),
        plan.due_on,
        plan.submitted_at,
        _yes(rules.is_late(submitted, plan.due_on, ctx.today)),
        plan.acknowledged_at,
        len(themes),
        "；".join(f"{t.period_label}：{t.theme}" for t in themes),
        plan.return_reason,
    ]


PLANS = Ledger(
    key="plans",
    title=gettext_noop("年度学习计划台账"),
    action=A.STUDY_VIEW,
    columns=_columns(
        "单位:28 年度:8 计划类型:22 标题:36 状态:10 报送截止:14 报送时间:18 逾期报送:8 确认时间:18 "
        "专题数:8 学习专题:60 退回原因:24"
    ),
    queryset=_plans,
    row=_plan_row,
    queries_per_chunk=1,
    note=gettext_noop("年度计划按年度导出，学期和月份不适用。"),
)


# sessions (学习会, R-S2 … R-S12) -----------------------------------------------------------


def _sessions(reach: policy.Reach, query: LedgerQuery) -> QuerySet[StudySession]:
    start, end = query.period.moments()
    alive = {"deleted_at__isnull": True}
    status = Attendance.Status
    return (
        StudySession.objects.filter(reach.q("organization"), _under("organization__path", query.unit))
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("organization", "host", "led_by", "plan_theme")
        .annotate(
            n_expected=_count(Attendance, "session", **alive),
            n_present=_count(Attendance, "session", status=status.PRESENT, **alive),
            n_leave=_count(Attendance, "session", status=status.LEAVE, **alive),
            n_absent=_count(Attendance, "session", status=status.ABSENT, **alive),
            n_reschedules=_count(Reschedule, "session", **alive),
            has_first_item=Exists(
                AgendaItem.objects.filter(session=OuterRef("pk"), kind=AgendaItem.Kind.FIRST_ITEM, **alive)
            ),
        )
        .order_by("organization__path", "starts_at", "pk")
    )


SESSION_FIELDS = (
    "organization__name",
    "kind",
    "sequence",
    "starts_at",
    "ends_at",
    "place",
    "title",
    "plan_theme__theme",
    "host__name",
    "host_post",
    "led_by__name",
    "has_first_item",
    "n_expected",
    "n_present",
    "n_leave",
    "n_absent",
    "arrangement_due",
    "arrangement_submitted_at",
    "report_due",
    "report_submitted_at",
    "n_reschedules",
    "status",
)


def _session_row(s: tuple[Any, ...], ctx: RowContext) -> list[CellValue]:
    (unit, kind, sequence, starts_at, ends_at, place, title, theme, host, host_post, led_by, first_item,
     expected, present, leave, absent, arrangement_due, arrangement_at, report_due, report_at, reschedules,
     status) = s  # fmt: skip
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    rate = rules.participation_rate(present, expected)
    center = kind == SessionKind.CENTER_GROUP
    arrangement_late = center and rules.is_late(_day(arrangement_at), arrangement_due, ctx.today)
    report_late = (
        center and status != StudySession.Status.CANCELLED and rules.is_late(_day(report_at), report_due, ctx.today)
    )
    return [
        unit,
        ctx.label(StudySession, "kind", kind),
        sequence,
        start.date(),
        f"{start:%H:%M}—{end:%H:%M}",
        place,
        title,
        theme or "",
        host or "",
        host_post,
        led_by or "",
        YES if first_item else "否",
        expected,
        present,
        leave,
        absent,
        rules.format_rate(rate) if rate is not None else "",
        arrangement_due,
        arrangement_at,
        _yes(arrangement_late),
        report_due,
        report_at,
        _yes(report_late),
        reschedules,
        ctx.label(StudySession, "status", status),
    ]


SESSIONS = Ledger(
    key="sessions",
    title=gettext_noop("学习会台账"),
    action=A.STUDY_VIEW,
    columns=_columns(
        "单位:28 会议类型:14 年第几次:8 日期:14 时间:13 地点:20 学习主题:36 对应计划专题:28 "
        "主持人:10 主持人职务:14 领学人:10 第一议题:8 应到人数:8 实到人数:8 请假人数:8 缺席人数:8 "
        "参学率:8 安排表报送截止:14 安排表报送时间:18 安排表逾期:8 会后报送截止:14 会后报送时间:18 "
        "会后报送逾期:8 改期次数:8 状态:10"
    ),
    queryset=_sessions,
    row=_session_row,
    fields=SESSION_FIELDS,
    note=gettext_noop("按学习会日期筛选。"),
)


# attendance (出勤, R-S3) --------------------------------------------------------------------


def _attendance(reach: policy.Reach, query: LedgerQuery) -> QuerySet[Attendance]:
    start, end = query.period.moments()
    return (
        Attendance.objects.filter(reach.q("session__organization"), _under("session__organization__path", query.unit))
        .filter(
            session__starts_at__gte=start,
            session__starts_at__lt=end,
            session__deleted_at__isnull=True,
        )
        .exclude(session__status=StudySession.Status.CANCELLED)
        .select_related("session__organization", "person")
        .order_by("session__organization__path", "session__starts_at", "session_id", "person__name", "pk")
    )


ATTENDANCE_FIELDS = (
    "session__organization__name",
    "session__starts_at",
    "session__title",
    "session__kind",
    "person__name",
    "post",
    "person__post",
    "status",
    "method",
    "checked_in_at",
    "leave_reason",
    "makeup_done_on",
    "makeup_note",
    "role",
)


def _attendance_row(a: tuple[Any, ...], ctx: RowContext) -> list[CellValue]:
    (unit, starts_at, title, kind, name, post, person_post, status, method, checked_in_at, leave_reason,
     makeup_done_on, makeup_note, role) = a  # fmt: skip
    # Attendance.needs_makeup (R-S3), on the row's values.
    needs_makeup = status == Attendance.Status.LEAVE and makeup_done_on is None and role != Attendance.Role.OBSERVER
    return [
        unit,
        _day(starts_at),
        title,
        ctx.label(StudySession, "kind", kind),
        name,
        post or person_post,
        ctx.label(Attendance, "status", status),
        ctx.label(Attendance, "method", method) if method else "",
        checked_in_at,
        leave_reason,
        makeup_done_on,
        makeup_note,
        _yes(needs_makeup),
    ]


ATTENDANCE = Ledger(
    key="attendance",
    title=gettext_noop("学习会考勤台账"),
    action=A.STUDY_VIEW,
    columns=_columns(
        "单位:28 学习会日期:14 学习主题:36 会议类型:14 姓名:10 职务:16 出勤:8 签到方式:10 "
        "签到时间:18 请假事由:24 补学日期:14 补学情况:24 待补学:8"
    ),
    queryset=_attendance,
    row=_attendance_row,
    fields=ATTENDANCE_FIELDS,
    note=gettext_noop("每人每次学习会一行（已取消的学习会不计）；按学习会日期筛选。"),
)


# observation: visits, records, feedback, rectification (R-O1 … R-O10) ----------------------


def _visit_period(prefix: str, period: Period) -> Q:
    """A visit belongs to its work year and semester; a month range reads its session's date,
    or its planned month while no session is linked."""
    condition = Q(**{f"{prefix}year": period.year})
    if period.semester:
        condition &= Q(**{f"{prefix}semester": period.semester})
    if period.months:
        start, end = period.moments()
        first, last = period.months
        condition &= Q(**{f"{prefix}session__starts_at__gte": start, f"{prefix}session__starts_at__lt": end}) | Q(
            **{
                f"{prefix}session__isnull": True,
                f"{prefix}target_month__gte": first,
                f"{prefix}target_month__lte": last,
            }
        )
    return condition


OBSERVATION_NOTE = gettext_noop("按巡听旁听的年度、学期筛选；月份范围按学习会日期（未确定学习会的按计划月份）。")


def _visits(reach: policy.Reach, query: LedgerQuery) -> QuerySet[Visit]:
    team = TeamMember.objects.filter(deleted_at__isnull=True).select_related("person").order_by("role", "pk")
    # R-O6/R-O19: what the team did besides sitting in, one prefetch per kind.
    done = [
        Prefetch(
            related,
            queryset=model.objects.filter(deleted_at__isnull=True).order_by(*order),
            to_attr=f"ledger_{related}",
        )
        for model, order, related in activity_sources
    ]
    return (
        Visit.objects.filter(reach.q("unit"), _under("unit__path", query.unit), _visit_period("", query.period))
        .select_related("unit", "session", "plan")
        .prefetch_related(Prefetch("team_members", queryset=team, to_attr="ledger_team"), *done)
        .order_by("semester", "unit__path", "pk")
    )


def _visit_row(v: Visit, ctx: RowContext) -> list[CellValue]:
    team: list[TeamMember] = v.ledger_team  # type: ignore[attr-defined]

    def names(role: str) -> str:
        return "、".join(m.person.name for m in team if m.role == role)

    return [
        v.letter_number,
        v.year,
        Semester(v.semester).label,
        v.unit.name,
        _display(v, "mode"),
        _display(v, "state"),
        v.target_month,
        names(TeamMember.Role.LEADER),
        names(TeamMember.Role.LIAISON),
        names(TeamMember.Role.MEMBER),
        _day(v.session.starts_at) if v.session else None,
        _day(v.letter_issued_at),
        v.letter_delivered_on,
        v.reply_due,
        v.reply_received_on,
        _yes(v.reply_late or bool(v.reply_due and not v.reply_received_on and v.reply_due < ctx.today)),
        v.record_due,
        v.feedback_due,
        v.plan.title if v.plan else "计划外",
        "、".join(m.person.name for m in team if m.attended),  # R-O5
        "、".join(m.person.name for m in team if m.attended is False),
        *_activity_cells(v),
    ]


def _activity_cells(v: Visit) -> list[str]:
    """One cell per kind of R-O6/R-O19 activity, a line per activity."""
    lines: dict[str, list[str]] = {kind: [] for kind in activity_kinds}
    for _model, _order, related in activity_sources:
        for item in getattr(v, f"ledger_{related}"):
            done = activity(item)
            lines[done.kind].append(activity_line(done))
    return ["\n".join(lines[kind]) for kind in activity_kinds]


VISITS = Ledger(
    key="visits",
    title=gettext_noop("巡听旁听台账"),
    action=A.OBSERVATION_VIEW,
    columns=_columns(
        "函件编号:22 年度:8 学期:10 单位:28 方式:8 状态:12 计划月份:8 组长:10 联络员:10 成员:16 "
        "学习会日期:14 发函日期:14 送达日期:14 回复期限:14 回复日期:14 回复逾期:8 记录期限:14 "
        "反馈期限:14 所属计划:30 到场成员:16 缺席成员:12 个别谈话:40 调阅资料:40 专题座谈:40 现场点评:40 "
        "理论问题抽查:40"
    ),
    queryset=_visits,
    row=_visit_row,
    queries_per_chunk=6,
    note=OBSERVATION_NOTE,
)

RUBRIC_KEYS = [(item["key"], item["label"]) for item in DEFAULT_RUBRIC_ITEMS]


def _records(reach: policy.Reach, query: LedgerQuery) -> QuerySet[ObservationRecord]:
    # Only filed records: a draft is the liaison's work in progress (R-O8).
    return (
        ObservationRecord.objects.filter(
            reach.q("visit__unit"), _under("visit__unit__path", query.unit), _visit_period("visit__", query.period)
        )
        .filter(filed_at__isnull=False, visit__deleted_at__isnull=True)
        .select_related("visit__unit", "visit__session", "rubric")
        .order_by("visit__semester", "visit__unit__path", "visit_id")
    )


def _score(value: Any) -> CellValue:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return str(value)


def _record_row(r: ObservationRecord, ctx: RowContext) -> list[CellValue]:
    visit = r.visit
    labels = {item.get("key"): item.get("label", item.get("key")) for item in (r.rubric.items or [])}
    all_scores = "；".join(f"{labels.get(k, k)}：{v}" for k, v in r.scores.items())
    return [
        visit.letter_number,
        visit.unit.name,
        visit.year,
        Semester(visit.semester).label,
        _display(visit, "mode"),
        _day(visit.session.starts_at) if visit.session else None,
        r.filed_at,
        visit.record_due,
        _yes(r.filed_late),
        *(_score(r.scores.get(key)) for key, _ in RUBRIC_KEYS),
        float(r.composite_score) if r.composite_score is not None else None,
        all_scores,
        r.signed_off_at,
        r.problems,
        r.suggestions,
    ]


RECORDS = Ledger(
    key="records",
    title=gettext_noop("列席旁听记录台账"),
    action=A.OBSERVATION_VIEW,
    columns=(
        *_columns("函件编号:22 单位:28 年度:8 学期:10 方式:8 学习会日期:14 填报时间:18 填报期限:14 逾期填报:8"),
        *((f"{label}得分", 10) for _, label in RUBRIC_KEYS),
        *_columns("综合评分:10 各项得分:40 组长确认时间:18 存在问题:40 意见建议:40"),
    ),
    queryset=_records,
    row=_record_row,
    note=gettext_noop(
        "按巡听旁听的年度、学期筛选；月份范围按学习会日期（未确定学习会的按计划月份）。只含已填报的记录。"
    ),
)


def _feedback(reach: policy.Reach, query: LedgerQuery) -> QuerySet[Feedback]:
    # Only issued feedback: a draft is the supervisor's work in progress (R-O9).
    return (
        Feedback.objects.filter(
            reach.q("visit__unit"), _under("visit__unit__path", query.unit), _visit_period("visit__", query.period)
        )
        .filter(issued_at__isnull=False, visit__deleted_at__isnull=True)
        .select_related("visit__unit", "visit__session")
        .order_by("visit__semester", "visit__unit__path", "visit_id")
    )


def _feedback_row(f: Feedback, ctx: RowContext) -> list[CellValue]:
    visit = f.visit
    problems = {key for key, _, _ in f.problems()}
    return [
        f.number,
        visit.unit.name,
        visit.year,
        Semester(visit.semester).label,
        _day(visit.session.starts_at) if visit.session else None,
        _day(f.issued_at),
        visit.feedback_due,
        _yes(f.issued_late),
        _day(f.acknowledged_at),
        len(problems),
        "；".join(label for key, label in CHECKLIST_POINTS if key in problems),
        *(_yes(key in problems) for key, _ in CHECKLIST_POINTS),
    ]


FEEDBACK = Ledger(
    key="feedback",
    title=gettext_noop("反馈意见台账"),
    action=A.OBSERVATION_VIEW,
    columns=(
        *_columns(
            "文号:22 单位:28 年度:8 学期:10 学习会日期:14 印发日期:14 反馈期限:14 逾期反馈:8 "
            "签收日期:14 问题数:8 存在问题的方面:50"
        ),
        *((label, 10) for _, label in CHECKLIST_POINTS),
    ),
    queryset=_feedback,
    row=_feedback_row,
    note=gettext_noop(
        "按巡听旁听的年度、学期筛选；月份范围按学习会日期（未确定学习会的按计划月份）。"
        "只含已印发的反馈意见；问题清单各项标“是”表示存在问题（R-O9）。"
    ),
)


def _rectifications(reach: policy.Reach, query: LedgerQuery) -> QuerySet[Rectification]:
    return (
        Rectification.objects.filter(
            reach.q("visit__unit"), _under("visit__unit__path", query.unit), _visit_period("visit__", query.period)
        )
        .filter(visit__deleted_at__isnull=True)
        .select_related("visit__unit", "visit__feedback", "owner")
        .order_by("visit__unit__path", "deadline", "pk")
    )


def _rectification_row(item: Rectification, ctx: RowContext) -> list[CellValue]:
    visit = item.visit
    feedback = getattr(visit, "feedback", None)
    open_item = item.status in (Rectification.Status.OPEN, Rectification.Status.SENT_BACK)
    return [
        visit.unit.name,
        feedback.number if feedback is not None else "",
        CHECKLIST_LABELS.get(item.checklist_point, ""),
        item.problem,
        item.measure,
        _name(item.owner),
        item.deadline,
        _display(item, "status"),
        _yes(open_item and item.deadline is not None and item.deadline < ctx.today),
        item.unit_report,
        _day(item.reported_at),
        _day(item.verified_at),
        item.verification_note,
    ]


RECTIFICATION = Ledger(
    key="rectification",
    title=gettext_noop("整改台账"),
    action=A.OBSERVATION_VIEW,
    columns=_columns(
        "单位:28 反馈文号:22 问题类别:16 问题:40 整改措施:40 责任人:10 整改期限:14 状态:10 逾期:6 "
        "整改情况:40 报送日期:14 验收日期:14 验收意见:30"
    ),
    queryset=_rectifications,
    row=_rectification_row,
    note=OBSERVATION_NOTE,
)


# cross-observation (交叉旁听, R-O13) ---------------------------------------------------------


def _cross(reach: policy.Reach, query: LedgerQuery) -> QuerySet[CrossObservation]:
    # Both units see it: the host that invited and the unit that sat in (as the pages do).
    period = query.period
    condition = Q(year=period.year)
    if period.semester:
        condition &= Q(semester=period.semester)
    if period.months:
        start, end = period.moments()
        condition &= Q(session__starts_at__gte=start, session__starts_at__lt=end)
    unit = query.unit
    return (
        CrossObservation.objects.filter(reach.q("host") | reach.q("visitor"))
        .filter(condition)
        .filter(Q() if unit is None else (_under("host__path", unit) | _under("visitor__path", unit)))
        .select_related("host", "visitor", "visitor_person", "session")
        .order_by("semester", "host__path", "pk")
    )


def _cross_row(c: CrossObservation, ctx: RowContext) -> list[CellValue]:
    unreported_late = bool(
        c.report_due and not c.reported_at and c.report_due < ctx.today and c.status != c.Status.CANCELLED
    )
    return [
        c.year,
        Semester(c.semester).label,
        c.host.name,
        c.visitor.name,
        _name(c.visitor_person),
        _day(c.session.starts_at) if c.session else None,
        _display(c, "status"),
        c.report_due,
        _day(c.reported_at),
        _yes(c.reported_late or unreported_late),
    ]


CROSS = Ledger(
    key="cross",
    title=gettext_noop("交叉旁听台账"),
    action=A.OBSERVATION_VIEW,
    columns=_columns(
        "年度:8 学期:10 邀请单位:28 列席单位:28 列席人员:10 学习会日期:14 状态:12 报告期限:14 报告日期:14 逾期:6"
    ),
    queryset=_cross,
    row=_cross_row,
    note=gettext_noop("按年度、学期筛选；月份范围按学习会日期。邀请单位和列席单位都可见（R-O13）。"),
)

LEDGERS: dict[str, Ledger] = {
    ledger.key: ledger for ledger in (PLANS, SESSIONS, ATTENDANCE, VISITS, RECORDS, FEEDBACK, RECTIFICATION, CROSS)
}
ALL = "all"
ALL_TITLE = gettext_noop("台账汇总")


# -- who sees what -------------------------------------------------------------------------


class Scope:
    """Whose ledgers: one user's (through the policy), or every record (the archiving command)."""

    def __init__(self, user: Any = None, *, everything: bool = False) -> None:
        if (user is None) == (not everything):
            raise ValueError("Scope needs either a user or everything=True")
        self.user = user
        self.everything = everything

    def reach(self, ledger: Ledger) -> policy.Reach:
        """The organizations whose records of this kind the ledger may list.

        The OWN extent (a member's own organization) is left out: see the module docstring.
        """
        if self.everything:
            return policy.Reach(everything=True)
        granted = policy.reach(self.user, ledger.action)
        return policy.Reach(granted.everything, granted.prefixes, areas=granted.areas)

    def ledgers(self) -> list[Ledger]:
        """The kinds this scope reaches anything for, in the order of `LEDGERS`."""
        return [ledger for ledger in LEDGERS.values() if not self.reach(ledger).is_empty]

    def units(self) -> QuerySet[Organization]:
        """Organizations a ledger can be narrowed to: those reached for any visible kind,
        without branches and party groups (a unit's ledger already covers them)."""
        reaches = {ledger.action: self.reach(ledger) for ledger in self.ledgers()}
        condition = Q(pk__in=[])
        for reach in reaches.values():
            condition |= reach.q("pk")
        return (
            Organization.objects.filter(condition)
            .filter(UNIT | SUPERVISING)
            .only("pk", "name", "path", "depth")
            .order_by("path")
        )


# -- the export ----------------------------------------------------------------------------


def file_name(ledgers: Sequence[Ledger], query: LedgerQuery) -> str:
    """学习会台账-2026.xlsx, 台账汇总-2026-春季学期-甲学院党委.xlsx."""
    title = ledgers[0].title if len(ledgers) == 1 else ALL_TITLE
    parts = [title, query.period.file_part]
    if query.unit is not None:
        parts.append(query.unit.name)
    return "-".join(parts).replace("/", "_") + ".xlsx"


def split_sheets(
    title: str, headers: Sequence[str], rows: Iterable[Sequence[CellValue]], widths: Sequence[float], max_rows: int
) -> Iterator[Sheet]:
    """One sheet per `max_rows` rows (Excel's limit), lazily; an empty ledger is one sheet of headers."""
    iterator = iter(rows)
    end = object()
    for part in itertools.count(1):
        first = next(iterator, end)
        if first is end and part > 1:
            return
        head = [] if first is end else [first]
        body = itertools.chain(head, itertools.islice(iterator, max_rows - 1))
        yield Sheet(title if part == 1 else f"{title}（{part}）", headers, body, widths)  # type: ignore[arg-type]


def ledger_sheets(
    ledger: Ledger,
    scope: Scope,
    query: LedgerQuery,
    *,
    chunk_size: int = CHUNK_SIZE,
    max_rows: int = SHEET_MAX_ROWS,
    today: dt.date | None = None,
) -> Iterator[Sheet]:
    """The sheets of one ledger, rows read chunk by chunk as the writer asks for them."""
    rows = _ledger_rows(ledger, scope, query, chunk_size=chunk_size, today=today)
    yield from split_sheets(ledger.title, ledger.headers, rows, ledger.widths, max_rows)


def _ledger_rows(
    ledger: Ledger, scope: Scope, query: LedgerQuery, *, chunk_size: int, today: dt.date | None
) -> Iterator[list[CellValue]]:
    """One ledger's numbered rows, read lazily (as tuples when the kind names its fields)."""
    ctx = RowContext(today=today or clock.today())
    records = ledger.queryset(scope.reach(ledger), query)
    if ledger.fields:
        records = records.values_list(*ledger.fields)
    row = ledger.row
    for number, record in enumerate(records.iterator(chunk_size=chunk_size), start=1):
        yield [number, *row(record, ctx)]


class _Progress:
    """Counts the rows handed to the writer and reports every `every` rows, then the total."""

    def __init__(self, report: Callable[[int], None], every: int) -> None:
        self.report, self.every = report, max(every, 1)
        self.done = self.reported = 0

    def count(self, rows: Iterable[list[CellValue]]) -> Iterator[list[CellValue]]:
        for row in rows:
            yield row
            self.done += 1
            if self.done % self.every == 0:
                self.reported = self.done
                self.report(self.done)

    def finish(self) -> None:
        if self.reported != self.done or self.done == 0:
            self.report(self.done)


def write_ledgers(
    ledgers: Sequence[Ledger],
    scope: Scope,
    query: LedgerQuery,
    target: IO[bytes] | str,
    *,
    chunk_size: int = CHUNK_SIZE,
    max_rows: int = SHEET_MAX_ROWS,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write one workbook with a sheet (or more, past Excel's row limit) per ledger to `target`.

    `progress`, when given, is called with the number of rows written so far (all ledgers
    together) after every `chunk_size` rows, and once more with the total when the
    workbook is complete (unless that number was just reported).
    """
    if not ledgers:
        raise ValueError("no ledger to write")
    counter = _Progress(progress, chunk_size) if progress is not None else None

    def sheets(ledger: Ledger) -> Iterator[Sheet]:
        rows: Iterable[list[CellValue]] = _ledger_rows(ledger, scope, query, chunk_size=chunk_size, today=today)
        if counter is not None:
            rows = counter.count(rows)
        return split_sheets(ledger.title, ledger.headers, rows, ledger.widths, max_rows)

    stream_workbook(itertools.chain.from_iterable(sheets(ledger) for ledger in ledgers), target)
    if counter is not None:
        counter.finish()
