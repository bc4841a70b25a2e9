"""What counts as a unit, and which organization supervises it: the one definition.

A **unit** (单位, the secondary organizations of the seeds) is an organization below a
supervising organization whose center group (理论学习中心组) is studied and observed: it has
a parent and a live `StudyGroup`. A 直属党支部 with its own center group is a unit like any
other; a branch or party group without one is not. Every page, figure, check and service
that needs "the units" asks this module, so the bulletin, the dashboard, the plan page,
the draws and the compliance checks count the same organizations.

A **supervising organization** owns the supervision of the units below it (plans, letters
and their numbering, reports): the root of the tree, and (R-O23) any organization marked as
having its own supervising department (`Organization.has_supervisor`). It supervises its
subtree down to the next supervising organization, which is itself one of its units (a city
observes the university's own center group; the university observes its colleges). A unit's
supervisor is its *nearest* supervising ancestor. Everything goes through `is_supervising` /
`SUPERVISING`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet

from .models import PATH_STEP, LeaderLink, LiaisonAssignment, Organization, Person
from .paths import nearest, under_any

# A unit: below some organization, with a live center group. A Q over Organization rows.
UNIT = Q(parent__isnull=False, study_group__isnull=False, study_group__deleted_at__isnull=True)

# A supervising organization (R-O23): the root, or one with its own supervising department.
SUPERVISING = Q(parent__isnull=True) | Q(has_supervisor=True)


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
    """Whether `org` supervises the units below it (R-O23)."""
    return org.parent_id is None or org.has_supervisor


def supervising_organizations(queryset: QuerySet[Organization] | None = None) -> QuerySet[Organization]:
    """The supervising organizations among `queryset` (default: every organization), in tree order."""
    base = Organization.objects.all() if queryset is None else queryset
    return base.filter(SUPERVISING).order_by("path")


def supervisor_org_for(unit: Organization) -> Organization:
    """The organization that supervises `unit`: its nearest supervising ancestor (R-O23).

    An organization that is itself supervising and has none above it supervises itself.
    """
    return supervisors_of([unit])[unit.pk]


def supervisors_of(units: Iterable[Organization]) -> dict[int, Organization]:
    """`supervisor_org_for` of many units at once, by id: one query for all their ancestors
    (issue 15: a check over 10,000 units must not ask once per unit)."""
    units = list(units)
    ancestor_ids = [_ancestor_ids(unit) for unit in units]
    by_id = Organization.all_objects.in_bulk({i for ids in ancestor_ids for i in ids})
    supervisors = {}
    for unit, ids in zip(units, ancestor_ids, strict=True):
        ancestors = [by_id[i] for i in ids if i in by_id]
        supervisors[unit.pk] = next((a for a in reversed(ancestors) if is_supervising(a)), unit)
    return supervisors


def unit_in_scope(scope: Sequence[Organization]) -> Callable[[str], Organization | None]:
    """The unit among `scope` that an organization under it belongs to, by the organization's path.

    An organization (a branch, most often) belongs to its nearest unit: the deepest unit on its
    path, itself included (a 直属党支部 with a center group is its own unit). That unit may be
    nested under `scope` without being in it (a city checked alone, one part of a run of the
    checks): such an organization is that unit's, and the function answers None for it, as for a
    path under no unit of `scope`. One query (the paths of the units under `scope`), then a few
    dictionary lookups per path.
    """
    outside = object()
    by_path: dict[str, object] = dict.fromkeys(
        units(Organization.objects.filter(under_any(scope))).values_list("path", flat=True), outside
    )
    by_path.update((unit.path, unit) for unit in scope)

    def unit_of(path: str) -> Organization | None:
        found = nearest(path, by_path)
        return None if found is outside else found  # type: ignore[return-value]

    return unit_of


def offices_wholly_in(scope: Sequence[Organization]) -> list[Organization]:
    """The supervising organizations of the units in `scope` that supervise no unit outside it,
    in tree order: the levels whose yearly duties (R-O1 plan, R-O15 summary and bulletin) a run
    over `scope` can judge. Three queries however many units.

    The units under those organizations are read as paths, not instances with their ancestors:
    for one unit's refresh this reads the paths of its city's units, which a province's city
    has by the thousand (issue 15)."""
    offices = {office.pk: office for office in supervisors_of(scope).values()}
    if not offices:
        return []
    under = under_any(offices.values())
    # `supervisors_of` reads ancestors deleted or not: so does this.
    supervising = dict(Organization.all_objects.filter(under, SUPERVISING).values_list("path", "pk"))
    in_scope = {unit.pk for unit in scope}
    outside: set[int] = set()  # offices that supervise a unit outside `scope`
    for pk, path in units(Organization.objects.filter(under)).values_list("pk", "path"):
        if pk not in in_scope:
            # A unit's supervisor is its nearest supervising organization strictly above it.
            outside.add(nearest(path[:-PATH_STEP], supervising))
    return sorted((o for o in offices.values() if o.pk not in outside), key=lambda o: o.path)


def _ancestor_ids(org: Organization) -> list[int]:
    """The ids of `org`'s ancestors, from the top, read off its materialized path."""
    return [int(org.path[i : i + PATH_STEP]) for i in range(0, len(org.path) - PATH_STEP, PATH_STEP)]


