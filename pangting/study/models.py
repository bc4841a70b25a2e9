"""Study: annual plans, sessions of every kind, agenda, speeches, attendance, self-study, 三会一课.

One `StudySession` model serves every meeting the system tracks: the center group's study
session (学习会, R-S2 … R-S12) and the branches' 三会一课 (R-B1 … R-B4). Everything a rule
needs is stored as data, so that compliance can be computed rather than asserted: agenda
items carry a kind (R-S4 第一议题, R-S8 business vs theory), speeches carry their written
material (R-S6), reschedules are rows (R-S11), and the arrangement form and report carry
their submission dates and the due dates computed from them (R-S10).

Every record belongs to an organization (`policy_org_field`) and is read through
`Model.objects.for_user(user)`; writes go through `services`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pangting.core import clock, inputs
from pangting.core.models import RecordModel, WorkflowRecord
from pangting.orgs.changes import UnitChangeRecord
from pangting.orgs.models import Organization, Person, StudyGroup

from . import rules
from .shapes import SESSION_DUE_BASIS

VIEW = "study.view"


def new_nonce() -> str:
    return secrets.token_hex(8)


class SessionKind(models.TextChoices):
    CENTER_GROUP = "center_group", _("中心组学习会")
    BRANCH_COMMITTEE = "branch_committee", _("支部委员会会议")
    MEMBER_MEETING = "member_meeting", _("党员大会")
    PARTY_GROUP_MEETING = "party_group_meeting", _("党小组会")
    PARTY_LECTURE = "party_lecture", _("党课")
    BRANCH_STUDY = "branch_study", _("支部集体学习")
    THEME_DAY = "theme_day", _("主题党日")  # R-B8


BRANCH_KINDS = frozenset(k for k in SessionKind if k != SessionKind.CENTER_GROUP)


class PlanKind(models.TextChoices):
    CENTER_GROUP = "center_group", _("中心组年度学习计划")
    BRANCH = "branch", _("支部年度“三会一课”计划")


class Approval(models.TextChoices):
    """R-S15 书记审定: the state of a plan's (or a session plan's) approval by the group leader."""

    PENDING = "pending", _("待书记审定")
    APPROVED = "approved", _("书记已审定")


class ApprovalKind(models.TextChoices):
    IN_SYSTEM = "in_system", _("系统内审定")
    PAPER = "paper", _("纸质审定")


def approval_scan_upload_to(instance: Any, filename: str) -> str:
    return f"study/approvals/{instance._meta.model_name}/{instance.pk}/{secrets.token_hex(6)}-{filename}"


class Approvable(models.Model):
    """R-S15: the group leader (书记) approves the annual plan and each session plan before it is
    filed or sent, inside the system or on paper (the study secretary records the date and a
    scan). `approval_state` moves only through the approval steps (`study/workflows.py`); an
    edit of the content after approval voids it. `approval_legacy` marks the records filed or
    sent before this rule was modelled (data migration) or imported from a historical ledger:
    the R-S15 check leaves them alone."""

    approval_state = models.CharField(_("书记审定"), max_length=12, choices=Approval.choices, default=Approval.PENDING)
    approval_kind = models.CharField(_("审定方式"), max_length=12, choices=ApprovalKind.choices, blank=True)
    approved_at = models.DateTimeField(_("审定记录时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approval_note = models.CharField(_("审定意见"), max_length=300, blank=True)
    paper_approved_on = models.DateField(_("纸质审定日期"), null=True, blank=True)
    approval_scan = models.FileField(_("审定件扫描件"), upload_to=approval_scan_upload_to, blank=True, max_length=300)
    approval_legacy = models.BooleanField(_("审定规则施行前已报送"), default=False, editable=False)

    class Meta:
        abstract = True

    @property
    def is_approved(self) -> bool:
        return self.approval_state == Approval.APPROVED

    @property
    def approved_on(self) -> dt.date | None:
        """The day the leader approved: the paper's date, or the day of the in-system step."""
        if self.paper_approved_on:
            return self.paper_approved_on
        from django.utils import timezone

        return timezone.localdate(self.approved_at) if self.approved_at else None


