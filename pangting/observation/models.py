"""Observation (巡听旁听 / 列席旁听): the supervisory visit to one study session and all it produces.

A visit (and a rectification item, a cross-observation, an invitation) moves through its
states only by the steps of its workflow (`workflows.py`, run by `pangting.core.transitions`);
each visit step writes a `VisitTransition` row (who, when, from, to, step, reason). Deadlines are
stored as indexed dates beside the basis they were computed from (see workdays.services).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pangting.core import clock
from pangting.core.models import RecordModel, WorkflowRecord
from pangting.orgs.changes import UnitChangeRecord
from pangting.orgs.models import Organization, Person
from pangting.workdays.shapes import DEADLINE_BASIS

from .shapes import FEEDBACK_CHECKLIST

VIEW = "observation.view"


class Mode(models.TextChoices):
    """R-O2: the three ways a visit arises."""

    PLANNED = "planned", _("固定式")
    RANDOM = "random", _("随机式")
    INVITED = "invited", _("应邀式")


class State(models.TextChoices):
    PLANNED = "planned", _("已计划")
    NOTIFIED = "notified", _("已函告")
    SCHEDULED = "scheduled", _("已确定学习会")
    OBSERVED = "observed", _("已旁听")
    RECORDED = "recorded", _("已填报记录")
    FEEDBACK_ISSUED = "feedback_issued", _("已反馈")
    RECTIFYING = "rectifying", _("整改中")
    CLOSED = "closed", _("已办结")
    CANCELLED = "cancelled", _("已取消")


ACTIVE_STATES = [s for s in State if s not in (State.CLOSED, State.CANCELLED)]

# The one definition of an *observed* visit: the team has attended the session (R-O5), so it
# counts as an observation for coverage (R-O11), the per-semester minimum (R-O12, R-O17), the
# bulletin's "已完成旁听", the dashboard, the assessment and the compliance checks.
OBSERVED_STATES: tuple[State, ...] = (
    State.OBSERVED, State.RECORDED, State.FEEDBACK_ISSUED, State.RECTIFYING, State.CLOSED,
)  # fmt: skip


class Semester(models.IntegerChoices):
    SPRING = 1, _("春季学期")
    AUTUMN = 2, _("秋季学期")


class ObservationPlan(RecordModel, WorkflowRecord):
    """巡听旁听计划: the supervisor's plan for a year (R-O1), archived in the year work file.

    The party committee decides it (R-O20): the meeting, its date and the decision document are
    recorded before the approve step (a precondition in `workflows.PLAN`).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已审定")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="observation_plans", verbose_name=_("督导组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=120)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("说明"), blank=True)
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    committee_meeting = models.CharField(_("党委会议"), max_length=120, blank=True)
    committee_date = models.DateField(_("会议日期"), null=True, blank=True)
    committee_document = models.FileField(_("会议决定文件"), upload_to="plans/%Y/", blank=True)

    workflow_state_field: ClassVar[str] = "status"
    policy_view_action: ClassVar[str] = VIEW
    # R-O23: owned by the supervising organization, reached through its supervisor's seat.
    policy_org_role: ClassVar[str] = "supervisor"

    @property
    def committee_decided(self) -> bool:
        """R-O20: the party committee's meeting, date and decision document are all recorded."""
        return bool(self.committee_meeting and self.committee_date and self.committee_document)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("巡听旁听计划")
        verbose_name_plural = _("巡听旁听计划")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], condition=Q(deleted_at__isnull=True), name="obsplan_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Visit(UnitChangeRecord, RecordModel, WorkflowRecord):
    """巡听旁听 / 列席旁听: one supervisory visit to one unit's study session."""

    plan = models.ForeignKey(
        ObservationPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("所属计划"),
    )
    supervisor_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("督导组织")
    )
    unit = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="observation_visits", verbose_name=_("旁听单位")
    )
    mode = models.CharField(_("方式"), max_length=16, choices=Mode.choices, default=Mode.PLANNED)
    year = models.PositiveSmallIntegerField(_("年度"))
    semester = models.PositiveSmallIntegerField(_("学期"), choices=Semester.choices)
    target_month = models.PositiveSmallIntegerField(_("计划月份"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PLANNED, db_index=True)
    focus = models.TextField(_("旁听重点"), blank=True)
    session = models.ForeignKey(
        "study.StudySession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observation_visits",
        verbose_name=_("学习会"),
    )
    # Notice letter (函告, R-O4): numbered per year without gaps.
    letter_seq = models.PositiveIntegerField(_("函件序号"), null=True, blank=True)
    letter_number = models.CharField(_("函件编号"), max_length=40, blank=True)
    letter_issued_at = models.DateTimeField(_("发函时间"), null=True, blank=True)
    letter_delivered_on = models.DateField(_("送达日期"), null=True, blank=True)
    reply_due = models.DateField(_("回复期限"), null=True, blank=True, db_index=True)
    reply_due_basis = models.JSONField(_("回复期限依据"), default=dict, blank=True)
    reply_received_on = models.DateField(_("回复日期"), null=True, blank=True)
    reply_notes = models.TextField(_("商定事项"), blank=True)
    # R-O4: the session plan the unit sent with its reply, when it uploaded its own; otherwise the
    # 学习会方案 is rendered from the linked session (`documents.session_plan`).
    reply_plan_file = models.FileField(_("学习会方案文件"), upload_to="replies/%Y/", blank=True, max_length=300)
    # Record (R-O8) and feedback (R-O9) deadlines, set once the session is known.
    record_due = models.DateField(_("记录填报期限"), null=True, blank=True, db_index=True)
    record_due_basis = models.JSONField(default=dict, blank=True)
    feedback_due = models.DateField(_("反馈期限"), null=True, blank=True, db_index=True)
    feedback_due_basis = models.JSONField(default=dict, blank=True)
    json_shapes: ClassVar[Mapping[str, Any]] = {
        "reply_due_basis": DEADLINE_BASIS,
        "record_due_basis": DEADLINE_BASIS,
        "feedback_due_basis": DEADLINE_BASIS,
    }
    deadline_warning = models.CharField(_("期限提示"), max_length=200, blank=True)
    draw_ref = models.CharField(_("抽取记录"), max_length=64, blank=True)
    # R-O24: the standing team of the grouping table that makes this visit (taken from the table
    # by default when the visit is created); the calibration of R-O18 groups visits by it.
    standing_team = models.ForeignKey(
        "observation.StandingTeam",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("所属旁听小组"),
    )

    policy_org_field: ClassVar[str] = "unit"
    unit_change_fields: ClassVar[tuple[str, ...]] = ("unit",)
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-year", "semester", "target_month", "unit__path"]
        verbose_name = _("巡听旁听")
        verbose_name_plural = _("巡听旁听")
        constraints = [
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(deleted_at__isnull=True, session__isnull=False) & ~Q(state__in=["cancelled"]),
                name="visit_one_active_per_session",
            ),
        ]
        indexes = [
            models.Index(fields=["year", "state"], name="visit_year_state"),
            # The latest change to a subtree's records (reports.figures.inputs_changed_at, issue 16).
            models.Index(fields=["updated_at"], name="visit_updated_at"),
        ]

    def __str__(self) -> str:
        return gettext("{year}年{unit}{mode}巡听旁听").format(
            year=self.year, unit=self.unit.display_name, mode=self.get_mode_display()
        )

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def reply_late(self) -> bool:
        return bool(self.reply_due and self.reply_received_on and self.reply_received_on > self.reply_due)

    def team(self) -> list[TeamMember]:
        """The living team, from the list's prefetch when it has one (issue 15: no query per row)."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("team_members")
        if prefetched is not None:
            return [member for member in prefetched if member.deleted_at is None]
        return list(self.team_members.filter(deleted_at__isnull=True).select_related("person"))


class TeamMember(RecordModel):
    """A place on a visit's team (R-O3): leader, liaison or member. Changes keep history (R-O17)."""

    class Role(models.TextChoices):
        LEADER = "leader", _("组长")
        LIAISON = "liaison", _("联络员")
        MEMBER = "member", _("成员")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="team_members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="observation_team_places")
    role = models.CharField(_("组内角色"), max_length=16, choices=Role.choices)
    # R-O5: who of the team sat through the session, recorded by the step that marks it observed;
    # None until then.
    attended = models.BooleanField(_("到场"), null=True, blank=True)

    policy_org_field: ClassVar[str] = "visit__unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["visit", "role"]
        verbose_name = _("旁听组成员")
        verbose_name_plural = _("旁听组成员")
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "person"], condition=Q(deleted_at__isnull=True), name="team_person_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class VisitTransition(models.Model):
    """One state change of a visit: who, when, from, to, why. Append-only."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=State.choices)
    to_state = models.CharField(max_length=20, choices=State.choices)
    step = models.CharField(max_length=40, blank=True)  # the workflow step (pangting.observation.workflows)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.from_state} → {self.to_state}"


class Cosignature(RecordModel):
    """会签 (R-O21): a partner department of the supervising level co-signs a joint notice letter.

    The name it signs with is stored as printed, so the letter can be produced again exactly."""

    class Partner(models.TextChoices):
        ORG_DEPARTMENT = "org_department", _("组织部")
        ORGANS_COMMITTEE = "organs_committee", _("机关工委")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="cosignatures")
    partner = models.CharField(_("联合督导部门"), max_length=32, choices=Partner.choices)
    issuer_name = models.CharField(_("署名"), max_length=100)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("会签时间"), default=timezone.now)

    policy_org_field: ClassVar[str] = "visit__unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["visit", "partner"]
        verbose_name = _("会签")
        verbose_name_plural = _("会签")
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "partner"], condition=Q(deleted_at__isnull=True), name="cosignature_one_per_partner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer_name} {self.visit_id}"


class LetterCounter(models.Model):
    """Per supervisor, year and kind: the last number used (numbering without gaps)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "year", "kind"], name="letter_counter_unique")]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.year}/{self.kind}: {self.last}"


