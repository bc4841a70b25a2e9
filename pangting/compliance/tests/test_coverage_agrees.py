"""R-O11: the plan page, the dashboard and the compliance check use one coverage (`observation.coverage`)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from pangting.compliance import services
from pangting.observation.tests.scenes import walk
from pangting.reports import metrics


def test_it_names_the_same_uncovered_units_on_the_plan_page_the_dashboard_and_in_r_o11(world, client_for):
    walk(world, "observed")  # unit A observed in 2026, the second year of the 2025–2026 round
    with time_machine.travel(dt.datetime(2027, 1, 10, 12, tzinfo=dt.UTC), tick=False):
        flagged = {f.unit_id for rule, f in services.compute(2026, rules=["R-O11"])}
        page = client_for(world.supervisor).get(reverse("observation:plan_detail"), {"year": 2026})
    dashboard = {u.pk for u in metrics.coverage([world.unit_a, world.unit_b], 2026).uncovered_units}
    assert flagged == dashboard == {row.unit.pk for row in page.context["uncovered"]} == {world.unit_b.pk}