class StudyPlan(UnitChangeRecord, RecordModel, WorkflowRecord, Approvable):
    """年度学习计划 (R-S1), or a branch's annual 三会一课 plan (R-B5), with its filing status."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已报送")
        ACKNOWLEDGED = "acknowledged", _("已确认")
        RETURNED = "returned", _("退回修改")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="study_plans", verbose_name=_("党组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("类型"), max_length=20, choices=PlanKind.choices, default=PlanKind.CENTER_GROUP)
    title = models.CharField(_("标题"), max_length=200)
    note = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    due_on = models.DateField(_("报送截止日期"))
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    return_reason = models.CharField(_("退回原因"), max_length=300, blank=True)

    workflow_state_field: ClassVar[str] = "status"  # moved only by the steps in study/workflows.py
    workflow_extra_state_fields: ClassVar[tuple[str, ...]] = ("approval_state",)  # R-S15 steps
    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-year", "organization__path"]
        verbose_name = _("年度学习计划")
        verbose_name_plural = _("年度学习计划")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "kind"],
                condition=Q(deleted_at__isnull=True),
                name="studyplan_one_per_org_year_kind",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_late(self) -> bool:
        """Filed after the due date (R-S1); an unfiled plan is late once the date has passed."""
        from django.utils import timezone

        from pangting.workdays.timeliness import is_late

        submitted = timezone.localdate(self.submitted_at) if self.submitted_at else None
        return is_late(submitted, self.due_on, clock.today())


class PlanTheme(RecordModel):
    """One theme of a plan, by month or quarter, with the materials to study (R-S5)."""

    class PeriodKind(models.TextChoices):
        MONTH = "month", _("月")
        QUARTER = "quarter", _("季度")

    plan = models.ForeignKey(StudyPlan, on_delete=models.PROTECT, related_name="themes")
    period_kind = models.CharField(_("周期"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period = models.PositiveSmallIntegerField(_("月份/季度"))
    theme = models.CharField(_("学习专题"), max_length=200)
    materials = models.TextField(_("学习材料"), blank=True)
    # R-S5/R-S16: topic tags from the configured list (`R-S5 topic_tags`); the year's plan must
    # cover the required ones (`R-S16 required_topics`).
    topics = models.JSONField(_("专题标签"), default=list, blank=True)
    json_shapes: ClassVar[Mapping[str, Any]] = {"topics": list[str]}
    # R-S17 上下联动: the upper level's annual theme this theme follows, if any.
    upper_theme = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("对应上级专题"),
    )

    policy_org_field: ClassVar[str] = "plan__organization"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["plan", "period_kind", "period", "pk"]
        verbose_name = _("学习专题")
        verbose_name_plural = _("学习专题")

    def __str__(self) -> str:
        return f"{self.period_label} {self.theme}"

    @property
    def period_label(self) -> str:
        if self.period_kind == self.PeriodKind.MONTH:
            return gettext("{month}月").format(month=self.period)
        return gettext("第{quarter}季度").format(quarter=self.period)

    def clean(self) -> None:
        limit = 12 if self.period_kind == self.PeriodKind.MONTH else 4
        if not 1 <= (self.period or 0) <= limit:
            raise ValidationError({"period": _("月份应为1到12，季度应为1到4。")})


class StudySession(UnitChangeRecord, RecordModel, WorkflowRecord, Approvable):
    """One meeting: a center-group study session or a branch's 三会一课 meeting.

    Carries every field of the two seed forms (学习会方案, 学习安排报送表): group, time,
    place, theme and content, host and post, participants, agenda, speakers, contact.
    """

    # Not a field: the group leaders on the day, set in bulk by `services.facts` for a page of sessions.
    _group_leader_ids: set[int]

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        HELD = "held", _("已召开")
        CANCELLED = "cancelled", _("已取消")

    class Vetting(models.TextChoices):
        NOT_REQUIRED = "not_required", _("无需审核（无外请授课人）")
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("审核通过")
        REJECTED = "rejected", _("审核未通过")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="study_sessions", verbose_name=_("党组织")
    )
    group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions", verbose_name=_("中心组")
    )
    kind = models.CharField(_("会议类型"), max_length=24, choices=SessionKind.choices, default=SessionKind.CENTER_GROUP)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    sequence = models.PositiveSmallIntegerField(_("年度序号"), default=1, help_text=_("安排表的“年第几次”。"))
    # Issue 14: control characters in a title broke the session's Word export; far years were 500s.
    # Field validators, so that forms, the admin and API serializers all refuse them.
    title = models.CharField(_("学习主题"), max_length=200, validators=[inputs.clean_line])
    content = models.TextField(_("学习内容"), blank=True)
    plan_theme = models.ForeignKey(
        PlanTheme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("对应计划专题"),
        help_text=_("R-S5：学习内容应专题化并列入年度学习计划。"),
    )
    starts_at = models.DateTimeField(_("开始时间"), validators=[inputs.sane_date])
    ends_at = models.DateTimeField(_("结束时间"), validators=[inputs.sane_date])
    place = models.CharField(_("地点"), max_length=200)
    host = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("主持人")
    )
    host_post = models.CharField(_("主持人职务"), max_length=100, blank=True)
    led_by = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("领学人"),
        help_text=_("R-S12：书记领学。"),
    )
    participants_note = models.TextField(_("参加人员"), blank=True, help_text=_("如：中心组全体成员，各支部书记列席。"))
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    # R-S9: an invited lecturer and their content are vetted before the session.
    lecturer_name = models.CharField(_("授课/辅导人"), max_length=50, blank=True)
    lecturer_post = models.CharField(_("授课人单位及职务"), max_length=150, blank=True)
    lecturer_person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("授课人（本校人员）"),
        help_text=_("R-B3：党课由二级党组织书记讲授时选此项。"),
    )
    lecturer_vetting = models.CharField(
        _("授课审核"), max_length=16, choices=Vetting.choices, default=Vetting.NOT_REQUIRED
    )
    vetting_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    vetted_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # R-S9: who approved, someone outside the unit (the supervisor or a configured approver role).
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    # R-S10: submissions, each with the due date computed when the session was (re)scheduled.
    arrangement_due = models.DateField(_("安排表报送截止"), null=True, blank=True)
    arrangement_due_basis = models.JSONField(default=dict, blank=True, editable=False)
    arrangement_submitted_at = models.DateTimeField(_("安排表报送时间"), null=True, blank=True)
    arrangement_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report_due = models.DateField(_("会后报送截止"), null=True, blank=True)
    report_due_basis = models.JSONField(default=dict, blank=True, editable=False)
    json_shapes: ClassVar[Mapping[str, Any]] = {
        "arrangement_due_basis": SESSION_DUE_BASIS,
        "report_due_basis": SESSION_DUE_BASIS,
    }
    report_submitted_at = models.DateTimeField(_("会后报送时间"), null=True, blank=True)
    report_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary = models.TextField(_("学习小结/会议纪要"), blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    attendance_closed_at = models.DateTimeField(_("考勤确认时间"), null=True, blank=True)
    # Part of every check-in code; renewed on each reschedule, so an old code stops working.
    checkin_nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    workflow_state_field: ClassVar[str] = "status"  # moved only by the steps in study/workflows.py
    workflow_extra_state_fields: ClassVar[tuple[str, ...]] = ("approval_state",)  # R-S15 steps
    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("学习会")
        verbose_name_plural = _("学习会")
        indexes = [
            # The latest change to a subtree's records (reports.figures.inputs_changed_at, issue 16).
            models.Index(fields=["updated_at"], name="session_updated_at"),
            # The unit's calendar and the frequency checks (R-S2, R-B1…R-B4): sessions of one
            # organization in a period. Live sessions only, so that the lists' COUNT of the
            # sessions in reach reads the index alone (issue 15: a province's 310,000 sessions
            # counted in a third of the time of a scan of the table).
            models.Index(
                fields=["organization", "starts_at"], name="session_org_start", condition=Q(deleted_at__isnull=True)
            ),
            # The supervisor's cross-unit list, filtered by kind and period.
            models.Index(fields=["kind", "starts_at"], name="session_kind_start"),
            # The session list and API, newest first across units: a page read by a range on the year
            # (core.ordering.CurrentYearFirst), the ties in a fixed order (issue 15).
            models.Index(fields=["starts_at", "id"], name="session_start", condition=Q(deleted_at__isnull=True)),
            # The dashboard's overdue and pending submissions (R-S10): the sessions still owing one.
            models.Index(
                fields=["kind", "starts_at"],
                name="session_unsubmitted",
                condition=Q(arrangement_submitted_at__isnull=True) | Q(report_submitted_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("结束时间不能早于或等于开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization.display_name} {self.title}"

    @property
    def is_center_group(self) -> bool:
        return self.kind == SessionKind.CENTER_GROUP

    @property
    def host_name(self) -> str:
        return self.host.name if self.host_id else ""

    @property
    def attendance_closed(self) -> bool:
        return self.attendance_closed_at is not None


class AgendaItem(UnitChangeRecord, RecordModel):
    """One agenda item; its kind makes R-S4 (第一议题) and R-S8 (no work meeting) checkable."""

    class Kind(models.TextChoices):
        FIRST_ITEM = "first_item", _("第一议题")
        THEORY = "theory", _("理论学习")
        DISCUSSION = "discussion", _("交流研讨")
        LECTURE = "lecture", _("专题辅导/党课")
        BUSINESS = "business", _("业务工作/其他")

    session = models.ForeignKey(StudySession, on_delete=models.PROTECT, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    kind = models.CharField(_("议题类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("议程内容"), max_length=300)
    presenter = models.CharField(_("报告/领学人"), max_length=100, blank=True)
    # R-S4: the 第一议题 names what is studied: the speech or instruction and its date.
    source = models.CharField(
        _("讲话/指示出处"), max_length=300, blank=True, help_text=_("如：习近平总书记在某会议上的重要讲话。")
    )
    source_date = models.DateField(_("讲话/指示日期"), null=True, blank=True)

    policy_org_field: ClassVar[str] = "session__organization"
    # R-S4 reads the agenda: an edit marks the session's unit as changed (issue 15).
    unit_change_fields: ClassVar[tuple[str, ...]] = ("session__organization",)
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["session", "order", "pk"]
        verbose_name = _("议程")
        verbose_name_plural = _("议程")

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


THEORY_KINDS = frozenset({AgendaItem.Kind.FIRST_ITEM, AgendaItem.Kind.THEORY, AgendaItem.Kind.DISCUSSION,
                          AgendaItem.Kind.LECTURE})  # fmt: skip


def speech_upload_to(instance: Any, filename: str) -> str:
    return f"study/speeches/{instance.session_id}/{secrets.token_hex(6)}-{filename}"


class Speech(RecordModel):
    """交流研讨发言: speaker, post, outline, and the written material R-S6 asks for."""

    session = models.ForeignKey(StudySession, on_delete=models.PROTECT, related_name="speeches")
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="speeches", verbose_name=_("发言人")
    )
    speaker_name = models.CharField(_("发言人姓名"), max_length=50)
    post = models.CharField(_("职务"), max_length=100, blank=True)
    outline = models.TextField(_("发言提纲"), blank=True)
    written_text = models.TextField(_("书面发言材料"), blank=True)
    file = models.FileField(_("书面发言材料文件"), upload_to=speech_upload_to, blank=True, max_length=300)

    policy_org_field: ClassVar[str] = "session__organization"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["session", "order", "pk"]
        verbose_name = _("交流发言")
        verbose_name_plural = _("交流发言")

    def __str__(self) -> str:
        return gettext("{speaker}：{outline}").format(speaker=self.speaker_name, outline=self.outline[:20])

    @property
    def has_written_material(self) -> bool:
        """R-S6: the speaker has written material (text or a file)."""
        return bool(self.written_text.strip() or self.file)


class Reschedule(UnitChangeRecord, RecordModel):
    """One change of a session's time, with its reason (R-S11: postponed again and again)."""

    session = models.ForeignKey(StudySession, on_delete=models.PROTECT, related_name="reschedules")
    from_starts_at = models.DateTimeField(_("原开始时间"))
    from_ends_at = models.DateTimeField(_("原结束时间"))
    to_starts_at = models.DateTimeField(_("新开始时间"))
    to_ends_at = models.DateTimeField(_("新结束时间"))
    reason = models.CharField(_("改期原因"), max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    policy_org_field: ClassVar[str] = "session__organization"
    unit_change_fields: ClassVar[tuple[str, ...]] = ("session__organization",)
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["session", "created_at"]
        verbose_name = _("改期记录")
        verbose_name_plural = _("改期记录")

    def __str__(self) -> str:
        return f"{self.from_starts_at:%Y-%m-%d} → {self.to_starts_at:%Y-%m-%d}"

    @property
    def is_postponement(self) -> bool:
        return self.to_starts_at > self.from_starts_at


class Attendance(UnitChangeRecord, RecordModel):
    """One expected participant of a session and what became of them (R-S3).

    R-S20: the circle may be widened to people outside the group (列席); their attendance is
    recorded with `role` OBSERVER and does not count in the participation rate.
    """

    class Role(models.TextChoices):
        MEMBER = "member", _("应到成员")
        OBSERVER = "observer", _("列席人员")

    class Status(models.TextChoices):
        PENDING = "pending", _("未签到")
        PRESENT = "present", _("出席")
        LEAVE = "leave", _("请假")
        ABSENT = "absent", _("缺席")

    class Method(models.TextChoices):
        QR = "qr", _("扫码签到")
        MANUAL = "manual", _("手工登记")
        PAPER = "paper", _("纸质签到表")

    session = models.ForeignKey(StudySession, on_delete=models.PROTECT, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("人员"))
    post = models.CharField(_("职务"), max_length=100, blank=True)
    status = models.CharField(_("出勤"), max_length=10, choices=Status.choices, default=Status.PENDING)
    role = models.CharField(
        _("参会身份"), max_length=10, choices=Role.choices, default=Role.MEMBER,
        help_text=_("R-S20：列席人员的出勤单独记录，不计入参学率。"),
    )  # fmt: skip
    method = models.CharField(_("登记方式"), max_length=8, choices=Method.choices, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    leave_reason = models.CharField(_("请假事由"), max_length=200, blank=True)
    makeup_done_on = models.DateField(_("补学日期"), null=True, blank=True)
    makeup_note = models.CharField(_("补学情况"), max_length=300, blank=True)

    policy_org_field: ClassVar[str] = "session__organization"
    unit_change_fields: ClassVar[tuple[str, ...]] = ("session__organization",)
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["session", "person__name"]
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], condition=Q(deleted_at__isnull=True), name="attendance_one_per_person"
            )
        ]
        # The latest change to a subtree's records (reports.figures.inputs_changed_at, issue 16).
        indexes = [models.Index(fields=["updated_at"], name="attendance_updated_at")]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_status_display()}"

    @property
    def counts_for_rate(self) -> bool:
        """R-S20: only the group's own people count in the participation rate, not 列席 people."""
        return rules.counts_for_rate(self.role)

    @property
    def needs_makeup(self) -> bool:
        """R-S3: leave is followed by make-up study (members only: 列席 is an invitation)."""
        return rules.needs_makeup(self.status, self.makeup_done_on, self.role)


