"""The shared registries: every app registers its menu entries, to-dos, reach extensions and demo hooks."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from pangting.core import registry

# The main menu as it stood when it was a settings list: the registries must keep its order.
EXPECTED_MENU = [
    "home",
    "orgs:organization_list",
    "orgs:person_list",
    "orgs:link_list",
    "study:session_list",
    "study:my_study",
    "study:plan_list",
    "study:branch_overview",
    "assessment:report_list",
    "observation:visit_list",
    "observation:plan_detail",
    "observation:invitation_list",
    "observation:cross_list",
    "observation:practice_list",
    "observation:grouping_list",
    "planning:draw_list",
    "planning:run_list",
    "analysis:calibration",
    "planning:unavailability_list",
    "reports:dashboard",
    "compliance:finding_list",
    "analysis:pair_list",
    "analysis:theme_hints",
    "reports:document_list",
    "assessment:sheet",
    "reports:ledgers",
    "reports:levels",
    "workdays:calendar",
    "compliance:rule_list",
    "accounts:user_list",
    "accounts:audit_log",
    "help:index",
]


def test_it_keeps_the_menu_order_across_apps():
    assert [entry.url_name for entry in registry.navigation()] == EXPECTED_MENU


def test_it_labels_every_menu_group_some_app_registered():
    groups = {entry.group for entry in registry.navigation()} - {""}
    assert groups == {"directory", "study", "observation", "reports", "system"}
    for key in groups:
        assert str(registry.navigation_group_label(key)) != key


def test_it_runs_the_demo_hooks_in_the_order_each_builds_on_the_last():
    modules = [hook.__module__ for hook in registry.demo_hooks()]
    assert modules == [
        "pangting.study.demo",
        "pangting.observation.demo",  # links visits to the study sessions
        "pangting.observation.demo",  # the city level's own supervision above the university (R-O23)
        "pangting.study.demo_followup",  # members' own records around the sessions made above
        "pangting.planning.demo",
        "pangting.assessment.demo",  # 述学 reports, before compliance checks them
        "pangting.analysis.demo",  # a disguised work meeting, before compliance judges it (R-S8)
        "pangting.analysis.demo_calibration",  # strict and lenient teams, after the visits' records
        "pangting.compliance.demo",
        "pangting.reports.demo",  # drafts from the findings
    ]


def test_it_collects_the_to_dos_and_reach_extensions_of_every_app_that_has_them():
    assert [p.__module__ for p in registry.todo_providers()] == [
        "pangting.workdays.todos",
        "pangting.orgs.todos",
        "pangting.accounts.todos",
        "pangting.study.todos",
        "pangting.observation.todos",
        "pangting.reports.todos",  # the year's summary and bulletin (R-O15)
    ]
    assert [e.__name__ for e in registry.reach_extensions()] == ["team_reach_paths"]


def test_it_does_not_grow_duplicates_when_ready_runs_again():
    before = (registry.navigation(), registry.todo_providers(), registry.demo_hooks(), registry.reach_extensions())
    for config in apps.get_app_configs():
        if config.name.startswith("pangting."):
            config.ready()
    after = (registry.navigation(), registry.todo_providers(), registry.demo_hooks(), registry.reach_extensions())
    assert after == before


@pytest.mark.django_db
def test_it_builds_the_menu_from_the_registry_for_what_the_policy_grants(world, client_for):
    supervisor_menu = client_for(world.supervisor).get("/").context["nav_menu"]
    labels = [str(entry["label"]) for entry in supervisor_menu]
    assert labels[0] == "我的待办"
    assert "巡听旁听" in labels
    secadmin_urls = {item["url"] for item in client_for(world.secadmin).get("/").context["nav_items"]}
    member_urls = {item["url"] for item in client_for(world.member).get("/").context["nav_items"]}
    assert reverse("accounts:user_list") in secadmin_urls
    assert reverse("accounts:user_list") not in member_urls
    assert all(not entry.get("is_group") or len(entry["children"]) > 1 for entry in supervisor_menu)


@pytest.mark.django_db
def test_it_scopes_records_through_the_registered_policy_without_core_importing_it(world):
    from pangting.accounts import policy
    from pangting.orgs.models import Organization

    assert registry.scope.__module__ == "pangting.core.registry"
    reached = set(Organization.objects.for_user(world.secretary_b).values_list("pk", flat=True))
    expected = set(policy.scope(Organization.objects.all(), world.secretary_b, None).values_list("pk", flat=True))
    assert reached == expected
    assert world.unit_b.pk in reached
    assert world.unit_a.pk not in reached
