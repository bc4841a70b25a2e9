"""Random draws (R-O2 random mode, 双随机一公开) and plan-generation runs (R-O1).

A `Draw` is append-only: once committed, the published inputs (candidate snapshot, hash,
seed commitment, public value source, count) never change, and once drawn neither do the
public value, the picks and the revealed seed. A re-draw is a new `Draw` pointing at the
old one with a reason. `save()` enforces this, and the queryset refuses bulk updates, so
the only way to alter a record is behind the application's back, which verification shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pangting.core.i18n import render_message, render_stored
from pangting.core.models import AliveManager, RecordModel, ScopedQuerySet
from pangting.lib import draw as drawlib
from pangting.lib.messages import from_json
from pangting.orgs.models import Organization

from .shapes import DRAW_CANDIDATES, DRAW_EXCLUSIONS, DRAW_PICKS, RUN_NOTES, RUN_PARAMETERS

MANAGE = "observation.manage"


class DrawQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        """Bulk updates would bypass the append-only check in `Draw.save`."""
        raise PermissionError(gettext("抽取记录只能追加，不能批量修改。"))


class Draw(RecordModel):
    """随机抽取: one auditable draw of units to observe in random mode (R-O2)."""

    class Status(models.TextChoices):
        COMMITTED = "committed", _("已公布承诺，待抽取")
        DRAWN = "drawn", _("已抽取")

    draw_id = models.CharField(_("抽取编号"), max_length=64, unique=True, editable=False)
    supervisor_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("督导组织")
    )
    purpose = models.CharField(_("抽取事由"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    # The timestamp bound into the MAC, kept as the exact text that was published.
    published_at = models.CharField(_("公布时间"), max_length=40, editable=False)
    candidates = models.JSONField(_("候选名单"), default=list)  # [{"id", "name"}] in canonical order
    exclusions = models.JSONField(_("排除名单"), default=list)  # [{"id", "name", "reason"}]
    candidate_hash = models.CharField(_("名单哈希（SHA-256）"), max_length=64)
    seed_commitment = models.CharField(_("种子承诺（SHA-256）"), max_length=64)
    # Kept on the server only until the draw; revealed (published) together with the picks.
    seed_hex = models.CharField(_("种子"), max_length=128, editable=False)
    public_value_source = models.CharField(_("公开随机值来源"), max_length=200)
    public_value = models.CharField(_("公开随机值"), max_length=200, blank=True)
    count = models.PositiveSmallIntegerField(_("抽取数量"))
    picks = models.JSONField(_("抽取结果"), default=list, blank=True)
    json_shapes: ClassVar[Mapping[str, Any]] = {
        "candidates": DRAW_CANDIDATES,
        "exclusions": DRAW_EXCLUSIONS,
        "picks": DRAW_PICKS,
    }
    # SHA-256 of the canonical picks, published with them; empty on draws made before it existed.
    result_digest = models.CharField(_("结果摘要（SHA-256）"), max_length=64, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.COMMITTED)
    redraw_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="redraws", verbose_name=_("重抽自")
    )
    redraw_reason = models.CharField(_("重抽原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AliveManager.from_queryset(DrawQuerySet)()
    all_objects = models.Manager.from_queryset(DrawQuerySet)()

    policy_org_field: ClassVar[str] = "supervisor_org"
    # R-O23: owned by the supervising organization, reached through its supervisor's seat.
    policy_org_role: ClassVar[str] = "supervisor"
    policy_view_action: ClassVar[str] = MANAGE

    # Fixed at commitment, and fixed at the draw (R-O2, conventions.md "Random selection").
    COMMITTED_FIELDS: ClassVar[tuple[str, ...]] = (
        "draw_id", "supervisor_org_id", "purpose", "year", "published_at", "candidates", "exclusions",
        "candidate_hash", "seed_commitment", "seed_hex", "public_value_source", "count", "redraw_of_id",
        "redraw_reason", "created_by_id",
    )  # fmt: skip
    DRAWN_FIELDS: ClassVar[tuple[str, ...]] = (
        "public_value", "picks", "result_digest", "status", "drawn_at", "drawn_by_id",
    )  # fmt: skip

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("随机抽取")
        verbose_name_plural = _("随机抽取")
        indexes = [models.Index(fields=["supervisor_org", "year"], name="draw_org_year")]

    def __str__(self) -> str:
        return f"{self.draw_id} {self.purpose}"

    @property
    def is_drawn(self) -> bool:
        return self.status == self.Status.DRAWN

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuse any change to a published field (append-only); soft delete stays possible."""
        if self.pk is not None:
            stored = (
                type(self).all_objects.filter(pk=self.pk).values(*self.COMMITTED_FIELDS, *self.DRAWN_FIELDS).first()
            )
            if stored is not None:
                frozen = self.COMMITTED_FIELDS + (self.DRAWN_FIELDS if stored["status"] == self.Status.DRAWN else ())
                changed = [name for name in frozen if getattr(self, name) != stored[name]]
                if changed:
                    raise ValidationError(_("抽取记录已公布，不能修改；如需重新抽取，请另行发起重抽并说明原因。"))
        super().save(*args, **kwargs)

    def to_record(self) -> drawlib.DrawRecord:
        """The published record; the seed only once it has been revealed at the draw."""
        return drawlib.DrawRecord.from_dict(
            {
                "algorithm": drawlib.ALGORITHM,
                "draw_id": self.draw_id,
                "purpose": self.purpose,
                "created_at": self.published_at,
                "candidates": self.candidates,
                "exclusions": self.exclusions,
                "candidate_hash": self.candidate_hash,
                "seed_commitment": self.seed_commitment,
                "public_value_source": self.public_value_source,
                "public_value": self.public_value or None,
                "count": self.count,
                "seed_hex": self.seed_hex if self.is_drawn else None,
                "picks": self.picks or [],
                "result_digest": self.result_digest or None,
            }
        )

    def candidate_name(self, candidate_id: str) -> str:
        return {c["id"]: c["name"] for c in self.candidates}.get(candidate_id, candidate_id)

    def pick_rows(self) -> list[dict[str, Any]]:
        return [{"n": n, "id": pick, "name": self.candidate_name(pick)} for n, pick in enumerate(self.picks, 1)]