def attachment_upload_to(instance: Any, filename: str) -> str:
    return f"study/sessions/{instance.session_id}/{secrets.token_hex(6)}-{filename}"


class Attachment(RecordModel):
    """Minutes, materials, photos of a session (R-S14 archive). Never classified material."""

    class Kind(models.TextChoices):
        MINUTES = "minutes", _("会议记录/纪要")
        MATERIALS = "materials", _("学习材料")
        PLAN = "plan", _("学习会方案（盖章件）")
        PHOTO = "photo", _("现场照片")
        SIGNIN_SHEET = "signin_sheet", _("纸质签到表扫描件")
        OTHER = "other", _("其他")

    session = models.ForeignKey(StudySession, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.MINUTES)
    file = models.FileField(_("文件"), upload_to=attachment_upload_to, max_length=300)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    policy_org_field: ClassVar[str] = "session__organization"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["session", "kind", "created_at"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class SelfStudyPlan(RecordModel):
    """A leading cadre's personal self-study plan for a year (R-S13)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="self_study_plans")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    goals = models.TextField(_("学习目标与书目"))
    tasks = models.TextField(_("年度学习任务"), blank=True)
    completed_on = models.DateField(_("完成年度任务日期"), null=True, blank=True)

    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-year", "person__name"]
        verbose_name = _("个人自学计划")
        verbose_name_plural = _("个人自学计划")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year"], condition=Q(deleted_at__isnull=True), name="selfstudyplan_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return gettext("{person} {year}年自学计划").format(person=self.person, year=self.year)


class SelfStudyRecord(RecordModel):
    """One entry of personal self-study; may name the session it prepares for (R-S7)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="self_study_records")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    studied_on = models.DateField(_("学习日期"))
    material = models.CharField(_("学习内容/篇目"), max_length=300)
    # Issue 14: −5 hours were accepted through the API; a day holds at most 24.
    hours = models.DecimalField(
        _("学时"), max_digits=4, decimal_places=1, default=1, validators=[inputs.NonNegativeMax(24)]
    )
    notes = models.TextField(_("学习笔记"), blank=True)
    session = models.ForeignKey(
        StudySession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="self_study_records",
        verbose_name=_("为哪次学习会准备"),
    )

    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-studied_on"]
        verbose_name = _("个人自学记录")
        verbose_name_plural = _("个人自学记录")

    def __str__(self) -> str:
        return f"{self.person} {self.studied_on} {self.material}"


