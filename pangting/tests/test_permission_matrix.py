"""The permission matrix: every URL of the project, every persona, the answer each must get.

The table below is the specification. Every URL pattern of the project must appear in it
(`test_it_declares_every_url_pattern` fails otherwise), so a new view cannot ship without
someone deciding who may open it. For each declared case and each persona the test sends
the request and checks the status:

* allowed personas get 200 (302 for a web POST that redirects; 201 for an API create);
* everyone else gets 404: forbidden and missing answer the same (house style §3);
* anonymous visitors are sent to the login page (web) or get 401 (API).

Object URLs are declared twice, with an object of unit A and one of sibling unit B, so that
every persona is checked against an object inside and one outside their reach. API lists
are checked for their content too: exactly the records the persona reaches, no more.

The vocabulary (personas, reach tables, `Case`) lives in `pangting/tests/matrix.py`; apps other
than the directory, accounts and calendar declare their cases in
`pangting/<app>/tests/permission_cases.py` (a module-level `CASES`), collected here.

Who reaches what (the policy's GRANTS applied to the personas' world, written out by hand so
that the test does not just repeat the policy module):

=========== ===================== ================== ==============
persona     directory.view        directory.change   person.phone
=========== ===================== ================== ==============
supervisor  root, A, A1, B        all                all
leader      A, A1 (linked)        —                  A, A1
liaison     A, A1 (liaison)       —                  A, A1
secretary_a A, A1                 —                  A, A1
secretary_b B                     —                  B
member      A (own org only)      —                  —
viewer      root, A, A1, B        —                  —
sysadmin    all                   all                —
secadmin    —                     —                  —
auditor     —                     —                  —
outsider    —                     —                  —
=========== ===================== ================== ==============
"""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import pangting
from pangting.tests.conftest import ScopedWorld
from pangting.tests.matrix import (
    API,
    AUDITOR,
    CHANGERS,
    DIRECTORY_CHANGE,
    DIRECTORY_VIEW,
    EVERYONE,
    LOGIN,
    PERSON_PHONE,
    PERSONAS,
    POST_REDIRECT,
    SECADMIN,
    SYSADMIN,
    VIEWERS,
    Case,
    client_for,
    link_kwargs,
    mismatches,
    on_both_sides,
    org,
    person,
    pk_of,
    send,
)

# --- the web UI --------------------------------------------------------------------------


def pending_grant(w: ScopedWorld, role: str) -> int:
    """A grant by the security administrator to the outsider, waiting for its second person."""
    from pangting.accounts import services

    return services.assign_role(w.outsider, role, w.unit_a, actor=w.secadmin).pk


# One fixed job id: each request reuses its folder instead of leaving one more behind.
MATRIX_JOB = uuid.UUID("6d617472-6978-2d6a-6f62-2d3030303030")


def supervisor_job(w: ScopedWorld) -> dict[str, Any]:
    """A job the supervisor started for the root (observation.manage), finished with a file."""
    from pangting.core import jobs
    from pangting.core.models import Job

    job = Job.objects.create(
        pk=MATRIX_JOB, kind="matrix", title="导出", created_by=w.supervisor, organization=w.root,
        action="observation.manage", status=Job.Status.DONE, result={"file": "matrix.txt"},
    )  # fmt: skip
    (jobs.job_dir(job) / "matrix.txt").write_text("-", encoding="utf-8")
    return {"pk": job.pk}


