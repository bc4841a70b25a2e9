"""The policy module: the one place that decides what a user reaches and may do.

Each role grants actions, and each grant says how far it reaches:

* `SUBTREE`: the organization of the role assignment and everything below it;
* `SUPERVISED`: a supervising level's own part of the tree (R-O23): the subtree of the
  assignment down to the next supervising organization, which the level still observes as a
  unit, while the assignment's own organization, if a level above observes it, is left to
  that level. The records a supervising organization owns (plans, draws, letters' counters,
  bulletins) are reached through the assignment's *seat*: models say so with
  `policy_org_role = "supervisor"`, and `can_supervise` asks it of one organization;
* `LINKED`: the units a leader is linked to (校领导联系二级学院安排表), and below;
* `LIAISED`: the units a person is liaison for, and below;
* `OWN`: the organization of the assignment only (a group member);
* `ALL`: every organization (the administrator duties, for the few actions they have);
* `GLOBAL`: an action not tied to any organization (calendar entry, audit log).

Querysets are scoped with `scope(qs, user, action)` (or `Model.objects.for_user(user)`),
single objects fetched with `get_for_user`; forbidden and missing both raise 404, so a
client cannot tell a record it may not see from one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.http import Http404

from pangting.core import audit, registry
from pangting.core.system import is_system, require_actor
from pangting.orgs.models import LeaderLink, LiaisonAssignment, Organization, OrganizationKind, Person, StudyGroupMember

from .models import ADMIN_DUTIES, PARTNER_ROLES, Role, RoleAssignment

M = TypeVar("M", bound=models.Model)


class Extent(enum.Enum):
    SUBTREE = "subtree"
    SUPERVISED = "supervised"
    LINKED = "linked"
    LIAISED = "liaised"
    OWN = "own"
    ALL = "all"
    GLOBAL = "global"


class Action(enum.StrEnum):
    """Everything a user may be allowed to do. Later apps add their own members here."""

    DIRECTORY_VIEW = "directory.view"
    DIRECTORY_CHANGE = "directory.change"
    DIRECTORY_IMPORT = "directory.import"
    PERSON_PHONE = "person.phone"
    STUDY_VIEW = "study.view"
    STUDY_CHANGE = "study.change"
    # A member acting for themselves: QR check-in, own self-study, reflections (study app).
    STUDY_PARTICIPATE = "study.participate"
    # The propaganda department receiving and acknowledging units' annual plans (R-S1).
    STUDY_SUPERVISE = "study.supervise"
    # Sending a unit's documents on (R-S10): the liaison passes the arrangement form to the linked
    # leader and the copy to the supervisor; the study secretary sends them too.
    STUDY_DELIVER = "study.deliver"
    # R-S15 书记审定: the center group's leader approving the annual plan and each session plan.
    # Granted at the member's own unit; taken only by the group's current leader (`leads_group`).
    STUDY_APPROVE = "study.approve"
    OBSERVATION_VIEW = "observation.view"
    OBSERVATION_MANAGE = "observation.manage"
    OBSERVATION_RECORD = "observation.record"
    OBSERVATION_REPLY = "observation.reply"
    REPORTS_VIEW = "reports.view"
    # Issuing bulletins and the annual summary, editing the assessment formula (R-O14, R-O15).
    REPORTS_MANAGE = "reports.manage"
    # Reading rule findings for a unit (the unit page); configuring rule parameters.
    COMPLIANCE_VIEW = "compliance.view"
    COMPLIANCE_CONFIGURE = "compliance.configure"
    CALENDAR_CHANGE = "calendar.change"
    ACCOUNTS_MANAGE = "accounts.manage"
    AUDIT_VIEW = "audit.view"
    # Two-person rule (issue 14 item 1): the second person who confirms a grant made by the
    # security administrator: a supervisor for business roles in his subtree, the other
    # administrators for the duties.
    ROLES_CONFIRM = "roles.confirm"
    DUTIES_CONFIRM = "duties.confirm"
    # R-O21: a partner department (组织部, 机关工委) co-signing a joint letter or bulletin.
    OBSERVATION_COSIGN = "observation.cosign"
    # R-O4: sending the unit's reply to a notice letter, with its session plan, to the supervisor's
    # people (a delivery): the unit's liaison or its study secretary.
    OBSERVATION_DELIVER = "observation.deliver"


A = Action
E = Extent

# Role → action → extent. Read this table to know who may do what; tests walk it.
GRANTS: dict[str, dict[Action, Extent]] = {
    Role.SUPERVISOR: {
        A.DIRECTORY_VIEW: E.SUBTREE,
        A.DIRECTORY_CHANGE: E.SUBTREE,
        A.DIRECTORY_IMPORT: E.SUBTREE,
        A.PERSON_PHONE: E.SUBTREE,
        A.STUDY_VIEW: E.SUBTREE,
        # R-O23: each level writes only its own supervision; it reads the levels below.
        A.STUDY_SUPERVISE: E.SUPERVISED,
        A.OBSERVATION_VIEW: E.SUBTREE,
        A.OBSERVATION_MANAGE: E.SUPERVISED,
        A.REPORTS_VIEW: E.SUBTREE,
        A.REPORTS_MANAGE: E.SUPERVISED,
        A.COMPLIANCE_VIEW: E.SUBTREE,
        A.COMPLIANCE_CONFIGURE: E.SUBTREE,
        A.ROLES_CONFIRM: E.SUBTREE,
    },
    # R-O21: the partner departments of a level see what its supervisor sees and co-sign joint
    # documents; the supervisor keeps the plans, letters and their numbering.
    **{
        partner: {
            A.DIRECTORY_VIEW: E.SUBTREE,
            A.STUDY_VIEW: E.SUBTREE,
            A.OBSERVATION_VIEW: E.SUBTREE,
            A.REPORTS_VIEW: E.SUBTREE,
            A.COMPLIANCE_VIEW: E.SUBTREE,
            A.OBSERVATION_COSIGN: E.SUPERVISED,
        }
        for partner in PARTNER_ROLES
    },
    Role.OBSERVATION_LEADER: {
        A.DIRECTORY_VIEW: E.LINKED,
        A.PERSON_PHONE: E.LINKED,
        A.STUDY_VIEW: E.LINKED,
        A.OBSERVATION_VIEW: E.LINKED,
        A.OBSERVATION_RECORD: E.LINKED,
        A.COMPLIANCE_VIEW: E.LINKED,
    },
    Role.LIAISON: {
        A.DIRECTORY_VIEW: E.LIAISED,
        A.PERSON_PHONE: E.LIAISED,
        A.STUDY_VIEW: E.LIAISED,
        A.OBSERVATION_VIEW: E.LIAISED,
        A.OBSERVATION_RECORD: E.LIAISED,
        A.COMPLIANCE_VIEW: E.LIAISED,
        A.STUDY_DELIVER: E.LIAISED,
        A.OBSERVATION_DELIVER: E.LIAISED,
    },
    Role.STUDY_SECRETARY: {
        A.DIRECTORY_VIEW: E.SUBTREE,
        A.PERSON_PHONE: E.SUBTREE,
        A.STUDY_VIEW: E.SUBTREE,
        A.STUDY_CHANGE: E.SUBTREE,
        A.STUDY_PARTICIPATE: E.SUBTREE,
        A.OBSERVATION_VIEW: E.SUBTREE,
        A.OBSERVATION_REPLY: E.SUBTREE,
        A.COMPLIANCE_VIEW: E.SUBTREE,
        A.STUDY_DELIVER: E.SUBTREE,
        A.OBSERVATION_DELIVER: E.SUBTREE,
    },
    Role.MEMBER: {
        A.DIRECTORY_VIEW: E.OWN,
        A.STUDY_VIEW: E.OWN,
        A.STUDY_PARTICIPATE: E.OWN,
        A.STUDY_APPROVE: E.OWN,
    },
    Role.LEADERSHIP_VIEWER: {
        A.DIRECTORY_VIEW: E.SUBTREE,
        A.STUDY_VIEW: E.SUBTREE,
        A.OBSERVATION_VIEW: E.SUBTREE,
        A.REPORTS_VIEW: E.SUBTREE,
        A.COMPLIANCE_VIEW: E.SUBTREE,
    },
    # The three administrator duties are kept apart (等保 level 3, issue 14 item 1): none sees
    # study or observation records or full phone numbers, and none is a superuser. The system
    # administrator keeps the organization tree and people (base data) but grants no role; the
    # security administrator manages accounts and roles and reads no business data (he picks
    # people and organizations on the account pages only); the audit administrator reads the
    # audit log. The system and audit administrators are the second person for a duty granted
    # by the security administrator.
    Role.SYSTEM_ADMIN: {
        A.DIRECTORY_VIEW: E.ALL,
        A.DIRECTORY_CHANGE: E.ALL,
        A.DIRECTORY_IMPORT: E.ALL,
        A.CALENDAR_CHANGE: E.GLOBAL,
        A.DUTIES_CONFIRM: E.GLOBAL,
    },
    Role.SECURITY_ADMIN: {
        A.ACCOUNTS_MANAGE: E.GLOBAL,
    },
    Role.AUDIT_ADMIN: {
        A.AUDIT_VIEW: E.GLOBAL,
        A.DUTIES_CONFIRM: E.GLOBAL,
    },
}


def _path_field(org_field: str) -> tuple[str, str]:
    """(path lookup, pk lookup) for a queryset whose organization is at `org_field`."""
    if org_field == "pk":
        return "path", "pk"
    return f"{org_field}__path", org_field


@dataclass(frozen=True)
class Area:
    """A supervising level's own part of the tree (R-O23, `Extent.SUPERVISED`).

    The subtree at `path`, without the strict subtrees of the supervising organizations below
    (`cuts`: their (pk, path); each is still a unit of this level), and without the top
    organization `skip_id` when a level above observes it.
    """

    path: str
    cuts: tuple[tuple[int, str], ...] = ()
    skip_id: int | None = None

    def contains(self, org: Organization) -> bool:
        if not org.path.startswith(self.path) or org.pk == self.skip_id:
            return False
        return not any(org.path.startswith(path) and org.pk != pk for pk, path in self.cuts)

    def q(self, org_field: str) -> Q:
        if self.cuts and org_field != "pk":
            # Another table's records: their organization among the area's, a subquery over the
            # organizations. The same test on a joined path made the database check every cut
            # against every record (a province's sessions of the year, each tested against
            # each city: issue 15); the area's organizations are found once and the records
            # by their organization's id.
            return Q(**{f"{org_field}__in": Organization._base_manager.filter(self.q("pk")).values("pk")})
        path, pk = _path_field(org_field)
        condition = Q(**{f"{path}__startswith": self.path})
        for cut_pk, cut_path in self.cuts:
            condition &= ~(Q(**{f"{path}__startswith": cut_path}) & ~Q(**{pk: cut_pk}))
        if self.skip_id is not None:
            condition &= ~Q(**{pk: self.skip_id})
        return condition


@dataclass(frozen=True)
class Reach:
    """The organizations an action reaches for one user.

    `seats` are the supervising organizations whose own records (plans, draws, bulletins) the
    action reaches through a `SUPERVISED` grant there (R-O23); see `contains_seat`.
    """

    everything: bool = False
    prefixes: frozenset[str] = field(default_factory=frozenset)
    org_ids: frozenset[int] = field(default_factory=frozenset)
    areas: frozenset[Area] = field(default_factory=frozenset)
    seats: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.prefixes or self.org_ids or self.areas or self.seats)

    def contains(self, org: Organization | None) -> bool:
        """Whether the action reaches `org` (as an organization, a unit, a person's place)."""
        if org is None:
            return False
        if self.everything or org.pk in self.org_ids:
            return True
        if any(org.path.startswith(prefix) for prefix in self.prefixes):
            return True
        return any(area.contains(org) for area in self.areas)

    def contains_seat(self, org: Organization | None) -> bool:
        """Whether the action reaches the supervision `org` owns (its plans, draws, bulletins).

        A subtree grant reaches every level below (the level above reads them, R-O23); a
        supervised grant only its own seat, never the level below nor the level above."""
        if org is None:
            return False
        if self.everything or org.pk in self.org_ids or org.pk in self.seats:
            return True
        return any(org.path.startswith(prefix) for prefix in self.prefixes)

    def q(self, org_field: str) -> Q:
        """A filter for a queryset whose organization is at `org_field` ("pk" for orgs)."""
        if self.everything:
            return Q()
        path, pk = _path_field(org_field)
        condition = Q(pk__in=[]) if org_field == "pk" else Q(**{f"{org_field}__in": []})
        for prefix in sorted(self.prefixes):
            condition |= Q(**{f"{path}__startswith": prefix})
        if self.org_ids:
            condition |= Q(**{f"{pk}__in": sorted(self.org_ids)})
        for area in sorted(self.areas, key=lambda a: a.path):
            condition |= area.q(org_field)
        return condition

    def q_seat(self, org_field: str) -> Q:
        """A filter for records owned by the supervising organization at `org_field`."""
        if self.everything:
            return Q()
        path, pk = _path_field(org_field)
        condition = Q(pk__in=[]) if org_field == "pk" else Q(**{f"{org_field}__in": []})
        for prefix in sorted(self.prefixes):
            condition |= Q(**{f"{path}__startswith": prefix})
        if self.org_ids or self.seats:
            condition |= Q(**{f"{pk}__in": sorted(self.org_ids | self.seats)})
        return condition


NOWHERE = Reach()
EVERYWHERE = Reach(everything=True)


def _cache(user: Any) -> dict[str, Any]:
    cache = getattr(user, "_pangting_policy", None)
    if cache is None:
        cache = {}
        user._pangting_policy = cache
    return cache


def assignments(user: Any) -> list[RoleAssignment]:
    """The user's current role assignments (one query per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache = _cache(user)
    if "assignments" not in cache:
        current = RoleAssignment.objects.current().filter(user=user).select_related("organization")
        cache["assignments"] = list(_with_levels(current))
    return cache["assignments"]


def _with_levels(queryset: models.QuerySet[RoleAssignment]) -> models.QuerySet[RoleAssignment]:
    """Mark each assignment's organization with whether a supervising level lies below or above
    it (R-O23), in the same query: a tree with one level costs no query more."""
    from pangting.orgs.units import SUPERVISING

    supervising = Organization.objects.filter(SUPERVISING).exclude(pk=OuterRef("organization_id"))
    outer_path = ExpressionWrapper(OuterRef("organization__path"), output_field=CharField())
    below = supervising.filter(path__startswith=OuterRef("organization__path"))
    above = supervising.annotate(outer_path=outer_path).filter(outer_path__startswith=F("path"))
    return queryset.annotate(has_supervising_below=Exists(below), has_supervising_above=Exists(above))


def roles(user: Any) -> set[str]:
    return {a.role for a in assignments(user)}


def _linked_paths(user: Any, model: type[LeaderLink] | type[LiaisonAssignment], person_field: str) -> set[str]:
    if not user.person_id:
        return set()
    return set(
        model.objects.current()
        .filter(**{person_field: user.person_id}, unit__deleted_at__isnull=True)
        .values_list("unit__path", flat=True)
    )


def _extension_paths(user: Any, extent: Extent) -> set[str]:
    """Paths later apps add to an extent (e.g. a team leader reaches the unit of his visit).

    Later apps register functions with `core.registry.register_reach_extension`; the policy calls
    them without importing those apps, keeping the dependencies one-way.
    """
    cache = _cache(user)
    key = f"ext:{extent.value}"
    if key not in cache:
        paths: set[str] = set()
        for extension in registry.reach_extensions():
            paths |= set(extension(user, extent.value))
        cache[key] = paths
    return cache[key]


def reach(user: Any, action: Action | str) -> Reach:
    """How far `action` reaches for `user`: the union over the user's roles.

    The system actor reaches everything; `None` is no actor and raises `MissingActor`
    (issue 10 item 8: no service skips the policy for a missing actor)."""
    action = Action(action)
    if is_system(require_actor(user)):
        return EVERYWHERE
    cache = _cache(user) if getattr(user, "is_authenticated", False) else {}
    key = f"reach:{action}"
    if key in cache:
        return cache[key]
    everything = False
    prefixes: set[str] = set()
    org_ids: set[int] = set()
    areas: set[Area] = set()
    seats: set[int] = set()
    for assignment in assignments(user):
        extent = GRANTS.get(assignment.role, {}).get(action)
        if extent is None:
            continue
        if extent in (Extent.ALL, Extent.GLOBAL):
            everything = True
        elif extent is Extent.SUBTREE:
            prefixes.add(assignment.organization.path)
        elif extent is Extent.SUPERVISED:
            areas.add(_area(user, assignment))
            seats.add(assignment.organization_id)
        elif extent is Extent.OWN:
            org_ids.add(assignment.organization_id)
        elif extent is Extent.LINKED:
            prefixes |= _linked_paths(user, LeaderLink, "leader_id") | _extension_paths(user, extent)
        elif extent is Extent.LIAISED:
            prefixes |= _linked_paths(user, LiaisonAssignment, "liaison_id") | _extension_paths(user, extent)
    result = Reach(everything, frozenset(_minimal(prefixes)), frozenset(org_ids), frozenset(areas), frozenset(seats))
    cache[key] = result
    return result


def _area(user: Any, assignment: RoleAssignment) -> Area:
    """The part of the tree the assignment's organization supervises itself (R-O23).

    Its supervising levels below are read only when `assignments` found there are any."""
    from pangting.orgs.units import is_supervising

    organization = assignment.organization
    # A supervising organization's own center group is the level above's to observe; a grant at
    # an organization without its own supervising department keeps its whole subtree.
    above = is_supervising(organization) and getattr(assignment, "has_supervising_above", False)
    skip = organization.pk if above else None
    if not getattr(assignment, "has_supervising_below", False):
        return Area(organization.path, (), skip)
    cache = _cache(user) if getattr(user, "is_authenticated", False) else {}
    key = f"cuts:{organization.pk}"
    if key not in cache:
        from pangting.orgs.units import lower_supervising

        cache[key] = tuple(lower_supervising(organization).values_list("pk", "path"))
    return Area(organization.path, cache[key], skip)


def _minimal(prefixes: Iterable[str]) -> list[str]:
    """Drop prefixes covered by a shorter one (a subtree inside another)."""
    kept: list[str] = []
    for prefix in sorted(prefixes, key=len):
        if not any(prefix.startswith(k) for k in kept):
            kept.append(prefix)
    return kept


def can(user: Any, action: Action | str, organization: Organization | None = None) -> bool:
    """May `user` take `action` at `organization` (or at all, for a global action)?"""
    granted = reach(user, action)
    if organization is None:
        return not granted.is_empty
    return granted.contains(organization)


def leads_group(user: Any, organization: Organization, on: dt.date | None = None) -> bool:
    """R-S15: is `user` the current leader (组长, the secretary) of `organization`'s center group,
    and granted `study.approve` there? The system actor acts for anyone (commands, the demo)."""
    if not can(user, A.STUDY_APPROVE, organization):
        return False
    if is_system(user):
        return True
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return False
    return (
        StudyGroupMember.objects.current(on)
        .filter(group__organization=organization, role=StudyGroupMember.Role.LEADER, person_id=person_id)
        .exists()
    )


def require(user: Any, action: Action | str, organization: Organization | None = None) -> None:
    """Raise 404 unless `can(...)`: forbidden looks exactly like missing."""
    if not can(user, action, organization):
        audit.note_denial(action=str(action), organization=getattr(organization, "pk", None))
        raise Http404


def can_supervise(user: Any, action: Action | str, supervisor_org: Organization | None = None) -> bool:
    """May `user` take `action` on the supervision `supervisor_org` owns (R-O23)?

    Its plans, draws, plan runs, bulletins and summary: the supervisor seated there, or a
    subtree grant above it for the reading actions; never the level above for writing."""
    granted = reach(user, action)
    if supervisor_org is None:
        return not granted.is_empty
    return granted.contains_seat(supervisor_org)


def require_supervise(user: Any, action: Action | str, supervisor_org: Organization | None = None) -> None:
    """Raise 404 unless `can_supervise(...)`."""
    if not can_supervise(user, action, supervisor_org):
        audit.note_denial(action=str(action), organization=getattr(supervisor_org, "pk", None))
        raise Http404


def seats(user: Any, action: Action | str) -> models.QuerySet[Organization]:
    """The supervising organizations whose supervision `action` reaches for `user`, in tree order."""
    from pangting.orgs.units import supervising_organizations

    granted = reach(user, action)
    if granted.is_empty:
        return Organization.objects.none()
    return supervising_organizations(Organization.objects.filter(granted.q_seat("pk")))


def team_people(user: Any) -> models.QuerySet[Person]:
    """The people `user` may put on a visit's team: those of the tree observation.manage reaches and
    those of the level's own supervising organizations, whose leaders a level above observes as a
    unit but who lead this level's teams (R-O23). The visit form and the person search read it."""
    action = Action.OBSERVATION_MANAGE
    in_reach = Person.objects.for_user(user, action)
    return Person.objects.filter(Q(pk__in=in_reach.values("pk")) | Q(organization__in=seats(user, action).values("pk")))


# --- narrower choices of a form (issue 15): the form's queryset and its search read the same ---


def parent_choices(user: Any, moving: Organization | None = None) -> models.QuerySet[Organization]:
    """The organizations `user` may put an organization under (directory.change); when `moving`
    an existing one, not itself nor anything below it (the tree stays a tree)."""
    parents = Organization.objects.for_user(user, Action.DIRECTORY_CHANGE)
    return parents.exclude(path__startswith=moving.path) if moving is not None else parents


def group_member_choices(user: Any, organization: Organization) -> models.QuerySet[Person]:
    """The people `user` may add to `organization`'s center group: its own people (directory.change)."""
    return Person.objects.for_user(user, Action.DIRECTORY_CHANGE).filter(organization=organization)


def visit_leader_choices(user: Any) -> models.QuerySet[Person]:
    """The people `user` may name a visit's leader: the school leaders among `team_people` (R-O3)."""
    return team_people(user).filter(is_school_leader=True)


def planning_people_choices(user: Any) -> models.QuerySet[Person]:
    """The people `user` may record unavailability for (R-O1 hard constraint): the current linked
    leaders and liaisons (R-O3) of the units supervised by any of its seats, the supervising
    organizations where it manages observation (R-O23); none without one. One query: a user
    has a seat or two, each a subquery. The form's chosen seat then checks its own
    (`planning.services.create_unavailability`)."""
    from pangting.orgs.units import planning_people

    reached = Q(pk__in=[])
    for seat in seats(user, Action.OBSERVATION_MANAGE):
        reached |= Q(pk__in=planning_people(seat).values("pk"))
    return Person.objects.filter(reached).order_by("name", "pk")


def owner_choices(user: Any, unit: Organization) -> models.QuerySet[Person]:
    """The people `user` may make responsible for a problem of `unit`: those of the unit's subtree
    `user` sees (R-O25)."""
    return Person.objects.for_user(user).filter(organization__path__startswith=unit.path)


def cadre_branch_choices(user: Any) -> models.QuerySet[Organization]:
    """The party branches `user` may register a leading cadre in (R-B7, study.change)."""
    return Organization.objects.for_user(user, Action.STUDY_CHANGE).filter(kind=OrganizationKind.BRANCH)


def study_report_units(user: Any) -> models.QuerySet[Organization]:
    """Where `user` may file a leader's 述学 report (R-O22): the units and supervising organizations
    it changes study for or manages the reports of."""
    from pangting.orgs.units import SUPERVISING, UNIT

    condition = Q(pk__in=[])
    for action in (Action.STUDY_CHANGE, Action.REPORTS_MANAGE):
        granted = reach(user, action)
        if not granted.is_empty:
            condition |= granted.q("pk")
    return Organization.objects.filter(condition).filter(UNIT | SUPERVISING)


def study_report_people(user: Any) -> models.QuerySet[Person]:
    """Who may deliver a 述学 report `user` files (R-O22): the people of `study_report_units` and below."""
    from pangting.orgs.paths import under_any

    return Person.objects.filter(under_any(list(study_report_units(user)), "organization__path"))


def cross_hosts(user: Any) -> models.QuerySet[Organization]:
    """The units `user` may invite to host a cross-observation for (R-O13): those it replies for
    or manages."""
    from pangting.orgs.units import units

    condition = Q(pk__in=[])
    for action in (Action.OBSERVATION_REPLY, Action.OBSERVATION_MANAGE):
        granted = reach(user, action)
        if not granted.is_empty:
            condition |= granted.q("pk")
    return units(Organization.objects.filter(condition)).order_by("sort_order", "path")


def cross_visitors(user: Any) -> models.QuerySet[Organization]:
    """The units a host of `user` may invite to sit in (R-O13): the hosts' sibling units. A unit
    names another unit and its secretary or deputy without otherwise seeing into it (names only)."""
    from pangting.orgs.units import units

    parents = cross_hosts(user).values("parent")
    return units(Organization.objects.filter(parent__in=parents)).order_by("sort_order", "path")


def cross_visitor_people(user: Any) -> models.QuerySet[Person]:
    """The secretaries and deputies of the center groups of `cross_visitors` (R-O13), names only."""
    return Person.objects.filter(
        group_memberships__group__organization__in=cross_visitors(user),
        group_memberships__role__in=[StudyGroupMember.Role.LEADER, StudyGroupMember.Role.DEPUTY],
        group_memberships__deleted_at__isnull=True,
        group_memberships__left_on__isnull=True,
    ).distinct()


def _is_seat_record(model: type[models.Model]) -> bool:
    """Records owned by a supervising organization declare `policy_org_role = "supervisor"`."""
    return getattr(model, "policy_org_role", "unit") == "supervisor"


def _view_action(model: type[models.Model]) -> Action:
    return Action(getattr(model, "policy_view_action", Action.DIRECTORY_VIEW))


def scope(queryset: models.QuerySet[M], user: Any, action: Action | str | None = None) -> models.QuerySet[M]:
    """Restrict `queryset` to the records `user` reaches for `action`.

    Without an action, the model's own `policy_view_action` (default: directory.view).
    """
    if action is None or action == "view":
        action = _view_action(queryset.model)
    granted = reach(user, action)
    if granted.is_empty:
        return queryset.none()
    org_field = getattr(queryset.model, "policy_org_field", "organization")
    if _is_seat_record(queryset.model):
        return queryset.filter(granted.q_seat(org_field))
    return queryset.filter(granted.q(org_field))


def get_for_user(queryset: models.QuerySet[M] | type[M], user: Any, pk: Any, action: Action | str | None = None) -> M:
    """One record the user reaches for `action`, or 404."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        return scope(qs, user, action).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        _note_refused(qs, pk, action)
        raise Http404 from None


def _note_refused(qs: models.QuerySet[Any], pk: Any, action: Action | str | None) -> None:
    """Tell the audit log when the 404 hides a record that exists (a forbidden read, issue 14)."""
    try:
        exists = qs.filter(pk=pk).exists()
    except (ValueError, TypeError):
        return
    if exists:
        shown = action if action not in (None, "view") else _view_action(qs.model)
        audit.note_denial(model=qs.model._meta.label, pk=str(pk)[:40], action=str(shown))


def organization_of(obj: models.Model) -> Organization | None:
    """Follow `policy_org_field` from a record to its organization."""
    org_field = getattr(type(obj), "policy_org_field", "organization")
    if org_field == "pk":
        return obj if isinstance(obj, Organization) else None
    target: Any = obj
    for part in org_field.split("__"):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


def can_on(user: Any, action: Action | str, obj: models.Model) -> bool:
    """May `user` take `action` on this record (by the organization it belongs to)?"""
    if _is_seat_record(type(obj)):
        return can_supervise(user, action, organization_of(obj))
    return can(user, action, organization_of(obj))


# --- the two-person rule (issue 14 item 1) ---------------------------------------------------


def may_confirm(user: Any, assignment: RoleAssignment) -> bool:
    """May `user` be the second person for this pending grant?

    Never the one who granted it nor the one who receives it; a supervisor whose subtree holds
    the organization for a business role; the system or audit administrator for a duty.
    """
    if is_system(require_actor(user)):
        return True
    if user.pk in (assignment.user_id, assignment.granted_by_id):
        return False
    if assignment.role in ADMIN_DUTIES:
        return can(user, Action.DUTIES_CONFIRM)
    return can(user, Action.ROLES_CONFIRM, assignment.organization)


def confirmable(user: Any) -> models.QuerySet[RoleAssignment]:
    """The pending grants `user` may confirm or refuse (their to-do list)."""
    pending = RoleAssignment.objects.pending().select_related("user", "organization", "granted_by")
    pending = pending.exclude(user=user).exclude(granted_by=user)
    duties = pending.filter(role__in=ADMIN_DUTIES) if can(user, Action.DUTIES_CONFIRM) else pending.none()
    business = scope(pending.exclude(role__in=ADMIN_DUTIES), user, Action.ROLES_CONFIRM)
    return (duties | business).order_by("created_at", "pk")
