"""Small builders for the assessment tests: 述学 reports, findings, scored visits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from pangting.assessment import services
from pangting.assessment.models import StudyReport
from pangting.compliance import counts
from pangting.compliance.models import ComplianceRun, Finding


def make_report(w: Any, side: str = "A", *, year: int = 2026, with_file: bool = False, **fields: Any) -> StudyReport:
    """A 述学 report of unit A's (or B's) member, filed by the supervisor."""
    unit = {"A": w.unit_a, "B": w.unit_b}[side]
    person = {"A": w.member_person, "B": w.member_b_person}[side]
    upload = SimpleUploadedFile("述学材料.pdf", b"%PDF-1.4 report") if with_file else None
    values: dict[str, Any] = {
        "person": person,
        "organization": unit,
        "year": year,
        "title": f"{year}年度个人述学报告",
        "delivered_on": dt.date(year, 6, 1),
        "summary": "学习党的创新理论，联系分管工作查找差距。",
        "upload": upload,
    }
    values.update(fields)
    return services.record_study_report(actor=w.supervisor, **values)


def make_findings(unit: Any, year: int, *items: tuple[str, str, bool]) -> list[Finding]:
    """Findings written directly: (rule_id, severity, open) each, under one ComplianceRun."""
    run = ComplianceRun.objects.create(year=year)
    made = []
    for index, (rule_id, severity, is_open) in enumerate(items):
        made.append(
            Finding.objects.create(
                rule_id=rule_id,
                unit=unit,
                year=year,
                period=str(year),
                key=f"k{index}",
                severity=severity,
                message="测试问题",
                first_seen=run,
                last_seen=run,
                resolved_at=None if is_open else run.started_at,
            )
        )
    counts.store(year, [unit.pk])  # as a run's reconciliation does
    return made
