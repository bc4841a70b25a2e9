"""Writes to the directory: every change goes through one of these functions.

Each runs in a transaction, validates, saves with the actor recorded in history, and
writes an audit event where the change is security-relevant (roles, phones).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from pangting.core.system import require_actor

from . import changes
from .models import (
    PATH_STEP,
    ConflictOfInterest,
    LeaderLink,
    LiaisonAssignment,
    Organization,
    Person,
    StudyGroup,
    StudyGroupMember,
)


def _segment(pk: int) -> str:
    return f"{pk:0{PATH_STEP}d}"


def _save(obj: Any, actor: Any, **kwargs: Any) -> None:
    obj._history_user = require_actor(actor)
    obj.full_clean()
    obj.save(**kwargs)


@transaction.atomic
def create_organization(*, actor: Any, parent: Organization | None = None, **fields: Any) -> Organization:
    org = Organization(parent=parent, **fields)
    org._history_user = require_actor(actor)
    org.full_clean(exclude=["path"])
    org.save()  # computes path and depth (Organization.save)
    return org


@transaction.atomic
def update_organization(org: Organization, *, actor: Any, **fields: Any) -> Organization:
    new_parent = fields.pop("parent", org.parent)
    for name, value in fields.items():
        setattr(org, name, value)
    if new_parent != org.parent:
        move_organization(org, new_parent, actor=actor)
    _save(org, actor)
    return org


@transaction.atomic
def move_organization(org: Organization, new_parent: Organization | None, *, actor: Any) -> Organization:
    """Re-parent `org` and its subtree; refuses a move that would create a cycle.

    A top organization supervises by being the top (R-O23, `orgs.units.is_supervising`): moved
    under a new parent (a city placed above a university), it keeps its own supervising
    department, so `has_supervisor` is set and its plans, letters and numbering stay its own.
    """
    if new_parent is not None and (new_parent.pk == org.pk or new_parent.path.startswith(org.path)):
        raise ValidationError(
            {
                "parent": _("不能把“{org}”移到它自己或其下级组织“{new_parent}”之下（会形成循环）。").format(
                    org=org.name, new_parent=new_parent.name
                )
            }
        )
    old_path = org.path
    new_path = (new_parent.path if new_parent else "") + _segment(org.pk)
    depth_change = (new_parent.depth + 1 if new_parent else 0) - org.depth
    Organization.all_objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    fields = ["parent", "path", "depth", "updated_at"]
    if org.parent_id is None and new_parent is not None and not org.has_supervisor:
        org.has_supervisor = True  # it supervised as the top; it still does, one level down
        fields.append("has_supervisor")
    org.parent = new_parent
    org.path = new_path
    org.depth += depth_change
    org._history_user = require_actor(actor)
    org.save(update_fields=fields)
    # The units the subtree left and those it joined now hold other records (issue 15): the
    # moved organization marks those it joined (they read its row by path prefix), its old
    # parent those it left.
    changes.touch([new_path, old_path[:-PATH_STEP]])
    return org


@transaction.atomic
def delete_organization(org: Organization, *, actor: Any) -> None:
    """Soft delete; refuses while live sub-organizations or people remain."""
    if org.children.filter(deleted_at__isnull=True).exists():
        raise ValidationError(_("“{org}”下还有下级组织，不能删除。").format(org=org.name))
    if org.people.filter(deleted_at__isnull=True).exists():
        raise ValidationError(_("“{org}”下还有人员，请先调整人员所在组织。").format(org=org.name))
    org.soft_delete(actor=actor)


@transaction.atomic
def save_person(person: Person, *, actor: Any) -> Person:
    """Create or update a person; phone normalized and validated, duplicates refused."""
    person.full_clean()
    duplicate = Person.objects.filter(name=person.name, organization=person.organization).exclude(pk=person.pk)
    if person.phone:
        duplicate = duplicate.filter(phone=person.phone)
    if not person.staff_no and duplicate.exists():
        raise ValidationError(
            _("“{organization}”已有同名人员“{person}”，如确为不同人员请填写工号区分。").format(
                organization=person.organization, person=person.name
            )
        )
    _save(person, actor)
    return person


@transaction.atomic
def ensure_study_group(org: Organization, *, actor: Any, name: str = "") -> StudyGroup:
    group = StudyGroup.objects.filter(organization=org).first()
    if group is None:
        # i18n: not interface (stored as the record's title, as the official plan names it)
        group = StudyGroup(organization=org, name=name or f"{org.name}理论学习中心组")
        _save(group, actor)
    elif name and name != group.name:
        group.name = name
        _save(group, actor)
    return group


@transaction.atomic
def add_member(
    group: StudyGroup,
    person: Person,
    *,
    actor: Any,
    role: str = StudyGroupMember.Role.MEMBER,
    post: str = "",
    joined_on: dt.date | None = None,
) -> StudyGroupMember:
    if StudyGroupMember.objects.filter(group=group).current().filter(person=person, role=role).exists():
        raise ValidationError(
            _("{person}已是{group}的{role}。").format(
                person=person.name, group=group.name, role=StudyGroupMember.Role(role).label
            )
        )
    member = StudyGroupMember(group=group, person=person, role=role, post=post or person.post, joined_on=joined_on)
    _save(member, actor)
    return member


@transaction.atomic
def end_membership(member: StudyGroupMember, *, actor: Any, on: dt.date) -> StudyGroupMember:
    member.left_on = on
    _save(member, actor)
    return member


@transaction.atomic
def link_leader(
    leader: Person, unit: Organization, *, actor: Any, valid_from: dt.date, valid_until: dt.date | None = None
) -> LeaderLink:
    """Link a school leader to a unit from a date (校领导联系二级学院安排表, R-O3, R-O17)."""
    if not unit.is_unit:
        raise ValidationError(_("联系单位应为二级党组织或以下组织。"))
    link = LeaderLink(leader=leader, unit=unit, valid_from=valid_from, valid_until=valid_until)
    if LeaderLink.objects.current(valid_from).filter(leader=leader, unit=unit).exists():
        raise ValidationError(_("{leader}已联系{unit}，无需重复添加。").format(leader=leader.name, unit=unit.name))
    _save(link, actor)
    return link


@transaction.atomic
def assign_liaison(liaison: Person, unit: Organization, *, actor: Any, valid_from: dt.date) -> LiaisonAssignment:
    """Make `liaison` the unit's liaison from `valid_from`, ending the previous one the day before."""
    previous = LiaisonAssignment.objects.current(valid_from).filter(unit=unit)
    for old in previous:
        if old.liaison_id == liaison.pk:
            raise ValidationError(_("{liaison}已是{unit}的联络员。").format(liaison=liaison.name, unit=unit.name))
        old.valid_until = valid_from - dt.timedelta(days=1)
        if old.valid_until < old.valid_from:
            old.valid_until = old.valid_from
        _save(old, actor)
    assignment = LiaisonAssignment(liaison=liaison, unit=unit, valid_from=valid_from)
    _save(assignment, actor)
    return assignment


@transaction.atomic
def end_link(link: LeaderLink | LiaisonAssignment, *, actor: Any, on: dt.date) -> None:
    link.valid_until = on
    _save(link, actor)


@transaction.atomic
def record_conflict(person: Person, unit: Organization, *, actor: Any, reason: str) -> ConflictOfInterest:
    if not reason.strip():
        raise ValidationError({"reason": _("请填写回避原因。")})
    conflict = ConflictOfInterest(person=person, unit=unit, reason=reason.strip())
    _save(conflict, actor)
    return conflict


def has_conflict(person: Person, unit: Organization) -> bool:
    """A conflict recorded for the unit or any organization above it."""
    ancestor_ids = [o.pk for o in unit.ancestors()] + [unit.pk]
    return ConflictOfInterest.objects.filter(person=person, unit_id__in=ancestor_ids).exists()
