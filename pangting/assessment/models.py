"""Assessment schemes (the year's score formula, R-O14) and leaders' study reports (述学).

Observation results count in the ideology-responsibility assessment (意识形态工作责任制考核)
and in evaluating leadership teams (R-O14). The supervisor writes the year's formula over
observation scores (R-O18) and compliance findings; the score sheet evaluates it per unit.
Leading cadres report on their own study (述学, seed 004 "述学评学"; R-S13) once a year; the
unit's study secretary or the supervisor files the report, the supervisor rates it.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pangting.core.models import RecordModel
from pangting.orgs.models import Organization, Person


class AssessmentScheme(RecordModel):
    """考核方案: the formula that turns a unit's year into a score (R-O14), one per supervisor and year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        CONFIRMED = "confirmed", _("已确定")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("督导组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    formula = models.TextField(_("计算公式"))
    description = models.TextField(_("方案说明"), blank=True)
    max_score = models.DecimalField(_("满分"), max_digits=5, decimal_places=1, default=100)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    confirmed_at = models.DateTimeField(_("确定时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = "reports.view"

    class Meta:
        ordering = ["-year"]
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], condition=Q(deleted_at__isnull=True), name="scheme_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return gettext("{year}年度考核方案").format(year=self.year)


def report_upload_to(instance: Any, filename: str) -> str:
    return f"assessment/reports/{instance.year}/{secrets.token_hex(6)}-{filename}"


class StudyReport(RecordModel):
    """述学: a leading cadre's report on his or her own study in a year, with the reviewer's rating."""

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        GOOD = "good", _("良好")
        FAIR = "fair", _("一般")
        POOR = "poor", _("较差")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="study_reports", verbose_name=_("述学人"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("题目"), max_length=200)
    delivered_on = models.DateField(_("述学日期"))
    summary = models.TextField(_("述学内容摘要"))
    file = models.FileField(_("述学材料"), upload_to=report_upload_to, blank=True, max_length=300)
    original_name = models.CharField(_("文件名"), max_length=200, blank=True)
    rating = models.CharField(_("评议等次"), max_length=12, choices=Rating.choices, blank=True)
    rating_note = models.CharField(_("评议意见"), max_length=300, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rated_at = models.DateTimeField(_("评议时间"), null=True, blank=True)

    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = "study.view"

    class Meta:
        ordering = ["-year", "organization__path", "person__name"]
        verbose_name = _("述学报告")
        verbose_name_plural = _("述学报告")
        indexes = [
            # The list page and the score sheet: a year's reports, by unit.
            models.Index(fields=["year", "organization"], name="studyreport_year_org"),
        ]

    def __str__(self) -> str:
        return gettext("{person} {year}年述学").format(person=self.person, year=self.year)


class StudyReportRating(RecordModel):
    """民主评议 of a 述学 report (R-O22): one rater's rating; several raters per report, tallied.

    One live rating per rater and report; a rater may change his rating (history keeps the old
    one). The reviewer's own rating on the report (`StudyReport.rating`) stays as it was.
    """

    report = models.ForeignKey(StudyReport, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(_("评议等次"), max_length=12, choices=StudyReport.Rating.choices)
    note = models.CharField(_("评议意见"), max_length=300, blank=True)

    policy_org_field: ClassVar[str] = "report__organization"
    policy_view_action: ClassVar[str] = "study.view"

    class Meta:
        ordering = ["report", "created_at"]
        verbose_name = _("述学民主评议")
        verbose_name_plural = _("述学民主评议")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "rater"], condition=models.Q(deleted_at__isnull=True), name="study_rating_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.get_rating_display()}"