class InvitationRequest(RecordModel, WorkflowRecord):
    """应邀式: a unit asks the supervisor to observe one of its sessions (R-O2)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待处理")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已婉拒")

    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请单位"))
    session = models.ForeignKey(
        "study.StudySession", on_delete=models.PROTECT, related_name="+", verbose_name=_("学习会")
    )
    message = models.TextField(_("邀请说明"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("处理意见"), max_length=300, blank=True)
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="invitation")

    workflow_state_field: ClassVar[str] = "status"
    policy_org_field: ClassVar[str] = "unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("旁听邀请")
        verbose_name_plural = _("旁听邀请")

    def __str__(self) -> str:
        return gettext("{unit} 邀请").format(unit=self.unit)


class Rubric(models.Model):
    """A weighted scoring rubric for records (R-O18). Items: [{key, label, weight, prompt}]."""

    name = models.CharField(_("名称"), max_length=80)
    items = models.JSONField(_("评分项"))
    is_active = models.BooleanField(_("当前使用"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("评分细则")
        verbose_name_plural = _("评分细则")

    def __str__(self) -> str:
        return self.name


class ObservationRecord(UnitChangeRecord, RecordModel):
    """列席旁听记录表 (seed 001 附件2): four focus areas, problems and suggestions, a composite score."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="record")
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="+")
    facts = models.JSONField(_("学习会客观情况"), default=dict, blank=True)
    organization_findings = models.TextField(_("组织领导"), blank=True)
    content_findings = models.TextField(_("学习内容"), blank=True)
    method_findings = models.TextField(_("学习方式"), blank=True)
    effect_findings = models.TextField(_("学习效果"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    suggestions = models.TextField(_("意见建议"), blank=True)
    scores = models.JSONField(_("各项得分"), default=dict, blank=True)
    composite_score = models.DecimalField(_("综合评分"), max_digits=5, decimal_places=1, null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_at = models.DateTimeField(_("填报时间"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(_("组长确认时间"), null=True, blank=True)
    # Counts the saves of the record: a form (or a phone re-sending a form typed offline) says
    # which version it was typed over, and a save over a newer one is a conflict, not a silent
    # overwrite (services.records.save_record). 0 means "no record yet".
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)

    policy_org_field: ClassVar[str] = "visit__unit"
    unit_change_fields: ClassVar[tuple[str, ...]] = ("visit__unit",)
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        verbose_name = _("列席旁听记录")
        verbose_name_plural = _("列席旁听记录")
        # The latest change to a subtree's records (reports.figures.inputs_changed_at, issue 16).
        indexes = [models.Index(fields=["updated_at"], name="obsrecord_updated_at")]

    def __str__(self) -> str:
        return gettext("记录：{visit}").format(visit=self.visit)

    @property
    def filed_late(self) -> bool:
        due = self.visit.record_due
        return bool(due and self.filed_at and timezone.localdate(self.filed_at) > due)


class RecordSubmission(models.Model):
    """One sending of the record form, by the idempotency key the form (or the phone's draft) made.

    A phone that lost its answer re-sends the same submission; the key makes the second sending
    answer with the first one's result instead of saving again (exactly once). Append-only: the
    record's own history row shows what was saved.
    """

    key = models.UUIDField(_("提交编号"), unique=True, editable=False)
    record = models.ForeignKey(ObservationRecord, on_delete=models.PROTECT, related_name="submissions")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed = models.BooleanField(_("正式填报"), default=False)  # "submit" rather than "save draft"
    version = models.PositiveIntegerField(_("保存后的版本"))
    created_at = models.DateTimeField(_("提交时间"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("旁听记录提交")
        verbose_name_plural = _("旁听记录提交")

    def __str__(self) -> str:
        return f"{self.key} → {self.record_id} v{self.version}"


class Talk(RecordModel):
    """个别谈话 after the session (R-O6): with whom, how, notes."""

    class Method(models.TextChoices):
        FACE = "face", _("面对面")
        PHONE = "phone", _("电话")
        VIDEO = "video", _("视频")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="talks")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    person_name = models.CharField(_("谈话对象"), max_length=50)
    person_role = models.CharField(_("身份"), max_length=50, blank=True)
    method = models.CharField(_("方式"), max_length=8, choices=Method.choices, default=Method.FACE)
    held_on = models.DateField(_("谈话日期"))
    notes = models.TextField(_("谈话要点"), blank=True)

    policy_org_field: ClassVar[str] = "visit__unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["held_on"]
        verbose_name = _("个别谈话")
        verbose_name_plural = _("个别谈话")

    def __str__(self) -> str:
        return f"{self.person_name} {self.held_on}"


class Forum(RecordModel):
    """专题座谈 (R-O19): a forum the team held with the unit, as part of the visit."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="forums")
    held_on = models.DateField(_("座谈日期"))
    topic = models.CharField(_("座谈主题"), max_length=200)
    participants = models.CharField(_("参加人员"), max_length=300, blank=True)
    notes = models.TextField(_("座谈情况"), blank=True)

    policy_org_field: ClassVar[str] = "visit__unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["held_on", "pk"]
        verbose_name = _("专题座谈")
        verbose_name_plural = _("专题座谈")

    def __str__(self) -> str:
        return self.topic


class OnSiteComment(RecordModel):
    """现场点评 (R-O19): what a member of the team said to the group on the spot."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="on_site_comments")
    commenter = models.CharField(_("点评人"), max_length=50)
    content = models.TextField(_("点评内容"))

    policy_org_field: ClassVar[str] = "visit__unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["pk"]
        verbose_name = _("现场点评")
        verbose_name_plural = _("现场点评")

    def __str__(self) -> str:
        return self.commenter


class SpotQuestion(RecordModel):
    """理论问题抽查 (R-O19): a theory question put to a member, his answer and how it was judged."""

    class Result(models.TextChoices):
        GOOD = "good", _("回答准确")
        FAIR = "fair", _("基本掌握")
        POOR = "poor", _("未能回答")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="spot_questions")
    question = models.CharField(_("抽查问题"), max_length=300)
    answered_by = models.CharField(_("回答人"), max_length=50)
    answer = models.TextField(_("回答要点"), blank=True)
    result = models.CharField(_("抽查结果"), max_length=8, choices=Result.choices)

    policy_org_field: ClassVar[str] = "visit__unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["pk"]
        verbose_name = _("理论问题抽查")
        verbose_name_plural = _("理论问题抽查")

    def __str__(self) -> str:
        return self.question


class DocumentReview(RecordModel):
    """调阅资料 (R-O6, R-O7): records, rules, attendance reviewed, reaching back to the previous year."""

    class Kind(models.TextChoices):
        RECORDS = "records", _("学习记录")
        RULES = "rules", _("学习制度")
        ATTENDANCE = "attendance", _("考勤情况")
        PLAN = "plan", _("学习计划")
        OTHER = "other", _("其他资料")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="document_reviews")
    kind = models.CharField(_("资料类型"), max_length=16, choices=Kind.choices)
    period_from = models.DateField(_("起始日期"), null=True, blank=True)
    period_to = models.DateField(_("截止日期"), null=True, blank=True)
    notes = models.TextField(_("调阅情况"), blank=True)

    policy_org_field: ClassVar[str] = "visit__unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        verbose_name = _("调阅资料")
        verbose_name_plural = _("调阅资料")

    def __str__(self) -> str:
        return self.get_kind_display()


# The 11 points of seed 000 §3.3 (R-O9): each point is fine, or a problem with evidence. The labels
# stay Chinese here (the feedback document and the ledgers print them); pages translate them.
CHECKLIST_POINTS: list[tuple[str, str]] = [
    ("theme", gettext_noop("学习主题是否鲜明")),
    ("original_texts", gettext_noop("学习原文是否深入")),
    ("reflection", gettext_noop("思考感悟是否深刻")),
    ("research", gettext_noop("调查研究是否充分")),
    ("practice", gettext_noop("联系实际是否紧密")),
    ("measures", gettext_noop("工作措施是否扎实")),
    ("conversion", gettext_noop("成果转化是否明显")),
    ("form", gettext_noop("学习形式是否合理")),
    ("channels", gettext_noop("学习渠道是否丰富")),
    ("management", gettext_noop("学习管理是否规范")),
    ("rules", gettext_noop("制度执行是否有力")),
]
CHECKLIST_LABELS = dict(CHECKLIST_POINTS)


class Feedback(UnitChangeRecord, RecordModel):
    """反馈意见 (R-O9): written feedback from the record, with the 11-point checklist."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="feedback")
    checklist = models.JSONField(_("问题清单"), default=dict, blank=True)  # key -> {"problem": bool, "evidence": str}
    json_shapes: ClassVar[Mapping[str, Any]] = {"checklist": FEEDBACK_CHECKLIST}
    summary = models.TextField(_("总体评价"), blank=True)
    suggestions = models.TextField(_("意见建议"), blank=True)
    seq = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(_("文号"), max_length=40, blank=True)
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    policy_org_field: ClassVar[str] = "visit__unit"
    unit_change_fields: ClassVar[tuple[str, ...]] = ("visit__unit",)
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        verbose_name = _("反馈意见")
        verbose_name_plural = _("反馈意见")
        # The latest change to a subtree's records (reports.figures.inputs_changed_at, issue 16).
        indexes = [models.Index(fields=["updated_at"], name="feedback_updated_at")]

    def __str__(self) -> str:
        return gettext("反馈：{visit}").format(visit=self.visit)

    def problems(self) -> list[tuple[str, str, str]]:
        """(key, label, evidence) for each point marked as a problem, in checklist order."""
        return [
            (key, label, str(self.checklist.get(key, {}).get("evidence", "")))
            for key, label in CHECKLIST_POINTS
            if self.checklist.get(key, {}).get("problem")
        ]

    @property
    def issued_late(self) -> bool:
        due = self.visit.feedback_due
        return bool(due and self.issued_at and timezone.localdate(self.issued_at) > due)


class Rectification(UnitChangeRecord, RecordModel, WorkflowRecord):
    """整改 (R-O10): one problem, the measure, an owner and deadline, evidence, verification.

    An item belongs to a unit and is scoped by it; the visit is optional: a unit or the
    supervisor keeps its own problem list (问题清单, R-O25) beside the problems a visit found.
    Every item has a deadline, stored with its basis (R-O10, corrected 2026-12).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("整改中")
        REPORTED = "reported", _("已报送")
        ACCEPTED = "accepted", _("已验收")
        SENT_BACK = "sent_back", _("退回重改")

    class Source(models.TextChoices):
        FEEDBACK = "feedback", _("旁听反馈")
        PROBLEM_LIST = "problem_list", _("问题清单")

    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("整改单位"))
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="rectifications")
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.FEEDBACK)
    checklist_point = models.CharField(_("问题类别"), max_length=32, blank=True)
    problem = models.TextField(_("问题"))
    measure = models.TextField(_("整改措施"), blank=True)
    owner = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("责任人")
    )
    deadline = models.DateField(_("整改期限"), null=True, blank=True, db_index=True)
    deadline_basis = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    unit_report = models.TextField(_("整改情况报告"), blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_note = models.CharField(_("验收意见"), max_length=300, blank=True)

    json_shapes: ClassVar[Mapping[str, Any]] = {"deadline_basis": DEADLINE_BASIS}

    workflow_state_field: ClassVar[str] = "status"
    policy_org_field: ClassVar[str] = "unit"
    unit_change_fields: ClassVar[tuple[str, ...]] = ("unit",)
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        # The latest change to a subtree's records (reports.figures.inputs_changed_at, issue 16).
        indexes = [models.Index(fields=["updated_at"], name="rectification_updated_at")]

    def __str__(self) -> str:
        return self.problem[:40]

    @property
    def overdue(self) -> bool:
        return (
            self.status in (self.Status.OPEN, self.Status.SENT_BACK)
            and self.deadline is not None
            and self.deadline < clock.today()
        )


class Evidence(RecordModel):
    """A file proving a rectification (not for classified material)."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    policy_org_field: ClassVar[str] = "rectification__unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        verbose_name = _("整改佐证")
        verbose_name_plural = _("整改佐证")

    def __str__(self) -> str:
        return self.original_name


class CrossObservation(UnitChangeRecord, RecordModel, WorkflowRecord):
    """交叉旁听 (R-O13): a visitor unit's secretary or deputy sits in on a host unit's session."""

    class Status(models.TextChoices):
        INVITED = "invited", _("已邀请")
        ATTENDED = "attended", _("已列席")
        REPORTED = "reported", _("已书面报告")
        CANCELLED = "cancelled", _("已取消")

    year = models.PositiveSmallIntegerField(_("年度"))
    semester = models.PositiveSmallIntegerField(_("学期"), choices=Semester.choices)
    host = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("邀请单位"))
    visitor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("列席单位"))
    visitor_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("列席人员")
    )
    session = models.ForeignKey(
        "study.StudySession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("学习会"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.INVITED)
    report = models.TextField(_("列席情况报告"), blank=True)
    report_due = models.DateField(_("报告期限"), null=True, blank=True)
    report_due_basis = models.JSONField(default=dict, blank=True)
    json_shapes: ClassVar[Mapping[str, Any]] = {"report_due_basis": DEADLINE_BASIS}
    reported_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)

    workflow_state_field: ClassVar[str] = "status"
    policy_org_field: ClassVar[str] = "host"
    unit_change_fields: ClassVar[tuple[str, ...]] = ("host", "visitor")
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-year", "-semester", "host__path"]
        verbose_name = _("交叉旁听")
        verbose_name_plural = _("交叉旁听")
        constraints = [models.CheckConstraint(condition=~Q(host=models.F("visitor")), name="cross_not_self")]

    def __str__(self) -> str:
        return f"{self.visitor} → {self.host}"

    @property
    def reported_late(self) -> bool:
        return bool(self.report_due and self.reported_at and timezone.localdate(self.reported_at) > self.report_due)


class Practice(RecordModel):
    """典型经验做法 (R-O16): found during visits, collected, promoted, replicated."""

    class Status(models.TextChoices):
        COLLECTED = "collected", _("已收集")
        PROMOTED = "promoted", _("已推广")

    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("来源单位"))
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="practices")
    title = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("做法简介"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.COLLECTED)
    promoted_at = models.DateTimeField(null=True, blank=True)

    policy_org_field: ClassVar[str] = "unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("典型经验做法")
        verbose_name_plural = _("典型经验做法")
        # The latest change to a subtree's records (reports.figures.inputs_changed_at, issue 16).
        indexes = [models.Index(fields=["updated_at"], name="practice_updated_at")]

    def __str__(self) -> str:
        return self.title


class Replication(RecordModel):
    """Where a typical practice was taken up."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="replications")
    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("借鉴单位"))
    on = models.DateField(_("日期"))
    notes = models.CharField(_("情况"), max_length=300, blank=True)

    policy_org_field: ClassVar[str] = "unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        verbose_name = _("推广借鉴")
        verbose_name_plural = _("推广借鉴")
        # The latest change to a subtree's records (reports.figures.inputs_changed_at, issue 16).
        indexes = [models.Index(fields=["updated_at"], name="replication_updated_at")]

    def __str__(self) -> str:
        return f"{self.practice} @ {self.unit}"


