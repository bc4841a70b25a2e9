"""A user who manages observation for two supervising levels (R-O23) chooses, on each planning
page, which one it works for: unavailability, plan runs and draws are recorded for that seat,
not always for the first one."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pangting.accounts.models import Role
from pangting.core.system import system_actor
from pangting.orgs import services as org_services
from pangting.planning.models import Draw, PlanRun, Unavailability
from pangting.planning.tests.builders import SINCE
from pangting.tests.builders import make_user
from pangting.tests.levels import Levels

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_seats(world):
    """The personas' world with the college's own level, its leader linked to its department, and
    a user who manages observation at the university and at the college."""
    levels = Levels(world)
    org_services.link_leader(levels.college_leader, levels.department, actor=system_actor(), valid_from=SINCE)
    levels.user = make_user("two_seats", (Role.SUPERVISOR, world.root), (Role.SUPERVISOR, levels.college))
    return levels


def client(user):
    c = Client()
    c.force_login(user)
    return c


def test_unavailability_is_recorded_for_the_seat_chosen(two_seats):
    L, w = two_seats, two_seats.w
    c = client(L.user)
    page = c.get(reverse("planning:unavailability_list"), {"year": "2027"}).content.decode()
    assert 'name="supervisor_org"' in page and L.college.name in page and w.root.name in page
    data = {"person": L.college_leader.pk, "year": 2027, "first_month": 4, "last_month": 5, "reason": "赴省委党校学习"}
    response = c.post(reverse("planning:unavailability_create"), {**data, "supervisor_org": L.college.pk}, follow=True)
    assert "已登记不可安排时间" in response.content.decode()
    row = Unavailability.objects.get()
    assert (row.supervisor_org, row.person) == (L.college, L.college_leader)
    # Listed with its seat, since the user has two.
    page = c.get(reverse("planning:unavailability_list"), {"year": "2027"}).content.decode()
    assert "<th>督导组织</th>" in page


def test_without_a_choice_it_is_the_first_seat_which_refuses_the_other_levels_leader_in_chinese(two_seats):
    L = two_seats
    c = client(L.user)
    data = {"person": L.college_leader.pk, "year": 2027, "first_month": 4, "last_month": 5, "reason": "出访"}
    page = c.post(reverse("planning:unavailability_create"), data).content.decode()
    assert "不是本组织当前的联系领导或联络员" in page
    assert not Unavailability.all_objects.exists()


def test_a_seat_that_is_not_the_users_is_refused(two_seats):
    L, w = two_seats, two_seats.w
    c = client(L.college_supervisor)  # one seat: the college
    data = {"person": L.college_leader.pk, "year": 2027, "first_month": 4, "last_month": 5, "reason": "出访"}
    response = c.post(reverse("planning:unavailability_create"), {**data, "supervisor_org": w.root.pk}, follow=True)
    assert response.status_code == 200
    assert Unavailability.objects.get().supervisor_org == L.college  # one seat: no choice to make
    c = client(L.user)
    page = c.post(reverse("planning:unavailability_create"), {**data, "supervisor_org": w.unit_a.pk}).content.decode()
    assert "选择一个有效的选项" in page
    assert Unavailability.objects.count() == 1
    assert c.get(reverse("planning:draw_create"), {"supervisor_org": str(w.unit_a.pk)}).status_code == 404
    assert c.get(reverse("planning:draw_create"), {"supervisor_org": "x"}).status_code == 404


def test_a_user_with_one_seat_is_not_asked(two_seats):
    w = two_seats.w
    c = client(w.supervisor)
    for name in ("planning:unavailability_list", "planning:run_list", "planning:draw_create"):
        assert 'name="supervisor_org"' not in c.get(reverse(name)).content.decode(), name


def test_a_plan_run_is_made_for_the_seat_chosen(two_seats):
    L, w = two_seats, two_seats.w
    c = client(L.user)
    assert 'name="supervisor_org"' in c.get(reverse("planning:run_list")).content.decode()
    data = {"year": 2027, "time_limit": 3, "cross_observation": ""}
    c.post(reverse("planning:run_create"), {**data, "supervisor_org": L.college.pk})
    c.post(reverse("planning:run_create"), data)
    assert [r.supervisor_org for r in PlanRun.objects.order_by("pk")] == [L.college, w.root]


def test_a_draw_lists_and_is_made_for_the_seat_chosen(two_seats):
    L, w = two_seats, two_seats.w
    c = client(L.user)
    url = reverse("planning:draw_create")
    first = c.get(url).content.decode()
    assert w.unit_a.name in first and L.department.name not in first
    page = c.get(url, {"supervisor_org": str(L.college.pk)}).content.decode()
    assert L.department.name in page and w.unit_a.name not in page
    assert f'name="supervisor_org" value="{L.college.pk}"' in page
    data = {
        "supervisor_org": L.college.pk, "purpose": "2027年随机式巡听旁听", "year": 2027, "count": 1,
        "public_value_source": "2027年3月1日上证指数收盘点位", f"include_{L.department.pk}": "on",
    }  # fmt: skip
    response = c.post(url, data)
    draw = Draw.objects.get()
    assert response.status_code == 302 and draw.supervisor_org == L.college
    assert {str(candidate["id"]) for candidate in draw.candidates} == {str(L.department.pk)}
