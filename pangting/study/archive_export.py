"""The one-click export of a unit's study archive for a year (R-S14): a zip with an index.

The Word and Excel files the system generates for the year (the session plans and
arrangement forms of `study.documents`, an attendance sheet per session, the plan's
themes), the uploaded records, materials and speech files, and an index workbook
(00目录.xlsx) listing every file and every gap `archive.archive_gaps` found. File and folder
names are Chinese (zip's UTF-8 flag): an archive is a Chinese document, whatever the
reader's language, so the texts here are not interface text.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import prefetch_related_objects
from django.utils import timezone

from pangting.lib import xlsx
from pangting.lib.gbt9704 import format_cn_date

from . import documents
from .archive import UnitArchive
from .models import Attachment, Attendance, StudyPlan, StudySession

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def safe_name(text: str, limit: int = 40) -> str:
    """A file or folder name from user text: no path separators or control characters."""
    cleaned = _UNSAFE.sub("_", text).strip(" ._") or "_"
    return cleaned[:limit]


XLSX_NAME = "签到考勤表.xlsx"
STATUS_LABELS = {  # the export is a Chinese document, whatever the reader's language
    Attendance.Status.PENDING: "未签到",
    Attendance.Status.PRESENT: "出席",
    Attendance.Status.LEAVE: "请假",
    Attendance.Status.ABSENT: "缺席",
}


def attendance_workbook(session: StudySession) -> bytes:
    rows = [
        (n, a.person.name, a.post, STATUS_LABELS.get(a.status, a.status), a.checked_in_at, a.leave_reason,
         a.makeup_done_on, a.makeup_note)
        for n, a in enumerate(session.attendances.select_related("person").order_by("person__name"), start=1)
    ]  # fmt: skip
    headers = ["序号", "姓名", "职务", "出勤", "签到时间", "请假事由", "补学日期", "补学情况"]
    return xlsx.write_workbook([xlsx.Sheet("签到考勤", headers, rows, [8, 12, 24, 10, 20, 24, 14, 30])])


def plan_workbook(plan: StudyPlan) -> bytes:
    rows = [(t.period_label, t.theme, t.materials) for t in plan.themes.all()]
    status = dict(StudyPlan.Status.choices).get(plan.status, plan.status)
    submitted = format_cn_date(timezone.localdate(plan.submitted_at)) if plan.submitted_at else "未报送"
    info = [("标题", plan.title), ("状态", str(status)), ("报送时间", submitted), ("说明", plan.note)]
    return xlsx.write_workbook(
        [
            xlsx.Sheet("年度学习计划", ["月份/季度", "学习专题", "学习材料"], rows, [12, 40, 50]),
            xlsx.Sheet("计划信息", ["项目", "内容"], info, [12, 60]),
        ]
    )


@dataclass
class _Entry:
    path: str
    kind: str
    day: dt.date | None = None
    note: str = ""


def _read(file: Any) -> bytes | None:
    try:
        with file.open("rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def archive_zip(archive: UnitArchive, target: IO[bytes]) -> list[str]:
    """Write `archive` as a zip into `target`; returns the paths written (the index included).

    Chinese file and folder names (zip's UTF-8 flag), one folder per session. The index
    (00目录.xlsx) lists every file with what it is, and every gap R-S14 found.
    """
    unit, year = archive.unit, archive.year
    prefetch_related_objects(archive.sessions, "organization", "group")  # what the documents print
    root = safe_name(f"{unit.display_name}{year}年学习档案", 60)
    entries: list[_Entry] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:

        def put(path: str, data: bytes, kind: str, day: dt.date | None = None, note: str = "") -> None:
            full = f"{root}/{path}"
            zf.writestr(full, data)
            entries.append(_Entry(full, kind, day, note))

        if archive.plan is not None:
            put(f"01年度学习计划/{safe_name(archive.plan.title)}.xlsx", plan_workbook(archive.plan), "年度学习计划")
        for number, session in enumerate(archive.sessions, start=1):
            day = timezone.localdate(session.starts_at)
            folder = f"02学习会/{number:02d}_{day:%Y%m%d}_{safe_name(session.title, 30)}"
            put(f"{folder}/学习会方案.docx", documents.session_plan_docx(session), "学习会方案", day)
            put(f"{folder}/学习安排报送表.docx", documents.arrangement_form_docx(session), "学习安排报送表", day)
            put(f"{folder}/{XLSX_NAME}", attendance_workbook(session), "签到考勤表", day)
            used: set[str] = set()
            for attachment in session.attachments.all():
                data = _read(attachment.file)
                kind = str(dict(Attachment.Kind.choices).get(attachment.kind, attachment.kind))
                name = _unique(safe_name(attachment.original_name, 60), used)
                if data is None:
                    entries.append(_Entry(f"{folder}/附件/{name}", kind, day, "文件缺失，未能导出"))
                    continue
                put(f"{folder}/附件/{name}", data, kind, day)
            for speech in session.speeches.exclude(file=""):
                data = _read(speech.file)
                name = _unique(safe_name(f"{speech.speaker_name}_{speech.file.name.rsplit('/', 1)[-1]}", 60), used)
                if data is not None:
                    put(f"{folder}/发言材料/{name}", data, "书面发言材料", day)
        gaps = [
            (format_cn_date(g.day) if g.day else str(year), g.session.title if g.session else "", g.label)
            for g in archive.gaps
        ]
        index_path = f"{root}/00目录.xlsx"
        rows = [(n, e.path[len(root) + 1 :], e.kind, e.day, e.note) for n, e in enumerate(entries, start=1)]
        index = xlsx.write_workbook(
            [
                xlsx.Sheet("目录", ["序号", "文件", "类型", "学习会日期", "说明"], rows, [8, 70, 18, 16, 24]),
                xlsx.Sheet("缺项（R-S14）", ["日期/年度", "学习会", "缺少"], gaps, [16, 40, 30]),
            ]
        )
        zf.writestr(index_path, index)
    return [index_path, *(e.path for e in entries)]


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 1
    while candidate in used:
        n += 1
        stem, dot, ext = name.rpartition(".")
        candidate = f"{stem}({n}).{ext}" if dot else f"{name}({n})"
    used.add(candidate)
    return candidate


def archive_file(archive: UnitArchive) -> IO[bytes]:
    """The zip in a spooled temporary file (in memory up to 16 MB), rewound for reading."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned open
    archive_zip(archive, spool)
    spool.seek(0)
    return spool


def archive_filename(archive: UnitArchive) -> str:
    return f"{safe_name(archive.unit.display_name, 40)}{archive.year}年学习档案.zip"
