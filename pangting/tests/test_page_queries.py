"""Issue 15: a list or dashboard page reads the same number of queries however many units and
records lie under it (every list is paged; figures are counted in SQL).

Each page is read as the supervisor over the test world with a few units of records, then again
after more units with the same kinds of records are added; the counts must not move.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pangting.accounts.models import Role
from pangting.compliance.tests.builders import good_session, more_units, travel
from pangting.observation.models import Rectification, State
from pangting.observation.tests.scenes import walk
from pangting.tests.builders import make_user

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)

PAGES = [
    "home",
    "orgs:organization_list",
    "orgs:person_list",
    "orgs:link_list",
    "study:session_list",
    "study:session_calendar",
    "study:plan_list",
    "study:branch_overview",
    "study:training_list",
    "study:archive_overview",
    "study:outcome_list",
    "study:cadre_branch_list",
    "observation:visit_list",
    "observation:rectification_list",
    "observation:invitation_list",
    "observation:cross_list",
    "observation:practice_list",
    "observation:plan_detail",
    "observation:grouping_list",
    "planning:draw_list",
    "planning:run_list",
    "planning:unavailability_list",
    "compliance:rule_list",
    "compliance:finding_list",
    "reports:dashboard",
    "reports:document_list",
    "reports:ledgers",
    "reports:levels",
    "analysis:pair_list",
    "analysis:theme_hints",
    "analysis:calibration",
    "assessment:sheet",
    "assessment:report_list",
    # Create forms search their unit and person (issue 15): no <select> growing with the tree.
    "observation:visit_create",
    "observation:problem_item_create",
    "observation:practice_create",
    "orgs:organization_create",
    "orgs:person_create",
    "observation:grouping_create",
    "observation:cross_create",
    "assessment:report_create",
]
CREATE_PAGES = ["orgs:link_list", *PAGES[-8:]]
# Study's forms, read by a study secretary of the whole tree (the supervisor only reads study).
STUDY_CREATE_PAGES = [
    "study:session_create",
    "study:training_list",
    "study:plan_create",
    "study:outcome_list",
    "study:cadre_branch_list",
]


# Pages that keep a costly figure between readings while its inputs are unchanged (the theme
# hints' ranking): counted on a reading that finds it kept. The reading that ranks runs a fixed
# number of queries too, pinned beside it (`analysis/tests/test_theme_tokens.py`).
KEPT = {"analysis:theme_hints", "/api/v1/analysis/theme-hints/"}


def _counts(client):
    counts = {}
    for name in PAGES:
        if name in KEPT:
            with travel(TODAY, 12):
                client.get(reverse(name))
        with travel(TODAY, 12), CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(name))
        assert response.status_code == 200, name
        counts[name] = len(captured)
    return counts


def test_every_list_and_dashboard_reads_the_same_queries_for_four_units_and_for_six(world, client):
    good_session(world)
    more_units(world, 0, 2)
    client.force_login(world.supervisor)
    with travel(TODAY, 12):
        client.get(reverse("home"))  # the first page after the login saves the session
    few = _counts(client)
    more_units(world, 2, 2)
    many = _counts(client)
    assert {name: (few[name], many[name]) for name in PAGES if few[name] != many[name]} == {}


def test_the_create_forms_list_no_unit_or_person_whatever_the_tree_holds(world, client):
    """A <select> would list every unit and person in reach: the search lists none of them."""
    more_units(world, 0, 2)
    secretary = make_user("root_secretary", (Role.STUDY_SECRETARY, world.root))
    detail = reverse("orgs:organization_detail", args=[world.unit_a.pk])  # its center group and conflict forms
    session = good_session(world)  # its attendance page adds a person
    problem = Rectification.objects.filter(visit=walk(world, State.RECTIFYING)).first()  # its owner
    pages = [
        *((world.supervisor, reverse(name)) for name in CREATE_PAGES),
        (world.supervisor, detail),
        (world.supervisor, reverse("observation:rectification_detail", args=[problem.pk])),
        *((secretary, reverse(name)) for name in STUDY_CREATE_PAGES),
        (secretary, reverse("study:session_attendance", args=[session.pk])),
    ]
    for user, url in pages:
        client.force_login(user)
        with travel(TODAY, 12):
            response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200 and 'type="search"' in page, url
        listed = [text for text in ("第0学院党委", "第1学院党委", "成员0", "成员1") if text in page]
        assert listed == [], f"{url} lists {listed}"


SYSTEM_PAGES = [
    ("secadmin", "accounts:user_list"),
    ("secadmin", "accounts:lockouts"),
    ("auditor", "accounts:audit_log"),
    ("supervisor", "accounts:pending_grants"),
    ("supervisor", "accounts:tokens"),
    ("supervisor", "workdays:calendar"),
    ("member", "study:my_study"),
]


def _system_counts(world, client):
    counts = {}
    for persona, name in SYSTEM_PAGES:
        client.force_login(getattr(world, persona))
        with travel(TODAY, 12):
            client.get(reverse("home"))  # the first page after the login saves the session
            with CaptureQueriesContext(connection) as captured:
                response = client.get(reverse(name))
        assert response.status_code == 200, name
        counts[name] = len(captured)
    return counts


def test_the_system_pages_read_the_same_queries_with_more_units_users_and_audit_events(world, client):
    """The account, audit and calendar pages are paged too: more units with their secretaries
    (each creation and role grant an audit event) read no more queries."""
    from pangting.orgs.models import Organization
    from pangting.tests.builders import make_user

    def secretaries(first: int, count: int) -> None:
        for i in range(first, first + count):
            unit = Organization.objects.get(code=f"U{i}")
            make_user(f"secretary{i}", ("study_secretary", unit))

    good_session(world)
    more_units(world, 0, 2)
    secretaries(0, 2)
    few = _system_counts(world, client)
    more_units(world, 2, 3)
    secretaries(2, 3)
    many = _system_counts(world, client)
    assert {name: (few[name], many[name]) for _, name in SYSTEM_PAGES if few[name] != many[name]} == {}


def _api_lists() -> list[str]:
    from pangting.api_urls import router

    # These answer one result asked by their parameters, not a list.
    asked = {"reports/figures", "analysis/substitution"}
    return [f"/api/v1/{prefix}/" for prefix, _viewset, _name in router.registry if prefix not in asked]


def test_every_api_list_reads_the_same_queries_for_four_units_and_for_six(world):
    """The API lists are paged and their rows' labels, members and steps read in bulk (issue 15)."""
    from rest_framework.test import APIClient

    good_session(world)
    more_units(world, 0, 2)
    client = APIClient()
    client.force_authenticate(world.supervisor)

    refused: list[tuple[str, int]] = []

    def counts() -> dict[str, int]:
        found = {}
        for url in _api_lists():
            if url in KEPT:
                with travel(TODAY, 12):
                    client.get(url)
            with travel(TODAY, 12), CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code != 200:
                refused.append((url, response.status_code))
            found[url] = len(captured)
        return found

    with travel(TODAY, 12):
        client.get(_api_lists()[0])  # the first request fills the process's caches
    few = counts()
    assert refused == []
    more_units(world, 2, 2)
    many = counts()
    assert len(few) > 30 and {url: (few[url], many[url]) for url in few if few[url] != many[url]} == {}
