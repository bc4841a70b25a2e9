"""The rule and findings pages: Chinese refusals, scoping, a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pangting.compliance import services
from pangting.core.models import RuleParameter
from pangting.core.system import system_actor

from .builders import good_session, travel

pytestmark = pytest.mark.django_db


def test_it_lists_rules_with_defaults_and_saves_a_parameter(world, client_for):
    client = client_for(world.supervisor)
    page = client.get(reverse("compliance:rule_list")).content.decode()
    assert "R-S3" in page and "参学率下限" in page
    response = client.post(reverse("compliance:rule_parameter"), {"rule": "R-S3", "name": "min_rate", "value": "85"})
    assert response.status_code == 302 and RuleParameter.objects.get(rule_id="R-S3").value == 85


def test_it_refuses_a_bad_parameter_with_a_chinese_message(world, client_for):
    client = client_for(world.supervisor)
    response = client.post(
        reverse("compliance:rule_parameter"), {"rule": "R-S3", "name": "min_rate", "value": "abc"}, follow=True
    )
    assert "无效" in response.content.decode() and not RuleParameter.objects.exists()


def test_it_lists_findings_in_reach_with_a_fixed_number_of_queries(world, client_for):
    url = reverse("compliance:finding_list") + "?year=2026"
    counts = []
    for month in (7, 8, 9):
        good_session(world, dt.date(2026, month, 15), summary="", member_records=False)
        with travel(dt.date(2026, 11, 23)):
            services.run_checks(2026, actor=system_actor())
        client = client_for(world.supervisor)
        client.get(url)  # warm the session and policy caches
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url + "&rule=R-S7").content.decode()
        counts.append(len(queries))
        assert page.count("会后未形成学习小结") == month - 6
    assert counts[0] == counts[-1], counts
    page = client_for(world.secretary_b).get(url).content.decode()
    assert "会后未形成学习小结" not in page  # unit A's findings are out of secretary B's reach
