"""Per-deployment numbers of the study rules (domain.md: "numbers in rules are defaults").

Three layers, later ones winning: the defaults below (the values the seeds give), the
`PANGTING_STUDY_PARAMETERS` setting (a dict, for a deployment's configuration file), and
`StudyParameter` rows an administrator edits in the admin (with history). Every value is
parsed and checked here, so a bad entry fails loudly with a Chinese message instead of
silently changing a deadline.

Day counts always travel with their unit (`DayUnit.CALENDAR` "天" vs `DayUnit.WORKING`
"个工作日"): the seed's "提前2天" and "会后2天内" are calendar days.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from pangting.lib.workdays import DayUnit


@dataclass(frozen=True)
class StudyParameters:
    """The numbers the study rules use; see the module docstring for where they come from."""

    # R-S3: participation rate at least 90 %; kept as an exact fraction (9 of 10 passes).
    participation_threshold: Fraction = Fraction(9, 10)
    # R-S10: the arrangement form reaches the linked leader 2 days before the session…
    arrangement_days_before: int = 2
    arrangement_unit: DayUnit = DayUnit.CALENDAR
    # …and the supervisor within 2 days after it.
    report_days_after: int = 2
    report_unit: DayUnit = DayUnit.CALENDAR
    # R-S1: the annual plan is due at the start of the year (default: end of January).
    plan_due_month: int = 1
    plan_due_day: int = 31
    # QR check-in opens this many minutes before the session and closes when it ends.
    checkin_opens_minutes_before: int = 30
    checkin_grace_minutes_after: int = 0
    # Uploads (minutes, materials, written speeches).
    max_upload_mb: int = 20
    upload_extensions: tuple[str, ...] = (
        "pdf", "doc", "docx", "wps", "ofd", "xls", "xlsx", "ppt", "pptx", "txt", "jpg", "jpeg", "png",
    )  # fmt: skip

    def threshold_percent(self) -> str:
        value = self.participation_threshold * 100
        return f"{value.numerator}%" if value.denominator == 1 else f"{float(value):.1f}%"


_LABELS = {
    "participation_threshold": _("参学率下限"),
    "arrangement_days_before": _("安排表提前报送天数"),
    "arrangement_unit": _("安排表天数单位"),
    "report_days_after": _("会后报送天数"),
    "report_unit": _("会后报送天数单位"),
    "plan_due_month": _("年度学习计划截止月"),
    "plan_due_day": _("年度学习计划截止日"),
    "checkin_opens_minutes_before": _("签到提前开放分钟数"),
    "checkin_grace_minutes_after": _("会后签到宽限分钟数"),
    "max_upload_mb": _("上传文件大小上限（MB）"),
    "upload_extensions": _("允许上传的文件类型"),
}
PARAMETER_CHOICES = [(key, format_lazy("{label}（{key}）", label=label, key=key)) for key, label in _LABELS.items()]


def parse_value(key: str, raw: Any) -> Any:
    """Turn a setting or admin entry into the typed value, or raise ValueError in Chinese."""
    label = _LABELS.get(key)
    if label is None:
        raise ValueError(f"未知的学习参数“{key}”。")
    try:
        if key == "participation_threshold":
            text = str(raw).strip().rstrip("%")
            value = Fraction(text)
            if "%" in str(raw) or value > 1:
                value /= 100
            if not 0 < value <= 1:
                raise ValueError
            return value
        if key in ("arrangement_unit", "report_unit"):
            return DayUnit(str(raw).strip())
        if key == "upload_extensions":
            items = raw if isinstance(raw, list | tuple) else str(raw).replace("，", ",").split(",")
            exts = tuple(str(e).strip().lower().lstrip(".") for e in items if str(e).strip())
            if not exts:
                raise ValueError
            return exts
        number = int(str(raw).strip())
        if number < 0 or (key == "plan_due_month" and not 1 <= number <= 12):
            raise ValueError
        if key == "plan_due_day" and not 1 <= number <= 31:
            raise ValueError
        return number
    except (ValueError, ZeroDivisionError, ArithmeticError):
        raise ValueError(f"学习参数“{label}”的值“{raw}”无效。") from None


def get_parameters() -> StudyParameters:
    """The parameters in force now (one small query for the admin-entered rows)."""
    from .models import StudyParameter

    overrides: dict[str, Any] = {"max_upload_mb": getattr(settings, "PANGTING_MAX_UPLOAD_MB", 20)}
    for key, raw in getattr(settings, "PANGTING_STUDY_PARAMETERS", {}).items():
        try:
            overrides[key] = parse_value(key, raw)
        except ValueError as error:
            raise ImproperlyConfigured(str(error)) from error
    for key, raw in StudyParameter.objects.values_list("key", "value"):
        overrides[key] = parse_value(key, raw)
    return dataclasses.replace(StudyParameters(), **overrides)
