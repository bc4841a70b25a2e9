"""What counts as a unit, and which organization supervises it: the one definition.

A **unit** (单位, the secondary organizations of the seeds) is an organization below a
supervising organization whose center group (理论学习中心组) is studied and observed: it has
a parent and a live `StudyGroup`. A 直属党支部 with its own center group is a unit like any
other; a branch or party group without one is not. Every page, figure, check and service
that needs "the units" asks this module, so the bulletin, the dashboard, the plan page,
the draws and the compliance checks count the same organizations.

A **supervising organization** owns the supervision of the units below it (plans, letters
and their numbering, reports). Today that is the root of the tree; R-O23 will let any
organization with its own supervising department supervise its subtree, so everything here
goes through `is_supervising` / `SUPERVISING`, and a unit's supervisor is its *nearest*
supervising ancestor. Changing that predicate is the one edit R-O23 needs here.
"""

from __future__ import annotations

from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet

from .models import Organization

# A unit: below some organization, with a live center group. A Q over Organization rows.
UNIT = Q(parent__isnull=False, study_group__isnull=False, study_group__deleted_at__isnull=True)

# A supervising organization (R-O23: today the root of the tree).
SUPERVISING = Q(parent__isnull=True)


def is_unit(org: Organization) -> bool:
    """Whether `org` is a unit (see the module docstring). One query unless the group is cached."""
    if org.parent_id is None:
        return False
    try:
        group = org.study_group
    except Organization.study_group.RelatedObjectDoesNotExist:
        return False
    return group.deleted_at is None


def units(queryset: QuerySet[Organization] | None = None) -> QuerySet[Organization]:
    """The units among `queryset` (default: every organization), in tree order."""
    base = Organization.objects.all() if queryset is None else queryset
    return base.filter(UNIT).order_by("path")


def is_supervising(org: Organization) -> bool:
    """Whether `org` supervises the units below it (R-O23: today the root)."""
    return org.parent_id is None


def supervising_organizations(queryset: QuerySet[Organization] | None = None) -> QuerySet[Organization]:
    """The supervising organizations among `queryset` (default: every organization), in tree order."""
    base = Organization.objects.all() if queryset is None else queryset
    return base.filter(SUPERVISING).order_by("path")


def supervisor_org_for(unit: Organization) -> Organization:
    """The organization that supervises `unit`: its nearest supervising ancestor (R-O23).

    An organization that is itself supervising and has none above it supervises itself.
    """
    for ancestor in reversed(unit.ancestors()):
        if is_supervising(ancestor):
            return ancestor
    return unit


def units_supervised_by(supervisor: Organization) -> QuerySet[Organization]:
    """The units `supervisor` supervises: units in its subtree not under a lower supervising one.

    One query: the lower supervising organizations are an `Exists` over path prefixes.
    """
    subtree = Organization.objects.filter(path__startswith=supervisor.path).exclude(pk=supervisor.pk)
    outer_path = ExpressionWrapper(OuterRef("path"), output_field=CharField())
    lower = subtree.filter(SUPERVISING).annotate(outer_path=outer_path).filter(outer_path__startswith=F("path"))
    return units(subtree).exclude(Exists(lower))
