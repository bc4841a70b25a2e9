"""Rule parameters, check runs and their findings.

Findings are derived data: a run recomputes them from the records and reconciles the table —
new ones are inserted, those seen again are refreshed, those no longer found are marked
resolved (never deleted), so a unit's history of shortfalls stays readable and two runs can
be compared. Rule parameters live in the core registry (`pangting.core.parameters`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pangting.core import dates
from pangting.core.jsonshape import ShapedJSONMixin
from pangting.core.models import ScopedQuerySet
from pangting.orgs.models import Organization

from .shapes import RUN_COUNTS, RUN_RULES


class ComplianceRun(ShapedJSONMixin, models.Model):
    """One execution of the checks: for a year, all units in scope or one unit, and why it ran."""

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("手动")
        SCHEDULE = "schedule", _("定时")
        CHANGE = "change", _("记录变更")

    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("单位")
    )
    rules = models.JSONField(_("规则"), default=list, blank=True, help_text=_("为空表示全部规则。"))
    trigger = models.CharField(_("触发方式"), max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    counts = models.JSONField(_("统计"), default=dict, blank=True, help_text=_("新增、仍存在、已消除的问题数。"))
    json_shapes: ClassVar[Mapping[str, Any]] = {"rules": RUN_RULES, "counts": RUN_COUNTS}

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("检查批次")
        verbose_name_plural = _("检查批次")

    def __str__(self) -> str:
        return f"{self.year} {dates.format_datetime(self.started_at)}"  # Beijing time, not UTC


class FindingQuerySet(ScopedQuerySet):
    def open(self) -> FindingQuerySet:
        return self.filter(resolved_at__isnull=True)


class Finding(models.Model):
    """A shortfall against one rule, for one unit, period and subject, with its evidence.

    Identified across runs by (rule_id, unit, period, key); `evidence` is a list of
    {"model", "pk", "label"} pointing at the records behind it.
    """

    class Severity(models.TextChoices):
        RED = "red", _("红")
        AMBER = "amber", _("黄")

    rule_id = models.CharField(_("规则"), max_length=8, db_index=True)
    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="findings", verbose_name=_("单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    period = models.CharField(_("期间"), max_length=10)
    key = models.CharField(_("对象"), max_length=60, blank=True)
    severity = models.CharField(_("严重程度"), max_length=6, choices=Severity.choices)
    message = models.CharField(_("说明"), max_length=300)  # Chinese, as documents print it
    # The message's msgid and parameters (`compliance.messages`): pages show it in the reader's language.
    message_id = models.CharField(_("说明模板"), max_length=300, blank=True)
    message_params = models.JSONField(_("说明参数"), default=dict, blank=True)
    evidence = models.JSONField(_("依据记录"), default=list, blank=True)
    measured = models.JSONField(_("测得值"), default=dict, blank=True)
    # A digest of the content above (`services.content_digest`): a run compares it, not the
    # decoded JSON of every stored finding, to tell which findings it must rewrite (issue 15).
    digest = models.CharField(_("内容摘要"), max_length=32, blank=True, editable=False)
    first_seen = models.ForeignKey(ComplianceRun, on_delete=models.PROTECT, related_name="+")
    # Every run rewrites this of each open finding it sees again, a province's every night (issue
    # 15). Runs are never deleted and nothing looks findings up by it, so the column has no index
    # and no constraint in the database: with room left on the table's pages (migration 0006),
    # PostgreSQL then updates the row in place (a HOT update) instead of adding an entry to each of
    # the table's indexes, and checks no foreign key per row at commit. 62,483 findings at 400
    # units: the UPDATE 1.2–1.45 → 0.18 s, the commit 0.2–0.75 s → none.
    last_seen = models.ForeignKey(
        ComplianceRun, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    resolved_at = models.DateTimeField(_("消除时间"), null=True, blank=True)

    objects = FindingQuerySet.as_manager()

    policy_org_field: ClassVar[str] = "unit"
    policy_view_action: ClassVar[str] = "compliance.view"

    class Meta:
        ordering = ["unit__path", "rule_id", "period", "key"]
        verbose_name = _("检查发现")
        verbose_name_plural = _("检查发现")
        constraints = [
            models.UniqueConstraint(fields=["rule_id", "unit", "period", "key"], name="finding_identity"),
        ]
        indexes = [
            # The unit page and the dashboards: open findings of a year, by unit.
            models.Index(fields=["year", "unit", "resolved_at"], name="finding_year_unit_open"),
            # The dashboards' colours of a page of units (`services.rule_colour_counts`), read from
            # the index alone: a unit's findings lie on pages all over the table (issue 15).
            models.Index(
                fields=["year", "unit", "rule_id", "severity"],
                name="finding_open_colours",
                condition=models.Q(resolved_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.period} {self.message}"

    @property
    def display_message(self) -> str:
        """The message in the active language; the stored Chinese text for rows made before msgids."""
        from .messages import render_stored

        return render_stored(self.message_id, self.message_params, self.message)

    @property
    def display_evidence(self) -> list[dict[str, Any]]:
        """The evidence items with their labels in the active language."""
        from .messages import evidence_label

        return [{**item, "label": evidence_label(item)} for item in self.evidence or []]


class FindingCount(models.Model):
    """How many findings a unit has of one rule and severity in a year, all and still open (issue 15).

    The assessment sheet (R-O14) ranks every unit by formulas over these counts; counting them
    from the findings reads a province's 1.5 million rows on each view. Each run's reconciliation
    recounts the units it touched, in the same transaction (`compliance.counts.store`), so the
    rows always equal a count of the findings; `manage.py check_compliance --check-counts`
    proves it. Derived data: no history.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("单位"))
    rule_id = models.CharField(_("规则"), max_length=8)
    severity = models.CharField(_("严重程度"), max_length=6, choices=Finding.Severity.choices)
    total = models.PositiveIntegerField(_("全部"), default=0)
    open = models.PositiveIntegerField(_("未消除"), default=0)

    # Scoped as the findings it counts (`listing.FindingFilter.count`).
    objects = ScopedQuerySet.as_manager()

    policy_org_field: ClassVar[str] = "unit"
    policy_view_action: ClassVar[str] = "compliance.view"

    class Meta:
        verbose_name = _("检查发现统计")
        verbose_name_plural = _("检查发现统计")
        constraints = [
            models.UniqueConstraint(fields=["year", "unit", "rule_id", "severity"], name="findingcount_identity"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit_id} {self.rule_id} {self.severity}"
