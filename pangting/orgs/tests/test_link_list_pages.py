"""Issue 15: the leaders' and liaisons' lists are paged, each by its own page parameter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pangting.core import paging
from pangting.core.system import system_actor
from pangting.orgs import services
from pangting.tests.builders import make_person

pytestmark = pytest.mark.django_db


def test_each_list_is_paged_on_its_own_and_its_links_keep_the_other_page(world, client_for, monkeypatch):
    since = dt.date(2020, 1, 1)
    second_leader = make_person("钱校领导", world.root, post="副书记", is_school_leader=True)
    services.link_leader(second_leader, world.unit_b, actor=system_actor(), valid_from=since)
    services.assign_liaison(world.member_b_person, world.unit_b, actor=system_actor(), valid_from=since)
    monkeypatch.setattr(paging, "PER_PAGE", 1)
    client = client_for(world.supervisor)

    first = client.get(reverse("orgs:link_list"))
    assert [link.leader for link in first.context["leader_links"]] == [world.leader_person]
    assert [a.liaison for a in first.context["liaisons"]] == [world.liaison_person]
    text = first.content.decode()
    assert 'href="?page=2"' in text and 'href="?liaison_page=2"' in text

    later = client.get(reverse("orgs:link_list"), {"page": "2", "liaison_page": "2"})
    assert [link.leader for link in later.context["leader_links"]] == [second_leader]
    assert [a.liaison for a in later.context["liaisons"]] == [world.member_b_person]
    text = later.content.decode()
    assert 'href="?liaison_page=2&page=1"' in text  # the leaders' link keeps the liaisons' page
    assert 'href="?page=2&liaison_page=1"' in text
    # A bad page number shows the nearest page, never an error.
    assert client.get(reverse("orgs:link_list"), {"liaison_page": "x"}).status_code == 200
