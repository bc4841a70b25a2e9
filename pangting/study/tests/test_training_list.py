"""The training list (R-B6, R-S18) is paged (issue 15): all of a province's trainings reachable,
not the newest hundred."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from pangting.core import paging
from pangting.core.system import system_actor
from pangting.study import services as study

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-11-20 09:00 +0800", tick=False)
def test_the_training_list_pages_every_training_newest_first(world, client_for, monkeypatch):
    monkeypatch.setattr(paging, "PER_PAGE", 2)
    for day in (3, 10, 17):
        held_on = dt.date(2026, 6, day)
        study.record_training(world.unit_a, actor=system_actor(), held_on=held_on, title=f"支部书记培训{day}")
    client = client_for(world.secretary_a)
    first = client.get(reverse("study:training_list"))
    assert [t.held_on.day for t in first.context["page_obj"]] == [17, 10]
    assert "共 3 条" in first.content.decode()
    second = client.get(reverse("study:training_list"), {"page": 2})
    assert [t.held_on.day for t in second.context["page_obj"]] == [3]
