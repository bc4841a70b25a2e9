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
]
CREATE_PAGES = ["orgs:link_list", *PAGES[-6:]]
# Study's forms, read by a study secretary of the whole tree (the supervisor only reads study).
STUDY_CREATE_PAGES = ["study:session_create", "study:training_list"]


def _counts(client):
    counts = {}
    for name in PAGES:
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
    pages = [
        *((world.supervisor, reverse(name)) for name in CREATE_PAGES),
        (world.supervisor, detail),
        *((secretary, reverse(name)) for name in STUDY_CREATE_PAGES),
    ]
    for user, url in pages:
        client.force_login(user)
        with travel(TODAY, 12):
            response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200 and 'type="search"' in page, url
        listed = [text for text in ("第0学院党委", "第1学院党委", "成员0", "成员1") if text in page]
        assert listed == [], f"{url} lists {listed}"
