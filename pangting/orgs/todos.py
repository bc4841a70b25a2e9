from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core.todos import Todo

from .models import LiaisonAssignment, Organization, StudyGroupMember
from .units import units as unit_set


def directory_todos(user: Any) -> list[Todo]:
    """Units the user manages whose center group lacks a study secretary or a liaison."""
    if not policy.can(user, policy.Action.DIRECTORY_CHANGE):
        return []
    units = unit_set(Organization.objects.for_user(user, policy.Action.DIRECTORY_CHANGE))
    secretary = StudyGroupMember.objects.current().filter(
        group__organization=OuterRef("pk"), role=StudyGroupMember.Role.SECRETARY
    )
    liaison = LiaisonAssignment.objects.current().filter(unit=OuterRef("pk"))
    todos = []
    for org in units.annotate(has_secretary=Exists(secretary), has_liaison=Exists(liaison)).filter(has_secretary=False)[
        :20
    ]:
        todos.append(
            Todo(
                title=_("{org}中心组尚未指定学习秘书").format(org=org.name),
                url=reverse("orgs:organization_detail", args=[org.pk]),
                severity="info",
            )
        )
    missing_liaison = units.annotate(has_liaison=Exists(liaison)).filter(has_liaison=False).count()
    if missing_liaison:
        todos.append(
            Todo(
                title=_("{count}个单位尚未设置联络员").format(count=missing_liaison),
                url=reverse("orgs:link_list"),
                detail=_("列席旁听记录由联络员填报（R-O8），请为每个单位指定联络员。"),
                severity="info",
            )
        )
    return todos
