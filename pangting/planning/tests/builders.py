"""Builders for planning tests: a committed or drawn draw over the personas' units, through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pangting.core.system import system_actor
from pangting.orgs import services as org_services
from pangting.planning import services
from pangting.planning.models import Draw
from pangting.tests.builders import make_group, make_org, make_person

# When the planning worlds' leader links begin: long before any plan year of the tests.
SINCE = dt.date(2020, 1, 1)


def make_draw(w: Any, *, count: int = 1, drawn: bool = False, public_value: str = "3267.58", **fields: Any) -> Draw:
    fields.setdefault("purpose", "2026年秋季学期随机式巡听旁听")
    fields.setdefault("year", 2026)
    fields.setdefault("public_value_source", "2026年12月1日上证指数收盘点位")
    fields.setdefault("candidates", [w.unit_a, w.unit_b])
    draw = services.create_draw(actor=w.supervisor, supervisor_org=w.root, count=count, **fields)
    if drawn:
        draw = services.perform_draw(draw, public_value, actor=w.supervisor)
    return draw


def add_college(w: Any) -> Any:
    """The personas' world plus a third unit C (so that cross-observation has a valid cycle, R-O13)
    and a second school leader linked to B and C (R-O3)."""
    w.unit_c = make_org("丙学院党委", w.root, code="UC")
    w.group_c = make_group(w.unit_c)
    w.leader_b_person = make_person("钱校领导", w.root, post="副校长", is_school_leader=True)
    for unit in (w.unit_b, w.unit_c):
        org_services.link_leader(w.leader_b_person, unit, actor=system_actor(), valid_from=SINCE)
    return w