class ReminderLog(models.Model):
    """Superseded by the core outbox (`pangting.core.models.OutboxMessage`); no longer written.

    Kept so its rows stay readable until a later migration drops it.
    """

    key = models.CharField(max_length=120, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list)
    channels = models.JSONField(default=list)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")

    def __str__(self) -> str:
        return self.key


# Copied into each new rubric (stored Chinese, as the seed text); gettext_noop lists them for the catalog.
DEFAULT_RUBRIC_ITEMS = [
    {
        "key": "organization",
        "label": gettext_noop("组织领导"),
        "weight": 25,
        "prompt": gettext_noop("有无中心组学习会方案、成员参加率是否达到90%、学习资料准备情况等"),
    },
    {
        "key": "content",
        "label": gettext_noop("学习内容"),
        "weight": 25,
        "prompt": gettext_noop("是否落实“第一议题”，学习具体内容，内容是否专题化等"),
    },
    {
        "key": "method",
        "label": gettext_noop("学习方式"),
        "weight": 25,
        "prompt": gettext_noop(
            "中心组成员研讨发言是否紧扣主题，结合思想实际和工作实际谈认识体会；交流发言人是否有书面发言材料等"
        ),
    },
    {
        "key": "effect",
        "label": gettext_noop("学习效果"),
        "weight": 25,
        "prompt": gettext_noop("学习是否做到理论联系实际，切实把学习成效转化为解决实际问题、推动实际工作的能力等"),
    },
]
SCORE_MAX = Decimal(100)