# The CP-SAT statuses (`lib.planner.solver.SolveStatus`) as a supervisor reads them; why an
# infeasible run failed is in the run's `explanation`, shown beside it.
SOLVER_STATUS_WORDS = {
    "OPTIMAL": _("已找到最优方案"),
    "FEASIBLE": _("已找到可行方案（未证明最优）"),
    "INFEASIBLE": _("约束无法同时满足"),
    "UNKNOWN": _("在时限内未找到方案，可延长求解时限后重试"),
    "MODEL_INVALID": _("计划模型有误，未能求解，请联系系统管理员"),
}


class PlanRun(RecordModel):
    """计划生成: one run of the plan generator for a year (R-O1), done by a background command.

    The run stores its parameters, the solver's report (status, objective, bound, gap), the
    draft (visits and cross-observation pairs, with names, for review) or the Chinese
    explanation of why no plan exists. Approving it creates the planned visits.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    supervisor_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("督导组织")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    parameters = models.JSONField(_("参数"), default=dict, blank=True)
    result = models.JSONField(_("求解结果"), default=dict, blank=True)  # status, objective, bound, gap, wall_time
    draft = models.JSONField(_("计划草案"), default=dict, blank=True)  # {"visits": [...], "cross": [...]}
    notes = models.JSONField(_("说明"), default=list, blank=True)  # what the builder left out, and why
    # Each note's msgid and parameters (`core.i18n`): pages show the notes in the reader's language.
    note_messages = models.JSONField(_("说明模板"), default=list, blank=True)
    json_shapes: ClassVar[Mapping[str, Any]] = {"parameters": RUN_PARAMETERS, "notes": RUN_NOTES}
    explanation = models.TextField(_("无解原因"), blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    policy_org_field: ClassVar[str] = "supervisor_org"
    # R-O23: owned by the supervising organization, reached through its supervisor's seat.
    policy_org_role: ClassVar[str] = "supervisor"
    policy_view_action: ClassVar[str] = MANAGE

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("计划生成")
        verbose_name_plural = _("计划生成")
        indexes = [models.Index(fields=["supervisor_org", "year"], name="planrun_org_year")]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def started_label(self) -> str:
        """When the run was started, as users tell runs apart (no internal ids on pages, issue 16)."""
        moment = timezone.localtime(self.created_at)
        return _("{month}月{day}日 {time}").format(month=moment.month, day=moment.day, time=f"{moment:%H:%M}")

    @property
    def label(self) -> str:
        return _("{year}年计划草案（{started}生成）").format(year=self.year, started=self.started_label)

    @property
    def status_words(self) -> str:
        """The solver's status in plain words (issue 16): users never see "OPTIMAL"."""
        status = (self.result or {}).get("status") or ""
        return str(SOLVER_STATUS_WORDS.get(status, status))

    @property
    def display_notes(self) -> list[str]:
        """The notes in the active language; the stored Chinese text for runs made before msgids."""
        messages = self.note_messages if len(self.note_messages or []) == len(self.notes or []) else []
        if not messages:
            return list(self.notes or [])
        return [
            render_stored(str(m.get("msgid", "")), m.get("params"), note)
            for note, m in zip(self.notes, messages, strict=True)
        ]

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def has_plan(self) -> bool:
        return self.status == self.Status.DONE and bool(self.draft.get("visits"))

    @property
    def explanation_lines(self) -> list[str]:
        """Why no plan exists, in the reader's language from the stored messages (else the stored text)."""
        stored = (self.result or {}).get("explanations")
        if stored and isinstance(stored, list):
            return [render_message(from_json(item)) for item in stored]
        return self.explanation.splitlines()