class Reflection(UnitChangeRecord, RecordModel):
    """学习体会 / 学习小结 after a session (R-S7, R-B4)."""

    class Kind(models.TextChoices):
        REFLECTION = "reflection", _("学习体会")
        SUMMARY = "summary", _("学习小结")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reflections")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        StudySession, on_delete=models.PROTECT, null=True, blank=True, related_name="reflections"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.REFLECTION)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"))
    written_on = models.DateField(_("撰写日期"))

    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-written_on"]
        verbose_name = _("学习体会/小结")
        verbose_name_plural = _("学习体会/小结")

    def __str__(self) -> str:
        return self.title


class MeetingFrequencyRule(RecordModel):
    """How often a kind of meeting must be held (R-S2, R-B1 … R-B4): data, so a deployment can change it."""

    class AppliesTo(models.TextChoices):
        CENTER_GROUP = "center_group", _("二级党组织中心组")
        ALL_BRANCHES = "all_branches", _("所有党支部")
        WITH_PARTY_GROUPS = "with_party_groups", _("设党小组的党支部")
        WITHOUT_PARTY_GROUPS = "without_party_groups", _("未设党小组的党支部")

    class Period(models.TextChoices):
        MONTH = "month", _("每月")
        QUARTER = "quarter", _("每季度")
        SEMESTER = "semester", _("每学期")
        YEAR = "year", _("每年")

    rule_code = models.CharField(_("规则编号"), max_length=10)
    session_kind = models.CharField(_("会议类型"), max_length=24, choices=SessionKind.choices)
    applies_to = models.CharField(_("适用对象"), max_length=24, choices=AppliesTo.choices)
    period = models.CharField(_("周期"), max_length=10, choices=Period.choices)
    min_count = models.PositiveSmallIntegerField(_("最少次数"), default=1)
    requires_agenda_kind = models.CharField(
        _("须含议题类型"), max_length=16, choices=AgendaItem.Kind.choices, blank=True,
        help_text=_("如 R-B4 每季度一次专题研讨：须含“交流研讨”议题。"),
    )  # fmt: skip
    active = models.BooleanField(_("启用"), default=True)

    # Deployment-wide, like StudyParameter: read by everyone who may view study records.

    class Meta:
        ordering = ["rule_code", "session_kind"]
        verbose_name = _("会议频次规则")
        verbose_name_plural = _("会议频次规则")

    def __str__(self) -> str:
        return f"{self.rule_code} {self.get_session_kind_display()} {self.get_period_display()}≥{self.min_count}"


