"""The project's own copy of the official calendar (conventions.md, "Working days").

Only exceptions are stored: holidays on any day and make-up workdays (调休) on weekends.
A year is known only once a `CalendarYear` row exists for it; until then, deadlines that
reach into it are refused rather than guessed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CalendarYear(models.Model):
    """One year of the official holiday arrangement, from the library or entered by hand."""

    class Source(models.TextChoices):
        LIBRARY = "library", _("chinese-calendar 数据")
        ADMIN = "admin", _("管理员录入")

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    notice = models.CharField(_("依据文件"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    history = HistoricalRecords()
    _history_user: Any  # not a field: the actor the services give django-simple-history for the next save

    class Meta:
        ordering = ["-year"]
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")

    def __str__(self) -> str:
        return f"{self.year}"


class CalendarDay(models.Model):
    """A day that differs from the Monday–Friday rule."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        MAKEUP_WORKDAY = "makeup", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("日历特殊日")
        verbose_name_plural = _("日历特殊日")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