WEB_CASES: list[Case] = [
    Case("home", EVERYONE),
    # A job: only who started it, while the policy still grants the work's action (core/views_jobs.py).
    Case("job_detail", frozenset({"supervisor"}), kwargs=supervisor_job),
    Case("job_progress", frozenset({"supervisor"}), kwargs=supervisor_job),
    Case("job_download", frozenset({"supervisor"}), kwargs=supervisor_job),
    Case("healthz", EVERYONE, anonymous=200),
    Case("favicon", EVERYONE, ok=302, anonymous=302),  # to the app's static icon, for everyone
    # The web app's worker and manifest hold no data: public like the static files.
    Case("service_worker", EVERYONE, anonymous=200),
    Case("web_manifest", EVERYONE, anonymous=200),
    # A signed-in user is sent on from the login page; only visitors see the form.
    Case("accounts:login", EVERYONE, ok=302, anonymous=200),
    Case("accounts:logout", EVERYONE, method="post", ok=LOGIN, anonymous=LOGIN),
    Case("accounts:password_change", EVERYONE),
    Case("accounts:profile", EVERYONE),
    Case("accounts:tokens", EVERYONE),
    Case("accounts:otp_enrol", EVERYONE),
    # Without a device the code page has nothing to ask and sends the user on.
    Case("accounts:otp_verify", EVERYONE, ok=302),
    # Without a device (or a code) nothing is switched off; the user is sent back to the page.
    Case("accounts:otp_remove", EVERYONE, **POST_REDIRECT),
    # Only the owner revokes a token; anyone else's request answers 404.
    Case(
        "accounts:token_revoke",
        frozenset({"secretary_a"}),
        kwargs=lambda w: {"pk": w.secretary_a.api_tokens.first().pk},
        **POST_REDIRECT,
    ),
    Case("accounts:user_list", SECADMIN),
    Case("accounts:user_create", SECADMIN),
    Case("accounts:user_detail", SECADMIN, kwargs=lambda w: {"pk": w.secretary_a.pk}),
    Case("accounts:user_toggle_active", SECADMIN, kwargs=lambda w: {"pk": w.secretary_a.pk}, **POST_REDIRECT),
    Case(
        "accounts:role_revoke",
        SECADMIN,
        kwargs=lambda w: {"pk": w.secretary_a.role_assignments.get().pk},
        **POST_REDIRECT,
    ),
    Case("accounts:user_otp_reset", SECADMIN, kwargs=lambda w: {"pk": w.member.pk}, **POST_REDIRECT),
    Case("accounts:lockouts", SECADMIN),
    Case("accounts:lockout_clear", SECADMIN, **POST_REDIRECT),
    Case("accounts:audit_log", AUDITOR),
    Case(
        "accounts:user_password_reset",
        SECADMIN,
        kwargs=lambda w: {"pk": w.secretary_a.pk},
        data=lambda w: {"password": "Reset-pass-2026x"},
        **POST_REDIRECT,
    ),
    # Issue 14 item 1, two-person rule: supervisors confirm business roles, the system and audit
    # administrators confirm duties; the grant is made inside each request's savepoint.
    Case("accounts:pending_grants", frozenset({"supervisor", "sysadmin", "auditor"})),
    Case(
        "accounts:grant_decide",
        frozenset({"supervisor"}),
        variant="business",
        kwargs=lambda w: {"pk": pending_grant(w, "member")},
        data=lambda w: {"decision": "confirm"},
        **POST_REDIRECT,
    ),
    Case(
        "accounts:grant_decide",
        frozenset({"sysadmin", "auditor"}),
        variant="duty",
        kwargs=lambda w: {"pk": pending_grant(w, "audit_admin")},
        data=lambda w: {"decision": "refuse"},
        **POST_REDIRECT,
    ),
    Case("orgs:organization_list", VIEWERS),
    Case("orgs:organization_search", VIEWERS),
    Case("orgs:person_search", VIEWERS),
    Case("orgs:organization_create", CHANGERS),
    *on_both_sides("orgs:organization_detail", DIRECTORY_VIEW, pk_of(org)),
    *on_both_sides("orgs:organization_edit", DIRECTORY_CHANGE, pk_of(org)),
    *on_both_sides("orgs:organization_delete", DIRECTORY_CHANGE, pk_of(org), **POST_REDIRECT),
    *on_both_sides(
        "orgs:member_add",
        DIRECTORY_CHANGE,
        pk_of(org),
        data=lambda w, side: {"person": w.secretary_a_person.pk, "role": "deputy"},
        **POST_REDIRECT,
    ),
    *on_both_sides(
        "orgs:conflict_add",
        DIRECTORY_CHANGE,
        pk_of(org),
        data=lambda w, side: {"conflict-person": w.leader_person.pk, "conflict-reason": "曾任该院院长"},
        **POST_REDIRECT,
    ),
    *on_both_sides(
        "orgs:member_end",
        DIRECTORY_CHANGE,
        lambda w, side: {"pk": {"A": w.membership_a, "B": w.membership_b}[side].pk},
        **POST_REDIRECT,
    ),
    Case("orgs:person_list", VIEWERS),
    Case("orgs:person_create", CHANGERS),
    *on_both_sides("orgs:person_detail", DIRECTORY_VIEW, pk_of(person)),
    *on_both_sides("orgs:person_edit", DIRECTORY_CHANGE, pk_of(person)),
    *on_both_sides("orgs:person_phone", PERSON_PHONE, pk_of(person), method="post"),
    Case("orgs:link_list", VIEWERS),
    Case(
        "orgs:link_create",
        CHANGERS,
        data=lambda w: {
            "kind": "leader",
            "person": w.leader_person.pk,
            "unit": w.unit_b.pk,
            "valid_from": "2026-03-01",
        },
        **POST_REDIRECT,
    ),
    *on_both_sides("orgs:link_end", DIRECTORY_CHANGE, link_kwargs("leader"), variant="leader", **POST_REDIRECT),
    *on_both_sides("orgs:link_end", DIRECTORY_CHANGE, link_kwargs("liaison"), variant="liaison", **POST_REDIRECT),
    Case("workdays:calendar", EVERYONE),
    Case("workdays:year_form", SYSADMIN, kwargs=lambda w: {"year": 2027}),
    # Excel import and export of the directory (pangting/orgs/transfer_views.py).
    Case("orgs:import", CHANGERS),
    Case("orgs:import_template", CHANGERS),
    Case("orgs:export", VIEWERS),
]


