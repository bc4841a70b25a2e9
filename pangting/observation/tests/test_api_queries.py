"""Issue 15: the observation API lists cost a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from pangting.observation import services
from pangting.observation.models import State

from .scenes import planned, travel, walk

pytestmark = pytest.mark.django_db

BASE = "/api/v1/observation"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def listed(client: APIClient, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def more_visits(w, n: int) -> None:
    """`n` more visits to unit A, every other one notified (a letter, a transition, a team)."""
    with travel("2026-09-25"):
        for i in range(n):
            visit = planned(w, target_month=1 + i % 6, semester=1)
            if i % 2:
                services.issue_letter(visit, actor=w.supervisor)


def test_the_visit_list_costs_the_same_for_3_visits_as_for_30(world, django_assert_max_num_queries):
    """460 queries for 50 rows before: team, transitions, actors and each step's precondition per row
    (the reply deliveries and their receipts, R-O4, add two per page)."""
    walk(world, State.FEEDBACK_ISSUED)
    walk(world, State.RECORDED)
    more_visits(world, 1)
    for persona in ("supervisor", "liaison", "secretary_a"):
        client = api(getattr(world, persona))
        with travel("2026-10-15"), django_assert_max_num_queries(14) as few:
            assert len(listed(client, f"{BASE}/visits/")) == 3, persona
        setattr(world, f"_few_{persona}", len(few.captured_queries))
    more_visits(world, 27)
    for persona in ("supervisor", "liaison", "secretary_a"):
        client = api(getattr(world, persona))
        with travel("2026-10-15"), django_assert_max_num_queries(getattr(world, f"_few_{persona}")):
            rows = listed(client, f"{BASE}/visits/")
        assert len(rows) == 30, persona


def test_the_list_still_offers_each_visits_own_steps(world):
    """The prefetched preconditions answer as the per-visit queries did (R-O4, R-O8, R-O10)."""
    issued = walk(world, State.FEEDBACK_ISSUED)
    with travel("2026-09-25"):
        without_leader = planned(world, target_month=3, semester=1)
        with_leader = planned(world, target_month=4, semester=1)
        for member in without_leader.team():
            member.soft_delete(actor=world.supervisor)  # a removed leader no longer counts
    with travel("2026-10-15"):
        rows = {row["id"]: row for row in listed(api(world.supervisor), f"{BASE}/visits/")}
        one = api(world.supervisor).get(f"{BASE}/visits/{issued.pk}/").json()
    assert rows[without_leader.pk]["available_steps"] == ["cancel"]
    assert rows[with_leader.pk]["available_steps"] == ["issue_letter", "cancel"]
    assert rows[issued.pk]["available_steps"] == one["available_steps"]
    assert [t["to_state"] for t in rows[issued.pk]["transitions"]] == [t["to_state"] for t in one["transitions"]]
    assert {m["role"] for m in rows[with_leader.pk]["team"]} >= {"leader"}


def rows_of_each_kind(w, n: int) -> None:
    """`n` problem-list items, cross-observations, invitations and practices (with a replication)."""
    import datetime as dt

    from pangting.core import clock
    from pangting.study.tests.builders import make_session

    for i in range(n):
        item = services.open_problem_item(w.unit_a, actor=w.secretary_a, problem=f"问题{i}", measure="措施")
        services.report_rectification(item, actor=w.secretary_a, report="已整改")
        cross = services.invite_cross_observation(w.unit_a, w.unit_b, actor=w.secretary_a)
        services.cancel_cross_observation(cross, actor=w.secretary_a, reason="时间冲突")
        session = make_session(w.unit_a, starts_at=clock.now() + dt.timedelta(days=10 + i))
        services.request_invitation(session, actor=w.secretary_a)
        practice = services.collect_practice(actor=w.supervisor, unit=w.unit_a, title=f"做法{i}", description="简介")
        services.record_replication(practice, w.unit_b, actor=w.supervisor, on=clock.today())


@pytest.mark.parametrize("path", ["rectifications", "cross", "invitations", "practices"])
def test_the_other_observation_lists_cost_the_same_for_2_rows_as_for_12(world, path, django_assert_max_num_queries):
    """Each row's step log, steps and replications come with the page (one query per kind, not per row)."""
    with travel("2026-10-15"):
        rows_of_each_kind(world, 2)
        for persona in ("supervisor", "secretary_a"):
            client = api(getattr(world, persona))
            with django_assert_max_num_queries(14) as few:
                assert len(listed(client, f"{BASE}/{path}/")) == 2, persona
            setattr(world, f"_few_{persona}", len(few.captured_queries))
        rows_of_each_kind(world, 10)
        for persona in ("supervisor", "secretary_a"):
            client = api(getattr(world, persona))
            with django_assert_max_num_queries(getattr(world, f"_few_{persona}")):
                rows = listed(client, f"{BASE}/{path}/")
            assert len(rows) == 12, persona
            if path in ("rectifications", "cross"):  # reported / cancelled: each row has its own log
                assert all(row["transitions"] for row in rows), persona