class Unavailability(RecordModel):
    """不可安排时间: months of a year in which a leader or a liaison cannot take part in a visit.

    The annual plan places visits by month (R-O1), so unavailability is entered in months too:
    a leader's months are kept out of every visit of the leader's team; a liaison's months out
    of every visit to the units the liaison serves (R-O3: a team is the linked leader and the
    unit's liaison). It belongs to the supervising organization, like the plan it shapes.
    """

    supervisor_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("督导组织")
    )
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员"))
    year = models.PositiveSmallIntegerField(_("年度"))
    first_month = models.PositiveSmallIntegerField(_("起始月份"))
    last_month = models.PositiveSmallIntegerField(_("截止月份"))
    reason = models.CharField(_("原因"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    policy_org_field: ClassVar[str] = "supervisor_org"
    # R-O23: owned by the supervising organization, reached through its supervisor's seat.
    policy_org_role: ClassVar[str] = "supervisor"
    policy_view_action: ClassVar[str] = MANAGE

    class Meta:
        ordering = ["year", "first_month", "person__name", "pk"]
        verbose_name = _("不可安排时间")
        verbose_name_plural = _("不可安排时间")
        # Serves the instance builder: one year's rows of one supervising organization.
        indexes = [models.Index(fields=["supervisor_org", "year"], name="unavailability_org_year")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_month__gte=1, last_month__lte=12, first_month__lte=models.F("last_month")),
                name="unavailability_months_in_order",
            )
        ]

    def __str__(self) -> str:
        return gettext("{person} {year}年{months}").format(person=self.person, year=self.year, months=self.months_label)

    @property
    def months(self) -> range:
        return range(self.first_month, self.last_month + 1)

    @property
    def months_label(self) -> str:
        if self.first_month == self.last_month:
            return gettext("{month}月").format(month=self.first_month)
        return gettext("{first}月至{last}月").format(first=self.first_month, last=self.last_month)