# --- the API -----------------------------------------------------------------------------


def api_objects(kind: str) -> Callable[[ScopedWorld, str], dict[str, Any]]:
    def build(w: ScopedWorld, side: str) -> dict[str, Any]:
        objects = {
            "organization": org(w, side),
            "person": person(w, side),
            "studygroup": {"A": w.group_a, "B": w.group_b}[side],
            "leaderlink": {"A": w.leader_link_a, "B": w.leader_link_b}[side],
            "liaison": {"A": w.liaison_a, "B": w.liaison_b}[side],
        }
        return {"pk": objects[kind].pk}

    return build


API_KINDS = ("organization", "person", "studygroup", "leaderlink", "liaison")


def api_detail_cases(kind: str) -> list[Case]:
    return on_both_sides(f"{kind}-detail", DIRECTORY_VIEW, api_objects(kind), **API)


API_CASES: list[Case] = [
    # The token endpoint takes credentials, not a session or token: a GET is refused for all.
    Case("api-token", frozenset(), denied=405, anonymous=405, api=True),
    Case("api-me", EVERYONE, **API),
    Case("api-tokens", EVERYONE, **API),
    # Only the owner revokes a token by the API; anyone else's DELETE answers 404.
    Case(
        "api-token-revoke",
        frozenset({"secretary_a"}),
        kwargs=lambda w: {"prefix": w.secretary_a.api_tokens.order_by("pk").first().prefix},
        method="delete",
        ok=204,
        **API,
    ),
    # Generating the schema takes ≈0.5 s and depends on no role: a sample suffices.
    Case("api-schema", EVERYONE, only=("supervisor", "outsider"), **API),
    Case("api-docs", EVERYONE, **API),
    Case("api-root", EVERYONE, **API),
    # The deadline calculator answers everyone signed in; without a query it is a 400, never a 500.
    Case("api-deadline", EVERYONE, data=lambda w: {"start": "2026-03-02", "amount": 7, "unit": "calendar"}, **API),
    Case("api-calendar-years", EVERYONE, **API),
    # Lists answer every signed-in user; what they contain is checked by `test_api_list_*`.
    *[Case(f"{kind}-list", EVERYONE, **API) for kind in API_KINDS],
    *[case for kind in API_KINDS for case in api_detail_cases(kind)],
    # The format-suffix routes go through the same scoping.
    *on_both_sides(
        "person-detail",
        DIRECTORY_VIEW,
        lambda w, side: {"pk": person(w, side).pk, "format": "json"},
        variant="json",
        **API,
    ),
    # Writes: only who may change the directory, and only inside their reach.
    *on_both_sides(
        "organization-list",
        DIRECTORY_CHANGE,
        lambda w, side: {},
        method="post",
        ok=201,
        # A parent outside the writer's reach answers like a missing one (issue 14, related ids scoped).
        denied=400,
        data=lambda w, side: {"name": "新党支部", "code": "NEWAPI", "kind": "branch", "parent": org(w, side).pk},
        **API,
    ),
    *on_both_sides(
        "organization-detail",
        DIRECTORY_CHANGE,
        api_objects("organization"),
        method="patch",
        data=lambda w, side: {"short_name": "改名"},
        **API,
    ),
    *on_both_sides(
        "person-detail",
        DIRECTORY_CHANGE,
        api_objects("person"),
        method="patch",
        data=lambda w, side: {"post": "院长"},
        **API,
    ),
]

CASES = WEB_CASES + API_CASES


def app_cases() -> list[Case]:
    """Cases other apps declare in `pangting/<app>/tests/permission_cases.py`."""
    collected: list[Case] = []
    for app in pkgutil.iter_modules(pangting.__path__):
        try:
            module = importlib.import_module(f"pangting.{app.name}.tests.permission_cases")
        except ModuleNotFoundError as error:
            if error.name and not f"pangting.{app.name}.tests.permission_cases".startswith(error.name):
                raise
            continue
        collected.extend(module.CASES)
    return collected


CASES = WEB_CASES + API_CASES + app_cases()

# Never declared: Django's own admin site (tested in test_security), the language switch, static files.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"set_language"}


