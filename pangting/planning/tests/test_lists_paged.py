"""The draw and plan-run lists are paged (issue 15): every record reachable, page after page,
instead of the newest 200 draws and 100 runs and nothing said about the rest."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from pangting.core import paging
from pangting.planning.tests.builders import make_draw
from pangting.planning.tests.test_api import make_run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("few_per_page")]


@pytest.fixture
def few_per_page(monkeypatch):
    monkeypatch.setattr(paging, "PER_PAGE", 2)


@time_machine.travel("2026-11-20 09:00 +0800", tick=False)
def test_the_draw_list_pages_every_draw_newest_first(world, client_for):
    draws = [make_draw(world, purpose=f"第{n}次随机抽取") for n in range(3)]
    client = client_for(world.supervisor)
    first = client.get(reverse("planning:draw_list"))
    assert [d.pk for d in first.context["page_obj"]] == [draws[2].pk, draws[1].pk]
    assert "下一页" in first.content.decode() and "共 3 条" in first.content.decode()
    second = client.get(reverse("planning:draw_list"), {"page": 2})
    assert [d.pk for d in second.context["page_obj"]] == [draws[0].pk]
    assert client.get(reverse("planning:draw_list"), {"page": "x"}).status_code == 200


@time_machine.travel("2026-11-20 09:00 +0800", tick=False)
def test_the_run_list_pages_every_run_and_keeps_its_form(world, client_for):
    runs = [make_run(world) for _ in range(3)]
    client = client_for(world.supervisor)
    first = client.get(reverse("planning:run_list"))
    assert [r.pk for r in first.context["page_obj"]] == [runs[2].pk, runs[1].pk]
    assert first.context["form"] is not None and "下一页" in first.content.decode()
    second = client.get(reverse("planning:run_list"), {"page": 9})  # past the end: the last page
    assert [r.pk for r in second.context["page_obj"]] == [runs[0].pk]
