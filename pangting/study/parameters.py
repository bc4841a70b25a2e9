"""Per-deployment numbers of the study rules (domain.md: "numbers in rules are defaults").

The numbers are declared in the one rule-parameter registry (`pangting.core.parameters`),
keyed by the rule each belongs to, by `StudyConfig.ready` through `register_parameters`:

- R-S1: the annual plan's due month and day;
- R-S3: the participation threshold (`min_rate`, the number the R-S3 check applies too),
  and when QR check-in opens and closes;
- R-S10: the arrangement form's and the report's day counts and their units;
- R-S14: upload size and file types of the study archive;
- R-S5: the topic tags a plan theme may carry; R-S6: the shortest written speech text;
  R-S9: the roles outside a unit that may approve its lecturer; R-S16: the required topics.

`get_parameters()` reads them (defaults ← `PANGTING_RULE_PARAMETERS` ← rows set on the
rule-parameters page, with history) into the typed `StudyParameters` the study code uses.
Day counts always travel with their unit (`DayUnit.CALENDAR` "天" vs `DayUnit.WORKING`
"个工作日"): the seed's "提前2天" and "会后2天内" are calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pangting.core import parameters
from pangting.core.parameters import Parameter
from pangting.lib.workdays import DayUnit

DEFAULT_MAX_UPLOAD_MB = 20
# R-S5/R-S16: the tags a plan theme may carry (the required ones of R-S16 among them).
# i18n: not interface (tag values a deployment configures and plans store, in Chinese as the seeds name them)
DEFAULT_TOPIC_TAGS = ("意识形态", "安全生产", "党内法规", "理论武装", "党史学习教育", "作风建设", "教育工作")
# i18n: not interface (tag values, as above)
DEFAULT_REQUIRED_TOPICS = ("意识形态", "安全生产", "党内法规")
DEFAULT_UPLOAD_EXTENSIONS = (
    "pdf", "doc", "docx", "wps", "ofd", "xls", "xlsx", "ppt", "pptx", "txt", "jpg", "jpeg", "png",
)  # fmt: skip


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
    # The code on the room's screen changes every this many seconds (a forwarded photo expires);
    # a scanned code leaves a ticket that lets the member finish within this many minutes (login).
    checkin_step_seconds: int = 30
    checkin_ticket_minutes: int = 10
    # Uploads (minutes, materials, written speeches).
    max_upload_mb: int = 20
    upload_extensions: tuple[str, ...] = DEFAULT_UPLOAD_EXTENSIONS
    # R-S5: the topic tags a theme may carry.
    topic_tags: tuple[str, ...] = DEFAULT_TOPIC_TAGS
    # R-S16: the special topics each year's plan must cover.
    required_topics: tuple[str, ...] = DEFAULT_REQUIRED_TOPICS
    # R-S6: written speech material is a file or a text of at least this many characters.
    min_written_chars: int = 300
    # R-S9: roles that may approve a unit's lecturer, held above the unit (never inside it).
    approver_roles: tuple[str, ...] = ("supervisor",)

    def threshold_percent(self) -> str:
        value = self.participation_threshold * 100
        return f"{value.numerator}%" if value.denominator == 1 else f"{float(value):.1f}%"


def register_parameters() -> None:
    """Declare the study numbers in the registry (from `StudyConfig.ready`)."""
    parameters.register(
        "R-S1",
        Parameter("plan_due_month", 1, _("年度学习计划截止月"), "month", unit=_("月")),
        Parameter("plan_due_day", 31, _("年度学习计划截止日"), "day", unit=_("日")),
        title=_("年度学习计划按时报送"),
    )
    parameters.register(
        "R-S3",
        Parameter("min_rate", 90, _("参学率下限"), "percent", unit="%"),
        Parameter("checkin_opens_minutes_before", 30, _("签到提前开放分钟数"), "int", unit=_("分钟")),
        Parameter("checkin_grace_minutes_after", 0, _("会后签到宽限分钟数"), "int", unit=_("分钟")),
        Parameter("checkin_step_seconds", 30, _("签到二维码更换间隔"), "int", unit=_("秒")),
        Parameter("checkin_ticket_minutes", 10, _("扫码后完成签到时限"), "int", unit=_("分钟")),
        title=_("参学率不低于90%，请假人员及时补学"),
    )
    parameters.register(
        "R-S5",
        Parameter("topic_tags", list(DEFAULT_TOPIC_TAGS), _("专题标签（可选项）"), "list"),
        title=_("学习内容专题化并列入年度计划"),
    )
    parameters.register(
        "R-S16",
        Parameter("required_topics", list(DEFAULT_REQUIRED_TOPICS), _("年度计划必学专题"), "list"),
        title=_("年度计划涵盖必学专题"),
    )
    parameters.register(
        "R-S6",
        Parameter("min_written_chars", 300, _("书面发言材料最少字数"), "int", unit=_("字")),
        title=_("发言人有书面发言材料"),
    )
    parameters.register(
        "R-S9",
        Parameter("approver_roles", ["supervisor"], _("可审核授课人的角色（本单位以外）"), "list"),
        title=_("授课人及内容会前审核"),
    )
    parameters.register(
        "R-S10",
        Parameter("arrangement_days_before", 2, _("安排表提前报送天数"), "days"),
        Parameter("arrangement_unit", DayUnit.CALENDAR.value, _("安排表天数单位"), "day_unit"),
        Parameter("report_days_after", 2, _("会后报送天数"), "days"),
        Parameter("report_unit", DayUnit.CALENDAR.value, _("会后报送天数单位"), "day_unit"),
        title=_("学习安排报送表会前报送、会后材料按时报送"),
    )
    parameters.register(
        "R-S14",
        Parameter("max_upload_mb", DEFAULT_MAX_UPLOAD_MB, _("上传文件大小上限"), "int", unit="MB"),
        Parameter("upload_extensions", list(DEFAULT_UPLOAD_EXTENSIONS), _("允许上传的文件类型"), "list"),
        title=_("学习档案"),
    )


def get_parameters() -> StudyParameters:
    """The parameters in force now (one small query for the stored overrides)."""
    values = parameters.all_values()
    s1, s3, s10, s14 = values["R-S1"], values["R-S3"], values["R-S10"], values["R-S14"]
    s5, s6, s9, s16 = values["R-S5"], values["R-S6"], values["R-S9"], values["R-S16"]
    return StudyParameters(
        participation_threshold=Fraction(str(s3["min_rate"])) / 100,
        arrangement_days_before=int(s10["arrangement_days_before"]),
        arrangement_unit=DayUnit(s10["arrangement_unit"]),
        report_days_after=int(s10["report_days_after"]),
        report_unit=DayUnit(s10["report_unit"]),
        plan_due_month=int(s1["plan_due_month"]),
        plan_due_day=int(s1["plan_due_day"]),
        checkin_opens_minutes_before=int(s3["checkin_opens_minutes_before"]),
        checkin_grace_minutes_after=int(s3["checkin_grace_minutes_after"]),
        # At least 5 s: a shorter step could not be scanned before it changes.
        checkin_step_seconds=max(5, int(s3["checkin_step_seconds"])),
        checkin_ticket_minutes=max(1, int(s3["checkin_ticket_minutes"])),
        # The PANGTING_MAX_UPLOAD_MB environment setting (also read by the web server's
        # limits) stands in for the default until the page sets another value.
        max_upload_mb=int(
            s14["max_upload_mb"]
            if s14["max_upload_mb"] != DEFAULT_MAX_UPLOAD_MB
            else getattr(settings, "PANGTING_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)
        ),
        upload_extensions=tuple(s14["upload_extensions"]),
        topic_tags=tuple(s5["topic_tags"]),
        required_topics=tuple(s16["required_topics"]),
        min_written_chars=int(s6["min_written_chars"]),
        approver_roles=tuple(s9["approver_roles"]),
    )