def all_url_names() -> Iterator[tuple[str, str]]:
    """(full name, route) of every URL pattern of the project, nested resolvers included."""

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIPPED_NAMESPACES:
                    continue
                yield from walk(entry, route, ":".join(filter(None, [namespace, entry.namespace or ""])))
            elif isinstance(entry, URLPattern):
                if route.startswith(("static/", "media/")) or entry.name in SKIPPED_NAMES:
                    continue
                name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
                yield name, route

    yield from walk(get_resolver(), "", "")


# --- the tests ---------------------------------------------------------------------------


def test_it_declares_every_url_pattern():
    """Every URL must be in the table: a new view needs a decision about who may open it."""
    patterns = list(all_url_names())
    unnamed = [route for name, route in patterns if not name]
    assert not unnamed, f"URL patterns without a name cannot be declared: {unnamed}"
    missing = sorted({name for name, _route in patterns} - {case.name for case in CASES})
    assert not missing, (
        f"{len(missing)} URL names are not declared in the permission matrix "
        f"(test_permission_matrix.py or pangting/<app>/tests/permission_cases.py): {missing}"
    )


def test_it_has_no_stale_declarations():
    routed = {name for name, _route in all_url_names()}
    stale = sorted({case.name for case in CASES} - routed)
    assert not stale, f"Declared but no longer routed: {stale}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_matrix(scoped_world: ScopedWorld, case: Case):
    """Each persona (and an anonymous visitor) gets exactly the declared answer."""
    problems = mismatches(scoped_world, case)
    assert not problems, "\n".join(problems)


POST_ONLY = [case for case in WEB_CASES if case.method == "post"]


@pytest.mark.parametrize("case", POST_ONLY, ids=[case.id.removeprefix("POST ") for case in POST_ONLY])
def test_it_refuses_get_on_post_only_views(scoped_world: ScopedWorld, case: Case):
    """A GET on a POST-only view answers 405 (or 404), never a page."""
    for persona in PERSONAS:
        status = send(scoped_world, case, persona, method="get").status_code
        assert status in (404, 405), f"GET {case.id} as {persona}: {status}"


# --- lists: exactly what the persona reaches -----------------------------------------------
def listed_objects(w: ScopedWorld, kind: str) -> list[tuple[Any, str]]:
    """Every record of a kind in the world, with the organization (key) it belongs to."""
    return {
        "organization": [(w.root, "root"), (w.unit_a, "A"), (w.branch_a, "A1"), (w.unit_b, "B")],
        "person": [
            (w.leader_person, "root"),
            (w.leader_b_person, "root"),
            (w.liaison_person, "A"),
            (w.secretary_a_person, "A"),
            (w.member_person, "A"),
            (w.secretary_b_person, "B"),
            (w.member_b_person, "B"),
            (w.liaison_b_person, "B"),
        ],
        "studygroup": [(w.group_a, "A"), (w.group_b, "B")],
        "leaderlink": [(w.leader_link_a, "A"), (w.leader_link_b, "B")],
        "liaison": [(w.liaison_a, "A"), (w.liaison_b, "B")],
    }[kind]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("kind", API_KINDS)
def test_api_list_shows_exactly_what_the_persona_reaches(scoped_world, kind: str, persona: str):
    client = client_for(scoped_world, persona, api=True)
    response = client.get(reverse(f"{kind}-list"))
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None, "the world fits on one page"
    listed = {row["id"] for row in body["results"]}
    reach = DIRECTORY_VIEW[persona]
    expected = {obj.pk for obj, key in listed_objects(scoped_world, kind) if key in reach}
    assert listed == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_web_person_list_shows_exactly_what_the_persona_reaches(scoped_world, persona: str):
    client = client_for(scoped_world, persona, api=False)
    response = client.get(reverse("orgs:person_list"))
    if persona not in VIEWERS:
        assert response.status_code == 404
        return
    shown = {p.pk for p in response.context["page_obj"].object_list}
    reach = DIRECTORY_VIEW[persona]
    assert shown == {obj.pk for obj, key in listed_objects(scoped_world, "person") if key in reach}
    own = getattr(scoped_world, persona).display_name  # shown in the page header
    outside = [obj.name for obj, key in listed_objects(scoped_world, "person") if key not in reach and obj.name != own]
    html = response.content.decode()
    assert not [name for name in outside if name in html]


@pytest.mark.parametrize("persona", PERSONAS)
def test_web_organization_list_shows_exactly_what_the_persona_reaches(scoped_world, persona: str):
    client = client_for(scoped_world, persona, api=False)
    response = client.get(reverse("orgs:organization_list"))
    if persona not in VIEWERS:
        assert response.status_code == 404
        return
    shown = {o.pk for o in response.context["organizations"]}
    reach = DIRECTORY_VIEW[persona]
    assert shown == {obj.pk for obj, key in listed_objects(scoped_world, "organization") if key in reach}
