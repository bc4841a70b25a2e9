"""Organizations, people and the study groups they form (domain.md, glossary and actors).

The organization tree is stored with a materialized path (`path`), so that "this
organization and everything below it" — the question the policy module asks on every
request — is one indexed prefix query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pangting.core import clock
from pangting.core.models import AliveManager, RecordModel, ScopedQuerySet
from pangting.lib.phone import is_valid_phone, mask_phone, normalize_phone

PATH_STEP = 8  # digits per level in Organization.path


class OrganizationKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("党委")
    LEADING_GROUP = "leading_group", _("党组")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    PARTY_GROUP = "party_group", _("党小组")


_K = OrganizationKind
# The one home of the tree's shape (issue 14: a 党支部 could be created under a 党小组): the
# kinds each kind may sit under, None for the top of the tree. Committees and leading groups
# nest (a college's 党委 under the school's); a 党总支 sits under one of them; a 党支部 under
# them or a 党总支 (直属党支部); a 党小组 only inside a 党支部 or 党总支, and nothing under it.
ALLOWED_PARENT_KINDS: dict[str, frozenset[str | None]] = {
    _K.PARTY_COMMITTEE: frozenset({None, _K.PARTY_COMMITTEE, _K.LEADING_GROUP}),
    _K.LEADING_GROUP: frozenset({None, _K.PARTY_COMMITTEE, _K.LEADING_GROUP}),
    _K.GENERAL_BRANCH: frozenset({None, _K.PARTY_COMMITTEE, _K.LEADING_GROUP}),
    _K.BRANCH: frozenset({None, _K.PARTY_COMMITTEE, _K.LEADING_GROUP, _K.GENERAL_BRANCH}),
    _K.PARTY_GROUP: frozenset({_K.BRANCH, _K.GENERAL_BRANCH}),
}


def parent_kind_allowed(kind: str, parent_kind: str | None) -> bool:
    """Whether an organization of `kind` may sit under one of `parent_kind` (None: the top)."""
    return parent_kind in ALLOWED_PARENT_KINDS.get(kind, frozenset())


class InconsistentPath(ValueError):
    """A save would store a materialized path that does not follow from the parent's."""