def units_supervised_by(supervisor: Organization) -> QuerySet[Organization]:
    """The units `supervisor` supervises: units in its subtree not below a lower supervising one.

    One query: the lower supervising organizations are an `Exists` over path prefixes.
    """
    subtree = Organization.objects.filter(path__startswith=supervisor.path).exclude(pk=supervisor.pk)
    outer_path = ExpressionWrapper(OuterRef("path"), output_field=CharField())
    # A lower supervising organization is itself a unit of this level; what lies below it is not.
    lower = (
        subtree.filter(SUPERVISING)
        .annotate(outer_path=outer_path)
        .filter(outer_path__startswith=F("path"))
        .exclude(pk=OuterRef("pk"))
    )
    return units(subtree).exclude(Exists(lower))


def supervising_ancestor(org: Organization) -> Organization | None:
    """The nearest supervising organization strictly above `org`, or None (R-O23).

    For a supervising organization this is the level above it, which observes its own center
    group and reads its supervision."""
    for ancestor in reversed(org.ancestors()):
        if is_supervising(ancestor):
            return ancestor
    return None


def lower_supervising(supervisor: Organization) -> QuerySet[Organization]:
    """The supervising organizations strictly below `supervisor`, in tree order (R-O23)."""
    below = Organization.objects.filter(path__startswith=supervisor.path).exclude(pk=supervisor.pk)
    return below.filter(SUPERVISING).order_by("path")


def subordinate_supervisors(supervisor: Organization) -> QuerySet[Organization]:
    """The next supervising level below `supervisor`: those with no supervising one in between."""
    lower = list(lower_supervising(supervisor).values_list("pk", "path"))
    nearest = [pk for pk, path in lower if not any(path != p and path.startswith(p) for _pk, p in lower)]
    return Organization.objects.filter(pk__in=nearest).order_by("path")


def planning_people(supervisor: Organization, on: dt.date | None = None) -> QuerySet[Person]:
    """The people whose unavailability shapes `supervisor`'s plan (R-O1 hard constraint): the
    current linked leaders and liaisons of the units it supervises (R-O3), by name. One query:
    the units and the links are subqueries, so it stays one query at 10,000 units."""
    supervised = units_supervised_by(supervisor).values("pk")
    leaders = LeaderLink.objects.current(on).filter(unit__in=supervised).values("leader_id")
    liaisons = LiaisonAssignment.objects.current(on).filter(unit__in=supervised).values("liaison_id")
    return Person.objects.filter(Q(pk__in=leaders) | Q(pk__in=liaisons)).order_by("name", "pk")