class SecretaryTraining(RecordModel):
    """Training of branch secretaries (R-B6) or of study secretaries (R-S18) by the organization."""

    class Audience(models.TextChoices):
        BRANCH_SECRETARIES = "branch", _("党支部书记")  # R-B6
        STUDY_SECRETARIES = "study", _("学习秘书")  # R-S18

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="secretary_trainings", verbose_name=_("组织单位")
    )
    audience = models.CharField(
        _("培训对象"), max_length=10, choices=Audience.choices, default=Audience.BRANCH_SECRETARIES
    )
    held_on = models.DateField(_("培训日期"))
    title = models.CharField(_("培训主题"), max_length=200)
    content = models.TextField(_("培训内容"), blank=True)
    hours = models.DecimalField(
        _("学时"), max_digits=4, decimal_places=1, default=2, validators=[inputs.NonNegativeMax(100)]
    )
    trainees = models.ManyToManyField(Person, related_name="secretary_trainings", verbose_name=_("参训人员"))

    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("书记及学习秘书培训")
        verbose_name_plural = _("书记及学习秘书培训")

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class SessionResearch(RecordModel):
    """R-S21: who researched (调查研究) what before the session; named in the session plan."""

    session = models.ForeignKey(StudySession, on_delete=models.PROTECT, related_name="research_items")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("调研人")
    )
    researcher_name = models.CharField(_("调研人姓名"), max_length=50, validators=[inputs.clean_line])
    topic = models.CharField(_("调研题目"), max_length=200, validators=[inputs.clean_line])
    done_on = models.DateField(_("调研日期"), null=True, blank=True, validators=[inputs.sane_date])
    findings = models.TextField(_("调研发现"), blank=True)

    policy_org_field: ClassVar[str] = "session__organization"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["session", "pk"]
        verbose_name = _("会前调研")
        verbose_name_plural = _("会前调研")

    def __str__(self) -> str:
        return gettext("{name}：{topic}").format(name=self.researcher_name, topic=self.topic)