# --- The standing grouping table (分组表, R-O24) ------------------------------------------


class StandingTeam(RecordModel):
    """分组表 (R-O24): a standing observation team of a supervising organization for a year, or
    for one semester of it, with its leader, its members and the units it covers.

    Adjusted over the year with history (every change is a history row); a new visit of a covered
    unit takes its team from here by default (services.grouping.proposed_standing_team), and the
    score calibration of R-O18 compares teams by it.
    """

    supervisor_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("督导组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    semester = models.PositiveSmallIntegerField(
        _("学期"), choices=Semester.choices, null=True, blank=True, help_text=_("不填表示全年。")
    )
    name = models.CharField(_("小组名称"), max_length=60)
    leader = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="standing_teams_led", verbose_name=_("组长")
    )
    notes = models.CharField(_("备注"), max_length=300, blank=True)

    policy_org_field: ClassVar[str] = "supervisor_org"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["-year", "semester", "name"]
        verbose_name = _("旁听小组")
        verbose_name_plural = _("旁听小组分组表")
        constraints = [
            models.UniqueConstraint(
                fields=["supervisor_org", "year", "semester", "name"],
                condition=Q(deleted_at__isnull=True),
                name="standing_team_name_once",
            )
        ]
        # The grouping table of one supervisor and year (the table page and the export).
        indexes = [models.Index(fields=["supervisor_org", "year"], name="standing_team_org_year")]

    def __str__(self) -> str:
        return self.name


