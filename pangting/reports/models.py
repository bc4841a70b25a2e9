"""Reports keep no records of their own except bulletins (通报) and annual summaries (年度总结).

A `ReportDocument` is one bulletin or summary of a supervising organization for a year (a
bulletin may cover one semester). Its text lives in `ReportVersion` rows: the figures the
draft was computed from and the sections the supervisor edits, both as JSON, so that any
version can be regenerated as the same Word file. Versions are append-only once issued:
editing a draft changes the draft version, editing an issued document starts a new version
and leaves the issued one as it was (R-O15).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pangting.core.models import RecordModel, WorkflowRecord
from pangting.observation.models import Cosignature
from pangting.orgs.models import Organization

from .shapes import REPORT_SECTIONS

PARTNER_CHOICES = Cosignature.Partner.choices  # the same partner departments as for letters (R-O21)

VIEW = "reports.view"


class DocumentKind(models.TextChoices):
    """R-O15: the bulletin on each unit's study and the year's written report to the party committee."""

    BULLETIN = "bulletin", _("通报")
    SUMMARY = "summary", _("年度总结")


class ReportDocument(RecordModel, WorkflowRecord):
    """A bulletin or annual summary: numbered without gaps when first issued (see services)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已印发")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="report_documents", verbose_name=_("督导组织")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    # A bulletin may cover one semester (1 spring, 2 autumn); empty means the whole year.
    semester = models.PositiveSmallIntegerField(_("学期"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    seq = models.PositiveIntegerField(_("发文序号"), null=True, blank=True)
    number = models.CharField(_("发文字号"), max_length=40, blank=True)
    issued_at = models.DateTimeField(_("首次印发时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    workflow_state_field: ClassVar[str] = "status"  # moved only by the steps in reports/workflows.py
    policy_org_field: ClassVar[str] = "organization"
    # R-O23: owned by the supervising organization, reached through its supervisor's seat.
    policy_org_role: ClassVar[str] = "supervisor"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-year", "kind", "-created_at"]
        verbose_name = _("通报与年度总结")
        verbose_name_plural = _("通报与年度总结")
        indexes = [
            # The list page: one supervisor's documents of a year.
            models.Index(fields=["organization", "year"], name="reportdoc_org_year"),
        ]
        constraints = [
            # A number is never given twice in one series (numbering without gaps, R-O15).
            models.UniqueConstraint(
                fields=["organization", "kind", "number"], condition=~Q(number=""), name="reportdoc_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_bulletin(self) -> bool:
        return self.kind == DocumentKind.BULLETIN

    @property
    def period_label(self) -> str:
        if self.semester == 1:
            return gettext("{year}年春季学期").format(year=self.year)
        if self.semester == 2:
            return gettext("{year}年秋季学期").format(year=self.year)
        return gettext("{year}年度").format(year=self.year)


class ReportVersion(RecordModel):
    """One version of a document's text: the figures and the sections, who wrote it and when.

    The latest version is editable while `issued_at` is empty; an issued version never changes.
    """

    document = models.ForeignKey(ReportDocument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    figures = models.JSONField(_("统计数据"), default=dict)
    figures_computed_at = models.DateTimeField(_("数据计算时间"))
    sections = models.JSONField(_("正文各部分"), default=dict)
    json_shapes: ClassVar[Mapping[str, Any]] = {"sections": REPORT_SECTIONS}  # figures vary by kind: free
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    policy_org_field: ClassVar[str] = "document__organization"
    # R-O23: owned by the supervising organization, reached through its supervisor's seat.
    policy_org_role: ClassVar[str] = "supervisor"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["document", "number"]
        verbose_name = _("版本")
        verbose_name_plural = _("版本")
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="reportversion_unique_number")]

    def __str__(self) -> str:
        return gettext("{document} 第{number}版").format(document=self.document, number=self.number)

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None

    def section_text(self, key: str) -> str:
        value: Any = self.sections.get(key, "")
        return value if isinstance(value, str) else ""


class DocumentCosignature(RecordModel):
    """会签 (R-O21): a partner department of the supervising level co-signs a joint bulletin
    before it is issued; the bulletin then names every issuer in its GB/T 9704 masthead.

    The name it signs with is stored as printed, so the bulletin can be produced again exactly."""

    document = models.ForeignKey(ReportDocument, on_delete=models.CASCADE, related_name="cosignatures")
    partner = models.CharField(_("联合督导部门"), max_length=32, choices=PARTNER_CHOICES)
    issuer_name = models.CharField(_("署名"), max_length=100)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("会签时间"))

    policy_org_field: ClassVar[str] = "document__organization"
    policy_org_role: ClassVar[str] = "supervisor"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["document", "partner"]
        verbose_name = _("通报会签")
        verbose_name_plural = _("通报会签")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "partner"],
                condition=Q(deleted_at__isnull=True),
                name="doc_cosignature_one_per_partner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer_name} {self.document_id}"


class StudyFigures(models.Model):
    """A unit's center-group figures for one year, summed from its sessions and their attendance (issue 15).

    The dashboard's participation (R-S3), first-item (R-S4), secretary-led (R-S12),
    postponement (R-S11) and submission (R-S10) figures add up every center-group session of
    the year and its attendance: 150,000 sessions and 2 million attendance rows in a province. One row per unit
    and year keeps those sums; `reports.study_figures` counts them, reads them (counting live the
    units whose records changed since) and refreshes them. Derived data, rebuilt by
    `manage.py refresh_figures --all`: no history.
    """

    unit = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    counted_at = models.DateTimeField(_("统计时间"))
    # The unit's `UnitChange.changed_at` read just before counting (None: no change on record).
    # The row stands for the records while that value has not moved (`study_figures.fresh`).
    seen_change = models.DateTimeField(_("统计时的最近变动时间"), null=True, blank=True)
    threshold = models.CharField(_("参学率标准"), max_length=20, help_text=_("R-S3：统计“达标场次”时的标准，如 9/10。"))
    # R-S3: held center-group sessions with an attendance list, their expected and present people
    # (列席 people excluded, R-S20) and the sessions whose own rate reached the threshold.
    sessions = models.PositiveIntegerField(_("有考勤的已召开学习会"), default=0)
    expected = models.PositiveIntegerField(_("应到人次"), default=0)
    present = models.PositiveIntegerField(_("实到人次"), default=0)
    meeting_threshold = models.PositiveIntegerField(_("达标场次"), default=0)
    # Every center-group session of the year (R-S11) and the held ones (R-S4, R-S12).
    scheduled = models.PositiveIntegerField(_("学习会"), default=0)
    rescheduled_once = models.PositiveIntegerField(_("调整一次"), default=0)
    rescheduled_twice_or_more = models.PositiveIntegerField(_("调整两次及以上"), default=0)
    held = models.PositiveIntegerField(_("已召开"), default=0)
    first_item = models.PositiveIntegerField(_("学习第一议题"), default=0)
    secretary_led = models.PositiveIntegerField(_("书记领学"), default=0)
    # R-S10, the sessions not cancelled: submissions made on or before their due date, and after
    # it. (Overdue or pending depends on the day it is read: those are counted when read.)
    arrangement_on_time = models.PositiveIntegerField(_("安排表按时报送"), default=0)
    arrangement_late = models.PositiveIntegerField(_("安排表逾期报送"), default=0)
    report_on_time = models.PositiveIntegerField(_("会后材料按时报送"), default=0)
    report_late = models.PositiveIntegerField(_("会后材料逾期报送"), default=0)

    class Meta:
        verbose_name = _("单位学习统计")
        verbose_name_plural = _("单位学习统计")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="studyfigures_one_per_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}"