class Organization(RecordModel):
    """A party organization. The root owns the supervision (its 宣传部 acts as supervisor).

    `path` is the materialized path (PATH_STEP digits of each ancestor's id, then its own) and
    `depth` follows from it. `save` guards both (issue 10 item 8): an insert computes them; any
    other save that writes parent, path or depth must carry the path the parent implies, so a
    parent change without `orgs.services.move_organization` (which moves the subtree) raises.
    """

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    code = models.CharField(_("编码"), max_length=40, unique=True, help_text=_("用于导入导出的唯一编码，如 JDXY。"))
    kind = models.CharField(_("类型"), max_length=20, choices=OrganizationKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级组织")
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    has_party_groups = models.BooleanField(
        _("设党小组"), default=False, help_text=_("党支部是否设党小组（影响党员大会频次，R-B2）。")
    )
    # What the supervisor signs letters with, e.g. 中共温州职业技术学院委员会宣传部 / 温职宣函.
    office_name = models.CharField(_("宣传部门全称"), max_length=100, blank=True)
    doc_abbr = models.CharField(_("发文机关代字"), max_length=20, blank=True)
    # R-O23: an organization below the root with its own supervising department supervises its
    # subtree (down to the next such organization) with its own plans, letters and reports.
    has_supervisor = models.BooleanField(
        _("设督导部门"),
        default=False,
        db_default=False,  # rows written by code that predates the column (older migrations) get False
        help_text=_("本级宣传部门自行督导下级单位（本级计划、发文编号、通报）；顶级组织始终督导。"),
    )

    policy_org_field: ClassVar[str] = "pk"

    class Meta:
        ordering = ["path"]
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="org_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def clean(self) -> None:
        """The tree's shape (ALLOWED_PARENT_KINDS), for this organization and its children."""
        if self.kind not in ALLOWED_PARENT_KINDS:
            return  # the field's own choices check reports it
        parent_kind = self.parent.kind if self.parent_id is not None and self.parent else None
        if not parent_kind_allowed(self.kind, parent_kind):
            kind_label = OrganizationKind(self.kind).label
            if parent_kind is None:
                message = _("%(kind)s必须有上级组织。") % {"kind": kind_label}
            else:
                message = _("%(kind)s不能设在%(parent)s之下。") % {
                    "kind": kind_label,
                    "parent": OrganizationKind(parent_kind).label,
                }
            raise ValidationError({"parent": message})
        if self.pk is not None:
            child_kinds = set(Organization.objects.filter(parent_id=self.pk).values_list("kind", flat=True))
            refused = sorted(
                k for k in child_kinds if k in ALLOWED_PARENT_KINDS and not parent_kind_allowed(k, self.kind)
            )
            if refused:
                raise ValidationError(
                    {
                        "kind": _("下级有%(children)s，不能改为%(kind)s。")
                        % {
                            "children": _("、").join(str(OrganizationKind(k).label) for k in refused),
                            "kind": OrganizationKind(self.kind).label,
                        }
                    }
                )

    def is_descendant_of(self, other: Organization) -> bool:
        return self.path.startswith(other.path) and self.pk != other.pk

    def subtree(self) -> models.QuerySet[Organization]:
        """This organization and all below it."""
        return Organization.objects.filter(path__startswith=self.path)

    def ancestors(self) -> list[Organization]:
        ids = [int(self.path[i : i + PATH_STEP]) for i in range(0, len(self.path) - PATH_STEP, PATH_STEP)]
        by_id = Organization.all_objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]

    @property
    def is_unit(self) -> bool:
        """Whether this is a unit: the one definition lives in `orgs.units`."""
        from .units import is_unit

        return is_unit(self)

    def expected_path(self) -> tuple[str, int]:
        """(path, depth) as the parent stored in the database implies them."""
        parent_path = ""
        if self.parent_id is not None:
            parent_path = Organization.all_objects.filter(pk=self.parent_id).values_list("path", flat=True).get()
        path = parent_path + f"{self.pk:0{PATH_STEP}d}"
        return path, len(path) // PATH_STEP - 1

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            super().save(*args, **kwargs)  # the path ends with the id the insert assigns
            self.path, self.depth = self.expected_path()
            super().save(update_fields=["path", "depth"])
            return
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"parent", "path", "depth"} & set(update_fields):
            expected = self.expected_path()
            if not self.path or (self.path, self.depth) != expected:
                raise InconsistentPath(
                    f"Organization {self.pk}: path {self.path!r} / depth {self.depth} where the parent implies "
                    f"{expected[0]!r} / {expected[1]}; move organizations with orgs.services.move_organization."
                )
        super().save(*args, **kwargs)