class StudyOutcome(RecordModel):
    """R-S19: a study outcome (research report, measure adopted) and its conversion into work, followed."""

    class Kind(models.TextChoices):
        RESEARCH_REPORT = "research_report", _("调研报告")
        MEASURE = "measure", _("制度举措")
        OTHER = "other", _("其他成果")

    class Conversion(models.TextChoices):
        PENDING = "pending", _("待转化")
        CONVERTED = "converted", _("已转化")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="study_outcomes", verbose_name=_("党组织")
    )
    session = models.ForeignKey(
        StudySession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcomes",
        verbose_name=_("来源学习会"),
    )
    kind = models.CharField(_("成果类型"), max_length=20, choices=Kind.choices, default=Kind.MEASURE)
    title = models.CharField(_("成果名称"), max_length=200, validators=[inputs.clean_line])
    description = models.TextField(_("成果内容"), blank=True)
    recorded_on = models.DateField(_("形成日期"), validators=[inputs.sane_date])
    responsible = models.CharField(_("转化责任人"), max_length=100, blank=True)
    conversion_due = models.DateField(_("转化完成期限"), null=True, blank=True, validators=[inputs.sane_date])
    conversion = models.CharField(_("转化情况"), max_length=12, choices=Conversion.choices, default=Conversion.PENDING)
    converted_on = models.DateField(_("转化完成日期"), null=True, blank=True, validators=[inputs.sane_date])
    conversion_note = models.TextField(_("转化成效"), blank=True)

    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-recorded_on", "pk"]
        verbose_name = _("学习成果")
        verbose_name_plural = _("学习成果")
        indexes = [
            # The R-S19 check and the unit's outcome list: one organization's outcomes by date.
            models.Index(fields=["organization", "recorded_on"], name="outcome_org_recorded"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: dt.date) -> bool:
        """R-S19: the conversion is not followed up by its due date."""
        return (
            self.conversion != self.Conversion.CONVERTED
            and self.conversion_due is not None
            and self.conversion_due < today
        )


class CadreBranch(RecordModel):
    """R-B7 双重组织生活: the branch a leading cadre belongs to as an ordinary party member."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="cadre_branches", verbose_name=_("领导干部")
    )
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在党支部"))
    since = models.DateField(_("起始日期"), validators=[inputs.sane_date])
    until = models.DateField(_("截止日期"), null=True, blank=True, validators=[inputs.sane_date])

    policy_org_field: ClassVar[str] = "branch"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["person__name", "-since"]
        verbose_name = _("领导干部所在党支部")
        verbose_name_plural = _("领导干部所在党支部")

    def __str__(self) -> str:
        return f"{self.person} · {self.branch}"


def _feed_key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class CalendarFeed(models.Model):
    """A user's secret calendar subscription URL: a calendar app fetches it without logging in.

    Only the hash of the key is stored; the URL is shown once when issued. Issuing a new one
    revokes the old; a revoked or unknown key answers 404. Each issue, revoke and fetch is an
    audit event (who, when, from where), so the record of the row itself need not keep history.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    created_at = models.DateTimeField(_("生成时间"), default=clock.now)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    last_fetched_at = models.DateTimeField(_("最近获取"), null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")
        indexes = [
            # The profile page: the user's active subscription.
            models.Index(fields=["user", "revoked_at"], name="calendarfeed_user_active"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user: Any) -> tuple[CalendarFeed, str]:
        raw = secrets.token_urlsafe(32)
        return cls.objects.create(user=user, key_hash=_feed_key_hash(raw), prefix=raw[:8]), raw

    @classmethod
    def find(cls, raw: str) -> CalendarFeed | None:
        """The active subscription with this key, or None (revoked, unknown, or an inactive user)."""
        if not raw or len(raw) > 100:
            return None
        feed = cls.objects.select_related("user").filter(key_hash=_feed_key_hash(raw), revoked_at__isnull=True).first()
        if feed is None or not feed.user.is_active:
            return None
        return feed
