"""Base classes every business record builds on.

"Nothing lost": every business record keeps its history (django-simple-history, with the
actor taken from the request or set by the service), and deletes are soft. The default
manager hides soft-deleted rows; `all_objects` sees everything. Related-object access uses
Django's plain base manager, so a visit still reaches a deleted team it once had.

Access: `Model.objects.for_user(user)` asks the policy module which organizations the
user reaches for an action; each model names the path to its organization in
`policy_org_field`. The policy lives in a later app (accounts) that imports the organization
models, so it registers itself with `core.registry` instead of being imported here.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from pangting.core import clock, dates, inputs
from pangting.core.jsonshape import ShapedJSONMixin

from .system import require_actor

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class ScopedQuerySet(models.QuerySet):
    """A queryset that can be restricted to what a user may reach."""

    def for_user(self, user: AbstractBaseUser | AnonymousUser, action: str | None = None) -> ScopedQuerySet:
        from pangting.core import registry

        return registry.scope(self, user, action)


class AliveManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """Hides soft-deleted rows."""

    def get_queryset(self) -> ScopedQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class RecordModel(ShapedJSONMixin, models.Model):
    """Abstract base of every business record: timestamps, soft delete, history."""

    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True, editable=False)

    history = HistoricalRecords(inherit=True)

    objects = AliveManager()
    all_objects = models.Manager.from_queryset(ScopedQuerySet)()

    # Path from this model to the Organization it belongs to, and the action that lets a
    # user see it: both read by the policy module.
    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = "directory.view"

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def clean_fields(self, exclude: Any = None) -> None:
        """The field checks, then the shared input checks of every field's type (issue 14):
        no control characters in text, dates in sane years, finite numbers, safe file names.
        Every form, the admin and every service that calls `full_clean` get them."""
        errors: dict[str, Any] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            inputs.check_model_fields(self, exclude=set(exclude or ()) | set(errors))
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def soft_delete(self, *, actor: Any) -> None:
        """Mark deleted and record who did it in the history row (an actor is required: issue 10 item 8)."""
        self.deleted_at = clock.now()
        self._history_user = require_actor(actor)
        self.save(update_fields=["deleted_at", "updated_at"])

    def restore(self, *, actor: Any) -> None:
        self.deleted_at = None
        self._history_user = require_actor(actor)
        self.save(update_fields=["deleted_at", "updated_at"])


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted.")


class ChainedAuditQuerySet(AuditEventQuerySet):
    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise PermissionError("Audit events are written one by one, each chained to the previous one.")


class AuditEvent(models.Model):
    """A security-relevant event: who, when, what, success or failure (等保 level 3).

    Append-only: the model refuses updates and deletes, the admin offers neither, and
    only the audit administrator may read them. On PostgreSQL a trigger also refuses UPDATE
    and DELETE outside the archive command (`archive_audit_log`, after the retention period).

    Tamper-evident: `save` gives each new event the next sequence number and a hash chained to
    the previous event's (`pangting.lib.auditchain`), under a lock on the chain head
    (`AuditChainHead`), so the chain never forks; `verify_audit_log` recomputes it.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    action = models.CharField(_("事件"), max_length=64, db_index=True)
    target = models.CharField(_("对象"), max_length=200, blank=True)
    success = models.BooleanField(_("成功"), default=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    seq = models.PositiveBigIntegerField(_("序号"), unique=True, editable=False)
    hash = models.CharField(_("摘要"), max_length=128, editable=False)
    algorithm = models.CharField(_("摘要算法"), max_length=16, editable=False)

    objects = ChainedAuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["actor", "-at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"{dates.format_datetime(self.at)} {self.username} {self.action}"  # Beijing time, not UTC

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed.")
        from pangting.lib import auditchain

        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # Normalize to what the database will give back, so the hash recomputes identically.
        self.ip = self._meta.get_field("ip").get_prep_value(self.ip) or None
        self.detail = auditchain.plain_json(self.detail or {})
        self.algorithm = settings.PANGTING_AUDIT_HASH
        with transaction.atomic(using=using):
            head = AuditChainHead.locked(using)
            self.seq = head.seq + 1
            self.hash = auditchain.link(head.hash, self.chained_fields())
            super().save(*args, **kwargs)
            head.seq, head.hash, head.algorithm = self.seq, self.hash, self.algorithm
            head.save(using=using)

    def chained_fields(self) -> dict[str, Any]:
        """The values the hash covers, as they read back from the database."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor_id": self.actor_id,
            "username": self.username,
            "action": self.action,
            "target": self.target,
            "success": bool(self.success),
            "ip": self.ip or None,
            "detail": self.detail,
            "algorithm": self.algorithm,
        }

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted.")


class AuditChainHead(models.Model):
    """The newest link of the audit chain (one row), kept apart from the events.

    Every event is written under a lock on this row (plus an advisory lock on PostgreSQL), so
    two writers never take the same sequence number. Because the head is a separate row, the
    deletion of the newest event leaves the head pointing past the last event, which
    `verify_audit_log` reports; the head also goes into each backup manifest (`chain_head()`).
    """

    ADVISORY_LOCK = 0x50616E67_41756474  # "PangAudt": one application-wide PostgreSQL advisory lock

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=128)
    algorithm = models.CharField(max_length=16, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:16]}"

    @classmethod
    def locked(cls, using: str) -> AuditChainHead:
        """The head row, locked until the surrounding transaction ends (created on first use)."""
        from pangting.lib.auditchain import GENESIS

        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [cls.ADVISORY_LOCK])
        head = cls.objects.using(using).select_for_update().filter(pk=1).first()
        if head is None:
            # First event ever (or a flushed test database): continue from the newest event, if any.
            last = AuditEvent.objects.using(using).order_by("-seq").values("seq", "hash", "algorithm").first()
            head = cls(pk=1, seq=0, hash=GENESIS, algorithm="")
            if last is not None:
                head.seq, head.hash, head.algorithm = last["seq"], last["hash"], last["algorithm"]
            head.save(using=using, force_insert=True)
        return head


class AuditCheckpoint(models.Model):
    """A copy of the chain head at one moment: each day (`audit_checkpoint`) and at each archive.

    `verify_audit_log` checks every checkpoint against the recomputed chain; after an archive,
    verification starts from the newest archive checkpoint, whose hash is that of the last
    purged event.
    """

    class Kind(models.TextChoices):
        DAILY = "daily", _("每日")
        ARCHIVE = "archive", _("归档")

    day = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.DAILY)
    seq = models.PositiveBigIntegerField(_("序号"))
    hash = models.CharField(_("摘要"), max_length=128)
    algorithm = models.CharField(_("摘要算法"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now, editable=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq", "pk"]
        verbose_name = _("审计检查点")
        verbose_name_plural = _("审计检查点")
        constraints = [
            models.UniqueConstraint(
                fields=["day"], condition=models.Q(kind="daily"), name="core_auditcheckpoint_one_daily"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} #{self.seq}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit checkpoints cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit checkpoints cannot be deleted.")


class OutboxMessage(models.Model):
    """One message to one recipient on one channel, kept until it is delivered or given up.

    Apps enqueue through `pangting.core.outbox.enqueue`; `deliver_due` hands due rows to the
    channel registered under `channel` and marks a row *sent only after the channel accepted it*.
    A failure is retried with exponential backoff (`next_attempt_at`) and given up as `failed`
    after `outbox.MAX_ATTEMPTS` attempts. A message with no address is `no_recipient` and is
    never counted as sent. `dedup_key` is unique, so the same reminder for the same obligation
    and day is queued once however often the producer runs.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        NO_RECIPIENT = "no_recipient", _("无收件地址")

    dedup_key = models.CharField(_("去重键"), max_length=200, unique=True)
    channel = models.CharField(_("渠道"), max_length=32)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("收件人"),
    )
    address = models.CharField(_("地址"), max_length=254, blank=True)
    subject = models.CharField(_("主题"), max_length=300, blank=True)
    body = models.TextField(_("正文"), blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("入队时间"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        # The sender's query: pending rows whose next attempt is due.
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.channel} {self.address or '-'} {self.subject[:40]}"


class RuleParameter(RecordModel):
    """A deployment's override of one rule parameter (e.g. R-S3 `min_rate` = 85).

    Declared in `core.parameters` by the app that owns the rule; set on the rule-parameters
    page; every change kept in history with the note saying why.
    """

    rule_id = models.CharField(_("规则"), max_length=8)
    name = models.CharField(_("参数"), max_length=40)
    value = models.JSONField(_("取值"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    policy_org_field: ClassVar[str] = "pk"  # deployment-wide; edited with compliance.configure

    class Meta:
        ordering = ["rule_id", "name"]
        verbose_name = _("规则参数")
        verbose_name_plural = _("规则参数")
        constraints = [
            models.UniqueConstraint(
                fields=["rule_id", "name"],
                condition=models.Q(deleted_at__isnull=True),
                name="core_ruleparameter_one_live_value",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}.{self.name} = {self.value}"


class StaleRecord(ValidationError):
    """The record changed since the user saw it (another step, another tab, another person)."""

    def __init__(self) -> None:
        super().__init__(_("此记录已被他人修改，请刷新页面后重试。"), code="stale")


class WorkflowRecord(models.Model):
    """Abstract base of a record whose state moves only through the steps of its workflow.

    `version` counts the changes of the row. Every save of an existing row is conditional on
    the version (and the state) the instance was loaded with, so a stale copy saved over the
    record is refused instead of silently writing old values back, and whole-object saves
    never write the state: only `pangting.core.transitions.run_step` moves it, by a
    conditional UPDATE (this holds on SQLite too, which ignores `select_for_update`).
    """

    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)

    workflow_state_field: ClassVar[str] = "state"
    # State fields of further workflows on the same model (`transitions.Workflow.field`):
    # guarded like the main one.
    workflow_extra_state_fields: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding or kwargs.get("force_insert"):
            super().save(*args, **kwargs)
            return
        guarded = {self.workflow_state_field, *self.workflow_extra_state_fields, "version"}
        fields = kwargs.get("update_fields")
        if fields is None:
            fields = [f.name for f in self._meta.concrete_fields if not f.primary_key]
        kwargs["update_fields"] = [name for name in fields if name not in guarded]
        state = getattr(self, self.workflow_state_field)
        with transaction.atomic():
            current = type(self)._base_manager.filter(
                pk=self.pk, version=self.version, **{self.workflow_state_field: state}
            )
            if not current.update(version=models.F("version") + 1):
                row = type(self)._base_manager.filter(pk=self.pk).values("version").first()
                if row is not None and row["version"] == self.version:
                    raise ValueError(f"{type(self).__name__}.{self.workflow_state_field} changes only through run_step")
                raise StaleRecord
            self.version += 1
            super().save(*args, **kwargs)


class TransitionLog(models.Model):
    """One step taken on a workflow record: which record, which step, from, to, who, when, why.

    Append-only, like the audit log. The record is named by (app_label, model, object_id)
    so core needs no import of the apps whose records it logs. Visits keep their own log
    (`observation.VisitTransition`), see `pangting.core.transitions.Workflow.log`.
    """

    app_label = models.CharField(max_length=50)
    model = models.CharField(max_length=50)
    object_id = models.PositiveBigIntegerField()
    step = models.CharField(_("办理事项"), max_length=40)
    from_state = models.CharField(_("原状态"), max_length=20)
    to_state = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.CharField(_("说明"), max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        # The history of one record, in order: what `transitions.log_of` reads.
        indexes = [models.Index(fields=["app_label", "model", "object_id", "at"], name="transition_log_record")]

    def __str__(self) -> str:
        return f"{self.app_label}.{self.model}#{self.object_id}: {self.from_state} → {self.to_state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Transition log rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Transition log rows cannot be deleted.")


class Delivery(RecordModel):
    """One document sent by one person to named addressees, each of whom signs for it (签收).

    Deliveries replace the boxes a sender ticked (issue 11 item 1): the arrangement form going
    through the liaison to the linked leader and its copy to the supervisor (R-S10), the report
    after a session, the annual plan (R-S1), the session plan of a reply to a notice letter
    (R-O4). The document is named by (app_label, model, object_id), like `TransitionLog`, so
    core imports no app; `kind` says which document of that record it is (an app's word, e.g.
    "arrangement"). A delivery may forward an earlier one (`forwards`: the liaison passing the
    unit's form on to the leader). `due` and `due_basis` are the deadline the rule gives,
    computed by the owning app when it sends and stored, so a later change of parameters or
    calendar does not move it; lateness is counted from `sent_at` against `due`.

    The two organization references are strings, not imports: core names the organization a
    record belongs to (`policy_org_field`) so the policy can scope deliveries like any record.
    """

    app_label = models.CharField(max_length=50)
    model = models.CharField(max_length=50)
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(_("文件类别"), max_length=40)
    rule = models.CharField(_("依据规则"), max_length=10, blank=True)
    title = models.CharField(_("文件"), max_length=200)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("报送单位")
    )
    forwards = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="forwarded_as", verbose_name=_("转送自")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("报送人"),
    )  # fmt: skip
    sender_label = models.CharField(_("报送人身份"), max_length=50, blank=True)
    sent_at = models.DateTimeField(_("报送时间"))
    due = models.DateField(_("报送截止"), null=True, blank=True)
    due_basis = models.JSONField(default=dict, blank=True, editable=False)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    policy_org_field: ClassVar[str] = "organization"
    policy_view_action: ClassVar[str] = "study.view"

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("报送")
        verbose_name_plural = _("报送")
        # The deliveries of one record, in order: what `deliveries.of_record` reads.
        indexes = [models.Index(fields=["app_label", "model", "object_id", "kind"], name="delivery_record_kind")]

    def __str__(self) -> str:
        return f"{self.title} ({self.sent_at:%Y-%m-%d})"

    @property
    def sent_on(self) -> Any:
        return timezone.localdate(self.sent_at)


class Receipt(RecordModel):
    """One addressee's receipt of a delivery: unsigned until he signs for it (签收) with one tap.

    The addressee is a named person (the liaison, the linked leader), signed by the user who is
    that person, or a department (the supervising 宣传部), signed by any user who holds
    `sign_action` over the delivery's organization.
    """

    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="receipts")
    addressee_person = models.ForeignKey(
        "orgs.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("收件人")
    )
    addressee_org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("收件部门"),
    )  # fmt: skip
    addressee_label = models.CharField(_("收件人身份"), max_length=50, blank=True)
    sign_action = models.CharField(max_length=40, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("签收人"),
    )  # fmt: skip

    policy_org_field: ClassVar[str] = "delivery__organization"
    policy_view_action: ClassVar[str] = "study.view"

    class Meta:
        ordering = ["delivery", "pk"]
        verbose_name = _("签收")
        verbose_name_plural = _("签收")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(addressee_person__isnull=False) | models.Q(addressee_org__isnull=False),
                name="receipt_has_addressee",
            )
        ]
        # A person's unsigned receipts: the to-do list.
        indexes = [models.Index(fields=["addressee_person", "signed_at"], name="receipt_person_signed")]

    def __str__(self) -> str:
        who = self.addressee_person or self.addressee_org
        return f"{self.delivery.title} → {who}"

    @property
    def addressee_name(self) -> str:
        who = self.addressee_person or self.addressee_org
        return str(getattr(who, "name", who) or "")