class Person(RecordModel):
    """Someone who appears in the system: a leader, liaison, secretary or group member."""

    name = models.CharField(_("姓名"), max_length=50)
    staff_no = models.CharField(_("工号"), max_length=32, blank=True, help_text=_("可选；填写后须唯一。"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="people", verbose_name=_("所在组织")
    )
    post = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    is_school_leader = models.BooleanField(_("校（区）领导"), default=False)

    class Meta:
        ordering = ["organization__path", "name"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            models.UniqueConstraint(
                fields=["staff_no"],
                condition=Q(deleted_at__isnull=True) & ~Q(staff_no=""),
                name="person_unique_staff_no",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def clean(self) -> None:
        if self.phone:
            self.phone = normalize_phone(self.phone)
            if not is_valid_phone(self.phone):
                raise ValidationError({"phone": _("“%(value)s”不是有效的电话号码。") % {"value": self.phone}})


class StudyGroup(RecordModel):
    """理论学习中心组: the center group of one organization."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="study_group", verbose_name=_("党组织")
    )
    name = models.CharField(_("名称"), max_length=120)

    class Meta:
        ordering = ["organization__path"]
        verbose_name = _("理论学习中心组")
        verbose_name_plural = _("理论学习中心组")

    def __str__(self) -> str:
        return self.name

    def current_members(self, on: dt.date | None = None) -> models.QuerySet[StudyGroupMember]:
        return self.memberships.current(on).select_related("person")


class MembershipQuerySet(ScopedQuerySet):
    def current(self, on: dt.date | None = None) -> MembershipQuerySet:
        on = on or clock.today()
        return self.filter(Q(joined_on__isnull=True) | Q(joined_on__lte=on)).filter(
            Q(left_on__isnull=True) | Q(left_on__gte=on)
        )


class StudyGroupMember(RecordModel):
    """A person's place in a center group, with the dates it held."""

    class Role(models.TextChoices):
        LEADER = "leader", _("组长")
        DEPUTY = "deputy", _("副组长")
        MEMBER = "member", _("成员")
        SECRETARY = "secretary", _("学习秘书")

    group = models.ForeignKey(StudyGroup, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="group_memberships")
    role = models.CharField(_("组内角色"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    post = models.CharField(_("职务"), max_length=100, blank=True)
    joined_on = models.DateField(_("加入日期"), null=True, blank=True)
    left_on = models.DateField(_("退出日期"), null=True, blank=True)

    objects = AliveManager.from_queryset(MembershipQuerySet)()
    policy_org_field: ClassVar[str] = "group__organization"

    class Meta:
        ordering = ["group", "role", "person__name"]
        verbose_name = _("中心组成员")
        verbose_name_plural = _("中心组成员")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "person", "role"],
                condition=Q(deleted_at__isnull=True, left_on__isnull=True),
                name="member_unique_current_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a leader's membership also marks the group's organization as changed (issue 15).

        R-S12 counts a session as led by the secretary when the person who led it was a leader of
        the group on that day: adding, ending or removing a leader changes that count.
        """
        super().save(*args, **kwargs)
        if self.role == self.Role.LEADER:
            from .changes import touch  # `changes` imports this module

            touch(Organization.objects.filter(study_group=self.group_id).values_list("path", flat=True))

    @property
    def counts_for_attendance(self) -> bool:
        """The study secretary keeps the records; leader, deputy and members are expected."""
        return self.role != self.Role.SECRETARY


class DatedLinkQuerySet(ScopedQuerySet):
    def current(self, on: dt.date | None = None) -> DatedLinkQuerySet:
        on = on or clock.today()
        return self.filter(valid_from__lte=on).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))


class DatedLink(RecordModel):
    """A person–unit assignment that holds between two dates (teams change over time, R-O17)."""

    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("联系单位"))
    valid_from = models.DateField(_("起始日期"))
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = AliveManager.from_queryset(DatedLinkQuerySet)()
    policy_org_field: ClassVar[str] = "unit"

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("截止日期不能早于起始日期。")})


class LeaderLink(DatedLink):
    """校领导联系二级学院安排表: a school leader linked to a unit (R-O3)."""

    leader = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="leader_links", verbose_name=_("联系领导")
    )

    class Meta:
        ordering = ["leader__name", "unit__path"]
        verbose_name = _("领导联系单位")
        verbose_name_plural = _("领导联系单位")
        indexes = [models.Index(fields=["leader", "valid_from"], name="leaderlink_leader_from")]

    def __str__(self) -> str:
        return f"{self.leader} → {self.unit}"


class LiaisonAssignment(DatedLink):
    """联络员: the person who coordinates visits to a unit and fills the record (R-O3, R-O8)."""

    liaison = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="liaison_assignments", verbose_name=_("联络员")
    )

    class Meta:
        ordering = ["unit__path"]
        verbose_name = _("联络员")
        verbose_name_plural = _("联络员")
        indexes = [models.Index(fields=["liaison", "valid_from"], name="liaison_person_from")]

    def __str__(self) -> str:
        return f"{self.liaison} → {self.unit}"


class ConflictOfInterest(RecordModel):
    """回避: a person who must not observe a unit (R-O3 teams, draws)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="conflicts", verbose_name=_("人员"))
    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    reason = models.CharField(_("回避原因"), max_length=200)

    policy_org_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = _("回避关系")
        verbose_name_plural = _("回避关系")

    def __str__(self) -> str:
        return f"{self.person} ⟂ {self.unit}"


class UnitChange(models.Model):
    """When the study and observation records of an organization last changed (issue 15).

    One row per organization with records, kept by `orgs.changes.touch` from the save of each
    record that marks it (`UnitChangeRecord`); a unit changed when a row of its subtree (a path
    prefix) did, whatever counts as a unit on the day it is read. The unit page's staleness
    check reads this small table instead of the records of many tables.
    Derived data, rebuilt from the records' `updated_at` by a data migration: no history.
    """

    unit = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("单位"))
    changed_at = models.DateTimeField(_("最近变动时间"))

    class Meta:
        verbose_name = _("单位记录变动")
        verbose_name_plural = _("单位记录变动")
        # `changed_units`: the units whose records changed since the last run. (One unit's row,
        # `is_stale`, is found through the unique index on `unit`.)
        indexes = [models.Index(fields=["changed_at"], name="unitchange_since")]

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.changed_at:%Y-%m-%d %H:%M:%S}"
