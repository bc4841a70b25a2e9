"""Directory pages. Every query is scoped by the policy; views parse, check, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.audit import record_read_event
from pangting.core.paging import paginate
from pangting.core.views import add_form_errors
from pangting.core.widgets import SEARCH_LIMIT, person_label, person_search_filter, printable, search_filter

from . import services
from .forms import ConflictForm, LinkForm, MemberForm, OrganizationForm, PersonFilterForm, PersonForm
from .models import LeaderLink, LiaisonAssignment, Organization, Person, StudyGroupMember
from .units import units as unit_set

A = policy.Action


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.DIRECTORY_VIEW)  # no menu entry, no page: 404 like the rest
    orgs = (
        Organization.objects.for_user(request.user)
        .annotate(people_count=Count("people", filter=Q(people__deleted_at__isnull=True)))
        .select_related("study_group")
        .order_by("path")  # the tree in order, page after page (issue 15: paginated)
    )
    page, query_string = paginate(request, orgs)
    return render(
        request,
        "orgs/organization_list.html",
        {
            "organizations": page.object_list,
            "page_obj": page,
            "query_string": query_string,
            "can_change": policy.can(request.user, A.DIRECTORY_CHANGE),
        },
    )


def _search_actions(request: HttpRequest) -> list[A]:
    """The policy actions a search answers for: its `scope`, one action or a few separated by
    commas (a ledger reaches study and observation), those the user holds; else 404."""
    try:
        actions = [A(name) for name in request.GET.get("scope", A.DIRECTORY_VIEW).split(",")[:4]]
    except ValueError:
        raise Http404 from None
    actions = [action for action in actions if policy.can(request.user, action)]
    if not actions:
        raise Http404
    return actions


def _pk(request: HttpRequest, name: str) -> int:
    """A search parameter naming a record: an id, else 404 (never a 500)."""
    value = request.GET.get(name, "")
    if not (value.isascii() and value.isdigit() and len(value) < 19):
        raise Http404
    return int(value)


@login_required
def organization_search(request: HttpRequest) -> HttpResponse:
    """The search behind every filter form's organization field (issue 15): at most 20 matches by
    name or code among the organizations the policy lets the user reach for `scope`."""
    actions = _search_actions(request)
    field = request.GET.get("field", "q")
    text = printable(request.GET.get(field, ""))
    matches: list[Organization] = []
    if text:
        reached = Q()
        for action in actions:
            reached |= Q(pk__in=Organization.objects.for_user(request.user, action).values("pk"))
        found = Organization.objects.filter(reached)
        if request.GET.get("units") == "1":
            found = unit_set(found)
        if "moving" in request.GET:  # an organization's new parent: not itself nor below it
            moving = policy.get_for_user(Organization, request.user, _pk(request, "moving"), A.DIRECTORY_CHANGE)
            found = found.filter(pk__in=policy.parent_choices(request.user, moving).values("pk"))
        if request.GET.get("kind") == "branch":  # a leading cadre's branch (R-B7)
            found = found.filter(pk__in=policy.cadre_branch_choices(request.user).values("pk"))
        if request.GET.get("report") == "1":  # where a 述学 report is filed (R-O22)
            found = found.filter(pk__in=policy.study_report_units(request.user).values("pk"))
        cross = request.GET.get("cross")
        if cross == "host":  # a cross-observation's host: a unit the user replies for or manages (R-O13)
            found = found.filter(pk__in=policy.cross_hosts(request.user).values("pk"))
        elif cross == "visitor":  # its visitor: a sibling unit, by name only, outside the reach (R-O13)
            found = policy.cross_visitors(request.user)
        matches = list(
            found.filter(search_filter(text)).order_by("path").only("pk", "name", "short_name", "code")[:SEARCH_LIMIT]
        )
    return render(request, "orgs/_organization_search.html", {"matches": matches, "text": text})


@login_required
def person_search(request: HttpRequest) -> HttpResponse:
    """The search behind every form's person field (issue 15): at most 20 people by name or staff
    number among those the policy lets the user reach for `scope`, each with organization and post."""
    actions = _search_actions(request)
    field = request.GET.get("field", "q")
    text = printable(request.GET.get(field, ""))
    matches: list[tuple[Person, str]] = []
    if text:
        reached = Q()
        for action in actions:
            # A visit's team also comes from the level's own seat (R-O23): `policy.team_people`.
            if action is A.OBSERVATION_MANAGE:
                people = policy.team_people(request.user)
            else:
                people = Person.objects.for_user(request.user, action)
            reached |= Q(pk__in=people.values("pk"))
        # A form's narrower choices, read from the policy function its view reads (issue 15).
        if "org" in request.GET:  # a center group's members: its organization's people
            group_org = policy.get_for_user(Organization, request.user, _pk(request, "org"), A.DIRECTORY_CHANGE)
            reached &= Q(pk__in=policy.group_member_choices(request.user, group_org).values("pk"))
        if "under" in request.GET:  # a problem's owner: the people of the unit's subtree (R-O25)
            unit = policy.get_for_user(Organization, request.user, _pk(request, "under"))
            reached &= Q(pk__in=policy.owner_choices(request.user, unit).values("pk"))
        if request.GET.get("leaders") == "1":  # a visit's leader: a school leader (R-O3)
            reached &= Q(pk__in=policy.visit_leader_choices(request.user).values("pk"))
        if request.GET.get("report") == "1":  # who delivers a 述学 report (R-O22)
            reached &= Q(pk__in=policy.study_report_people(request.user).values("pk"))
        if request.GET.get("planning") == "1":  # whose unavailability a plan avoids: its seat's links (R-O1, R-O3)
            reached = Q(pk__in=policy.planning_people_choices(request.user).values("pk"))
        if request.GET.get("cross") == "visitor":  # the visiting unit's secretary or deputy, names only (R-O13)
            reached = Q(pk__in=policy.cross_visitor_people(request.user).values("pk"))
        found = (
            Person.objects.filter(reached, deleted_at__isnull=True)
            .filter(person_search_filter(text))
            .select_related("organization")
            .order_by("organization__path", "name", "pk")[:SEARCH_LIMIT]
        )
        matches = [(person, person_label(person)) for person in found]
    return render(request, "orgs/_person_search.html", {"matches": matches, "text": text})


@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = policy.get_for_user(Organization.objects.select_related("parent"), request.user, pk)
    group = getattr(org, "study_group", None)
    members = group.current_members().order_by("role", "person__name") if group else []
    today = clock.today()
    return render(
        request,
        "orgs/organization_detail.html",
        {
            "org": org,
            "group": group,
            "members": members,
            "children": Organization.objects.for_user(request.user).filter(parent=org),
            "people": org.people.filter(deleted_at__isnull=True),
            "leader_links": LeaderLink.objects.current(today).filter(unit=org).select_related("leader"),
            "liaisons": LiaisonAssignment.objects.current(today).filter(unit=org).select_related("liaison"),
            "can_change": policy.can(request.user, A.DIRECTORY_CHANGE, org),
            "can_phone": policy.can(request.user, A.PERSON_PHONE, org),
            "member_form": MemberForm(organization=org, people=policy.group_member_choices(request.user, org)),
            "conflict_form": ConflictForm(people=Person.objects.for_user(request.user)),
        },
    )


@login_required
def organization_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    org = policy.get_for_user(Organization, request.user, pk, A.DIRECTORY_CHANGE) if pk else None
    policy.require(request.user, A.DIRECTORY_CHANGE)  # the empty form too: no form without the right
    parents = policy.parent_choices(request.user, org)
    form = OrganizationForm(request.POST if request.method == "POST" else None, instance=org, parents=parents)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            if org is None:
                parent = data.pop("parent")
                org = services.create_organization(actor=request.user, parent=parent, **data)
            else:
                org.refresh_from_db()
                services.update_organization(org, actor=request.user, **data)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("“{org}”已保存。").format(org=org.name))
            return redirect("orgs:organization_detail", pk=org.pk)
    return render(request, "orgs/organization_form.html", {"form": form, "org": org})


@login_required
@require_POST
def organization_delete(request: HttpRequest, pk: int) -> HttpResponse:
    org = policy.get_for_user(Organization, request.user, pk, A.DIRECTORY_CHANGE)
    try:
        services.delete_organization(org, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("orgs:organization_detail", pk=org.pk)
    messages.success(request, _("“{org}”已删除（可由管理员恢复）。").format(org=org.name))
    return redirect("orgs:organization_list")


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.DIRECTORY_VIEW)
    people = Person.objects.for_user(request.user).select_related("organization")
    query = request.GET.get("q", "").strip()
    form = PersonFilterForm(request.GET, organizations=Organization.objects.for_user(request.user))
    if query:
        people = people.filter(Q(name__contains=query) | Q(post__contains=query) | Q(staff_no=query))
    if form.is_valid() and form.cleaned_data["org"] is not None:
        people = people.filter(organization=form.cleaned_data["org"])
    page, query_string = paginate(request, people)
    return render(
        request,
        "orgs/person_list.html",
        {
            "page_obj": page,
            "q": query,
            "form": form,
            "query_string": query_string,
            "can_change": policy.can(request.user, A.DIRECTORY_CHANGE),
        },
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = policy.get_for_user(Person.objects.select_related("organization"), request.user, pk)
    return render(
        request,
        "orgs/person_detail.html",
        {
            "person": person,
            "memberships": person.group_memberships.filter(deleted_at__isnull=True).select_related("group"),
            "leader_links": person.leader_links.filter(deleted_at__isnull=True).select_related("unit"),
            "liaison_assignments": person.liaison_assignments.filter(deleted_at__isnull=True).select_related("unit"),
            "can_phone": policy.can(request.user, A.PERSON_PHONE, person.organization),
            "can_change": policy.can(request.user, A.DIRECTORY_CHANGE, person.organization),
        },
    )


@login_required
@require_POST
def person_phone(request: HttpRequest, pk: int) -> HttpResponse:
    """Reveal a full phone number to someone who needs it; every reveal is audited."""
    person = policy.get_for_user(Person, request.user, pk, A.PERSON_PHONE)
    record_read_event(request.user, "person.phone_reveal", target=f"person:{person.pk}", request=request)
    return render(request, "orgs/_phone.html", {"person": person})


@login_required
def person_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    person = policy.get_for_user(Person, request.user, pk, A.DIRECTORY_CHANGE) if pk else None
    policy.require(request.user, A.DIRECTORY_CHANGE)
    organizations = Organization.objects.for_user(request.user, A.DIRECTORY_CHANGE)
    initial = {"organization": request.GET.get("org")} if person is None else None
    form = PersonForm(
        request.POST if request.method == "POST" else None,
        instance=person,
        organizations=organizations,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = services.save_person(form.instance, actor=request.user)
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("{person}的信息已保存。").format(person=person.name))
            return redirect("orgs:person_detail", pk=person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "person": person})


@login_required
def link_list(request: HttpRequest) -> HttpResponse:
    """校领导联系二级学院安排表 and liaisons, current and past (teams change, R-O17)."""
    policy.require(request.user, A.DIRECTORY_VIEW)
    show_all = request.GET.get("all") == "1"
    leader_links = LeaderLink.objects.for_user(request.user).select_related("leader", "unit")
    liaisons = LiaisonAssignment.objects.for_user(request.user).select_related("liaison", "unit")
    if not show_all:
        leader_links, liaisons = leader_links.current(), liaisons.current()
    can_change = policy.can(request.user, A.DIRECTORY_CHANGE)
    form = None
    if can_change:
        form = LinkForm(
            people=Person.objects.for_user(request.user, A.DIRECTORY_CHANGE),
            units=unit_set(Organization.objects.for_user(request.user, A.DIRECTORY_CHANGE)),
            initial={"valid_from": clock.today()},
        )
    # Issue 15: each list paged on its own (`?page=` for the leaders, `?liaison_page=` for the liaisons).
    leader_page, leader_query = paginate(request, leader_links)
    liaison_page, liaison_query = paginate(request, liaisons, param="liaison_page")
    return render(
        request,
        "orgs/link_list.html",
        {
            "leader_links": leader_page.object_list,
            "leader_page": leader_page,
            "leader_query": leader_query,
            "liaisons": liaison_page.object_list,
            "liaison_page": liaison_page,
            "liaison_query": liaison_query,
            "show_all": show_all,
            "form": form,
        },
    )


@login_required
@require_POST
def link_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, A.DIRECTORY_CHANGE)
    form = LinkForm(
        request.POST,
        people=Person.objects.for_user(request.user, A.DIRECTORY_CHANGE),
        units=unit_set(Organization.objects.for_user(request.user, A.DIRECTORY_CHANGE)),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "leader":
                services.link_leader(data["person"], data["unit"], actor=request.user, valid_from=data["valid_from"])
            else:
                services.assign_liaison(data["person"], data["unit"], actor=request.user, valid_from=data["valid_from"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("已保存。"))
    else:
        messages.error(request, _("；").join(e for errors in form.errors.values() for e in errors))
    return redirect("orgs:link_list")


@login_required
@require_POST
def link_end(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    models = {"leader": LeaderLink, "liaison": LiaisonAssignment}
    if kind not in models:
        raise Http404
    model = models[kind]
    link = policy.get_for_user(model.objects.current(), request.user, pk, A.DIRECTORY_CHANGE)
    services.end_link(link, actor=request.user, on=clock.today())
    messages.success(request, _("联系关系已结束，历史记录保留。"))
    return redirect("orgs:link_list")


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    org = policy.get_for_user(Organization, request.user, pk, A.DIRECTORY_CHANGE)
    form = MemberForm(request.POST, organization=org, people=policy.group_member_choices(request.user, org))
    if form.is_valid():
        group = services.ensure_study_group(org, actor=request.user)
        data = form.cleaned_data
        try:
            services.add_member(
                group,
                data["person"],
                actor=request.user,
                role=data["role"],
                post=data["post"],
                joined_on=data["joined_on"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("{person}已加入中心组。").format(person=data["person"].name))
    else:
        messages.error(request, _("；").join(e for errors in form.errors.values() for e in errors))
    return redirect("orgs:organization_detail", pk=org.pk)


@login_required
@require_POST
def member_end(request: HttpRequest, pk: int) -> HttpResponse:
    member = policy.get_for_user(StudyGroupMember.objects.current(), request.user, pk, A.DIRECTORY_CHANGE)
    services.end_membership(member, actor=request.user, on=clock.today())
    messages.success(request, _("{person}已退出中心组，历史记录保留。").format(person=member.person.name))
    return redirect("orgs:organization_detail", pk=member.group.organization_id)


@login_required
@require_POST
def conflict_add(request: HttpRequest, pk: int) -> HttpResponse:
    org = policy.get_for_user(Organization, request.user, pk, A.DIRECTORY_CHANGE)
    form = ConflictForm(request.POST, people=Person.objects.for_user(request.user))
    if form.is_valid():
        try:
            services.record_conflict(
                form.cleaned_data["person"], org, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("回避关系已记录。"))
    else:
        messages.error(request, _("；").join(e for errors in form.errors.values() for e in errors))
    return redirect("orgs:organization_detail", pk=org.pk)