class StandingTeamMember(RecordModel):
    """A member of a standing team besides its leader (R-O24)."""

    team = models.ForeignKey(StandingTeam, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("成员"))

    policy_org_field: ClassVar[str] = "team__supervisor_org"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["team", "person__name"]
        verbose_name = _("旁听小组成员")
        verbose_name_plural = _("旁听小组成员")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "person"], condition=Q(deleted_at__isnull=True), name="standing_member_once"
            )
        ]

    def __str__(self) -> str:
        return str(self.person)


class StandingTeamUnit(RecordModel):
    """A unit a standing team covers (R-O24); one team per unit, year and semester (services check it)."""

    team = models.ForeignKey(StandingTeam, on_delete=models.CASCADE, related_name="covered")
    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("联系单位"))

    policy_org_field: ClassVar[str] = "team__supervisor_org"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["team", "unit__path"]
        verbose_name = _("旁听小组联系单位")
        verbose_name_plural = _("旁听小组联系单位")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "unit"], condition=Q(deleted_at__isnull=True), name="standing_unit_once"
            )
        ]

    def __str__(self) -> str:
        return str(self.unit)


class ObserverScore(RecordModel):
    """An observer's own composite score of the session (R-O18), besides the team's composite.

    Optional, entered on the record form; where two observers scored the same session their
    agreement is reported (intraclass correlation, pangting.lib.calibration.icc_one_way).
    """

    record = models.ForeignKey(ObservationRecord, on_delete=models.CASCADE, related_name="observer_scores")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("旁听人员"))
    score = models.DecimalField(_("个人评分"), max_digits=5, decimal_places=1)

    policy_org_field: ClassVar[str] = "record__visit__unit"
    policy_view_action: ClassVar[str] = VIEW

    class Meta:
        ordering = ["record", "person__name"]
        verbose_name = _("旁听人员个人评分")
        verbose_name_plural = _("旁听人员个人评分")
        constraints = [
            models.UniqueConstraint(
                fields=["record", "person"], condition=Q(deleted_at__isnull=True), name="observer_score_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.score}"
