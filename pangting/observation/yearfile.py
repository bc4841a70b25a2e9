"""The year work file (年度工作档案, R-O1, R-O15): one zip with everything a year produced.

Contents: the plan (xlsx), every notice letter, record and feedback (docx, the same files
the pages offer), the rectification ledger and the cross-observation ledger (xlsx), and an
index sheet listing every file with unit, kind, number and date. The zip is written into a
spooled temporary file (memory up to a threshold, then disk), so a province-sized year does
not sit in RAM; the caller streams it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from pangting.accounts import policy
from pangting.core import jobs
from pangting.core.models import Job
from pangting.lib.messages import N_, Message
from pangting.lib.xlsx import Sheet, stream_workbook

from . import documents
from .activities import activities_for
from .models import CrossObservation, Feedback, ObservationRecord, Rectification, Semester, Visit

A = policy.Action
SPOOL_LIMIT = 16 * 1024 * 1024
PROGRESS_EVERY = 25  # files between two progress reports of the background job


@dataclass(frozen=True)
class Entry:
    """One file in the archive, as the index sheet lists it."""

    name: str
    kind: str
    unit: str
    number: str
    date: dt.date | None


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text).strip() or "未命名"


def _local(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


def _xlsx(sheets: list[Sheet]) -> bytes:
    buffer = io.BytesIO()
    stream_workbook(sheets, buffer)
    return buffer.getvalue()


def visits_for(user: Any, year: int) -> Any:
    return (
        Visit.objects.for_user(user, A.OBSERVATION_MANAGE)
        .filter(year=year)
        .select_related("unit", "session", "plan", "supervisor_org")
        .order_by("semester", "target_month", "unit__path", "pk")
    )


def _plan_rows(visits: list[Visit]) -> Iterator[list[Any]]:
    for number, visit in enumerate(visits, start=1):
        team = "；".join(f"{m.get_role_display()}：{m.person.name}" for m in visit.team())
        yield [
            number,
            visit.unit.name,
            visit.get_mode_display(),
            Semester(visit.semester).label,
            visit.target_month,
            team,
            visit.get_state_display(),
            visit.letter_number,
            _local(visit.session.starts_at) if visit.session else None,
            visit.reply_due,
            visit.record_due,
            visit.feedback_due,
            visit.plan.title if visit.plan else "计划外",
        ]


def _rectification_rows(items: list[Rectification]) -> Iterator[list[Any]]:
    for number, item in enumerate(items, start=1):
        yield [
            number,
            item.visit.unit.name,
            item.problem,
            item.measure,
            item.owner.name if item.owner else "",
            item.deadline,
            item.get_status_display(),
            "是" if item.overdue else "",
            item.unit_report,
            _local(item.reported_at),
            item.verification_note,
            _local(item.verified_at),
        ]


def _cross_rows(items: list[CrossObservation]) -> Iterator[list[Any]]:
    for number, item in enumerate(items, start=1):
        yield [
            number,
            Semester(item.semester).label,
            item.host.name,
            item.visitor.name,
            item.visitor_person.name if item.visitor_person else "",
            _local(item.session.starts_at) if item.session else None,
            item.get_status_display(),
            item.report_due,
            _local(item.reported_at),
            "是" if item.reported_late else "",
        ]


def _activity_rows(visits: list[Visit]) -> Iterator[list[Any]]:
    """R-O6/R-O19: the talks, reviews, forums, comments and spot questions of the year's visits."""
    done = activities_for(v.pk for v in visits)
    number = 0
    for visit in visits:
        session_day = _local(visit.session.starts_at) if visit.session else None
        for item in done[visit.pk]:
            number += 1
            yield [number, visit.unit.name, session_day, item.kind, item.day, item.who, item.content, item.result]