class JobMessage(TypedDict, total=False):
    """A job's message: a `Message` as JSON (`lib.messages.to_json`); {} before the first."""

    msgid: str
    params: dict[str, Any]


class JobResult(TypedDict, total=False):
    """What a finished job leaves: a file in its folder to download, or a page to open."""

    file: str
    content_type: str
    url: str


class Job(ShapedJSONMixin, models.Model):
    """One piece of long work a user started (a plan run, an export, a scan): what it is, who
    started it for which organization, how far it got, and how it ended (`pangting.core.jobs`).

    The work itself runs in a `manage.py db_worker` process through Django's Tasks interface;
    this row is what the page polls. A failed attempt is retried until `max_attempts` is spent.
    `message` is a `Message` as JSON (msgid and parameters), shown in the reader's language.
    `action` is the policy action the work needed: the job's page asks the policy again with it,
    so someone who lost the role no longer sees the result (house style §3).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        RETRYING = "retrying", _("等待重试")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    FINISHED: ClassVar[tuple[str, ...]] = (Status.DONE, Status.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("任务类别"), max_length=60)
    title = models.CharField(_("任务"), max_length=200)
    params = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("发起人"),
    )  # fmt: skip
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("所属组织"),
    )  # fmt: skip
    action = models.CharField(max_length=60, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("最多尝试次数"), default=1)
    retry_seconds = models.PositiveIntegerField(default=30)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)  # the last failure's traceback, for the administrators
    result = models.JSONField(default=dict, blank=True)  # {"file": name} of a download, {"url": …}
    task_id = models.CharField(max_length=64, blank=True)  # the Tasks result of the latest attempt
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    # The running attempt's last sign of life (its start, then each `jobs.progress`): an attempt
    # silent for PANGTING_JOB_STALE_SECONDS is taken as interrupted (`jobs.recover_stale`).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()

    policy_org_field: ClassVar[str] = "organization"
    json_shapes: ClassVar[dict[str, Any]] = {"message": JobMessage, "result": JobResult}

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        indexes = [
            # The purge of finished jobs past their keeping time (`jobs.purge`).
            models.Index(fields=["status", "finished_at"], name="job_status_finished"),
            # The sweep of running attempts that stopped reporting (`jobs.recover_stale`).
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, 100 * self.done // self.total) if self.total else 0