def build_year_file(user: Any, year: int, on_progress: Callable[[int, int], None] | None = None) -> IO[bytes]:
    """Write the year's zip for what `user` manages (observation.manage) and return it, rewound.

    `on_progress(done, total)` is called as files are written (every `PROGRESS_EVERY` files and at
    the end): a background job reports it, which also keeps its heartbeat fresh while a large year
    is written (`core.jobs`), so a long build is never taken for an interrupted one.
    """
    visits = list(visits_for(user, year))
    visit_ids = [v.pk for v in visits]
    records = list(
        ObservationRecord.objects.filter(visit_id__in=visit_ids, filed_at__isnull=False).select_related(
            "visit__unit", "visit__session", "visit__supervisor_org"
        )
    )
    feedbacks = list(
        Feedback.objects.filter(visit_id__in=visit_ids, issued_at__isnull=False).select_related(
            "visit__unit", "visit__session", "visit__supervisor_org"
        )
    )
    rectifications = list(
        Rectification.objects.filter(visit_id__in=visit_ids)
        .select_related("visit__unit", "owner")
        .order_by("visit__unit__path", "deadline", "pk")
    )
    granted = policy.reach(user, A.OBSERVATION_MANAGE)
    crosses: list[CrossObservation] = []
    if not granted.is_empty:
        crosses = list(
            CrossObservation.objects.filter(Q(year=year) & (granted.q("host") | granted.q("visitor")))
            .select_related("host", "visitor", "visitor_person", "session")
            .order_by("semester", "host__path", "pk")
        )

    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_LIMIT)  # noqa: SIM115 (returned open to the caller)
    entries: list[Entry] = []
    # The plan, the three ledgers and the index, plus one document per letter, record and feedback.
    total = 5 + sum(1 for v in visits if v.letter_number) + len(records) + len(feedbacks)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(entry: Entry, data: bytes) -> None:
            archive.writestr(entry.name, data)
            entries.append(entry)
            if on_progress is not None and len(entries) % PROGRESS_EVERY == 0:
                on_progress(len(entries), total)

        plan_title = next((v.plan.title for v in visits if v.plan), f"{year}年度巡听旁听计划")
        plan_headers = [
            "序号", "单位", "方式", "学期", "计划月份", "旁听组", "状态", "函件编号", "学习会日期",
            "回复期限", "记录期限", "反馈期限", "所属计划",
        ]  # fmt: skip
        add(
            Entry(f"01_{_safe(plan_title)}.xlsx", "巡听旁听计划", "", "", None),
            _xlsx(
                [
                    Sheet(
                        "巡听旁听计划",
                        plan_headers,
                        _plan_rows(visits),
                        [6, 28, 8, 10, 8, 36, 12, 22, 14, 14, 14, 14, 30],
                    )
                ]
            ),
        )
        for visit in visits:
            if visit.letter_number:
                add(
                    Entry(
                        f"02_函告/{_safe(visit.letter_number)}_{_safe(visit.unit.name)}.docx",
                        "函告",
                        visit.unit.name,
                        visit.letter_number,
                        _local(visit.letter_issued_at),
                    ),
                    documents.notice_letter(visit),
                )
        for record in records:
            day = _local(record.visit.session.starts_at) if record.visit.session else _local(record.filed_at)
            add(
                Entry(
                    f"03_列席旁听记录表/{_safe(record.visit.unit.name)}_{day or ''}_{record.visit.pk}.docx",
                    "列席旁听记录表",
                    record.visit.unit.name,
                    "",
                    _local(record.filed_at),
                ),
                documents.record_form(record),
            )
        for feedback in feedbacks:
            add(
                Entry(
                    f"04_反馈意见/{_safe(feedback.number)}_{_safe(feedback.visit.unit.name)}.docx",
                    "反馈意见",
                    feedback.visit.unit.name,
                    feedback.number,
                    _local(feedback.issued_at),
                ),
                documents.feedback_letter(feedback),
            )
        rect_headers = [
            "序号", "单位", "问题", "整改措施", "责任人", "整改期限", "状态", "逾期", "整改情况",
            "报送日期", "验收意见", "验收日期",
        ]  # fmt: skip
        add(
            Entry(f"05_{year}年整改台账.xlsx", "整改台账", "", "", None),
            _xlsx(
                [
                    Sheet(
                        "整改台账",
                        rect_headers,
                        _rectification_rows(rectifications),
                        [6, 24, 40, 40, 10, 14, 10, 6, 40, 14, 30, 14],
                    )
                ]
            ),
        )
        cross_headers = [
            "序号", "学期", "邀请单位", "列席单位", "列席人员", "学习会日期", "状态", "报告期限", "报告日期", "逾期",
        ]  # fmt: skip
        add(
            Entry(f"06_{year}年交叉旁听台账.xlsx", "交叉旁听台账", "", "", None),
            _xlsx([Sheet("交叉旁听台账", cross_headers, _cross_rows(crosses), [6, 10, 24, 24, 10, 14, 12, 14, 14, 6])]),
        )
        activity_headers = ["序号", "单位", "学习会日期", "类别", "日期", "对象或人员", "情况", "结果"]
        add(
            Entry(f"07_{year}年谈话调阅座谈点评抽查记录.xlsx", "旁听工作记录", "", "", None),
            _xlsx(
                [
                    Sheet(
                        "旁听工作记录",
                        activity_headers,
                        _activity_rows(visits),
                        [6, 24, 14, 14, 14, 20, 60, 10],
                    )
                ]
            ),
        )
        index_rows = [[n, e.name, e.kind, e.unit, e.number, e.date] for n, e in enumerate(entries, start=1)]
        archive.writestr(
            "00_索引.xlsx",
            _xlsx(
                [Sheet("索引", ["序号", "文件", "类别", "单位", "文号", "日期"], index_rows, [6, 60, 16, 28, 24, 14])]
            ),
        )
    if on_progress is not None:
        on_progress(total, total)
    spool.seek(0)
    return spool


# -- as a background job (pangting.core.jobs; issue 15) -------------------------------------------


def start_year_file(user: Any, year: int) -> Job:
    """Queue the year's zip for the worker: its page shows the progress and the download."""
    return jobs.start(
        "observation.year_file",
        title=gettext("{year}年度巡听旁听工作档案").format(year=year),
        actor=user,
        params={"user_id": user.pk, "year": year},
        action=policy.Action.OBSERVATION_MANAGE,  # the download needs it still
    )


def year_file_job(job: Job, *, user_id: int, year: int) -> dict[str, Any]:
    """The worker's side: the same zip as the page's download, asked of the policy again now."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not policy.can(user, policy.Action.OBSERVATION_MANAGE):
        raise jobs.Refused(Message(N_("您已无权生成年度工作档案。")))
    jobs.progress(job, 0, None, N_("正在生成年度工作档案。"))
    name = f"{year}年度巡听旁听工作档案.zip"

    def report(done: int, total: int) -> None:
        jobs.progress(job, done, total, N_("已写入{done}个文件，共{total}个。"), done=done, total=total)

    with translation.override(settings.LANGUAGE_CODE):  # Chinese documents, whoever asked
        archive = build_year_file(user, year, report)
    with open(jobs.job_dir(job) / name, "wb") as target:
        shutil.copyfileobj(archive, target)
    archive.close()
    return {"file": name, "content_type": "application/zip"}
